"""Errors of the data contract.

::

    ContractError (ValueError)
    ├── BannedAttributeError   a field declares a banned attribute
    └── RecordError            one or more records break the contract

A :class:`RecordError` carries every :class:`Problem` found, each with a
stable code, the field, the row (for files), what was expected and what was
got. For personal fields (phone number, subscription id) ``got`` is never
the value itself, only its kind, so errors can be logged and shown safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["BannedAttributeError", "ContractError", "Problem", "RecordError"]


class ContractError(ValueError):
    """Base class of data-contract errors."""


class BannedAttributeError(ContractError):
    """A field declaration names an attribute that may never be used."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One way a record breaks the contract.

    ``code`` is stable and meant for machines: ``missing``, ``type``,
    ``range``, ``category``, ``integer``, ``format``, ``unknown_field``,
    ``future_date``, ``inconsistent``.
    """

    field: str
    code: str
    expected: str
    got: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        got = f"; got {self.got}" if self.got is not None else ""
        return f"{where}field {self.field!r}: expected {self.expected}{got}"


class RecordError(ContractError):
    """Records that break the data contract; ``problems`` lists all of them."""

    def __init__(self, problems: Sequence[Problem], source: str | None = None):
        self.problems = tuple(problems)
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.source}: " if self.source else ""
        count = len(self.problems)
        rows = {p.row for p in self.problems if p.row is not None}
        scope = f" in {len(rows)} rows" if rows else ""
        lines = [f"{head}{count} problem{'s' * (count != 1)}{scope}"]
        shown = self.problems[:50]
        lines += [f"  {p}" for p in shown]
        if count > len(shown):
            lines.append(f"  ... and {count - len(shown)} more")
        return "\n".join(lines)
