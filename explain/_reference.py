"""Reference points: what a contribution is measured against, per feature.

A contribution is ``points_j(subject) - reference_j``. Three references are
offered, and every explanation records which one it used:

``population``
    The whole population's average points per feature, from the bin shares
    the artifact keeps (no training data needed).
``cutoff``
    The average points of applicants whose score lies near the approval
    cutoff; needs a background sample of subjects.
``best_bin``
    Each feature's best populated bin, so every contribution is zero or a
    loss ("points short of the best").

A reference is small and versioned; it is saved as JSON beside the artifact
and refused when loaded against a different scorecard.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from explain._errors import ReferenceMismatchError
from scorecard import FeatureCard, ScorecardArtifact

__all__ = [
    "REFERENCE_KINDS",
    "REFERENCE_SCHEMA",
    "Reference",
    "ReferenceKind",
    "background_reference",
    "best_bin_reference",
    "cutoff_reference",
    "load_reference",
    "make_reference",
    "population_reference",
]

ReferenceKind = Literal["population", "cutoff", "best_bin", "background"]
#: Every reference kind; ``background`` is the mean over any given sample.
REFERENCE_KINDS: tuple[str, ...] = get_args(ReferenceKind)
#: Schema of the reference file; bumped on any incompatible change.
REFERENCE_SCHEMA: Literal["credcert.explain-reference/1"] = (
    "credcert.explain-reference/1"
)
#: Default half-width, in points, of the band around the cutoff.
CUTOFF_BAND = 20.0
#: Fewest background rows a cutoff reference averages over.
CUTOFF_MIN_ROWS = 100


class Reference(BaseModel):
    """Reference points per feature for one scorecard.

    Attributes
    ----------
    kind : str
        One of :data:`REFERENCE_KINDS`.
    scorecard : str
        ``name@version`` of the scorecard it belongs to.
    scorecard_sha256 : str
        The artifact's checksum; a reference is refused for another one.
    points : dict of str to float
        Reference points per feature, in scoring order.
    detail : str
        How it was computed, in words (for the audit trail).
    rows : int or None
        Background rows averaged over (``cutoff`` and ``background``).
    band : float or None
        Half-width of the score band around the cutoff (``cutoff``).

    Examples
    --------
    >>> ref = population_reference(card)  # doctest: +SKIP
    >>> round(ref.score, 1)  # doctest: +SKIP
    598.3
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal["credcert.explain-reference/1"] = REFERENCE_SCHEMA
    kind: ReferenceKind
    scorecard: str
    scorecard_sha256: str
    points: dict[str, float]
    detail: str
    rows: int | None = None
    band: float | None = None

    @property
    def score(self) -> float:
        """The reference score: the sum of the reference points."""
        return math.fsum(self.points.values())

    def vector(self, artifact: ScorecardArtifact) -> np.ndarray:
        """Reference points in the artifact's feature order.

        Raises
        ------
        ReferenceMismatchError
            If the reference was made for another scorecard.
        """
        self.check(artifact)
        return np.asarray([self.points[f.name] for f in artifact.features])

    def check(self, artifact: ScorecardArtifact) -> None:
        """Refuse a reference computed for another scorecard."""
        if self.scorecard_sha256 != artifact.sha256 or list(self.points) != list(
            artifact.feature_names
        ):
            raise ReferenceMismatchError(
                f"reference ({self.kind}) was made for scorecard {self.scorecard} "
                f"sha256 {self.scorecard_sha256[:12]}...; got "
                f"{_card_id(artifact)} sha256 {artifact.sha256[:12]}..."
            )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the reference as JSON and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.model_dump(mode="json"), indent=1, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        return path


def load_reference(
    path: str | os.PathLike[str], artifact: ScorecardArtifact | None = None
) -> Reference:
    """Read a reference saved by :meth:`Reference.save`.

    Raises
    ------
    ReferenceMismatchError
        If ``artifact`` is given and the reference belongs to another one.
    ValueError
        If the file is not a reference.
    """
    path = Path(path)
    try:
        reference = Reference.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(step) for step in error["loc"])
        raise ValueError(f"{path}: {where}: {error['msg']}") from None
    if artifact is not None:
        reference.check(artifact)
    return reference


def _card_id(artifact: ScorecardArtifact) -> str:
    return f"{artifact.name}@{artifact.scorecard_version}"


def _make(
    artifact: ScorecardArtifact,
    kind: ReferenceKind,
    points: Any,
    detail: str,
    **kw: Any,
) -> Reference:
    return Reference(
        kind=kind,
        scorecard=_card_id(artifact),
        scorecard_sha256=artifact.sha256,
        points={
            f.name: float(p) for f, p in zip(artifact.features, points, strict=True)
        },
        detail=detail,
        **kw,
    )


def _train_rows(artifact: ScorecardArtifact) -> str:
    train = artifact.metrics.get("train")
    return f"{train.rows} rows" if train is not None else "size not recorded"


def population_reference(artifact: ScorecardArtifact) -> Reference:
    """The population's average points per feature, from the bin shares.

    Equals the mean points over the training rows the shares were counted
    on, without needing those rows.
    """
    points = []
    for card in artifact.features:
        shares = np.asarray([b.share for b in card.bins])
        values = np.asarray([b.points for b in card.bins])
        points.append(float(np.dot(shares, values) / shares.sum()))
    return _make(
        artifact,
        "population",
        points,
        f"share-weighted bin points of the training part ({_train_rows(artifact)})",
    )


def best_bin(card: FeatureCard) -> int:
    """Index of a feature's best populated bin (most points)."""
    populated = [b for b in card.bins if b.count > 0] or list(card.bins)
    return max(populated, key=lambda b: b.points).index


def best_bin_reference(artifact: ScorecardArtifact) -> Reference:
    """Each feature's best populated bin: contributions are points short of it."""
    points = [card.bins[best_bin(card)].points for card in artifact.features]
    return _make(artifact, "best_bin", points, "points of each feature's best bin")


def background_reference(
    artifact: ScorecardArtifact, background: pd.DataFrame
) -> Reference:
    """The mean points per feature over a background sample of subjects."""
    scores = artifact.score(background)
    points = scores.points.to_numpy().mean(axis=0)
    return _make(
        artifact,
        "background",
        points,
        f"mean points over a background of {len(background)} subjects",
        rows=len(background),
    )


def cutoff_rows(
    artifact: ScorecardArtifact,
    raw_score: np.ndarray,
    band: float = CUTOFF_BAND,
    min_rows: int = CUTOFF_MIN_ROWS,
) -> np.ndarray:
    """Positions of the rows whose score lies near the cutoff.

    Rows within ``band`` points of the cutoff; if fewer than ``min_rows``,
    the ``min_rows`` rows nearest to it.
    """
    distance = np.abs(np.asarray(raw_score) - artifact.cutoff_score)
    near = np.flatnonzero(distance <= band)
    if len(near) >= min(min_rows, len(distance)):
        return near
    return np.sort(np.argsort(distance, kind="stable")[:min_rows])


def cutoff_reference(
    artifact: ScorecardArtifact,
    background: pd.DataFrame,
    *,
    band: float = CUTOFF_BAND,
    min_rows: int = CUTOFF_MIN_ROWS,
) -> Reference:
    """Average points of background subjects scoring near the approval cutoff.

    Parameters
    ----------
    artifact : ScorecardArtifact
    background : pandas.DataFrame
        Subjects to draw the near-cutoff applicants from (e.g. recent
        applicants, or the training sample).
    band : float
        Half-width of the score band around ``artifact.cutoff_score``.
    min_rows : int
        If the band holds fewer rows, the nearest ``min_rows`` are used.
    """
    scores = artifact.score(background)
    rows = cutoff_rows(artifact, scores.raw_score, band, min_rows)
    points = scores.points.to_numpy()[rows].mean(axis=0)
    return _make(
        artifact,
        "cutoff",
        points,
        f"mean points of {len(rows)} of {len(background)} background subjects "
        f"scoring within {band:g} points of the cutoff {artifact.cutoff_score:g}",
        rows=len(rows),
        band=band,
    )


def make_reference(
    artifact: ScorecardArtifact,
    kind: ReferenceKind,
    background: pd.DataFrame | None = None,
) -> Reference:
    """The reference of ``kind``; ``cutoff`` and ``background`` need a sample.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, or needs a background that is not given.

    Examples
    --------
    >>> ref = make_reference(card, "cutoff", recent_applicants)  # doctest: +SKIP
    >>> ref.save("out/reference-cutoff.json")  # doctest: +SKIP
    """
    if kind == "population":
        return population_reference(artifact)
    if kind == "best_bin":
        return best_bin_reference(artifact)
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"reference: expected one of {REFERENCE_KINDS}; got {kind!r}")
    if background is None:
        raise ValueError(
            f"reference {kind!r}: expected a background sample of subjects; got none"
        )
    if kind == "cutoff":
        return cutoff_reference(artifact, background)
    return background_reference(artifact, background)
