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

__all__ = ["MAX_REASONS", "BatchReasons", "RankTable", "rank", "rank_batch"]

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


@dataclass(frozen=True)
class RankTable:
    """Every (feature, bin) that can be a reason, ranked once by points lost.

    Within one subject each feature sits in one bin, so a subject's reasons
    are its (feature, bin) pairs with the smallest ranks. Ranks are small
    integers (``uint8`` for up to 255 pairs), so ranking a million subjects
    is a few passes over a small integer matrix, feature by feature.

    Attributes
    ----------
    rank : numpy.ndarray
        ``(features, bins)`` rank of each pair; ``none`` where the pair can
        never be a reason (no adverse code, or it loses too little).
    feature, code, points : numpy.ndarray
        Per rank (and at ``none``: -1, -1, NaN): feature position, code id
        into ``names`` and points lost.
    names : tuple of str
        The codes.
    none : int
        The rank that stands for "no reason".
    """

    rank: np.ndarray
    feature: np.ndarray
    code: np.ndarray
    points: np.ndarray
    names: tuple[str, ...]
    none: int

    @classmethod
    def build(
        cls,
        lost: np.ndarray,
        codes: Sequence[Sequence[str]],
        min_points: float,
    ) -> RankTable:
        """Rank pairs by ``lost`` (points minus reference), ties by feature.

        ``codes[j][b]`` is the adverse code of feature ``j`` in bin ``b``
        (``""``: none); ``lost`` is ``(features, bins)``, padded freely.
        """
        names = tuple(dict.fromkeys(c for row in codes for c in row if c))
        index = {name: i for i, name in enumerate(names)}
        pairs = sorted(
            (float(lost[j, b]), j, b, index[code])
            for j, row in enumerate(codes)
            for b, code in enumerate(row)
            if code and lost[j, b] <= -min_points
        )
        dtype = np.uint8 if len(pairs) < 255 else np.uint16
        none = int(np.iinfo(dtype).max)
        rank = np.full(lost.shape, none, dtype=dtype)
        feature = np.full(none + 1, -1, dtype=np.intp)
        code = np.full(none + 1, -1, dtype=np.int32)
        points = np.full(none + 1, np.nan)
        for r, (value, j, b, c) in enumerate(pairs):
            rank[j, b] = r
            feature[r], code[r], points[r] = j, c, value
        return cls(rank, feature, code, points, names, none)


def rank_batch(
    bins: np.ndarray, table: RankTable, limit: int = MAX_REASONS
) -> BatchReasons:
    """Top ``limit`` adverse reasons of every subject, vectorised.

    Parameters
    ----------
    bins : numpy.ndarray
        ``(rows, features)`` bin indices, as the scorecard gives them.
    table : RankTable
    limit : int
        Reasons per row, at most :data:`MAX_REASONS`.
    """
    n, k = bins.shape
    limit = min(limit, k)
    bins = np.asfortranarray(bins)  # each feature's column contiguous
    ranks = np.empty((k, n), dtype=table.rank.dtype)
    for j in range(k):
        np.take(table.rank[j], bins[:, j], out=ranks[j])
    chosen = np.empty((n, limit), dtype=np.intp)
    for slot in range(limit):
        best = ranks.min(axis=0)
        chosen[:, slot] = best
        # Ranks within a row are distinct, so this removes exactly the best;
        # ``none`` is all ones, so OR-ing it in is the cheapest assignment.
        taken = (ranks == best).astype(ranks.dtype)
        taken *= table.none
        ranks |= taken
    return BatchReasons(
        code_ids=table.code[chosen],
        points=table.points[chosen],
        features=table.feature[chosen],
        code_names=table.names,
    )
