"""The scorecard development report for risk teams, rendered from a fitted artifact.

Everything but the ROC/KS curves and the score distribution by outcome comes
from the artifact itself (bins, IV, coefficients, grades, dimensions). Those
two need labelled rows: pass the data, or the curves a training run kept.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from reports._charts import (
    COLOURS,
    HATCHES,
    LINESTYLES,
    MARKERS,
    Chart,
    chart_style,
    encode,
    grouped_bars,
    horizontal_bars,
    new_figure,
)
from reports._env import render_page
from reports._errors import ReportInputError
from scorecard import (
    FeatureCard,
    ScorecardArtifact,
    auc,
    ks,
    roc_curve,
    score_frame,
)
from subscribers import FIELDS

__all__ = ["IV_STRENGTH", "iv_strength", "render_scorecard_report"]

#: Conventional reading of information value (Siddiqi): lower bound, words.
IV_STRENGTH: tuple[tuple[float, str], ...] = (
    (0.3, "strong"),
    (0.1, "medium"),
    (0.02, "weak"),
    (0.0, "not predictive"),
)

Curves = Mapping[str, Mapping[str, Sequence[float]]]


def iv_strength(iv: float) -> str:
    """The conventional word for an information value."""
    return next(word for low, word in IV_STRENGTH if iv >= low)


def render_scorecard_report(
    artifact: ScorecardArtifact,
    *,
    data: pd.DataFrame | None = None,
    roc: Curves | None = None,
    data_label: str = "",
) -> str:
    """The development report of a scorecard as a self-contained HTML page.

    Parameters
    ----------
    artifact : ScorecardArtifact
        The fitted scorecard.
    data : pandas.DataFrame, optional
        Labelled rows (the artifact's features and target) for the ROC/KS
        curves, the score distribution by outcome and grade bad rates.
    roc : mapping, optional
        ROC curves per part as :attr:`scorecard.TrainingResult.roc` keeps
        them (``{"train": {...}, "test": {...}}``); drawn instead of the
        curves of ``data`` when given.
    data_label : str
        How the page names ``data`` ("test sample", "March batch").

    Raises
    ------
    ReportInputError
        If ``data`` lacks the target column.
    """
    scored = _score_data(artifact, data) if data is not None else None
    label = data_label or (f"the {len(data):,} rows given" if data is not None else "")
    context: dict[str, Any] = {
        "card": artifact,
        "data_label": label,
        "fields": _field_names(artifact),
        "iv_rows": _iv_rows(artifact),
        "iv_chart": _iv_chart(artifact),
        "features": [_feature_view(card) for card in artifact.features],
        "coefficients": artifact.coefficients,
        "grades": _grade_rows(artifact, scored),
        "grade_chart": _grade_chart(artifact, scored, label),
        "dimensions": _dimension_rows(artifact),
        "dimension_chart": _dimension_chart(artifact),
        "roc_chart": None,
        "ks_chart": None,
        "distribution_chart": None,
        "measured": None,
    }
    curves = dict(roc) if roc is not None else {}
    if scored is not None:
        y, score = scored
        curves = curves or {label: roc_curve(y, score)}
        context["distribution_chart"] = _distribution_chart(artifact, y, score)
        context["measured"] = {"rows": len(y), "event_rate": float(y.mean())}
        context["measured"]["ks"] = ks(y, score)
    if curves:
        aucs = {p: m.auc for p, m in artifact.metrics.items()}
        if scored is not None:
            aucs[label] = auc(*scored)
        context["roc_chart"] = _roc_chart(curves, aucs)
        context["ks_chart"] = _ks_chart(curves)
    return render_page("scorecard.html.j2", context)


def _score_data(
    artifact: ScorecardArtifact, data: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    target = artifact.data.target
    if target not in data.columns:
        raise ReportInputError(
            f"data: expected the target column {target!r} for ROC and score "
            f"distribution; got columns {list(data.columns)[:12]}"
        )
    event = artifact.spec.get("dataset", {}).get("event_value", 1)
    y = (data[target] == event).to_numpy(dtype=np.int64)
    return y, score_frame(artifact, data).score


def _field_names(artifact: ScorecardArtifact) -> dict[str, str]:
    names = [f["name"] for f in artifact.spec.get("features", [])]
    names += [f.name for f in artifact.features]
    return {n: (FIELDS[n].zh if n in FIELDS else "") for n in names}


def _iv_rows(artifact: ScorecardArtifact) -> list[dict[str, Any]]:
    dims = {
        f["name"]: f.get("dimension", "") for f in artifact.spec.get("features", [])
    }
    rows = [
        {
            "name": f.name,
            "dimension": f.dimension,
            "iv": f.iv,
            "strength": iv_strength(f.iv),
            "selected": True,
            "why": "",
        }
        for f in artifact.features
    ]
    rows += [
        {
            "name": r.name,
            "dimension": dims.get(r.name, ""),
            "iv": r.iv,
            "strength": iv_strength(r.iv) if r.iv is not None else "",
            "selected": False,
            "why": r.detail,
        }
        for r in artifact.rejected
    ]
    return sorted(rows, key=lambda r: -(r["iv"] or 0.0))


def _iv_chart(artifact: ScorecardArtifact) -> Chart:
    rows = _iv_rows(artifact)
    marks = [f"{r['name']}{'' if r['selected'] else ' (dropped)'}" for r in rows]
    return horizontal_bars(
        marks,
        [r["iv"] or 0.0 for r in rows],
        title="Information value of every candidate feature",
        xlabel="IV (dotted lines: weak 0.02, medium 0.1, strong 0.3; "
        "grey dotted bars: dropped)",
        alt="Bar chart of information value per candidate feature",
        lines=[0.02, 0.1, 0.3],
        muted=[not r["selected"] for r in rows],
    )


# Known shortcoming: only selected features get a binning section; dropped
# candidates appear in the IV table alone, until the artifact keeps their bins
# or the report is given TrainingResult.binning_tables.
def _feature_view(card: FeatureCard) -> dict[str, Any]:
    return {
        "card": card,
        "zh": FIELDS[card.name].zh if card.name in FIELDS else "",
        "chart": _binning_chart(card),
    }


# A feature card is frozen and hashable: its chart is drawn once per process,
# however many reports show it (the charts are most of a report's cost).
@functools.lru_cache(maxsize=256)
def _binning_chart(card: FeatureCard) -> Chart:
    shown = [b for b in card.bins if b.count > 0]
    labels = [b.label if len(b.label) <= 18 else b.label[:17] + "…" for b in shown]
    x = np.arange(len(shown))
    with chart_style():
        figure = new_figure(7.2, 2.5)
        left, right = figure.subplots(1, 2)
        left.bar(x, [b.event_rate for b in shown], color=COLOURS[0], edgecolor="black")
        left.set_ylabel("event rate")
        left.yaxis.set_major_formatter("{x:.0%}")
        for i, b in enumerate(shown):
            left.annotate(
                f"{b.event_rate:.1%}",
                (i, b.event_rate),
                ha="center",
                va="bottom",
                fontsize=7,
            )
        left.set_title(f"{card.name}: event rate by bin")
        woes = [b.woe for b in shown]
        right.bar(
            x,
            woes,
            color=[COLOURS[3] if w < 0 else COLOURS[2] for w in woes],
            hatch=["//" if w < 0 else "" for w in woes],
            edgecolor="black",
        )
        right.axhline(0, color="black", linewidth=0.8)
        right.set_title("WOE by bin (hatched: riskier than average)")
        right.set_ylabel("WOE")
        for ax in (left, right):
            ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=7)
            ax.margins(y=0.15)
        return encode(figure, f"Event rate and WOE per bin of {card.name}")


def _grades_of(artifact: ScorecardArtifact, score: np.ndarray) -> np.ndarray:
    """Grade letter of each score, vectorised (``ScorecardArtifact.grade_of``)."""
    bands = sorted(artifact.grades, key=lambda g: g.min_score)
    mins = np.asarray([g.min_score for g in bands])
    names = np.asarray([g.grade for g in bands], dtype=object)
    return np.asarray(names[np.maximum(np.searchsorted(mins, score, "right") - 1, 0)])


def _grade_rows(
    artifact: ScorecardArtifact, scored: tuple[np.ndarray, np.ndarray] | None
) -> list[dict[str, Any]]:
    rows = []
    given_grade = None
    if scored is not None:
        given_grade = _grades_of(artifact, scored[1])
    for g in artifact.grades:
        row: dict[str, Any] = {"g": g, "approved": g.min_score >= artifact.cutoff_score}
        if scored is not None and given_grade is not None:
            mask = given_grade == g.grade
            row["count"] = int(mask.sum())
            row["bad_rate"] = float(scored[0][mask].mean()) if mask.any() else None
        rows.append(row)
    return rows


def _grade_chart(
    artifact: ScorecardArtifact,
    scored: tuple[np.ndarray, np.ndarray] | None,
    label: str,
) -> Chart:
    names = [f"{g.grade} ≥{g.min_score:g}" for g in artifact.grades]
    series = {"training sample": [g.bad_rate or 0.0 for g in artifact.grades]}
    if scored is not None:
        rows = _grade_rows(artifact, scored)
        series[label] = [r["bad_rate"] or 0.0 for r in rows]
    return grouped_bars(
        names,
        series,
        title="Bad rate by grade",
        ylabel="bad rate",
        alt="Bar chart of the bad rate per grade",
        percent=True,
    )


def _dimension_rows(artifact: ScorecardArtifact) -> list[dict[str, Any]]:
    spans = [d.points_max - d.points_min for d in artifact.dimensions]
    total = sum(spans) or 1.0
    return [
        {"d": d, "span": span, "weight": span / total}
        for d, span in zip(artifact.dimensions, spans, strict=True)
    ]


def _dimension_chart(artifact: ScorecardArtifact) -> Chart:
    rows = _dimension_rows(artifact)
    return horizontal_bars(
        [f"{r['d'].zh} {r['d'].name}" for r in rows],
        [r["weight"] for r in rows],
        title="Dimension weights: share of the total points range",
        xlabel="weight",
        alt="Bar chart of each dimension's share of the points range",
        value_format="{:.1%}",
    )


def _roc_chart(curves: Curves, aucs: Mapping[str, float]) -> Chart:
    with chart_style():
        figure = new_figure(4.2, 3.6)
        ax = figure.add_subplot()
        for i, (part, curve) in enumerate(curves.items()):
            ax.plot(
                curve["fpr"],
                curve["tpr"],
                linestyle=LINESTYLES[i % len(LINESTYLES)],
                color=COLOURS[i % len(COLOURS)],
                marker=MARKERS[i % len(MARKERS)],
                markevery=10,
                markersize=4,
                label=f"{part} (AUC {_area(curve, aucs.get(part)):.3f})",
            )
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="random")
        ax.set_xlabel("share of non-defaulters at or below the score")
        ax.set_ylabel("share of defaulters at or below the score")
        ax.set_title("ROC curve")
        ax.legend(loc="lower right", fontsize=8)
        return encode(figure, "ROC curve of the scorecard")


def _area(curve: Mapping[str, Sequence[float]], exact: float | None) -> float:
    if exact is not None:
        return exact
    return float(np.trapezoid(curve["tpr"], curve["fpr"]))


def _ks_chart(curves: Curves) -> Chart:
    part, curve = next(reversed(list(curves.items())))
    t = np.asarray(curve["threshold"])
    bad, good = np.asarray(curve["tpr"][1:]), np.asarray(curve["fpr"][1:])
    at = int(np.argmax(bad - good))
    with chart_style():
        figure = new_figure(4.6, 3.6)
        ax = figure.add_subplot()
        ax.plot(t, bad, color=COLOURS[3], linestyle="-", label="defaulters")
        ax.plot(t, good, color=COLOURS[0], linestyle="--", label="non-defaulters")
        ax.vlines(t[at], good[at], bad[at], color="black", linewidth=1.5)
        ax.annotate(
            f"KS {bad[at] - good[at]:.3f}\nat score {t[at]:.0f}",
            (t[at], (bad[at] + good[at]) / 2),
            xytext=(-70, 0),
            textcoords="offset points",
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
        ax.set_xlabel("score")
        ax.set_ylabel("cumulative share")
        ax.set_title(f"KS curve ({part})")
        ax.legend(loc="lower right", fontsize=8)
        return encode(figure, f"KS curve on {part}")


def _distribution_chart(
    artifact: ScorecardArtifact, y: np.ndarray, score: np.ndarray
) -> Chart:
    low, high = artifact.scaling.score_min, artifact.scaling.score_max
    edges = np.linspace(low, high, 49)
    with chart_style():
        figure = new_figure(7.2, 2.8)
        ax = figure.add_subplot()
        for i, (label, mask) in enumerate(
            (("non-defaulters", y == 0), ("defaulters", y == 1))
        ):
            ax.hist(
                score[mask],
                bins=edges.tolist(),
                density=True,
                histtype="stepfilled",
                alpha=0.35,
                hatch=HATCHES[i + 1],
                color=COLOURS[i * 3],
                edgecolor=COLOURS[i * 3],
                linestyle=LINESTYLES[i],
                linewidth=1.2,
                label=f"{label} ({int(mask.sum()):,})",
            )
        ax.axvline(artifact.cutoff_score, color="black", linestyle="--")
        ax.annotate(
            f"cutoff {artifact.cutoff_score:g}",
            (artifact.cutoff_score, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -10),
            textcoords="offset points",
            fontsize=8,
        )
        ax.set_xlabel("score")
        ax.set_ylabel("density")
        ax.set_title("Score distribution by outcome")
        ax.legend(fontsize=8)
        return encode(figure, "Histogram of scores of defaulters and non-defaulters")
