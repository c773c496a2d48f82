"""Suggestions: the next better bin of an actionable feature, over time.

A suggestion names what the subscriber can do from now on, the next better
bin it leads to and the points that bin brings. Only fields the data
contract marks actionable, and that the catalogue words a suggestion for,
are ever suggested: never tenure, never a group attribute (age band, region,
migrant status, which are no scorecard inputs anyway).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from explain._catalogue import SuggestionEntry
from scorecard import Bin, FeatureCard
from subscribers import FIELDS, Role

__all__ = ["BatchSuggestions", "horizon_months", "is_actionable", "next_better_bins"]

_REGULAR = ("range", "categories")


@dataclass(frozen=True)
class BatchSuggestions:
    """The best suggestions of a table of subjects (rows in input order).

    Attributes
    ----------
    features : numpy.ndarray
        ``(rows, limit)`` positions of the suggested features in scoring
        order, most points first; -1 where a row has fewer.
    points : numpy.ndarray
        ``(rows, limit)`` points the next better bin would bring; NaN where
        there is none.
    """

    features: np.ndarray
    points: np.ndarray


def is_actionable(name: str) -> bool:
    """Whether the data contract lets a subscriber act on ``name`` from now."""
    spec = FIELDS.get(name)
    return spec is not None and spec.role is Role.INPUT and spec.actionable


def next_better_bins(card: FeatureCard) -> list[int]:
    """For each bin, the index of the next better populated bin, or -1.

    Numeric features step to the nearest bin (in bin order) with more
    points; categorical ones to the category group with the fewest points
    above the current. Missing and special bins have none: a suggestion
    needs a value to improve.
    """
    regular = [b for b in card.bins if b.kind in _REGULAR and b.count > 0]
    out = []
    for current in card.bins:
        better = [b for b in regular if b.points > current.points + 1e-9]
        if current.kind not in _REGULAR or not better:
            out.append(-1)
        elif current.kind == "categories":
            out.append(min(better, key=lambda b: b.points).index)
        else:
            out.append(
                min(
                    better, key=lambda b: (abs(b.index - current.index), -b.points)
                ).index
            )
    return out


def horizon_months(entry: SuggestionEntry, value: Any, target: Bin) -> int:
    """Months over which the suggestion can pay off.

    ``ratio`` features (an on-time share over a window of ``months``): if
    every bill is paid on time from now, the share rises by about
    ``(1 - r) / months`` per month, assuming the months leaving the window
    were paid at the current rate ``r``; the months needed to reach the
    target bin are returned. Counts over a window fall as old events leave
    it: at most the window. One-off actions: the catalogue's horizon.
    """
    if entry.horizon != "ratio" or value is None or target.low is None:
        return entry.months
    current = float(value)
    if current >= 1.0:
        return 1
    needed = entry.months * (target.low - current) / (1.0 - current)
    return int(min(entry.months, max(1, math.ceil(needed))))
