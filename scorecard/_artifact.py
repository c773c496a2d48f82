"""The fitted scorecard as a versioned, checksummed, human-readable JSON file.

The artifact holds everything needed to score, explain and monitor without
the training data and without optbinning or statsmodels: per feature its
bins (bounds or categories, special and missing bins) with counts,
population share, event rate, WOE and points; the coefficients with their
statistics; the points scaling; grades and the approval cutoff; metrics; and
the training score distribution for PSI. Never a pickle.

Points of a bin are an exact affine function of its WOE::

    points = slope * woe + constant
    slope = -coefficient * factor
    constant = (offset - intercept * factor) / n_features

with ``factor = pdo / ln 2`` and ``offset = base_score - factor * ln(base_odds)``,
the same arithmetic optbinning's ``Scorecard`` uses.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from scorecard._errors import ArtifactError, ChecksumError

__all__ = [
    "ARTIFACT_SCHEMA",
    "Bin",
    "CoefficientRow",
    "DataFingerprint",
    "DimensionCard",
    "FeatureCard",
    "GradeCard",
    "Rejection",
    "ScalingCard",
    "ScoreDistribution",
    "ScorecardArtifact",
    "SplitMetrics",
    "content_sha256",
    "load_artifact",
]

#: Schema of the artifact file; bumped on any incompatible change.
ARTIFACT_SCHEMA: Literal["credcert.scorecard/1"] = "credcert.scorecard/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bin(_Model):
    """One bin of a feature, as the training sample filled it.

    ``low`` and ``high`` bound a numeric range ``[low, high)``; ``None``
    stands for an open end. ``categories`` lists the values of a categorical
    bin. The special bin holds the feature's special codes; the missing bin
    holds missing values and, for a categorical feature, categories never
    seen in training (as optbinning scores them).
    """

    index: int
    label: str
    kind: Literal["range", "categories", "special", "missing"]
    low: float | None = None
    high: float | None = None
    categories: tuple[str, ...] = ()
    count: int
    share: float
    event_count: int
    event_rate: float
    woe: float
    iv: float
    points: float


class FeatureCard(_Model):
    """A scored feature: its dimension, coefficient and bins (table order)."""

    name: str
    dimension: str
    dtype: Literal["numerical", "categorical"]
    coefficient: float
    iv: float
    special_codes: tuple[float | str, ...] = ()
    bins: tuple[Bin, ...]
    #: Points per unit of WOE; see the module docstring.
    slope: float
    #: Points at WOE zero.
    constant: float

    @property
    def points_min(self) -> float:
        return min(b.points for b in self.bins)

    @property
    def points_max(self) -> float:
        return max(b.points for b in self.bins)

    @property
    def missing_bin(self) -> Bin:
        return self.bins[-1]

    @property
    def special_bin(self) -> Bin:
        return self.bins[-2]

    @property
    def regular_bins(self) -> tuple[Bin, ...]:
        return self.bins[:-2]

    def points_for_woe(self, woe: float) -> float:
        """Points of a WOE value: ``slope * woe + constant``."""
        return self.slope * woe + self.constant

    def locate(self, value: Any) -> Bin:
        """The bin ``value`` falls in (``None``/NaN: the missing bin)."""
        from scorecard._score import locate_bin

        return self.bins[locate_bin(self, value)]


class CoefficientRow(_Model):
    """One row of the logistic fit (``name`` is ``"const"`` for the intercept)."""

    name: str
    coefficient: float
    std_error: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    vif: float | None = None
    iv: float | None = None


class ScalingCard(_Model):
    """Points scaling, as given in the spec and as derived from it."""

    pdo: float
    base_score: float
    base_odds: float
    score_min: float
    score_max: float
    factor: float
    offset: float
    intercept: float
    n_features: int


class GradeCard(_Model):
    """A grade band with its training counts and bad rate."""

    grade: str
    min_score: float
    zh: str
    en: str
    count: int = 0
    share: float = 0.0
    bad_rate: float | None = None


class DimensionCard(_Model):
    """A dimension: its features and the range of its subscore in points."""

    name: str
    zh: str
    en: str
    features: tuple[str, ...]
    points_min: float
    points_max: float


class SplitMetrics(_Model):
    rows: int
    event_rate: float
    auc: float
    ks: float
    gini: float


class ScoreDistribution(_Model):
    """Training distribution of the total score, for PSI: ``len(shares) ==
    len(edges) + 1``; bin ``i`` is ``[edges[i-1], edges[i])``."""

    edges: tuple[float, ...]
    shares: tuple[float, ...]


class DataFingerprint(_Model):
    """What the scorecard was trained on, without keeping the data."""

    rows: int
    columns: tuple[str, ...]
    sha256: str
    target: str
    event_rate: float
    source: str


class Rejection(_Model):
    """A candidate feature the selection dropped, and why."""

    name: str
    reason: Literal[
        "low_iv", "correlated", "vif", "p_value", "against_risk", "constant"
    ]
    detail: str
    iv: float | None = None


class ScorecardArtifact(_Model):
    """A fitted scorecard; see the module docstring and ``docs/scorecard.md``.

    Examples
    --------
    >>> card = load_artifact("out/scorecard.json")  # doctest: +SKIP
    >>> card.score_one({"late_payments_12m": 0}).grade  # doctest: +SKIP
    'B'
    """

    schema_version: Literal["credcert.scorecard/1"] = ARTIFACT_SCHEMA
    name: str
    scorecard_version: str
    trained_at: str
    sha256: str = ""
    data: DataFingerprint
    spec: dict[str, Any]
    scaling: ScalingCard
    cutoff_score: float
    cutoff_grade: str | None
    grades: tuple[GradeCard, ...]
    dimensions: tuple[DimensionCard, ...]
    metrics: dict[str, SplitMetrics]
    oracle_auc: dict[str, float] = Field(default_factory=dict)
    coefficients: tuple[CoefficientRow, ...]
    features: tuple[FeatureCard, ...]
    rejected: tuple[Rejection, ...] = ()
    score_distribution: ScoreDistribution
    warnings: tuple[str, ...] = ()

    _compiled: Any = PrivateAttr(default=None)

    # -- first-class accessors for explanations ---------------------------
    @property
    def intercept(self) -> float:
        """Intercept of the logistic fit on the WOE matrix."""
        return self.scaling.intercept

    @property
    def coefficient_map(self) -> dict[str, float]:
        """Coefficient of each feature, in scoring order."""
        return {f.name: f.coefficient for f in self.features}

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    def feature(self, name: str) -> FeatureCard:
        for card in self.features:
            if card.name == name:
                return card
        raise KeyError(f"scorecard {self.name!r} has no feature {name!r}")

    def grade_of(self, score: float) -> str:
        """The grade of a (clipped) total score."""
        for band in self.grades:
            if score >= band.min_score:
                return band.grade
        return self.grades[-1].grade

    # -- scoring (implemented in scorecard._score) --------------------------
    def compiled(self) -> Any:
        """The bin tables as numpy arrays, built once per artifact."""
        # Keyed on the parts it is built from: a model_copy() that replaces
        # them (a challenger built from a champion) must not reuse the tables.
        key = (self.features, self.dimensions, self.grades, self.scaling)
        cached = self._compiled
        if cached is None or any(
            a is not b for a, b in zip(cached[0], key, strict=True)
        ):
            from scorecard._score import compile_artifact

            cached = self._compiled = (key, compile_artifact(self))
        return cached[1]

    def score(self, data: Any) -> Any:
        """Score a DataFrame or a Parquet/CSV path; see :func:`score_frame`."""
        from scorecard._score import score_frame

        return score_frame(self, data)

    def score_one(self, subject: Mapping[str, Any]) -> Any:
        """Score one subject given as a dict; see :func:`score_subject`."""
        from scorecard._score import score_subject

        return score_subject(self, subject)

    def woe_frame(self, data: Any) -> Any:
        """WOE matrix of a DataFrame; see :func:`woe_frame`."""
        from scorecard._score import woe_frame

        return woe_frame(self, data)

    def woe_one(self, subject: Mapping[str, Any]) -> dict[str, float]:
        """WOE of each feature for one subject; see :func:`woe_subject`."""
        from scorecard._score import woe_subject

        return woe_subject(self, subject)

    # -- file form -----------------------------------------------------------
    def to_json(self) -> str:
        """The artifact as indented JSON with its sha256 filled in."""
        document = self.model_dump(mode="json")
        document["sha256"] = content_sha256(document)
        return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the artifact to ``path`` (UTF-8 JSON) and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    def sealed(self) -> ScorecardArtifact:
        """A copy whose ``sha256`` matches its content."""
        document = self.model_dump(mode="json")
        return self.model_copy(update={"sha256": content_sha256(document)})


def content_sha256(document: Mapping[str, Any]) -> str:
    """sha256 of an artifact document without its ``sha256`` key.

    The content is serialised canonically (sorted keys, no spaces, UTF-8), so
    re-indenting the file does not change the checksum but any edit of a
    value does.
    """
    content = {k: v for k, v in document.items() if k != "sha256"}
    text = json.dumps(
        content,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_artifact(source: str | os.PathLike[str]) -> ScorecardArtifact:
    """Read a scorecard artifact, refusing it if its checksum does not match.

    Parameters
    ----------
    source : path
        A JSON file written by :meth:`ScorecardArtifact.save`.

    Raises
    ------
    ChecksumError
        If the content was changed after it was written.
    ArtifactError
        If the file is not JSON or does not follow the artifact schema.

    Examples
    --------
    >>> card = load_artifact("out/scorecard.json")  # doctest: +SKIP
    """
    path = Path(source)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ArtifactError(
            f"{path}: cannot read the artifact: {exc.strerror}"
        ) from None
    except json.JSONDecodeError as exc:
        raise ArtifactError(
            f"{path}:{exc.lineno}: expected JSON; got a syntax error ({exc.msg})"
        ) from None
    if not isinstance(document, dict):
        raise ArtifactError(f"{path}: expected a JSON object at the top")
    schema = document.get("schema_version")
    if schema != ARTIFACT_SCHEMA:
        raise ArtifactError(
            f"{path}: schema_version: expected {ARTIFACT_SCHEMA!r}; got {schema!r}"
        )
    stored = document.get("sha256")
    actual = content_sha256(document)
    if stored != actual:
        raise ChecksumError(
            f"{path}: sha256: the content does not match its checksum "
            f"(stored {str(stored)[:12]}..., content {actual[:12]}...); the "
            "file was corrupted or edited by hand. Retrain, or restore the "
            "file as written"
        )
    try:
        return ScorecardArtifact.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(step) for step in error["loc"])
        raise ArtifactError(f"{path}: {where}: {error['msg']}") from None


def finite(value: float) -> float:
    """A float for JSON: NaN and infinities are not allowed in artifacts."""
    if not math.isfinite(value):
        raise ArtifactError(f"expected a finite number; got {value!r}")
    return float(value)
