"""Canonical JSON of certificates and decision-log bodies, assembled from fragments.

A certificate's canonical JSON is mostly constant pieces: a points-table row,
a reason and a suggestion depend only on (feature, bin); versions and the
score range only on the issuer. The encoder renders those once and joins
them per subject, which is many times faster than ``json.dumps`` of the whole
object and gives the same bytes: ``canonical_json(json.loads(text)) == text``
is tested on thousands of certificates. Single and batch issuing both use it,
so they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import getitem
from typing import Any

from credcert._explainer import Explainer
from credcert.certificate import CERTIFICATE_SCHEMA
from credcert.decision_log import ENTRY_SCHEMA
from credcert.signing import canonical_json
from rules import GRADES, FiredRule
from scorecard import ScorecardArtifact

__all__ = ["CertificateEncoder", "Decision", "source_json", "sources_json"]

_CACHE_LIMIT = 50_000


def _text(value: Any) -> str:
    return canonical_json(value).decode("utf-8")


def _num(value: float | None) -> str:
    return "null" if value is None else repr(value)


def _str(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Decision:
    """What rules and scorecard decided for one subject, in plain values.

    ``bins`` (bin index per feature, scorecard order), ``dimension_points``
    and ``dimension_percent`` (dimension order) and ``score`` are None for a
    denial.
    """

    status: str
    grade_cap: str | None
    fired: Sequence[FiredRule]
    bins: Sequence[int] | None
    dimension_points: Sequence[float] | None
    dimension_percent: Sequence[float] | None
    score: float | None
    grade: str | None


def status_of(rule_status: str) -> str:
    """Certificate status of a rule outcome status (precedence: issue module)."""
    if rule_status == "deny":
        return "denied"
    if rule_status == "review":
        return "review"
    return "issued"


def capped(grade: str, grade_cap: str | None) -> str:
    """The worse of a grade and a cap (grades from best to worst: A..E)."""
    if grade_cap is None or grade not in GRADES:
        return grade
    return max(grade, grade_cap, key=GRADES.index)


class CertificateEncoder:
    """Builds certificate content and decision-log bodies as canonical JSON text.

    Parameters
    ----------
    scorecard : ScorecardArtifact
    explainer : Explainer
    versions : mapping
        The ``versions`` member of every certificate.
    valid_days : int
    """

    def __init__(
        self,
        scorecard: ScorecardArtifact,
        explainer: Explainer,
        versions: Mapping[str, str],
        valid_days: int,
    ) -> None:
        self.explainer = explainer
        self.valid_days = valid_days
        self.features = [c.name for c in scorecard.features]
        self.dimensions = [d.name for d in scorecard.dimensions]
        self._dimension_heads = [f'{{"dimension":{_str(d)},' for d in self.dimensions]
        self._versions = _text(dict(versions))
        self._range = _text(
            {"low": scorecard.scaling.score_min, "high": scorecard.scaling.score_max}
        )
        self._rows: list[list[str]] = []
        self._log_points: list[list[tuple[str, str]]] = []
        for card in scorecard.features:
            rows, logs = [], []
            for b in card.bins:
                points = round(b.points, 2)
                rows.append(
                    _text(
                        {
                            "feature": card.name,
                            "dimension": card.dimension,
                            "bin": b.label,
                            "points": points,
                        }
                    )
                )
                logs.append((card.name, f"{_str(card.name)}:{points!r}"))
            self._rows.append(rows)
            self._log_points.append(logs)
        self._cache: dict[int, tuple[Any, str]] = {}
        self._subscores: dict[tuple[int, float, float], str] = {}
        self._expires: tuple[dt.date | None, str] = (None, "")

    def _expiry(self, issued_on: dt.date) -> str:
        """ISO expiry date of a certificate issued on a day (memoised)."""
        if self._expires[0] != issued_on:
            day = issued_on + dt.timedelta(days=self.valid_days)
            self._expires = (issued_on, day.isoformat())
        return self._expires[1]

    def _fragment(self, item: Mapping[str, Any]) -> str:
        hit = self._cache.get(id(item))
        if hit is not None and hit[0] is item:
            return hit[1]
        text = _text(item)
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache[id(item)] = (item, text)
        return text

    def _subscore(self, k: int, points: float, percent: float) -> str:
        """Dimension ``k``'s subscore as canonical JSON, memoised by its values.

        Few values recur, and rounding and printing two floats cost more than
        the look-up. Only non-zero floats are memoised: 0.0 and -0.0 are one
        key but print apart, and so are 5 and 5.0.
        """
        if not (points and percent and type(points) is type(percent) is float):
            return self._subscore_text(k, points, percent)
        key = (k, points, percent)
        text = self._subscores.get(key)
        if text is None:
            if len(self._subscores) > _CACHE_LIMIT:
                self._subscores.clear()
            text = self._subscores[key] = self._subscore_text(k, points, percent)
        return text

    def _subscore_text(self, k: int, points: float, percent: float) -> str:
        return (
            f'{self._dimension_heads[k]}"percent":{round(percent, 1)!r},'
            f'"points":{round(points, 2)!r}}}'
        )

    def content(
        self,
        *,
        certificate_id: str,
        subject: str,
        issued_at: str,
        issued_on: dt.date,
        evaluation_date: str,
        sources: str,
        decision: Decision,
        explained: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None,
        review: Mapping[str, Any] | None = None,
    ) -> tuple[str, str, str, list[str]]:
        """Canonical content text split around ``signature``, and reason codes.

        ``evaluation_date`` and each source's as-of date are ISO texts;
        ``sources`` is the ``data_sources`` JSON (:func:`sources_json`, or its
        vectorised twin in batch issuing). Identifiers and
        pseudonyms are plain ASCII tokens and are not escaped. ``explained``
        holds reasons and suggestions already computed (batch issuing ranks a
        whole chunk at once); the explainer is asked when it is None.
        ``review`` is the optional ``review`` member (a person's decision).

        Returns ``(head, tail, status, codes)``: the content is ``head + "," +
        tail``; the signed document is ``head + ',"signature":' + block + "," +
        tail``.
        """
        status = status_of(decision.status)
        if explained is not None:
            reasons, suggestions = explained
        elif decision.bins is None:
            reasons, suggestions = self.explainer.reasons((), decision.fired)
        else:
            reasons, suggestions = self.explainer.reasons(decision.bins, decision.fired)
        if decision.bins is None:
            suggestions = []
            points = subscores = "[]"
            score = grade = "null"
        else:
            points = "[" + ",".join(map(getitem, self._rows, decision.bins)) + "]"
            assert decision.dimension_points is not None
            assert decision.dimension_percent is not None
            pairs = zip(
                decision.dimension_points, decision.dimension_percent, strict=True
            )
            subscores = (
                "["
                + ",".join(self._subscore(k, *pair) for k, pair in enumerate(pairs))
                + "]"
            )
            assert decision.score is not None
            assert decision.grade is not None
            score = repr(round(decision.score, 2))
            grade = f'"{capped(decision.grade, decision.grade_cap)}"'
        expires = self._expiry(issued_on)
        flags = _flags(decision.fired)
        head = (
            f'{{"data_sources":{sources},'
            f'"evaluation_date":"{evaluation_date}",'
            f'"expires_on":"{expires}","flags":{flags},'
            f'"grade":{grade},"id":"{certificate_id}",'
            f'"issued_at":"{issued_at}","points":{points},'
            f'"reasons":[{",".join(self._fragment(r) for r in reasons)}],'
            f"{_optional('review', review)}"
            f'"schema":"{CERTIFICATE_SCHEMA}","score":{score},'
            f'"score_range":{self._range}'
        )
        tail = (
            f'"status":"{status}","subject":"{subject}",'
            f'"subscores":{subscores},'
            f'"suggestions":[{",".join(self._fragment(s) for s in suggestions)}],'
            f'"versions":{self._versions}}}'
        )
        return head, tail, status, [r["code"] for r in reasons]

    def log_body(
        self,
        *,
        input_digest: str,
        content_digest: str,
        status: str,
        decision: Decision,
        grade: str | None,
        codes: Sequence[str],
        sealed_inputs: str | None = None,
    ) -> str:
        """The decision-log body of a certificate, canonical JSON text.

        ``sealed_inputs`` is the token of :func:`credcert.decision_log.seal`
        (the inputs under the subject's key), or null: batch issuing does not
        seal, for throughput; issuing one subject through the service does,
        so the decision can be replayed and corrected from the log.
        """
        if decision.bins is None:
            points = "{}"
            score = "null"
        else:
            pairs = sorted(
                logs[i] for logs, i in zip(self._log_points, decision.bins, strict=True)
            )
            points = "{" + ",".join(p[1] for p in pairs) + "}"
            assert decision.score is not None
            score = repr(round(decision.score, 2))
        fired = _text(
            [
                {"rule_id": f.rule_id, "effect": f.effect, "trace": _trace(f)}
                for f in decision.fired
            ]
        )
        return (
            f'{{"content_digest":"{content_digest}","fired":{fired},'
            f'"grade":{_str(grade)},"input_digest":"{input_digest}",'
            f'"points":{points},"reasons":{_text(list(codes))},'
            f'"schema":"{ENTRY_SCHEMA}","score":{score},'
            f'"sealed_inputs":{_str(sealed_inputs)},'
            f'"status":"{status}","versions":{self._versions}}}'
        )


def _optional(name: str, value: Mapping[str, Any] | None) -> str:
    """``"name":{...},`` for an optional member, or nothing."""
    return "" if value is None else f'"{name}":{_text(dict(value))},'


def source_json(
    name: str,
    day: str | None,
    age: int | None,
    excluded: Mapping[str, Any] | None = None,
) -> str:
    """One ``data_sources`` entry: source, as-of date (ISO) and age in days.

    ``excluded`` (reason and since) marks a source whose category was left
    out; its as-of date and age are then null.
    """
    if excluded is not None:
        return (
            f'{{"age_days":null,"as_of":null,{_optional("excluded", excluded)}'
            f'"source":"{name}"}}'
        )
    if day is None:
        return f'{{"age_days":null,"as_of":null,"source":"{name}"}}'
    return f'{{"age_days":{age},"as_of":"{day}","source":"{name}"}}'


def sources_json(entries: Sequence[tuple[Any, ...]]) -> str:
    """The ``data_sources`` member as canonical JSON text.

    Each entry is ``(source, as_of, age_days)`` or, for a source left out,
    ``(source, None, None, {"reason": ..., "since": ...})``.
    """
    return "[" + ",".join(source_json(*entry) for entry in entries) + "]"


def _trace(f: FiredRule) -> list[dict[str, Any]]:
    return [
        {
            "field": c.field,
            "op": c.op,
            "value": c.value,
            "input": c.input.isoformat() if isinstance(c.input, dt.date) else c.input,
            "result": c.result,
        }
        for c in f.trace
    ]


def _flags(fired: Sequence[FiredRule]) -> str:
    if not fired:
        return "[]"
    return _text(
        [
            {
                "rule_id": f.rule_id,
                "version": f.version,
                "effect": f.effect,
                "grade_cap": f.grade_cap,
                "title": {"zh": f.title.zh, "en": f.title.en},
                "legal_basis": [f"{b.law} {b.article}".strip() for b in f.legal_basis],
                "trace": _trace(f),
            }
            for f in fired
        ]
    )


def digest_text(text: str) -> str:
    """``sha256:<hex>`` of canonical JSON text (equal to ``content_digest``)."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
