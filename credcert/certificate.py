"""The certificate document: a versioned pydantic schema of what is signed.

A certificate is a JSON object (schema ``credcert.certificate/1``) with a
``signature`` member (see :mod:`credcert.signing`). Issuing builds the JSON
object directly, for speed; this model is the schema it must satisfy and the
way to read a certificate back with types. Statuses at issue time are
``issued``, ``denied`` or ``review``; ``disputed``, ``superseded`` and
``revoked`` are later states kept in the database, never re-signed.

Two members appear only when they apply, so certificates without them keep
their bytes: a data source's ``excluded`` (the category was not used, and
why: consent withdrawn on a date, or a separate consent never given) and
``review`` (a person decided the certificate: approved or overrode the held
one, with the reason).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CERTIFICATE_SCHEMA",
    "EXCLUSION_REASONS",
    "FIELDS",
    "ISSUE_STATUSES",
    "STATUSES",
    "Certificate",
    "DataSource",
    "Exclusion",
    "Flag",
    "PointsRow",
    "Reason",
    "ReviewNote",
    "ScoreRange",
    "Subscore",
    "Suggestion",
    "Text",
    "TraceStep",
    "Versions",
]

CERTIFICATE_SCHEMA = "credcert.certificate/1"
#: Every status a certificate can have, at issue time or later.
Status = Literal["issued", "denied", "review", "disputed", "superseded", "revoked"]
STATUSES: tuple[str, ...] = get_args(Status)
#: The statuses issuing gives.
IssueStatus = Literal["issued", "denied", "review"]
ISSUE_STATUSES: tuple[str, ...] = get_args(IssueStatus)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A sentence in Chinese and English."""

    zh: str
    en: str


class ScoreRange(_Model):
    """The lowest and highest score the scorecard gives."""

    low: float
    high: float


class Subscore(_Model):
    """A dimension's points and its percent of the dimension's range."""

    dimension: str
    points: float
    percent: float


class PointsRow(_Model):
    """One feature's line of the points table."""

    feature: str
    dimension: str
    bin: str
    points: float


class TraceStep(_Model):
    """One comparison a fired rule made: field, operator, constant, input."""

    field: str
    op: str
    value: Any
    input: Any
    result: bool | None


class Flag(_Model):
    """A fired rule with its effect, legal basis and trace."""

    rule_id: str
    version: int
    effect: Literal["deny", "review", "cap_grade", "flag"]
    grade_cap: str | None
    title: Text
    legal_basis: tuple[str, ...]
    trace: tuple[TraceStep, ...]


class Reason(_Model):
    """A reason: stable code, what it is about, structured values, rendered text."""

    code: str
    kind: Literal["score", "rule"]
    feature: str | None
    points: float | None
    text: Text


class Suggestion(_Model):
    """An action over time that would raise the score, with the points it brings."""

    code: str
    feature: str
    points_gain: float
    months: int | None = None
    """The horizon in months over which the action pays off."""
    text: Text


#: Why a data category was left out of a certificate.
ExclusionReason = Literal["consent_withdrawn", "separate_consent_missing"]
EXCLUSION_REASONS: tuple[str, ...] = get_args(ExclusionReason)


class Exclusion(_Model):
    """A data source left out: why, and since when (the withdrawal's date)."""

    reason: ExclusionReason
    since: dt.date | None


class DataSource(_Model):
    """A data source with its as-of date and age on the evaluation date.

    ``excluded`` is present only when the source's category was not used;
    its as-of date and age are then null.
    """

    source: str
    as_of: dt.date | None
    age_days: int | None
    excluded: Exclusion | None = None


class ReviewNote(_Model):
    """A person's decision on a certificate held for review."""

    decision: Literal["approved", "overridden"]
    held_certificate: str
    reviewer: str
    reason: str
    at: str


class Versions(_Model):
    """Versions of everything that decided the certificate."""

    certificate_schema: str
    ruleset: str
    scorecard: str
    templates: str


class Certificate(_Model):
    """A mobile credit certificate (手机信用证书), as signed.

    ``score``, ``grade``, ``subscores`` and ``points`` are empty for a
    denied certificate, which states its reasons instead.
    """

    schema_: Literal["credcert.certificate/1"] = Field(
        "credcert.certificate/1", alias="schema"
    )
    id: str
    subject: str = Field(pattern=r"^sp1_[0-9a-f]{32}$")
    issued_at: str
    expires_on: dt.date
    evaluation_date: dt.date
    status: IssueStatus
    score: float | None
    grade: str | None
    score_range: ScoreRange
    subscores: tuple[Subscore, ...]
    points: tuple[PointsRow, ...]
    flags: tuple[Flag, ...]
    reasons: tuple[Reason, ...]
    suggestions: tuple[Suggestion, ...]
    data_sources: tuple[DataSource, ...]
    versions: Versions
    review: ReviewNote | None = None
    signature: dict[str, Any] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this certificate, as signed."""
        document = self.model_dump(mode="json", by_alias=True)
        if document["review"] is None:
            del document["review"]
        for source in document["data_sources"]:
            if source["excluded"] is None:
                del source["excluded"]
        return document


#: Top-level members of a certificate, the names disclosure files use.
FIELDS: tuple[str, ...] = tuple(
    (info.alias or name) for name, info in Certificate.model_fields.items()
)
