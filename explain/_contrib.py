"""Per-feature contributions in points: exact, from the points table or SHAP.

For a WOE scorecard the points of feature ``j`` are an affine function of its
WOE, ``points_j = slope_j * woe_j + constant_j``, so the model in points is
linear in the WOE matrix and its interventional SHAP values are exact::

    contribution_j = points_j(x) - reference_j

Two independent paths compute them: the points table (plain Python for one
subject, vectorised numpy for a batch) and ``shap.LinearExplainer`` on the WOE
matrix with the slopes as coefficients. The SHAP path needs the reference's
background sample and is kept as the check of the other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from explain._errors import AdditivityError
from explain._reference import Reference
from scorecard import ScorecardArtifact, bin_indices

__all__ = [
    "BatchContributions",
    "SubjectContributions",
    "check_with_shap",
    "contributions_frame",
    "contributions_from_bins",
    "contributions_one",
    "points_table",
    "shap_contributions",
]

#: How contributions are computed, as recorded in every explanation.
METHOD = "exact linear SHAP on the WOE matrix: points minus reference points"


@dataclass(frozen=True, slots=True)
class SubjectContributions:
    """Contributions of one subject, feature by feature (scoring order).

    Attributes
    ----------
    points, reference, contributions : dict of str to float
        Points the subject got, reference points, and their difference.
    bins : dict of str to int
        Index of the bin each feature fell in.
    raw_score, score : float
        Unclipped sum of points, and the total clipped to the score range.
    reference_score : float
        Sum of the reference points; ``raw_score - reference_score`` is the
        sum of the contributions.
    grade : str
    """

    points: dict[str, float]
    reference: dict[str, float]
    contributions: dict[str, float]
    bins: dict[str, int]
    raw_score: float
    score: float
    reference_score: float
    grade: str


def contributions_one(
    artifact: ScorecardArtifact, subject: Mapping[str, Any], reference: Reference
) -> SubjectContributions:
    """Contributions of one subject by plain lookups (no DataFrame).

    Examples
    --------
    >>> c = contributions_one(card, {"late_payments_12m": 3}, ref)  # doctest: +SKIP
    >>> round(sum(c.contributions.values()) - (c.raw_score - c.reference_score), 9)
    0.0
    """
    reference.check(artifact)
    result = artifact.score_one(subject)
    ref = reference.points
    return SubjectContributions(
        points=result.points,
        reference=ref,
        contributions={name: p - ref[name] for name, p in result.points.items()},
        bins=result.bins,
        raw_score=result.raw_score,
        score=result.score,
        reference_score=math.fsum(ref.values()),
        grade=result.grade,
    )


@dataclass(frozen=True)
class BatchContributions:
    """Contributions of a table of subjects (rows in input order).

    Attributes
    ----------
    features : tuple of str
        Column order of the matrices.
    points, contributions : numpy.ndarray
        ``(rows, features)`` points and points minus reference.
    bins : numpy.ndarray
        ``(rows, features)`` bin indices.
    reference : numpy.ndarray
        Reference points per feature.
    raw_score : numpy.ndarray
        Unclipped score per row.
    """

    features: tuple[str, ...]
    points: np.ndarray
    contributions: np.ndarray
    bins: np.ndarray
    reference: np.ndarray
    raw_score: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """The contributions as a DataFrame, one column per feature."""
        return pd.DataFrame(self.contributions, columns=list(self.features))


def points_table(artifact: ScorecardArtifact) -> np.ndarray:
    """Points of every bin as a ``(features, max bins)`` array (zero-padded)."""
    width = max(len(card.bins) for card in artifact.features)
    table = np.zeros((len(artifact.features), width))
    for j, card in enumerate(artifact.features):
        table[j, : len(card.bins)] = [b.points for b in card.bins]
    return table


def contributions_from_bins(
    artifact: ScorecardArtifact,
    bins: np.ndarray,
    reference: Reference,
    table: np.ndarray | None = None,
) -> BatchContributions:
    """Contributions from a ``(rows, features)`` matrix of bin indices."""
    ref = reference.vector(artifact)
    table = points_table(artifact) if table is None else table
    bins = np.asarray(bins)
    points = table[np.arange(table.shape[0]), bins]
    return BatchContributions(
        features=artifact.feature_names,
        points=points,
        contributions=points - ref,
        bins=bins,
        reference=ref,
        raw_score=points.sum(axis=1),
    )


def contributions_frame(
    artifact: ScorecardArtifact, data: pd.DataFrame, reference: Reference
) -> BatchContributions:
    """Contributions of every row of a subscriber table, vectorised."""
    bins = bin_indices(artifact, data).to_numpy()
    return contributions_from_bins(artifact, bins, reference)


def _woe(artifact: ScorecardArtifact, data: pd.DataFrame | np.ndarray) -> np.ndarray:
    if isinstance(data, np.ndarray):
        return data
    return np.asarray(artifact.woe_frame(data).to_numpy(), dtype=np.float64)


def shap_contributions(
    artifact: ScorecardArtifact,
    data: pd.DataFrame | np.ndarray,
    background: pd.DataFrame | np.ndarray,
) -> np.ndarray:
    """SHAP values in points of ``data`` against a background, by ``shap``.

    ``shap.LinearExplainer`` explains the linear model ``sum_j slope_j *
    woe_j + sum_j constant_j`` (the raw score) on the WOE matrix. The masker
    keeps the *whole* background: the default keeps only 100 rows, and its
    mean is then off by about a point.

    Parameters
    ----------
    artifact : ScorecardArtifact
    data, background : pandas.DataFrame or numpy.ndarray
        Subscriber tables, or their WOE matrices in scoring order.

    Returns
    -------
    numpy.ndarray
        ``(rows, features)`` contributions in points.

    Examples
    --------
    >>> phi = shap_contributions(card, test_rows, train_rows)  # doctest: +SKIP
    >>> phi.shape  # doctest: +SKIP
    (2000, 15)
    """
    import shap

    slope = np.asarray([card.slope for card in artifact.features])
    constant = math.fsum(card.constant for card in artifact.features)
    base = _woe(artifact, background)
    masker = shap.maskers.Independent(base, max_samples=len(base))
    explainer = shap.LinearExplainer((slope, constant), masker)
    return np.asarray(explainer.shap_values(_woe(artifact, data)))


def check_with_shap(
    artifact: ScorecardArtifact,
    data: pd.DataFrame,
    reference: Reference,
    background: pd.DataFrame | np.ndarray,
    *,
    tolerance: float = 1e-6,
) -> float:
    """Check the points-table contributions against SHAP; return the worst gap.

    ``background`` must be the sample the reference stands for (the training
    rows for ``population``, one row of best-bin WOE for ``best_bin``, the
    near-cutoff rows for ``cutoff``).

    Raises
    ------
    AdditivityError
        If any contribution differs by more than ``tolerance`` points.

    Examples
    --------
    >>> ref = population_reference(card)  # doctest: +SKIP
    >>> check_with_shap(card, test_rows, ref, train_rows) < 1e-6  # doctest: +SKIP
    True
    """
    fast = contributions_frame(artifact, data, reference).contributions
    exact = shap_contributions(artifact, data, background)
    worst = float(np.max(np.abs(fast - exact))) if fast.size else 0.0
    if worst > tolerance:
        raise AdditivityError(
            f"SHAP and points-table contributions differ by {worst:.3g} points "
            f"(tolerance {tolerance:g}) against the {reference.kind} reference; "
            "is the background the sample the reference was computed from?"
        )
    return worst
