"""Plain-language sentences of a stored certificate's reasons.

A certificate carries each reason's code, feature and points, and each
feature's bin in its points table, but only the code's short title as text
("有异常登录"). The console reads the whole sentence to the subscriber, so it
rebuilds the explanation layer's reason from the code and the bin, with the
scorecard that scored the certificate, and renders it with the layer's
templates: "近90天出现异常登录1次；这一项比平均水平少约5分。"

Known shortcoming: the sentence compares with the population average, the
reference certificates are issued against by default; the certificate does
not record its reference kind. Removed when ``versions`` names the reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from explain import BinInfo, Reason, Renderer, default_renderer
from scorecard import FeatureCard, ScorecardArtifact

__all__ = ["ReasonSentences"]

#: The reference certificates are explained against (see the module docstring).
REFERENCE_KIND = "population"


def _bin_info(card: FeatureCard, index: int) -> BinInfo:
    b = card.bins[index]
    return BinInfo(
        index=b.index,
        label=b.label,
        kind=b.kind,
        low=b.low,
        high=b.high,
        categories=b.categories,
        share=b.share,
        points=b.points,
    )


def _typical(card: FeatureCard) -> int:
    """The feature's most common value bin, as the explanation layer names it."""
    regular = [b for b in card.bins if b.kind in ("range", "categories")]
    return max(regular or card.bins, key=lambda b: b.share).index


class ReasonSentences:
    """Word a certificate's score reasons with one scorecard's bins.

    Parameters
    ----------
    scorecard : ScorecardArtifact
        The scorecard that scored the certificates to word.
    renderer : explain.Renderer, optional
        The shipped catalogue and templates by default.
    """

    def __init__(
        self, scorecard: ScorecardArtifact, renderer: Renderer | None = None
    ) -> None:
        self.scorecard = scorecard
        self.version = f"{scorecard.name}@{scorecard.scorecard_version}"
        self.renderer = renderer or default_renderer()
        self._bins = {
            card.name: {b.label: b.index for b in card.bins}
            for card in scorecard.features
        }

    def applies_to(self, certificate: Mapping[str, Any]) -> bool:
        """Whether the certificate was scored by this scorecard."""
        versions = certificate.get("versions") or {}
        return bool(versions.get("scorecard") == self.version)

    def reason(self, entry: Mapping[str, Any], bin_label: str) -> Reason | None:
        """The explanation layer's reason for a certificate reason in a bin.

        None when the code, the feature or the bin is not this scorecard's
        or the catalogue's (the caller then shows the certificate's title).
        """
        feature, code = entry.get("feature"), entry.get("code")
        catalogue = self.renderer.catalogue
        if feature not in self._bins or code not in catalogue.codes:
            return None
        index = self._bins[feature].get(bin_label)
        if index is None:
            return None
        card = self.scorecard.feature(feature)
        return Reason(
            rank=1,
            code=code,
            direction="adverse",
            feature=feature,
            value=None,
            bin=_bin_info(card, index),
            typical=_bin_info(card, _typical(card)),
            points=float(entry.get("points") or 0.0),
            title=catalogue.codes[code].title,
        )

    def sentences(
        self, certificate: Mapping[str, Any], lang: str
    ) -> list[dict[str, Any]]:
        """Every reason of a certificate as ``{code, kind, title, sentence}``.

        Rule reasons keep the certificate's own text; score reasons get the
        whole sentence when this scorecard scored the certificate, and their
        title otherwise (``sentence`` is then None).
        """
        bins = {p["feature"]: p["bin"] for p in certificate.get("points", ())}
        ours = self.applies_to(certificate)
        out = []
        for entry in _reasons(certificate):
            title = entry["text"][lang]
            sentence = None
            if ours and entry.get("kind") == "score" and entry.get("feature") in bins:
                found = self.reason(entry, bins[entry["feature"]])
                if found is not None:
                    context = self.renderer.reason_context(found, lang, REFERENCE_KIND)
                    sentence = str(context["sentence"])
            out.append(
                {
                    "code": entry["code"],
                    "kind": entry.get("kind", "score"),
                    "points": entry.get("points"),
                    "title": title,
                    "sentence": sentence,
                }
            )
        return out


def _reasons(certificate: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    reasons: Sequence[Mapping[str, Any]] = certificate.get("reasons", ())
    return reasons
