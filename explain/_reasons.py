"""Reason codes: rank the features that cost points, one subject or a million.

A reason is a scored feature whose contribution is below ``-min_points``
(it lost at least that many points against the reference). At most four
are kept, most points lost first; ties go to the feature that comes first
in scoring order. The code depends on the feature and on whether the
subscriber's bin holds a value or is the missing bin (no data). There is no
generic "score too low" code: every code names a feature.

The batch path works on the ``(rows, features)`` bin-index matrix the
scorecard produces, with numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MAX_REASONS", "BatchReasons", "CodeTable", "rank", "rank_batch"]

#: The most adverse reasons an explanation ever gives.
MAX_REASONS = 4


def rank(
    contributions: Sequence[float],
    limit: int,
    min_points: float,
    adverse: bool,
    eligible: Sequence[bool] | None = None,
) -> list[int]:
    """Positions of the features to report, in rank order.

    Adverse: contributions at or below ``-min_points``, most negative first.
    Favourable: at or above ``min_points``, most positive first. Features
    whose ``eligible`` entry is false are never reported.
    """
    sign = 1.0 if adverse else -1.0
    keyed = [
        (sign * c, j)
        for j, c in enumerate(contributions)
        if sign * c <= -min_points and (eligible is None or eligible[j])
    ]
    keyed.sort()
    return [j for _, j in keyed[:limit]]


@dataclass(frozen=True)
class CodeTable:
    """Adverse code of every (feature, bin), as integers into ``names``.

    ``ids[j, b]`` is the index in ``names`` of the code feature ``j`` gives
    when the subscriber is in bin ``b``.
    """

    names: tuple[str, ...]
    ids: np.ndarray

    @classmethod
    def build(cls, codes: Sequence[Sequence[str]]) -> CodeTable:
        """A table from each feature's code per bin ("" for no code)."""
        names = tuple(dict.fromkeys(c for row in codes for c in row if c))
        width = max(len(row) for row in codes)
        ids = np.full((len(codes), width), -1, dtype=np.int32)
        index = {name: i for i, name in enumerate(names)}
        for j, row in enumerate(codes):
            ids[j, : len(row)] = [index[c] if c else -1 for c in row]
        return cls(names, ids)


@dataclass(frozen=True)
class BatchReasons:
    """Reason codes of a table of subjects (rows in input order).

    Attributes
    ----------
    code_ids : numpy.ndarray
        ``(rows, limit)`` int32 indices into ``code_names``; -1 where a row
        has fewer reasons.
    points : numpy.ndarray
        ``(rows, limit)`` points lost (negative), NaN where there is none.
    features : numpy.ndarray
        ``(rows, limit)`` positions of the features in scoring order, -1
        where there is none.
    code_names : tuple of str
        The codes the ids refer to.
    """

    code_ids: np.ndarray
    points: np.ndarray
    features: np.ndarray
    code_names: tuple[str, ...]

    def codes(self) -> np.ndarray:
        """``(rows, limit)`` array of code strings ("" where there is none)."""
        names = np.asarray((*self.code_names, ""), dtype=object)
        return np.asarray(names[self.code_ids])

    def to_frame(self) -> pd.DataFrame:
        """One row per subject: ``reason_1`` ... and ``points_1`` ..."""
        codes = self.codes()
        columns: dict[str, np.ndarray] = {}
        for k in range(codes.shape[1]):
            columns[f"reason_{k + 1}"] = codes[:, k]
            columns[f"points_{k + 1}"] = self.points[:, k]
        return pd.DataFrame(columns)


def rank_batch(
    contributions: np.ndarray,
    bins: np.ndarray,
    table: CodeTable,
    limit: int = MAX_REASONS,
    min_points: float = 0.5,
) -> BatchReasons:
    """Top ``limit`` adverse reasons of every row of a contribution matrix.

    Parameters
    ----------
    contributions : numpy.ndarray
        ``(rows, features)`` points minus reference points; ``+inf`` where
        a feature may not be a reason (its bin has no adverse code).
    bins : numpy.ndarray
        ``(rows, features)`` bin indices, to choose each feature's code.
    table : CodeTable
    limit : int
        Reasons per row, at most :data:`MAX_REASONS`.
    min_points : float
        Smallest loss that counts as a reason.
    """
    n, k = contributions.shape
    limit = min(limit, k)
    lost = np.where(contributions <= -min_points, contributions, np.inf)
    if limit < k:
        top = np.argpartition(lost, limit - 1, axis=1)[:, :limit]
    else:
        top = np.broadcast_to(np.arange(k), (n, k)).copy()
    values = np.take_along_axis(lost, top, axis=1)
    order = np.lexsort((top, values), axis=1) if n else top
    top = np.take_along_axis(top, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    none = ~np.isfinite(values)
    feature_bins = np.take_along_axis(bins, top, axis=1)
    ids = table.ids[top, feature_bins]
    ids[none] = -1
    top[none] = -1
    return BatchReasons(
        code_ids=ids,
        points=np.where(none, np.nan, values),
        features=top,
        code_names=table.names,
    )
