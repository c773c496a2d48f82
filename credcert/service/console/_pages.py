"""What each console page shows, built from stored data in one language.

The functions here turn a stored certificate, its history and disputes into
plain dicts of display text; the Jinja2 templates only lay them out (and
escape everything). Fixed words come from ``templates/labels.yaml`` and, for
statuses and data sources, from the reports' labels, so the console and the
subscriber's certificate document say the same thing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from credcert.disputes import DISPUTE_FIELDS
from credcert.policies import PolicyNotFoundError, PolicySet, explain_answer
from credcert.service.console._data import HistoryRow
from credcert.service.console._sentences import ReasonSentences
from credcert.store import StoredCertificate
from reports import labels as report_labels
from reports.rulebook import EFFECT_WORDS
from rules import RuleSet
from scorecard import ScorecardArtifact
from subscribers import FIELDS, Dimension

__all__ = [
    "DISPUTABLE",
    "LANGUAGES",
    "certificate_page",
    "changes_since",
    "dispute_fields",
    "dispute_rows",
    "history_rows",
    "labels",
    "scenario_answers",
]

#: Languages of the console.
LANGUAGES: tuple[str, ...] = ("zh", "en")
#: Statuses a certificate can be disputed in.
DISPUTABLE: tuple[str, ...] = ("issued", "denied", "review", "disputed")
_TEMPLATES = Path(__file__).with_name("templates")
_CJK = r"[\u3000-\u9fff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")


@functools.cache
def _label_file() -> dict[str, dict[str, str]]:
    text = (_TEMPLATES / "labels.yaml").read_text("utf-8")
    loaded: dict[str, dict[str, str]] = yaml.safe_load(text)
    return loaded


@functools.cache
def labels(lang: str) -> dict[str, str]:
    """Every fixed text of the console in ``lang`` (report labels included)."""
    words = dict(report_labels(lang))
    words.update({key: value[lang] for key, value in _label_file().items()})
    return words


def _number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _dimension(name: str, lang: str) -> str:
    try:
        dimension = Dimension(name)
    except ValueError:
        return name
    return dimension.zh if lang == "zh" else dimension.value.capitalize()


def field_name(name: str | None, lang: str) -> str:
    """A data item's name in ``lang`` (the raw name if unknown)."""
    spec = FIELDS.get(name) if name else None
    if spec is None:
        return labels(lang).get(f"item_{name}", name or "—")
    return spec.zh if lang == "zh" else spec.en


def _banner(stored: StoredCertificate, t: Mapping[str, str]) -> str | None:
    key = f"banner_{stored.status}"
    return t.get(key)


def _grade_name(artifact: ScorecardArtifact, grade: str | None, lang: str) -> str:
    band = next((g for g in artifact.grades if g.grade == grade), None)
    if band is None:
        return ""
    return band.zh if lang == "zh" else band.en


def _flags(
    document: Mapping[str, Any], ruleset: RuleSet, lang: str, t: Mapping[str, str]
) -> list[dict[str, Any]]:
    out = []
    for flag in document.get("flags", ()):
        words = EFFECT_WORDS.get(flag["effect"], (flag["effect"], flag["effect"]))
        effect = words[0] if lang == "zh" else words[1]
        cap = flag.get("grade_cap")
        if cap:
            effect += f"（{cap}）" if lang == "zh" else f" ({cap})"
        basis = "；".join(flag.get("legal_basis") or ())
        try:
            rule = ruleset.get(flag["rule_id"], flag["version"])
        except KeyError:
            description = None
        else:
            text = rule.description
            if lang == "zh":
                description = _CJK_GAP.sub("", text.zh.strip())
            else:
                description = text.en.strip()
                basis = "; ".join(b.en for b in rule.legal_basis) or basis
        out.append(
            {
                "rule_id": flag["rule_id"],
                "version": flag["version"],
                "effect": flag["effect"],
                "effect_words": effect,
                "title": flag["title"][lang],
                "description": description,
                "legal_basis": basis or t["own_rules"],
            }
        )
    return out


def _suggestions(
    document: Mapping[str, Any], lang: str, t: Mapping[str, str]
) -> list[dict[str, Any]]:
    out = []
    for tip in document.get("suggestions", ()):
        months = tip.get("months")
        if months is None:
            horizon = ""
        elif months == 1:
            horizon = t["horizon_one"]
        else:
            horizon = t["horizon"].format(months=months)
        out.append(
            {
                "text": tip["text"][lang],
                "horizon": horizon,
                "gain": t["gain"].format(points=round(tip["points_gain"])),
            }
        )
    return out


def _sources(
    document: Mapping[str, Any], lang: str, t: Mapping[str, str]
) -> list[dict[str, Any]]:
    out = []
    for source in document.get("data_sources", ()):
        age = source.get("age_days")
        excluded = source.get("excluded")
        note = None
        if excluded:
            note = t.get(f"excluded_{excluded.get('reason')}", t["consent_excluded"])
            if excluded.get("since"):
                note = note.format(since=excluded["since"])
        out.append(
            {
                "name": t.get(f"source_{source['source']}", source["source"]),
                "as_of": source.get("as_of"),
                "age": None if age is None else t["days"].format(n=age),
                "excluded": note,
            }
        )
    return out


def history_rows(
    rows: Sequence[HistoryRow], t: Mapping[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "issued_at": row.issued_at,
            "status": row.status,
            "status_words": t.get(f"status_{row.status}", row.status),
            "score_text": _number(row.score),
            "grade": row.grade,
        }
        for row in rows
    ]


def dispute_rows(
    rows: Sequence[Mapping[str, Any]], today: dt.date, lang: str, t: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Disputes (as :mod:`credcert.disputes` lists them) as the pages show them.

    An open dispute whose answer was due before ``today`` (the app's clock)
    is overdue.
    """
    out = []
    for row in rows:
        due = dt.date.fromisoformat(str(row["due_on"]))
        left = (due - today).days
        open_ = row["status"] == "open"
        if not open_:
            words = t.get(f"outcome_{row.get('outcome')}", "")
        elif left < 0:
            words = t["overdue"].format(n=-left)
        elif left == 0:
            words = t["due_today"]
        else:
            words = t["due_in"].format(n=left)
        out.append(
            {
                "id": row["id"],
                "certificate_id": row["certificate_id"],
                "field_name": field_name(row.get("field"), lang),
                "opened_at": row["opened_at"],
                "due_on": due.isoformat(),
                "left": words,
                "overdue": open_ and left < 0,
                "status_words": t.get(f"dispute_status_{row['status']}", row["status"]),
                "reason": row["reason"],
            }
        )
    return out


def dispute_fields(lang: str) -> list[dict[str, Any]]:
    """The data items a dispute can name, grouped by dimension, for the form."""
    groups: dict[str, list[dict[str, str]]] = {}
    for name in DISPUTE_FIELDS:
        spec = FIELDS.get(name)
        group = (
            _dimension(spec.dimension.value, lang)
            if spec is not None and spec.dimension is not None
            else labels(lang)["other_items"]
        )
        groups.setdefault(group, []).append(
            {"name": name, "label": field_name(name, lang)}
        )
    return [{"name": name, "fields": fields} for name, fields in groups.items()]


def scenario_answers(
    policies: PolicySet, stored: StoredCertificate, at: dt.datetime, lang: str
) -> list[dict[str, Any]]:
    """Each scenario's answer for the certificate, why, and what would change it.

    The answers are those a partner would get now (the policy version in
    force, the certificate's current status), explained by the policies'
    own :func:`~credcert.policies.explain_answer`; scenarios with no version
    in force are left out.
    """
    out = []
    for scenario in policies.scenarios:
        try:
            policy = policies.policy(scenario, at.date())
        except PolicyNotFoundError:
            continue
        found = explain_answer(policy, stored.document, at=at, status=stored.status)
        why = [c.text[lang] for c in found.given_by]
        changes: list[str] = []
        if found.status_text is not None:
            changes.append(found.status_text[lang])
        for condition in found.unmet:
            assert found.better_label is not None
            changes.append(f"{found.better_label[lang]}: {condition.text[lang]}")
            changes += [s["text"][lang] for s in condition.suggestions]
        out.append(
            {
                "scenario": scenario,
                "version": found.policy_version,
                "question": found.question[lang],
                "answer": found.meaning,
                "answer_words": found.label[lang],
                "reason": found.reason[lang],
                "why": why,
                "changes": list(dict.fromkeys(changes)),
            }
        )
    return out


#: Most changed features the comparison with the previous certificate lists.
MAX_CHANGED_FEATURES = 8


def _signed(value: float) -> str:
    return f"{value:+,.0f}" if round(value) else "±0"


def changes_since(
    previous: StoredCertificate, current: Mapping[str, Any], lang: str
) -> dict[str, Any]:
    """What changed from the subject's previous certificate to this one.

    Score and grade, each dimension's points, the features whose points
    changed (most points first) and the rules that fired on one and not the
    other: the answer to "why did my score change?".
    """
    old, t = previous.document, labels(lang)
    old_points = {p["feature"]: p["points"] for p in old.get("points", ())}
    new_points = {p["feature"]: p["points"] for p in current.get("points", ())}
    features = []
    for name in new_points.keys() & old_points.keys():
        delta = new_points[name] - old_points[name]
        if abs(delta) >= 0.5:
            features.append({"name": field_name(name, lang), "delta": delta})
    features.sort(key=lambda f: -abs(f["delta"]))
    old_dims = {s["dimension"]: s["points"] for s in old.get("subscores", ())}
    dimensions = [
        {
            "name": _dimension(s["dimension"], lang),
            "delta": _signed(s["points"] - old_dims[s["dimension"]]),
        }
        for s in current.get("subscores", ())
        if s["dimension"] in old_dims
    ]
    old_rules = {f["rule_id"]: f for f in old.get("flags", ())}
    new_rules = {f["rule_id"]: f for f in current.get("flags", ())}
    score_delta = None
    if old.get("score") is not None and current.get("score") is not None:
        score_delta = _signed(current["score"] - old["score"])
    return {
        "id": previous.id,
        "issued_at": old.get("issued_at"),
        "status_words": t.get(f"status_{previous.status}", previous.status),
        "score_before": _number(old.get("score")),
        "score_delta": score_delta,
        "grade_before": old.get("grade") or "—",
        "dimensions": dimensions,
        "features": [
            {"name": f["name"], "delta": _signed(f["delta"]), "up": f["delta"] > 0}
            for f in features[:MAX_CHANGED_FEATURES]
        ],
        "rules_added": [
            f"{r} {new_rules[r]['title'][lang]}"
            for r in sorted(new_rules.keys() - old_rules.keys())
        ],
        "rules_removed": [
            f"{r} {old_rules[r]['title'][lang]}"
            for r in sorted(old_rules.keys() - new_rules.keys())
        ],
    }


def certificate_page(
    stored: StoredCertificate,
    *,
    lang: str,
    sentences: ReasonSentences,
    ruleset: RuleSet,
    history: Sequence[HistoryRow],
    disputes: Sequence[Mapping[str, Any]],
    today: dt.date,
    policies: PolicySet | None = None,
    at: dt.datetime | None = None,
    previous: StoredCertificate | None = None,
) -> dict[str, Any]:
    """Everything the certificate page shows, in ``lang``."""
    t = labels(lang)
    doc = stored.document
    score_range = doc.get("score_range") or {}
    low, high = _number(score_range.get("low")), _number(score_range.get("high"))
    subscores = [
        {
            "name": _dimension(s["dimension"], lang),
            "width": max(0.0, min(100.0, float(s["percent"]))),
            "percent_text": f"{s['percent']:.0f}%",
            "points_text": _number(s["points"]),
        }
        for s in doc.get("subscores", ())
    ]
    return {
        "id": stored.id,
        "subject": stored.subject,
        "status": stored.status,
        "status_words": t.get(f"status_{stored.status}", stored.status),
        "issued_status": doc.get("status"),
        "banner": _banner(stored, t),
        "superseded_by": stored.superseded_by,
        "score": doc.get("score"),
        "score_text": _number(doc.get("score")),
        "grade": doc.get("grade"),
        "grade_name": _grade_name(sentences.scorecard, doc.get("grade"), lang)
        if sentences.applies_to(doc)
        else "",
        "range_text": f"{low}–{high}",
        "issued_at": doc.get("issued_at"),
        "expires_on": doc.get("expires_on"),
        "evaluation_date": doc.get("evaluation_date"),
        "subscores": subscores,
        "reasons": sentences.sentences(doc, lang),
        "flags": _flags(doc, ruleset, lang, t),
        "suggestions": _suggestions(doc, lang, t),
        "sources": _sources(doc, lang, t),
        "versions": doc.get("versions") or {},
        "key_id": (doc.get("signature") or {}).get("kid", ""),
        "history": history_rows(history, t),
        "disputes": dispute_rows(disputes, today, lang, t),
        "can_dispute": stored.status in DISPUTABLE,
        "changes": None if previous is None else changes_since(previous, doc, lang),
        "scenarios": (
            []
            if policies is None or at is None
            else scenario_answers(policies, stored, at, lang)
        ),
    }
