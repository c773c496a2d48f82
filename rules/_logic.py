"""Condition trees as logic: negation normal form, three-valued evaluation.

Missing values follow Kleene's three-valued logic: a comparison with a
missing value is *unknown*; ``not`` of unknown is unknown; ``all`` is false
if any part is false, ``any`` is true if any part is true. A rule fires only
when its condition is *true*. Pushing ``not`` down to the comparisons
(negation normal form) keeps this meaning, because the negated comparison is
unknown on a missing value as well; only ``is_missing``/``is_present`` are
never unknown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules._schema import AllOf, AnyOf, Compare, Condition, NotOf

__all__ = [
    "NEGATED",
    "Leaf",
    "Nnf",
    "compare_value",
    "evaluate",
    "leaves",
    "to_nnf",
]

#: The comparison that is true exactly where the given one is false
#: (both are unknown on a missing value).
NEGATED = {
    "eq": "ne",
    "ne": "eq",
    "lt": "ge",
    "ge": "lt",
    "le": "gt",
    "gt": "le",
    "in": "not_in",
    "not_in": "in",
    "is_missing": "is_present",
    "is_present": "is_missing",
}


@dataclass(frozen=True, slots=True)
class Leaf:
    """A comparison in negation normal form."""

    field: str
    op: str
    value: Any = None


#: A condition in negation normal form: ``("and", [...])``, ``("or", [...])``
#: or a :class:`Leaf`.
Nnf = tuple[str, list[Any]] | Leaf


def to_nnf(condition: Condition, negate: bool = False) -> Nnf:
    """The condition with every ``not`` pushed down to the comparisons."""
    if isinstance(condition, Compare):
        op = NEGATED[condition.op] if negate else condition.op
        return Leaf(condition.field, op, _frozen(condition.value))
    if isinstance(condition, NotOf):
        return to_nnf(condition.not_, not negate)
    if isinstance(condition, AllOf):
        kind, parts = ("or" if negate else "and"), condition.all
    else:
        assert isinstance(condition, AnyOf)
        kind, parts = ("and" if negate else "or"), condition.any
    return (kind, [to_nnf(part, negate) for part in parts])


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def compare_value(op: str, got: Any, value: Any) -> bool | None:
    """Result of one comparison on an input value; ``None`` means unknown."""
    if op == "is_missing":
        return got is None
    if op == "is_present":
        return got is not None
    if got is None or (isinstance(got, float) and math.isnan(got)):
        return None
    if op == "eq":
        return bool(got == value)
    if op == "ne":
        return bool(got != value)
    if op == "lt":
        return bool(got < value)
    if op == "le":
        return bool(got <= value)
    if op == "gt":
        return bool(got > value)
    if op == "ge":
        return bool(got >= value)
    if op == "in":
        return got in value
    return got not in value


def evaluate(
    condition: Condition, facts: Mapping[str, Any], trace: list[Any] | None = None
) -> bool | None:
    """Three-valued result of a condition; every comparison goes to ``trace``.

    ``trace`` receives ``(field, op, value, input, result)`` for every
    comparison, in the order the rule file writes them.
    """
    if isinstance(condition, Compare):
        got = facts.get(condition.field)
        result = compare_value(condition.op, got, condition.value)
        if trace is not None:
            trace.append((condition.field, condition.op, condition.value, got, result))
        return result
    if isinstance(condition, NotOf):
        inner = evaluate(condition.not_, facts, trace)
        return None if inner is None else not inner
    if isinstance(condition, AllOf):
        results = [evaluate(part, facts, trace) for part in condition.all]
        if False in results:
            return False
        return None if None in results else True
    assert isinstance(condition, AnyOf)
    results = [evaluate(part, facts, trace) for part in condition.any]
    if True in results:
        return True
    return None if None in results else False


def leaves(condition: Condition) -> list[Compare]:
    """Every comparison of a condition, in file order."""
    if isinstance(condition, Compare):
        return [condition]
    if isinstance(condition, NotOf):
        return leaves(condition.not_)
    parts = condition.all if isinstance(condition, AllOf) else condition.any
    return [leaf for part in parts for leaf in leaves(part)]
