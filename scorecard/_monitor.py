"""Monitoring and comparison: PSI/CSI against training, champion/challenger.

Stability needs no training data: the artifact keeps the training share of
every bin and of every score decile. PSI and CSI are flagged ``watch`` from
0.1 and ``shift`` from 0.25.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scorecard._artifact import ScorecardArtifact
from scorecard._errors import DataError, MissingColumnError
from scorecard._metrics import auc, gini, ks, psi, stability_flag
from scorecard._score import _read, score_frame

__all__ = ["Comparison", "StabilityReport", "compare", "monitor"]


@dataclass(frozen=True)
class StabilityReport:
    """PSI of the score and CSI per feature between training and a batch.

    Attributes
    ----------
    rows : int
        Rows in the new batch.
    score_psi : float
        PSI of the total score over the training score deciles.
    score_flag : str
        ``stable`` (< 0.1), ``watch`` (< 0.25) or ``shift``.
    score_table : pandas.DataFrame
        Per score bin: bounds, expected (training) and actual share.
    csi : pandas.DataFrame
        Per feature: dimension, CSI and its flag, worst first.
    feature_tables : dict of str to pandas.DataFrame
        Per feature and bin: label, expected and actual share.
    """

    rows: int
    score_psi: float
    score_flag: str
    score_table: pd.DataFrame
    csi: pd.DataFrame
    feature_tables: dict[str, pd.DataFrame]

    @property
    def flagged(self) -> list[str]:
        """Features whose CSI is at least 0.1."""
        return list(self.csi.loc[self.csi["flag"] != "stable", "feature"])


def monitor(
    artifact: ScorecardArtifact, data: pd.DataFrame | str | os.PathLike[str]
) -> StabilityReport:
    """Compare a new batch with the training sample kept in the artifact.

    Examples
    --------
    >>> report = monitor(card, new_batch)  # doctest: +SKIP
    >>> report.score_flag  # doctest: +SKIP
    'stable'
    """
    frame = _read(data, list(artifact.feature_names))
    scores = score_frame(artifact, frame)
    dist = artifact.score_distribution
    edges = np.asarray(dist.edges)
    actual = np.bincount(
        np.searchsorted(edges, scores.score, side="right"), minlength=len(edges) + 1
    ) / max(len(frame), 1)
    expected = np.asarray(dist.shares)
    lows = [None, *edges.tolist()]
    highs = [*edges.tolist(), None]
    score_table = pd.DataFrame(
        {"low": lows, "high": highs, "expected": expected, "actual": actual}
    )
    rows, tables = [], {}
    for card in artifact.features:
        counts = np.bincount(
            scores.bins[card.name].to_numpy(), minlength=len(card.bins)
        ) / max(len(frame), 1)
        table = pd.DataFrame(
            {
                "bin": [b.label for b in card.bins],
                "expected": [b.share for b in card.bins],
                "actual": counts,
            }
        )
        value = psi(table["expected"].to_numpy(), counts)
        tables[card.name] = table
        rows.append(
            {
                "feature": card.name,
                "dimension": card.dimension,
                "csi": value,
                "flag": stability_flag(value),
            }
        )
    score_psi = psi(expected, actual)
    return StabilityReport(
        rows=len(frame),
        score_psi=score_psi,
        score_flag=stability_flag(score_psi),
        score_table=score_table,
        csi=pd.DataFrame(rows).sort_values("csi", ascending=False, ignore_index=True),
        feature_tables=tables,
    )


@dataclass(frozen=True)
class Comparison:
    """Champion against challenger on the same rows.

    Attributes
    ----------
    metrics : pandas.DataFrame
        AUC, KS and Gini of each model (rows ``champion``, ``challenger``).
    swap : pandas.DataFrame
        Count of rows by champion grade (rows) and challenger grade (columns).
    swap_bad_rate : pandas.DataFrame
        Event rate in each cell of ``swap``.
    """

    metrics: pd.DataFrame
    swap: pd.DataFrame
    swap_bad_rate: pd.DataFrame


def compare(
    champion: ScorecardArtifact,
    challenger: ScorecardArtifact,
    data: pd.DataFrame | str | os.PathLike[str],
    *,
    target: str | None = None,
    event_value: int | str | None = None,
) -> Comparison:
    """Score ``data`` with both scorecards and compare them.

    ``target`` and ``event_value`` default to the champion's.

    Raises
    ------
    MissingColumnError
        If the target or a feature of either model has no column.
    """
    dataset = champion.spec.get("dataset", {})
    target = target or champion.data.target
    event = event_value if event_value is not None else dataset.get("event_value", 1)
    needed = [*champion.feature_names, *challenger.feature_names, target]
    frame = _read(data, needed)
    if target not in frame.columns:
        raise MissingColumnError(
            f"compare: expected the target column {target!r} in the data; it is absent"
        )
    if frame[target].isna().any():
        raise DataError(f"compare: target {target!r} has missing values")
    y = (frame[target] == event).to_numpy(dtype=np.int64)
    results = {
        "champion": score_frame(champion, frame),
        "challenger": score_frame(challenger, frame),
    }
    metrics = pd.DataFrame(
        [
            {
                "model": role,
                "name": card.name,
                "version": card.scorecard_version,
                "auc": auc(y, res.raw_score),
                "ks": ks(y, res.raw_score),
                "gini": gini(y, res.raw_score),
            }
            for (role, res), card in zip(
                results.items(), (champion, challenger), strict=True
            )
        ]
    ).set_index("model")
    rows = pd.Categorical(
        results["champion"].grade, categories=[g.grade for g in champion.grades]
    )
    cols = pd.Categorical(
        results["challenger"].grade, categories=[g.grade for g in challenger.grades]
    )
    cells = pd.DataFrame({"champion": rows, "challenger": cols, "event": y})
    grouped = cells.groupby(["champion", "challenger"], observed=False)["event"]
    swap = grouped.size().unstack(fill_value=0)
    bad = grouped.mean().unstack()
    return Comparison(metrics=metrics, swap=swap, swap_bad_rate=bad)
