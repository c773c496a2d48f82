"""Errors of the rule layer and the problem record that static checks report.

::

    RuleError (Exception)
    ├── RuleFileError (ValueError)       rule files break the schema or a check
    ├── RuleInputError (ValueError)      facts given to the engine break the contract
    └── RuleEngineError (RuntimeError)   durable_rules failed or disagreed

A :class:`RuleFileError` carries every :class:`RuleProblem` found, each with a
stable code, the file, the line and the rule id. Errors name fields, never the
values of personal identifiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "PROBLEM_CODES",
    "RuleEngineError",
    "RuleError",
    "RuleFileError",
    "RuleInputError",
    "RuleProblem",
]

#: Stable machine codes of rule-file problems, with what each means.
PROBLEM_CODES: dict[str, str] = {
    "yaml": "the file is not valid YAML",
    "schema": "a key is missing, unknown or has the wrong shape",
    "unknown_operator": "a comparison uses an operator that does not exist",
    "unknown_field": "a condition names a field that is not in the data contract",
    "group_field": "a condition names a group attribute (fairness analysis only)",
    "value_type": "a constant does not have the type or range of its field",
    "empty_group": "an all/any group has no conditions",
    "duplicate_id": "two rules share an id and version",
    "overlapping_versions": "two versions of one rule are effective on one day",
    "never_true": "a condition can never be true",
    "undeclared_category": "a condition uses a data category the rule does not declare",
    "ruleset_mismatch": "files of one rule set disagree on its name or version",
    "example": "an embedded example is malformed",
}


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One problem found in a rule file.

    Attributes
    ----------
    file : str
        Path of the rule file.
    line : int
        1-based line of the offending node.
    code : str
        Stable machine code, one of :data:`PROBLEM_CODES`.
    message : str
        What was expected and what was found.
    rule_id : str or None
        Id of the rule the problem is in, if any.
    """

    file: str
    line: int
    code: str
    message: str
    rule_id: str | None = None

    def __str__(self) -> str:
        rule = f" [{self.rule_id}]" if self.rule_id else ""
        return f"{self.file}:{self.line}:{rule} {self.code}: {self.message}"


class RuleError(Exception):
    """Base class of rule-layer errors."""


class RuleFileError(RuleError, ValueError):
    """Rule files that fail validation; ``problems`` lists every problem."""

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{count} problem{'s' * (count != 1)} in rule files"]
        lines += [f"  {p}" for p in self.problems[:50]]
        if count > 50:
            lines.append(f"  ... and {count - 50} more")
        super().__init__("\n".join(lines))


class RuleInputError(RuleError, ValueError):
    """Facts given to the engine that break the data contract."""


class RuleEngineError(RuleError, RuntimeError):
    """durable_rules failed, an action raised, or the engine and trace disagree."""
