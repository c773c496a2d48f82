"""Discrimination and stability measures: AUC, KS, Gini, ROC and PSI.

Scores here follow the scorecard's sense: a higher score means lower risk.
"""

from __future__ import annotations

import numpy as np

__all__ = ["auc", "gini", "ks", "psi", "roc_curve", "stability_flag"]

#: PSI/CSI below the first threshold is stable, above the second a shift.
STABILITY_THRESHOLDS = (0.1, 0.25)


def _counts(
    target: np.ndarray, score: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct scores (ascending) with the events and non-events at each."""
    y = np.asarray(target, dtype=bool)
    values, group = np.unique(np.asarray(score, dtype=np.float64), return_inverse=True)
    bad = np.bincount(group, weights=y, minlength=len(values))
    total = np.bincount(group, minlength=len(values))
    return values, bad, total - bad


def auc(target: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` ranking non-events above events.

    Ties count one half (the Mann-Whitney statistic).

    Examples
    --------
    >>> auc(np.array([1, 0, 0]), np.array([300.0, 500.0, 600.0]))
    1.0
    """
    _, bad, good = _counts(target, score)
    n_bad, n_good = bad.sum(), good.sum()
    if n_good == 0 or n_bad == 0:
        raise ValueError(
            f"auc needs both events and non-events; got {int(n_bad)} events and "
            f"{int(n_good)} non-events"
        )
    bad_below = np.cumsum(bad) - bad
    return float(np.sum(good * (bad_below + 0.5 * bad)) / (n_good * n_bad))


def gini(target: np.ndarray, score: np.ndarray) -> float:
    """Gini coefficient ``2 * AUC - 1``."""
    return 2.0 * auc(target, score) - 1.0


def ks(target: np.ndarray, score: np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic between event and non-event scores."""
    _, bad, good = _counts(target, score)
    cum_bad = np.cumsum(bad) / max(bad.sum(), 1)
    cum_good = np.cumsum(good) / max(good.sum(), 1)
    return float(np.max(np.abs(cum_bad - cum_good)))


def roc_curve(
    target: np.ndarray, score: np.ndarray, points: int = 101
) -> dict[str, list[float]]:
    """ROC and KS curves at ``points`` score quantiles, for reports.

    Returns the share of events (``tpr``) and non-events (``fpr``) with a
    score at or below each threshold, and the thresholds.
    """
    y = np.asarray(target, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    thresholds = np.unique(np.quantile(s, np.linspace(0.0, 1.0, points)))
    order = np.sort(s[y]), np.sort(s[~y])
    tpr = np.searchsorted(order[0], thresholds, side="right") / max(len(order[0]), 1)
    fpr = np.searchsorted(order[1], thresholds, side="right") / max(len(order[1]), 1)
    return {
        "threshold": [float(v) for v in thresholds],
        "tpr": [0.0, *(float(v) for v in tpr)],
        "fpr": [0.0, *(float(v) for v in fpr)],
    }


def psi(expected: np.ndarray, actual: np.ndarray, floor: float = 1e-4) -> float:
    """Population stability index between two share vectors over the same bins.

    ``sum((actual - expected) * ln(actual / expected))``; shares below
    ``floor`` are raised to it so that an empty bin gives a large, finite
    value rather than infinity.

    Examples
    --------
    >>> round(psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])), 6)
    0.0
    """
    e = np.maximum(np.asarray(expected, dtype=np.float64), floor)
    a = np.maximum(np.asarray(actual, dtype=np.float64), floor)
    return float(np.sum((a - e) * np.log(a / e)))


def stability_flag(value: float) -> str:
    """``"stable"`` below 0.1, ``"watch"`` below 0.25, else ``"shift"``."""
    low, high = STABILITY_THRESHOLDS
    if value < low:
        return "stable"
    return "watch" if value < high else "shift"
