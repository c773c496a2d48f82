"""Reasons and suggestions on certificates: the ``explain`` layer and a stand-in.

:class:`LayerExplainer` (the default) takes reason codes, their ranking and
their sentences from the explanation layer. :class:`PointsExplainer` is a
stand-in that needs only the scorecard: each feature's points lost against its
best bin, ranked, at most four; it also supplies the suggestions (the next
better bin of an actionable feature among the reasons) and the rule reasons
(fired deny and review rules with their title and legal basis). Every
(feature, bin) pair has a fixed reason, so texts are built once per
scorecard, not per subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import getitem, itemgetter
from typing import Any, Protocol

import numpy as np

from rules import FiredRule
from scorecard import ScorecardArtifact
from subscribers import FIELDS

__all__ = [
    "STANDIN_TEMPLATES_VERSION",
    "Explainer",
    "LayerExplainer",
    "PointsExplainer",
]

STANDIN_TEMPLATES_VERSION = "standin-points/1"
MAX_REASONS = 4
_Entry = tuple[float, dict[str, Any], dict[str, Any] | None]
_LOST = itemgetter(0)
#: A feature must lose at least this many points to be a reason.
MIN_POINTS_LOST = 1.0


class Explainer(Protocol):
    """What issuing needs from the explanation layer."""

    templates_version: str

    def reasons(
        self, bins: Sequence[int], fired: Sequence[FiredRule]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Reasons and suggestions (certificate JSON) for one subject.

        ``bins`` holds the bin index of each scorecard feature, in the
        scorecard's feature order; it is empty for a denial.
        """
        ...

    def reasons_many(
        self, bins: np.ndarray, fired: Sequence[Sequence[FiredRule]]
    ) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """:meth:`reasons` for many scored subjects (rows of ``bins``)."""
        ...


class PointsExplainer:
    """Reasons ranked by points lost against each feature's best bin.

    Parameters
    ----------
    scorecard : ScorecardArtifact
    """

    templates_version = STANDIN_TEMPLATES_VERSION

    def __init__(self, scorecard: ScorecardArtifact) -> None:
        self._by_bin: list[list[_Entry]] = []
        for card in scorecard.features:
            best = card.points_max
            regular = [b.points for b in card.regular_bins]
            entries: list[_Entry] = []
            for b in card.bins:
                lost = round(best - b.points, 2)
                reason = self._reason(card.name, b.label, lost)
                better = [p for p in regular if p > b.points]
                suggestion = (
                    self._suggestion(card.name, round(min(better) - b.points, 2))
                    if better and FIELDS[card.name].actionable
                    else None
                )
                entries.append((lost, reason, suggestion))
            self._by_bin.append(entries)
        self._rules: dict[str, dict[str, Any]] = {}

    @staticmethod
    def _reason(feature: str, label: str, lost: float) -> dict[str, Any]:
        spec = FIELDS[feature]
        return {
            "code": f"PTS-{feature}",
            "kind": "score",
            "feature": feature,
            "points": -lost,
            "text": {
                "zh": f"{spec.zh}（{label}）比最佳档少 {lost:.0f} 分",
                "en": f"{spec.en} ({label}): {lost:.0f} points below the best bin",
            },
        }

    @staticmethod
    def _suggestion(feature: str, gain: float) -> dict[str, Any]:
        spec = FIELDS[feature]
        return {
            "code": f"SUG-{feature}",
            "feature": feature,
            "points_gain": gain,
            "text": {
                "zh": f"今后6个月改善“{spec.zh}”到下一档，可加约 {gain:.0f} 分",
                "en": f"Over the next 6 months, move '{spec.en}' to the next "
                f"better bin: about {gain:.0f} points more",
            },
        }

    def rule_reason(self, rule: FiredRule) -> dict[str, Any]:
        """The reason a fired ``deny`` or ``review`` rule states."""
        if rule.rule_id not in self._rules:
            laws = "；".join(f"{b.law} {b.article}".strip() for b in rule.legal_basis)
            self._rules[rule.rule_id] = {
                "code": f"RULE-{rule.rule_id}",
                "kind": "rule",
                "feature": None,
                "points": None,
                "text": {
                    "zh": f"{rule.title.zh}（依据：{laws}）" if laws else rule.title.zh,
                    "en": rule.title.en,
                },
            }
        return self._rules[rule.rule_id]

    def suggestion_for(self, feature: int, bin_index: int) -> dict[str, Any] | None:
        """The suggestion of a feature (by position) in a bin, if actionable."""
        return self._by_bin[feature][bin_index][2]

    def reasons_many(
        self, bins: np.ndarray, fired: Sequence[Sequence[FiredRule]]
    ) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """:meth:`reasons` of many scored subjects (rows of ``bins``)."""
        return [
            self.reasons(row, rules)
            for row, rules in zip(bins.tolist(), fired, strict=True)
        ]

    def reasons(
        self, bins: Sequence[int], fired: Sequence[FiredRule]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        ruled = [self.rule_reason(f) for f in fired if f.effect in ("deny", "review")]
        ranked = sorted(map(getitem, self._by_bin, bins), key=_LOST, reverse=True)
        chosen = [e for e in ranked[:MAX_REASONS] if e[0] >= MIN_POINTS_LOST]
        reasons = ruled + [e[1] for e in chosen]
        suggestions = [e[2] for e in chosen if e[2] is not None]
        return reasons, suggestions


class LayerExplainer:
    """Reasons from the explanation layer (``explain``), for certificates.

    Reason codes, their ranking and their sentences come from ``explain``:
    :meth:`explain.Explainer.reason_codes_from_bins` ranks every subject's
    (feature, bin) pairs against the reference, and the reason catalogue
    gives each code its Chinese and English sentence. A reason depends only
    on (feature, bin), so its JSON is built once and reused. Its rendered
    text is the code's title in the catalogue ("按时缴费比例偏低"), which names
    the finding without the subscriber's exact value.

    Suggestions are ``explain``'s own for each reason's (feature, bin): the
    next better bin of an actionable feature, over the time it takes
    (:meth:`explain.Explainer.bin_suggestion`), rendered once per pair.

    Parameters
    ----------
    scorecard : ScorecardArtifact
    explainer : explain.Explainer, optional
        Against the population reference by default.
    """

    def __init__(self, scorecard: ScorecardArtifact, explainer: Any = None) -> None:
        from explain import Explainer as LayerExplainerImpl
        from explain import population_reference

        self.explainer = explainer or LayerExplainerImpl(
            scorecard, population_reference(scorecard)
        )
        renderer = self.explainer.renderer
        self.templates_version = (
            f"reasons@{self.explainer.catalogue.version};"
            f"zh@{renderer.template_version('zh')};"
            f"en@{renderer.template_version('en')}"
        )
        self._names = [card.name for card in scorecard.features]
        self._standin = PointsExplainer(scorecard)
        self._cache: dict[int, dict[str, Any]] = {}
        self._tips: dict[int, dict[str, Any] | None] = {}
        self._pairs = self._pair_table(scorecard)

    def _pair_table(
        self, scorecard: ScorecardArtifact
    ) -> list[list[tuple[float, int, dict[str, Any]] | None]]:
        """Each (feature, bin) pair's reason and rank key, asked of ``explain``.

        One row per pair puts that feature in that bin and every other feature
        in its best bin (never a reason), so ``explain`` names exactly the
        pair's reason, if any. ``explain`` ranks a subject's pairs by points
        lost, ties by feature position (its ``RankTable``); :meth:`reasons`
        ranks the same way in plain Python, and batch issuing, which asks
        ``explain`` directly, is tested to agree.
        """
        best = [
            max(b.index for b in c.bins if b.points == c.points_max)
            for c in scorecard.features
        ]
        rows, keys = [], []
        for j, card in enumerate(scorecard.features):
            for b in range(len(card.bins)):
                row = list(best)
                row[j] = b
                rows.append(row)
                keys.append((j, b))
        found = self.explainer.reason_codes_from_bins(np.asarray(rows))
        table: list[list[tuple[float, int, dict[str, Any]] | None]] = [
            [None] * len(c.bins) for c in scorecard.features
        ]
        for (j, b), codes, feats, lost in zip(
            keys, found.code_ids, found.features, found.points, strict=True
        ):
            hits = [k for k in range(len(codes)) if codes[k] >= 0 and feats[k] == j]
            if hits:
                k = hits[0]
                reason = self._reason(found.code_names[codes[k]], j, b, lost[k])
                table[j][b] = (float(lost[k]), j, reason)
        return table

    def reasons(
        self, bins: Sequence[int], fired: Sequence[FiredRule]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if not len(bins):
            return self._standin.reasons((), fired)
        reasons = [
            self._standin.rule_reason(f)
            for f in fired
            if f.effect in ("deny", "review")
        ]
        pairs = sorted(p for p in map(getitem, self._pairs, bins) if p is not None)
        limit = self.explainer.config.max_reasons
        suggestions = []
        for _, j, reason in pairs[:limit]:
            reasons.append(reason)
            tip = self._suggestion(j, bins[j])
            if tip is not None:
                suggestions.append(tip)
        return reasons, suggestions

    def reasons_many(
        self, bins: np.ndarray, fired: Sequence[Sequence[FiredRule]]
    ) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """Reasons and suggestions of many scored subjects (rows of ``bins``)."""
        found = self.explainer.reason_codes_from_bins(bins)
        codes = found.code_ids.tolist()
        features = found.features.tolist()
        points = found.points.tolist()
        rows = bins.tolist()
        out = []
        for row, code_row, feature_row, point_row, rules in zip(
            rows, codes, features, points, fired, strict=True
        ):
            reasons = [
                self._standin.rule_reason(f)
                for f in rules
                if f.effect in ("deny", "review")
            ]
            suggestions = []
            for code, j, lost in zip(code_row, feature_row, point_row, strict=True):
                if code < 0:
                    continue
                b = row[j]
                reason = self._cache.get(j * 4096 + b)
                if reason is None:
                    reason = self._reason(found.code_names[code], j, b, lost)
                reasons.append(reason)
                tip = self._suggestion(j, b)
                if tip is not None:
                    suggestions.append(tip)
            out.append((reasons, suggestions))
        return out

    def _reason(self, code: str, j: int, b: int, lost: float) -> dict[str, Any]:
        key = j * 4096 + b  # bins per feature are far fewer than 4096
        if key not in self._cache:
            entry = self.explainer.catalogue.codes[code]
            self._cache[key] = {
                "code": code,
                "kind": "score",
                "feature": self._names[j],
                "points": round(lost, 2),
                "text": {"zh": entry.title["zh"], "en": entry.title["en"]},
            }
        return self._cache[key]

    def _suggestion(self, j: int, b: int) -> dict[str, Any] | None:
        """The suggestion (certificate JSON) for feature ``j`` in bin ``b``."""
        key = j * 4096 + b
        if key not in self._tips:
            tip = self.explainer.bin_suggestion(j, b)
            renderer = self.explainer.renderer
            self._tips[key] = (
                None
                if tip is None
                else {
                    "code": f"SUG-{tip.feature}",
                    "feature": tip.feature,
                    "points_gain": round(tip.points, 2),
                    "months": tip.months,
                    "text": {
                        lang: renderer.suggestion_text(tip, lang)
                        for lang in ("zh", "en")
                    },
                }
            )
        return self._tips[key]
