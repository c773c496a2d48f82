"""The certificate document a subscriber reads, in Chinese or English.

The input is a certificate as its JSON object (``Certificate.to_json()`` of the
issuing package, or the signed file read back). Only the members this page
shows are validated here, by :class:`CertificateDocument`; members added to
the certificate later are ignored, so the two packages stay decoupled (the
reports layer does not import the issuing package). Fixed texts come from
``templates/labels.yaml``; every sentence about the subscriber comes from the
certificate itself (reasons and suggestions are rendered by the explanation
layer before issuing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
from matplotlib.projections.polar import PolarAxes
from pydantic import BaseModel, ConfigDict, ValidationError

from reports._charts import COLOURS, Chart, chart_style, encode, new_figure
from reports._env import labels, render_page
from reports._errors import ReportInputError
from reports.rulebook import EFFECT_WORDS
from rules import describe_value
from scorecard import ScorecardArtifact
from subscribers import FIELDS, Dimension

__all__ = ["CertificateDocument", "render_certificate"]

_OP_SYMBOLS = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "in": "∈",
    "not_in": "∉",
}


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Text(_In):
    zh: str
    en: str


class _Range(_In):
    low: float
    high: float


class _Subscore(_In):
    dimension: str
    points: float
    percent: float


class _Points(_In):
    feature: str
    dimension: str
    bin: str
    points: float


class _Step(_In):
    field: str
    op: str
    value: Any = None
    input: Any = None
    result: bool | None = None


class _Flag(_In):
    rule_id: str
    version: int
    effect: str
    grade_cap: str | None = None
    title: _Text
    legal_basis: tuple[str, ...] = ()
    trace: tuple[_Step, ...] = ()


class _Reason(_In):
    code: str
    kind: str = "score"
    feature: str | None = None
    points: float | None = None
    text: _Text


class _Suggestion(_In):
    code: str
    feature: str
    points_gain: float
    text: _Text


class _Source(_In):
    source: str
    as_of: dt.date | None = None
    age_days: int | None = None


class _Versions(_In):
    certificate_schema: str = ""
    ruleset: str
    scorecard: str
    templates: str


class CertificateDocument(_In):
    """The members of a certificate the document shows (others are ignored)."""

    id: str
    subject: str = ""
    issued_at: str
    expires_on: dt.date
    evaluation_date: dt.date
    status: str
    score: float | None = None
    grade: str | None = None
    score_range: _Range
    subscores: tuple[_Subscore, ...] = ()
    points: tuple[_Points, ...] = ()
    flags: tuple[_Flag, ...] = ()
    reasons: tuple[_Reason, ...] = ()
    suggestions: tuple[_Suggestion, ...] = ()
    data_sources: tuple[_Source, ...] = ()
    versions: _Versions
    signature: dict[str, Any] | None = None

    @property
    def key_id(self) -> str | None:
        """The id of the public key that verifies the signature."""
        if not self.signature:
            return None
        kid = self.signature.get("kid")
        return str(kid) if kid else None


def render_certificate(
    certificate: Mapping[str, Any],
    *,
    lang: str = "zh",
    artifact: ScorecardArtifact | None = None,
) -> str:
    """The certificate document as a self-contained HTML page in ``lang``.

    Parameters
    ----------
    certificate : mapping
        The certificate's JSON object.
    lang : {"zh", "en"}
    artifact : ScorecardArtifact, optional
        The scorecard that scored it; adds the grade's name and the grade
        bands and cutoff on the score chart.

    Raises
    ------
    ReportInputError
        If the certificate lacks a member the page needs, or ``lang`` is
        not one of ``zh``, ``en``.
    """
    t = labels(lang)
    try:
        doc = CertificateDocument.model_validate(dict(certificate))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(step) for step in error["loc"])
        raise ReportInputError(f"certificate: {where}: {error['msg']}") from None
    zh = lang == "zh"
    grade_name = None
    if artifact is not None and doc.grade is not None:
        band = next((g for g in artifact.grades if g.grade == doc.grade), None)
        grade_name = None if band is None else (band.zh if zh else band.en)
    context = {
        "lang": lang,
        "t": t,
        "doc": doc,
        "status_words": t.get(f"status_{doc.status}", doc.status),
        "subject": _short(doc.subject),
        "grade_name": grade_name,
        "gauge": _gauge(doc, artifact, t) if doc.score is not None else None,
        "radar": _radar(doc, lang, t) if len(doc.subscores) >= 3 else None,
        "subscores": [_subscore_view(s, zh) for s in doc.subscores],
        "flags": [_flag_view(f, lang) for f in doc.flags],
        "reasons": [
            {"text": r.text.zh if zh else r.text.en, "points": r.points}
            for r in doc.reasons
        ],
        "suggestions": [
            {"text": s.text.zh if zh else s.text.en, "gain": s.points_gain}
            for s in doc.suggestions
        ],
        "sources": [
            {**s.model_dump(), "name": t.get(f"source_{s.source}", s.source)}
            for s in doc.data_sources
        ],
        # Known shortcoming: bands show the scorecard's interval notation
        # ("[0.50, inf)") until the certificate carries a plain-language band.
        "points": [
            {
                **p.model_dump(),
                "name": _field_name(p.feature, zh),
                "dim": _dimension_name(p.dimension, zh),
            }
            for p in doc.points
        ],
        "method": t["method"].format(**doc.versions.model_dump()),
        "range_text": t["range"].format(
            low=doc.score_range.low, high=doc.score_range.high
        ),
    }
    return render_page("certificate.html.j2", context)


def _short(pseudonym: str) -> str:
    return pseudonym if len(pseudonym) <= 16 else f"{pseudonym[:12]}…"


def _field_name(name: str, zh: bool) -> str:
    spec = FIELDS.get(name)
    if spec is None:
        return name
    return spec.zh if zh else spec.en


def _dimension_name(name: str, zh: bool) -> str:
    try:
        dimension = Dimension(name)
    except ValueError:
        return name
    return dimension.zh if zh else dimension.value


def _subscore_view(s: _Subscore, zh: bool) -> dict[str, Any]:
    return {
        "name": _dimension_name(s.dimension, zh),
        "percent": s.percent,
        "points": s.points,
    }


def _flag_view(flag: _Flag, lang: str) -> dict[str, Any]:
    zh = lang == "zh"
    words = EFFECT_WORDS.get(flag.effect, (flag.effect, flag.effect))
    checks = []
    for step in flag.trace:
        name = _field_name(step.field, zh)
        seen = (
            describe_value(step.field, step.input, "zh" if zh else "en")
            if step.input is not None
            else None
        )
        if step.op in _OP_SYMBOLS:
            rule = f"{name} {_OP_SYMBOLS[step.op]} " + describe_value(
                step.field, step.value, "zh" if zh else "en"
            )
        else:
            rule = name
        result = (
            "check_unknown"
            if step.result is None
            else ("check_true" if step.result else "check_false")
        )
        checks.append({"rule": rule, "seen": seen, "result": result})
    effect = words[0] if zh else words[1]
    if flag.grade_cap:
        effect += f"（{flag.grade_cap}）" if zh else f" ({flag.grade_cap})"
    return {
        "id": flag.rule_id,
        "version": flag.version,
        "title": flag.title.zh if zh else flag.title.en,
        "effect": effect,
        "legal_basis": flag.legal_basis,
        "checks": checks,
    }


def _gauge(
    doc: CertificateDocument, artifact: ScorecardArtifact | None, t: dict[str, str]
) -> Chart:
    low, high = doc.score_range.low, doc.score_range.high
    assert doc.score is not None
    with chart_style():
        figure = new_figure(7.0, 1.4, layout=None)
        figure.subplots_adjust(left=0.03, right=0.97, bottom=0.42, top=0.8)
        ax = figure.add_subplot()
        ax.grid(False)
        if artifact is not None:
            bands = sorted(artifact.grades, key=lambda g: g.min_score)
            edges = [max(g.min_score, low) for g in bands] + [high]
            for i, g in enumerate(bands):
                shade = 0.78 + 0.045 * i
                ax.axvspan(edges[i], edges[i + 1], color=str(shade), ymin=0, ymax=1)
                ax.axvline(edges[i], color="white", linewidth=2)
                ax.text(
                    (edges[i] + edges[i + 1]) / 2,
                    0.78,
                    g.grade,
                    ha="center",
                    va="center",
                    fontsize=12,
                    transform=ax.get_xaxis_transform(),
                )
            ax.axvline(artifact.cutoff_score, color="black", linestyle="--")
            ax.text(
                artifact.cutoff_score,
                1.05,
                t["gauge_cutoff"],
                ha="center",
                va="bottom",
                fontsize=8,
                transform=ax.get_xaxis_transform(),
            )
        else:
            ax.axvspan(low, high, color="0.9")
        ax.plot(
            [doc.score],
            [0.35],
            marker="v",
            markersize=16,
            color=COLOURS[3],
            markeredgecolor="black",
            transform=ax.get_xaxis_transform(),
        )
        ax.text(
            doc.score,
            -0.15,
            f"{doc.score:.0f}",
            ha="center",
            va="top",
            fontsize=12,
            transform=ax.get_xaxis_transform(),
        )
        ax.set_xlim(low, high)
        ax.set_yticks([])
        ax.spines[["left", "top", "right"]].set_visible(False)
        ax.set_xticks(np.linspace(low, high, 7))
        ax.tick_params(axis="x", labelsize=8, pad=16)
        return encode(figure, t["gauge_alt"])


def _radar(doc: CertificateDocument, lang: str, t: dict[str, str]) -> Chart:
    names = [_dimension_name(s.dimension, lang == "zh") for s in doc.subscores]
    values = [min(max(s.percent, 0.0), 100.0) for s in doc.subscores]
    angles = np.linspace(0, 2 * np.pi, len(values), endpoint=False)
    closed = np.r_[angles, angles[:1]]
    with chart_style():
        figure = new_figure(4.4, 3.6)
        ax = cast(PolarAxes, figure.add_subplot(projection="polar"))
        ax.set_theta_offset(np.pi / 2)
        ax.set_theta_direction(-1)
        ax.plot(
            closed,
            np.r_[values, values[:1]],
            color=COLOURS[0],
            marker="o",
            linewidth=1.8,
        )
        ax.fill(closed, np.r_[values, values[:1]], color=COLOURS[0], alpha=0.25)
        for angle, value in zip(angles, values, strict=True):
            ax.annotate(
                f"{value:.0f}%",
                (angle, value),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        ax.set_xticks(angles, names, fontsize=9)
        ax.set_ylim(0, 122)
        ax.set_yticks(
            [25, 50, 75, 100], ["25", "50", "75", "100"], fontsize=7, color="#555"
        )
        return encode(figure, t["radar_alt"])
