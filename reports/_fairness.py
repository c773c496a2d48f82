"""The fairness report: outcomes at the approval cutoff by age band, region, migrancy.

Group attributes are never scorecard inputs; they are read here only to
measure outcomes. Per group: approval rate, bad rate, bad rate among the
approved and false-refusal rate (non-defaulters refused), with fairlearn's
``MetricFrame``, ``demographic_parity_ratio`` and ``equalized_odds_difference``
(non-default is the positive outcome, approval the positive decision). A group
falls "below 0.8" when its approval rate is under 0.8 of the best-approved
group of the same attribute (the four-fifths rule). What drives a gap is read
from the points table: each feature's mean points in the group against the
population mean.

Known shortcoming: approval here is the score cutoff alone; rule outcomes
(deny, review, grade caps) are not applied until the report is given the
batch's rule outcomes as an ``approved`` column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from reports._charts import Chart, grouped_bars, horizontal_bars
from reports._env import render_page
from reports._errors import ReportInputError
from scorecard import ScorecardArtifact, score_frame
from subscribers import FIELDS

__all__ = [
    "DEFAULT_GROUPS",
    "FOUR_FIFTHS",
    "AttributeFairness",
    "FairnessAnalysis",
    "analyse_fairness",
    "render_fairness_report",
]

#: Group attributes of the data contract that the report measures by default.
DEFAULT_GROUPS = ("age_band", "region", "migrant")
#: A group whose approval rate is under this share of the best group's falls below.
FOUR_FIFTHS = 0.8
#: Features named as drivers of a gap, at most.
_DRIVERS = 4
#: A mean points gap smaller than this is not named as a driver.
_NOISE_POINTS = 0.5
#: Column that, when present in the data, overrides the cutoff decision.
APPROVED_COLUMN = "approved"


@dataclass(frozen=True)
class AttributeFairness:
    """Outcomes by the groups of one attribute.

    Attributes
    ----------
    name : str
        The attribute (``age_band``).
    table : pandas.DataFrame
        Per group (index): ``count``, ``approval_rate``, ``bad_rate``,
        ``approved_bad_rate``, ``false_refusal_rate`` and ``parity_ratio``
        (approval rate over the highest group's).
    demographic_parity_ratio, equalized_odds_difference : float
        fairlearn's measures over the groups.
    below : list of str
        Groups whose ``parity_ratio`` is under :data:`FOUR_FIFTHS`.
    gaps : pandas.DataFrame
        Mean points per feature of each group (rows) minus the population's.
    """

    name: str
    table: pd.DataFrame
    demographic_parity_ratio: float
    equalized_odds_difference: float
    below: list[str]
    gaps: pd.DataFrame

    def drivers(self, group: str, n: int = _DRIVERS) -> pd.Series:
        """The ``n`` features that cost ``group`` the most points, in points.

        Features costing less than half a point on average are left out.
        """
        row = cast(pd.Series, self.gaps.loc[group]).sort_values()
        return row[row <= -_NOISE_POINTS].head(n)


@dataclass(frozen=True)
class FairnessAnalysis:
    """Outcomes at the cutoff overall and for each group attribute."""

    cutoff: float
    rows: int
    overall: dict[str, float]
    attributes: list[AttributeFairness]


# Every measure depends on a row only through (group, outcome, decision), so
# fairlearn is given one row per distinct triple with its count as the sample
# weight: the same numbers as row by row, in constant time (fairlearn stacks
# each row in Python, which takes seconds per 100,000 rows).
def _count(y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    return float(np.sum(sample_weight))


def _bad_rate(y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    weight = np.asarray(sample_weight, dtype=np.float64)
    bad = 1 - np.asarray(y_true)
    return float(np.sum(bad * weight) / np.sum(weight)) if weight.sum() else np.nan


def _approved_bad_rate(y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    keep = np.asarray(y_pred) == 1
    weight = np.asarray(sample_weight, dtype=np.float64)[keep]
    bad = 1 - np.asarray(y_true)[keep]
    return float(np.sum(bad * weight) / np.sum(weight)) if weight.sum() else np.nan


def _cells(groups: pd.Series, y: np.ndarray, approved: np.ndarray) -> pd.DataFrame:
    """One row per (group, good, approved) with its count as ``weight``."""
    frame = pd.DataFrame(
        {"group": groups.to_numpy(), "good": 1 - y, "approved": approved}
    )
    return frame.value_counts(sort=False).rename("weight").reset_index()


def _group_labels(column: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(column) or set(column.dropna().unique()) <= {
        True,
        False,
    }:
        mapped = column.map({True: "migrant", False: "not migrant"})
        return mapped.astype(object).where(column.notna(), "unknown")
    return column.astype(object).where(column.notna(), "unknown").astype(str)


def analyse_fairness(
    artifact: ScorecardArtifact,
    data: pd.DataFrame,
    *,
    groups: Sequence[str] = DEFAULT_GROUPS,
    cutoff: float | None = None,
) -> FairnessAnalysis:
    """Measure outcomes at the cutoff by group.

    Parameters
    ----------
    artifact : ScorecardArtifact
    data : pandas.DataFrame
        Rows with the scorecard's features, its target and the ``groups``
        columns. An ``approved`` column (bool), if present, is the decision
        instead of the score cutoff.
    groups : sequence of str
        Group attribute columns.
    cutoff : float, optional
        Approval cutoff score; the artifact's by default.

    Raises
    ------
    ReportInputError
        If the target or a group column is absent.
    """
    target = artifact.data.target
    absent = [c for c in (target, *groups) if c not in data.columns]
    if absent:
        raise ReportInputError(
            f"data: expected the target and group columns {[target, *groups]}; "
            f"{absent} are absent"
        )
    cut = artifact.cutoff_score if cutoff is None else cutoff
    scores = score_frame(artifact, data)
    event = artifact.spec.get("dataset", {}).get("event_value", 1)
    y = (data[target] == event).to_numpy(dtype=np.int64)
    if APPROVED_COLUMN in data.columns:
        approved = data[APPROVED_COLUMN].to_numpy(dtype=bool).astype(np.int64)
    else:
        approved = (scores.score >= cut).astype(np.int64)
    good = 1 - y
    overall = {
        "approval_rate": float(approved.mean()),
        "bad_rate": float(y.mean()),
        "approved_bad_rate": float(y[approved == 1].mean())
        if approved.any()
        else np.nan,
        "false_refusal_rate": float(((approved == 0) & (good == 1)).sum())
        / max(int(good.sum()), 1),
    }
    points = scores.points.reset_index(drop=True)
    attributes = [
        _attribute(
            name, _group_labels(data[name]).reset_index(drop=True), y, approved, points
        )
        for name in groups
    ]
    return FairnessAnalysis(
        cutoff=cut, rows=len(data), overall=overall, attributes=attributes
    )


def _attribute(
    name: str,
    groups: pd.Series,
    y: np.ndarray,
    approved: np.ndarray,
    points: pd.DataFrame,
) -> AttributeFairness:
    # fairlearn pulls in scikit-learn (~1.5 s): imported when a report needs
    # it, not by every command that imports this package.
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_ratio,
        equalized_odds_difference,
        false_negative_rate,
        selection_rate,
    )

    cells = _cells(groups, y, approved)
    good, decided = cells["good"].to_numpy(), cells["approved"].to_numpy()
    weight = cells["weight"].to_numpy(dtype=np.float64)
    sensitive = cells["group"].rename(name)
    metrics = {
        "count": _count,
        "approval_rate": selection_rate,
        "bad_rate": _bad_rate,
        "approved_bad_rate": _approved_bad_rate,
        "false_refusal_rate": false_negative_rate,
    }
    table = MetricFrame(
        metrics=metrics,
        y_true=good,
        y_pred=decided,
        sensitive_features=sensitive,
        sample_params={m: {"sample_weight": weight} for m in metrics},
    ).by_group
    table["count"] = table["count"].astype(int)
    table["parity_ratio"] = table["approval_rate"] / table["approval_rate"].max()
    order = _order(name, list(table.index))
    table = table.loc[order]
    gaps = points.groupby(groups.to_numpy()).mean() - points.mean()
    return AttributeFairness(
        name=name,
        table=table,
        demographic_parity_ratio=float(
            demographic_parity_ratio(
                good, decided, sensitive_features=sensitive, sample_weight=weight
            )
        ),
        equalized_odds_difference=float(
            equalized_odds_difference(
                good, decided, sensitive_features=sensitive, sample_weight=weight
            )
        ),
        below=[str(g) for g in order if table.loc[g, "parity_ratio"] < FOUR_FIFTHS],
        gaps=gaps.loc[order],
    )


def _order(name: str, present: list[Any]) -> list[Any]:
    """Groups in the data contract's order, others after them."""
    known = list(FIELDS[name].categories) if name in FIELDS else []
    known += ["migrant", "not migrant"]
    first = [g for g in known if g in present]
    return first + sorted((g for g in present if g not in first), key=str)


def render_fairness_report(
    artifact: ScorecardArtifact,
    data: pd.DataFrame,
    *,
    groups: Sequence[str] = DEFAULT_GROUPS,
    cutoff: float | None = None,
    data_label: str = "",
) -> str:
    """The fairness report at the cutoff as a self-contained HTML page.

    Parameters are those of :func:`analyse_fairness`; ``data_label`` names
    the data on the page.
    """
    analysis = analyse_fairness(artifact, data, groups=groups, cutoff=cutoff)
    views = [_attribute_view(artifact, a) for a in analysis.attributes]
    context = {
        "card": artifact,
        "analysis": analysis,
        "data_label": data_label or f"{analysis.rows:,} rows",
        "attributes": views,
        "four_fifths": FOUR_FIFTHS,
        "by_cutoff": APPROVED_COLUMN not in data.columns,
    }
    return render_page("fairness.html.j2", context)


def _field_zh(name: str) -> str:
    return FIELDS[name].zh if name in FIELDS else ""


def _attribute_view(
    artifact: ScorecardArtifact, a: AttributeFairness
) -> dict[str, Any]:
    table = a.table
    worst = str(table["parity_ratio"].idxmin())
    focus = a.below or [worst]
    drivers = {
        g: [
            {
                "feature": f,
                "zh": _field_zh(str(f)),
                "gap": float(v),
                "dimension": artifact.feature(str(f)).dimension,
            }
            for f, v in a.drivers(g).items()
        ]
        for g in focus
    }
    best = str(table["approval_rate"].idxmax())
    return {
        "a": a,
        "zh": _field_zh(a.name),
        "rows": [{"group": str(g), **r} for g, r in table.to_dict("index").items()],
        "best": best,
        "worst": worst,
        "focus": focus,
        "drivers": drivers,
        "rate_chart": _rate_chart(a),
        "gap_chart": _gap_chart(a, worst if not a.below else a.below[0]),
    }


def _rate_chart(a: AttributeFairness) -> Chart:
    table = a.table
    best = float(table["approval_rate"].max())
    return grouped_bars(
        [str(g) for g in table.index],
        {
            "approval rate": list(table["approval_rate"]),
            "false-refusal rate": list(table["false_refusal_rate"]),
            "bad rate": list(table["bad_rate"]),
        },
        title=f"Outcomes by {a.name} at the cutoff",
        ylabel="rate",
        alt=f"Bar chart of approval, false-refusal and bad rates by {a.name}",
        percent=True,
        reference=(FOUR_FIFTHS * best, f"0.8 × highest approval rate ({best:.1%})"),
        size=(7.4, 3.0),
    )


def _gap_chart(a: AttributeFairness, group: str) -> Chart:
    row = cast(pd.Series, a.gaps.loc[group]).sort_values()
    return horizontal_bars(
        [f"{f} {_field_zh(f)}" for f in row.index],
        list(row.to_numpy()),
        title=f"{a.name} = {group}: points against the population mean",
        xlabel="points (below zero: the group gets fewer points than average)",
        alt=f"Bar chart of the points gap per feature for {a.name} {group}",
        value_format="{:+.1f}",
    )
