"""Errors of scenario policies and the problem record that ``scenarios check`` prints.

::

    PolicyError (CredcertError)
    ├── PolicyFileError (ValueError)     policy files break the schema or a check
    ├── PolicyNotFoundError (KeyError)   no policy for a scenario on a day
    └── AnswerInputError (ValueError)    a certificate cannot be answered about

A :class:`PolicyFileError` carries every :class:`PolicyProblem` found, each
with a stable code, the file and the line. Messages name fields and expected
forms, never a personal value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from credcert._errors import CredcertError

__all__ = [
    "PROBLEM_CODES",
    "AnswerInputError",
    "PolicyError",
    "PolicyFileError",
    "PolicyNotFoundError",
    "PolicyProblem",
]

#: Stable machine codes of policy-file problems, with what each means.
PROBLEM_CODES: dict[str, str] = {
    "yaml": "the file is not valid YAML",
    "schema": "a key is missing, unknown or has the wrong shape",
    "unknown_answer": "an entry or example names an answer the policy does not declare",
    "unknown_rule": "a condition names a rule id that is not in the rule set",
    "unknown_dimension": "a condition names a dimension that does not exist",
    "unknown_purpose": "consent_purpose is not a purpose of the consent ledger",
    "out_of_range": "a subscore bound lies outside 0 to 100 percent",
    "never_true": "a condition can never be true",
    "unreachable": "a decide entry comes after an entry that always matches",
    "positive_not_issued": "a certificate not issued would get a positive answer",
    "duplicate_version": "two files define the same version of a scenario",
    "overlapping_versions": "two versions of one scenario are in force on one day",
    "example": "an embedded example is malformed",
}


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One problem found in a policy file.

    Attributes
    ----------
    file : str
        Path of the policy file.
    line : int
        1-based line of the offending node.
    code : str
        Stable machine code, one of :data:`PROBLEM_CODES`.
    message : str
        What was expected and what was found.
    """

    file: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.code}: {self.message}"


class PolicyError(CredcertError):
    """Base class of scenario-policy errors."""


class PolicyFileError(PolicyError, ValueError):
    """Policy files that fail validation; ``problems`` lists every problem."""

    def __init__(self, problems: Sequence[PolicyProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{count} problem{'s' * (count != 1)} in policy files"]
        lines += [f"  {p}" for p in self.problems[:50]]
        if count > 50:
            lines.append(f"  ... and {count - 50} more")
        super().__init__("\n".join(lines))


class PolicyNotFoundError(PolicyError, KeyError):
    """No policy answers the scenario on the day asked."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class AnswerInputError(PolicyError, ValueError):
    """A certificate document lacks what a policy needs to answer about it."""
