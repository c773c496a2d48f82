"""Test helpers: a certificate JSON object built from real layer outputs.

The certificate is scored by the fitted scorecard and judged by the default
rule set, then checked against the issuing package's schema, so the
document is rendered from the shape issuing produces. Reasons and
suggestions are written here from the points table, in the catalogue's
manner, until the explanation layer's public API exists to produce them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from credcert.certificate import CERTIFICATE_SCHEMA, Certificate
from rules import RuleEngine, RuleSet, facts_records
from scorecard import ScorecardArtifact
from subscribers import FIELDS, Source, as_of_column

EVALUATION_DATE = dt.date(2026, 11, 30)
KEY_ID = "k1-3f9a2c7e41b0"


def record_of(frame: pd.DataFrame, row: int) -> dict[str, Any]:
    """One subscriber row as a plain dict (missing values as None), with the
    rule facts of the row under the key ``"facts"``."""
    part = frame.iloc[[row]]
    values = part.iloc[0].to_dict()
    record = {k: (None if pd.isna(v) else v) for k, v in values.items()}
    record["facts"] = next(facts_records(part))
    return record


def _mean_points(artifact: ScorecardArtifact, name: str) -> float:
    card = artifact.feature(name)
    return sum(b.share * b.points for b in card.bins)


def _reasons(artifact: ScorecardArtifact, points: dict[str, float]) -> list[dict]:
    lost = sorted(
        ((points[f] - _mean_points(artifact, f), f) for f in points), key=lambda p: p[0]
    )
    return [
        {
            "code": f"TST-{name.upper()[:10]}",
            "kind": "score",
            "feature": name,
            "points": round(gap, 1),
            "text": {
                "zh": f"{FIELDS[name].zh}低于平均水平。",
                "en": f"Your {FIELDS[name].en} is worse than average.",
            },
        }
        for gap, name in lost[:4]
        if gap < 0
    ]


def _suggestions(artifact: ScorecardArtifact, points: dict[str, float]) -> list[dict]:
    out = []
    for name, value in points.items():
        card = artifact.feature(name)
        if not FIELDS[name].actionable or value >= card.points_max:
            continue
        better = min((b.points for b in card.bins if b.points > value), default=value)
        out.append(
            {
                "code": f"SUG-{name.upper()[:10]}",
                "feature": name,
                "points_gain": round(better - value, 1),
                "text": {
                    "zh": f"在接下来的6个月里改善{FIELDS[name].zh}。",
                    "en": f"Improve your {FIELDS[name].en} over the next 6 months.",
                },
            }
        )
    return sorted(out, key=lambda s: -s["points_gain"])[:3]


def build_certificate(
    artifact: ScorecardArtifact,
    ruleset: RuleSet,
    record: dict[str, Any],
    *,
    number: int = 1,
) -> dict[str, Any]:
    """A certificate JSON object for ``record``, valid against the schema."""
    scored = artifact.score_one(record)
    with RuleEngine(ruleset, on=EVALUATION_DATE) as engine:
        outcome = engine.evaluate(record["facts"])
    status = {"deny": "denied", "review": "review"}.get(outcome.status, "issued")
    denied = status == "denied"
    document = {
        "schema": CERTIFICATE_SCHEMA,
        "id": f"CC-20261130-{number:06d}",
        "subject": "sp1_" + "5e" * 16,
        "issued_at": "2026-11-30T08:00:00Z",
        "expires_on": "2027-02-28",
        "evaluation_date": EVALUATION_DATE.isoformat(),
        "status": status,
        "score": None if denied else round(scored.score, 1),
        "grade": None if denied else scored.grade,
        "score_range": {
            "low": artifact.scaling.score_min,
            "high": artifact.scaling.score_max,
        },
        "subscores": []
        if denied
        else [
            {
                "dimension": d,
                "points": round(p, 1),
                "percent": round(scored.dimension_percent[d], 1),
            }
            for d, p in scored.dimension_points.items()
        ],
        "points": []
        if denied
        else [
            {
                "feature": f,
                "dimension": artifact.feature(f).dimension,
                "bin": artifact.feature(f).bins[scored.bins[f]].label,
                "points": round(p, 1),
            }
            for f, p in scored.points.items()
        ],
        "flags": [
            {
                "rule_id": f.rule_id,
                "version": f.version,
                "effect": f.effect,
                "grade_cap": f.grade_cap,
                "title": {"zh": f.title.zh, "en": f.title.en},
                "legal_basis": [f"{b.law}{b.article or ''}" for b in f.legal_basis],
                "trace": [
                    {
                        "field": c.field,
                        "op": c.op,
                        "value": c.value,
                        "input": c.input,
                        "result": c.result,
                    }
                    for c in f.trace
                ],
            }
            for f in outcome.fired
        ],
        "reasons": [] if denied else _reasons(artifact, scored.points),
        "suggestions": [] if denied else _suggestions(artifact, scored.points),
        "data_sources": [
            {
                "source": s.value,
                "as_of": _date(record.get(as_of_column(s))),
                "age_days": _age(record.get(as_of_column(s))),
            }
            for s in Source
        ],
        "versions": {
            "certificate_schema": CERTIFICATE_SCHEMA,
            "ruleset": ruleset.version,
            "scorecard": f"{artifact.name}@{artifact.scorecard_version}",
            "templates": "test-1",
        },
        "signature": {"alg": "Ed25519", "kid": KEY_ID, "sig": "AAAA"},
    }
    return Certificate.model_validate(document).to_json()


def _date(value: Any) -> str | None:
    return None if value is None else pd.Timestamp(value).date().isoformat()


def _age(value: Any) -> int | None:
    if value is None:
        return None
    return (EVALUATION_DATE - pd.Timestamp(value).date()).days
