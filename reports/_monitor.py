"""The monitoring report: PSI of the score and CSI per feature, with traffic lights.

Rendered from :func:`scorecard.monitor`'s :class:`~scorecard.StabilityReport`;
the thresholds are the scorecard layer's own, so the words on the page and
the flags in the data never disagree.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from reports._charts import Chart, grouped_bars, horizontal_bars
from reports._env import render_page
from scorecard import ScorecardArtifact, StabilityReport

# Until scorecard exports STABILITY_THRESHOLDS from its package, the private
# module is the one place the two thresholds are written.
from scorecard._metrics import STABILITY_THRESHOLDS
from subscribers import FIELDS

__all__ = ["FLAG_WORDS", "render_monitoring_report"]

#: Each stability flag in words with a shape, so it reads without colour.
FLAG_WORDS: dict[str, str] = {
    "stable": "● stable 稳定",
    "watch": "▲ watch 关注",
    "shift": "■ shift 显著偏移",
}

#: Feature tables shown when no feature is flagged: the worst few.
_SHOW_AT_LEAST = 3


def render_monitoring_report(
    artifact: ScorecardArtifact,
    stability: StabilityReport,
    *,
    batch_label: str = "new batch",
) -> str:
    """The monitoring report of one batch as a self-contained HTML page.

    Parameters
    ----------
    artifact : ScorecardArtifact
        The scorecard the batch was scored with.
    stability : StabilityReport
        What :func:`scorecard.monitor` returned for the batch.
    batch_label : str
        How the page names the batch ("2026-11 applications").
    """
    csi = stability.csi
    flagged = [f for f in csi["feature"] if f in stability.flagged]
    shown = flagged or list(csi["feature"][:_SHOW_AT_LEAST])
    low, high = STABILITY_THRESHOLDS
    context: dict[str, Any] = {
        "card": artifact,
        "batch_label": batch_label,
        "stability": stability,
        "words": FLAG_WORDS,
        "low": low,
        "high": high,
        "counts": {flag: int((csi["flag"] == flag).sum()) for flag in FLAG_WORDS},
        "score_rows": _score_rows(stability.score_table),
        "score_chart": _score_chart(stability.score_table, batch_label),
        "csi_rows": [
            {**row, "zh": FIELDS[row["feature"]].zh if row["feature"] in FIELDS else ""}
            for row in csi.to_dict("records")
        ],
        "csi_chart": _csi_chart(csi),
        "details": [
            _feature_detail(name, stability.feature_tables[name], batch_label)
            for name in shown
        ],
        "flagged": flagged,
    }
    return render_page("monitor.html.j2", context)


def _bound(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _range_label(low: float | None, high: float | None) -> str:
    if low is None:
        return f"< {high:.0f}"
    if high is None:
        return f"≥ {low:.0f}"
    return f"{low:.0f}–{high:.0f}"


def _score_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "range": _range_label(_bound(r["low"]), _bound(r["high"])),
            "expected": r["expected"],
            "actual": r["actual"],
            "change": r["actual"] - r["expected"],
        }
        for r in table.to_dict("records")
    ]


def _score_chart(table: pd.DataFrame, batch_label: str) -> Chart:
    rows = _score_rows(table)
    return grouped_bars(
        [r["range"] for r in rows],
        {
            "training (expected)": [r["expected"] for r in rows],
            f"{batch_label} (actual)": [r["actual"] for r in rows],
        },
        title="Score distribution: training deciles against the batch",
        ylabel="share of subjects",
        alt="Bar chart of the share of subjects per score band, training and batch",
        percent=True,
        size=(7.6, 3.0),
    )


def _csi_chart(csi: pd.DataFrame) -> Chart:
    low, high = STABILITY_THRESHOLDS
    return horizontal_bars(
        [f"{f} ({flag})" for f, flag in zip(csi["feature"], csi["flag"], strict=True)],
        list(csi["csi"]),
        title="Characteristic stability index per feature",
        xlabel=f"CSI (dotted lines: watch from {low:g}, shift from {high:g})",
        alt="Bar chart of the CSI of every scored feature",
        lines=[low, high],
        value_format="{:.4f}",
    )


def _feature_detail(name: str, table: pd.DataFrame, batch_label: str) -> dict[str, Any]:
    chart = grouped_bars(
        [str(b) for b in table["bin"]],
        {
            "training (expected)": list(table["expected"]),
            f"{batch_label} (actual)": list(table["actual"]),
        },
        title=f"{name}: share per bin",
        ylabel="share",
        alt=f"Bar chart of the share per bin of {name}, training and batch",
        percent=True,
        size=(7.6, 2.6),
    )
    return {
        "name": name,
        "zh": FIELDS[name].zh if name in FIELDS else "",
        "rows": table.to_dict("records"),
        "chart": chart,
    }
