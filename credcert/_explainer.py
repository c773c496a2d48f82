"""A stand-in for the explanation layer: reasons and suggestions from points alone.

Until ``explain/`` publishes its API, certificates carry reasons computed
here: each scored feature's points lost against its best bin, ranked, at most
four; a suggestion for each actionable feature among them, with the points of
its next better bin; rule reasons from the fired rules' titles and legal
basis. Every (feature, bin) pair has a fixed reason, so texts are rendered
once per scorecard, not per subject. Replace with an adapter over
``explain`` (same :class:`Explainer` protocol) once it is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import getitem, itemgetter
from typing import Any, Protocol

from rules import FiredRule
from scorecard import ScorecardArtifact
from subscribers import FIELDS

__all__ = ["STANDIN_TEMPLATES_VERSION", "Explainer", "PointsExplainer"]

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

    def reasons(
        self, bins: Sequence[int], fired: Sequence[FiredRule]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        ruled = [self.rule_reason(f) for f in fired if f.effect in ("deny", "review")]
        ranked = sorted(map(getitem, self._by_bin, bins), key=_LOST, reverse=True)
        chosen = [e for e in ranked[:MAX_REASONS] if e[0] >= MIN_POINTS_LOST]
        reasons = ruled + [e[1] for e in chosen]
        suggestions = [e[2] for e in chosen if e[2] is not None]
        return reasons, suggestions
