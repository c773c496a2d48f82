"""The explanation object: structured reasons, suggestions and rule flags.

Everything a reader, an auditor or a later re-rendering needs is kept in the
object itself: codes, features, the subscriber's values and bins, points,
the reference used, the method and the catalogue and template versions. It
holds no identifier of the subscriber. It serialises to JSON and back.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "EXPLANATION_SCHEMA",
    "BinInfo",
    "Explanation",
    "FeatureContribution",
    "LegalRef",
    "Reason",
    "ReferenceInfo",
    "RuleFlag",
    "Suggestion",
]

EXPLANATION_SCHEMA: Literal["credcert.explanation/1"] = "credcert.explanation/1"
#: A subscriber's value of one feature, as JSON can hold it.
Value = bool | int | float | str | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BinInfo(_Model):
    """A bin of the scorecard as the explanation refers to it.

    ``low``/``high`` bound a numeric bin ``[low, high)`` (``None``: open);
    ``categories`` lists a categorical bin's values; ``share`` is the
    training population's share in the bin.
    """

    index: int
    label: str
    kind: Literal["range", "categories", "special", "missing"]
    low: float | None = None
    high: float | None = None
    categories: tuple[str, ...] = ()
    share: float
    points: float


class FeatureContribution(_Model):
    """One scored feature: value, bin, points, reference points, contribution."""

    feature: str
    dimension: str
    value: Value
    bin: BinInfo
    points: float
    reference_points: float
    contribution: float


class Reason(_Model):
    """A ranked reason: a stable code and the feature behind it.

    ``points`` is the contribution: negative for an adverse reason (points
    lost against the reference), positive for a favourable one. ``typical``
    is the feature's most common bin in the population.
    """

    rank: int
    code: str
    direction: Literal["adverse", "favourable"]
    feature: str
    value: Value
    bin: BinInfo
    typical: BinInfo
    points: float
    title: dict[str, str]


class Suggestion(_Model):
    """What the subscriber can do from now on to reach the next better bin.

    ``months`` is the horizon over which it can pay off; ``points`` what the
    next better bin ``target`` would bring.
    """

    feature: str
    value: Value
    bin: BinInfo
    target: BinInfo
    points: float
    months: int


class LegalRef(_Model):
    """A law and article a rule rests on (Chinese name, English gloss)."""

    law: str
    article: str | None = None
    en: str


class RuleFlag(_Model):
    """A fired compliance rule, explained apart from the scorecard reasons."""

    rule_id: str
    version: int
    effect: str
    grade_cap: str | None = None
    title: dict[str, str]
    description: dict[str, str] | None = None
    legal_basis: tuple[LegalRef, ...] = ()


class ReferenceInfo(_Model):
    """Which reference the contributions are measured against."""

    kind: str
    score: float
    detail: str


class Explanation(_Model):
    """The explanation of one subject's score and rule outcome.

    Attributes
    ----------
    scorecard, scorecard_sha256 : str
        ``name@version`` and checksum of the artifact that scored.
    score, raw_score : float
        Clipped total and unclipped sum of points. The contributions sum to
        ``raw_score - reference.score``.
    grade : str
        The scorecard grade (before any rule cap).
    grade_label : dict
        The grade's name per language.
    reference : ReferenceInfo
    method : str
        How the contributions were computed.
    catalogue_version : str
        Version of the reason-code catalogue.
    template_version : dict
        Version of the templates per rendered language.
    features : tuple of FeatureContribution
        Every scored feature, in scoring order.
    reasons : tuple of Reason
        At most four adverse reasons, most points lost first.
    strengths : tuple of Reason
        The features that earned the most points against the reference.
    suggestions : tuple of Suggestion
        Actionable improvements, most points first.
    rule_status, grade_cap, ruleset_version : str or None
        The rule outcome, if one was given.
    flags : tuple of RuleFlag
        Every fired rule with its legal basis.
    text : dict
        Rendered text per language.

    Examples
    --------
    >>> explanation = explainer.explain(subject)  # doctest: +SKIP
    >>> [r.code for r in explanation.reasons]  # doctest: +SKIP
    ['FUL-LATE-01', 'FUL-OTP-01']
    """

    schema_version: Literal["credcert.explanation/1"] = EXPLANATION_SCHEMA
    scorecard: str
    scorecard_sha256: str
    score: float
    raw_score: float
    grade: str
    grade_label: dict[str, str]
    reference: ReferenceInfo
    method: str
    catalogue_version: str
    template_version: dict[str, str] = {}
    features: tuple[FeatureContribution, ...]
    reasons: tuple[Reason, ...]
    strengths: tuple[Reason, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    rule_status: str | None = None
    grade_cap: str | None = None
    ruleset_version: str | None = None
    flags: tuple[RuleFlag, ...] = ()
    text: dict[str, str] = {}

    @property
    def codes(self) -> tuple[str, ...]:
        """The adverse reason codes, in rank order."""
        return tuple(r.code for r in self.reasons)

    def to_json(self, *, indent: int | None = 1) -> str:
        """The explanation as JSON (UTF-8 text, Chinese kept readable)."""
        return self.model_dump_json(indent=indent)
