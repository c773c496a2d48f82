"""The pydantic schema of a scenario policy file: one version of one scenario.

A policy file, in YAML::

    scenario, version, owner, effective_from, effective_to,
    title {zh, en}, question {zh, en}, consent_purpose, answer_valid_days,
    disclose [...], view_fields [...],
    answers {<name>: {meaning, reason {zh, en}, credit_line}},
    not_issued {denied, review, disputed, superseded, revoked, expired},
    decide [{answer, when, because}, ..., {answer}],
    examples [{name, certificate {...}, answer}]

A ``when`` is a conjunction of tests on the certificate: ``grade``,
``grade_not``, ``subscores`` (percent bounds per dimension), ``flagged`` and
``not_flagged`` (rule ids or effects). The schema checks shape only; whether
a rule id or a dimension exists, and whether a condition can hold, is
checked in :mod:`credcert.policies._check`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictFloat,
    StrictInt,
    model_validator,
)

__all__ = [
    "DISCLOSABLE",
    "MEANINGS",
    "NOT_ISSUED",
    "AnswerOption",
    "Bounds",
    "CreditLine",
    "Entry",
    "Example",
    "ExampleCertificate",
    "FlagMatch",
    "NotIssued",
    "Policy",
    "Text",
    "When",
]

#: What an answer means for the subject, best first.
Meaning = Literal["positive", "refer", "negative"]
MEANINGS: tuple[str, ...] = get_args(Meaning)
#: Statuses that are not ``issued`` on the day asked, each with its answer.
NotIssuedStatus = Literal[
    "denied", "review", "disputed", "superseded", "revoked", "expired"
]
NOT_ISSUED: tuple[str, ...] = get_args(NotIssuedStatus)
#: Certificate members an answer may disclose besides the answer itself.
DISCLOSABLE: tuple[str, ...] = ("grade", "score", "expires_on", "subscores.<dimension>")
Grade = Literal["A", "B", "C", "D", "E"]
Effect = Literal["deny", "review", "cap_grade", "flag"]
Number = StrictInt | StrictFloat
_NAME = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class CreditLine(_Model):
    """A credit-line band in CNY that a lending answer suggests."""

    low: StrictInt = Field(ge=0)
    high: StrictInt = Field(ge=0)
    currency: Literal["CNY"] = "CNY"

    @model_validator(mode="after")
    def _ordered(self) -> CreditLine:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is at most high ({self.high})")
        return self


class AnswerOption(_Model):
    """One possible answer: its label, what it means, the reason given with it."""

    label: Text
    meaning: Meaning
    reason: Text
    credit_line: CreditLine | None = None

    @model_validator(mode="after")
    def _line_only_when_positive(self) -> AnswerOption:
        if self.credit_line is not None and self.meaning != "positive":
            raise ValueError("credit_line is given only with meaning 'positive'")
        return self


class Bounds(_Model):
    """Inclusive bounds on a dimension's subscore, in percent of its range."""

    at_least: Number | None = None
    at_most: Number | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> Bounds:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least, at_most or both")
        return self


class FlagMatch(_Model):
    """Rule flags by rule id or by effect; a flag matches if either matches."""

    rule_id: list[str] = Field(default_factory=list)
    effect: list[Effect] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> FlagMatch:
        if not self.rule_id and not self.effect:
            raise ValueError("name at least one rule_id or effect")
        return self

    def matches(self, rule_id: str, effect: str) -> bool:
        return rule_id in self.rule_id or effect in self.effect


class When(_Model):
    """Tests on a certificate that must all hold (a conjunction)."""

    grade: list[Grade] | None = Field(default=None, min_length=1)
    grade_not: list[Grade] | None = Field(default=None, min_length=1)
    subscores: dict[str, Bounds] | None = Field(default=None, min_length=1)
    flagged: FlagMatch | None = None
    not_flagged: FlagMatch | None = None

    @model_validator(mode="after")
    def _some_test(self) -> When:
        if not self.model_fields_set:
            raise ValueError(
                "a 'when' needs at least one test; leave 'when' out for the "
                "entry that always matches"
            )
        return self


class Entry(_Model):
    """One entry of ``decide``: this answer when the tests hold."""

    answer: str
    when: When | None = None
    because: Text | None = None


class NotIssued(_Model):
    """The answer for a certificate that is not ``issued`` on the day asked."""

    denied: str
    review: str
    disputed: str
    superseded: str
    revoked: str
    expired: str


class ExampleCertificate(_Model):
    """The parts of a certificate an example sets; the rest is neutral."""

    status: Literal[
        "issued", "denied", "review", "disputed", "superseded", "revoked"
    ] = "issued"
    expired: bool = False
    grade: Grade | None = None
    subscores: dict[str, Number] = Field(default_factory=dict)
    flags: list[str] = Field(default_factory=list)


class Example(_Model):
    """A case that must hold: this certificate gets this answer."""

    name: str = Field(min_length=1)
    certificate: ExampleCertificate
    answer: str


class Policy(_Model):
    """One version of one scenario's policy.

    ``file`` and ``line`` (set by the loader) say where it was read.
    """

    scenario: str = Field(pattern=_NAME)
    version: StrictInt = Field(ge=1)
    owner: str = Field(min_length=1)
    effective_from: dt.date
    effective_to: dt.date | None = None
    title: Text
    question: Text
    consent_purpose: str = Field(pattern=_NAME)
    answer_valid_days: StrictInt = Field(ge=1, le=366)
    disclose: list[str] = Field(default_factory=list)
    view_fields: list[str] = Field(min_length=1)
    answers: dict[str, AnswerOption] = Field(min_length=2)
    not_issued: NotIssued
    decide: list[Entry] = Field(min_length=1)
    examples: list[Example] = Field(min_length=1)

    _file: str = PrivateAttr(default="")
    _line: int = PrivateAttr(default=1)

    @model_validator(mode="after")
    def _dates(self) -> Policy:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is on or after effective_from")
        return self

    @property
    def key(self) -> str:
        """``scenario@version``, unique among loaded policies."""
        return f"{self.scenario}@{self.version}"

    @property
    def file(self) -> str:
        return self._file

    @property
    def line(self) -> int:
        return self._line

    def effective_on(self, day: dt.date) -> bool:
        """Whether this version is in force on ``day``."""
        ends = self.effective_to
        return self.effective_from <= day and (ends is None or day <= ends)
