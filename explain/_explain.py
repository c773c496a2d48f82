"""The explainer: one subject's explanation in microseconds, batch reason codes.

:class:`Explainer` is built once per scorecard artifact and reference; it
precomputes every feature's bins, reference points, codes, most common bin
and next better bin. ``explain`` then needs only plain-Python lookups (no
DataFrame); ``reason_codes`` is vectorised numpy over a whole table.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from explain._catalogue import FeatureReasons, ReasonCatalogue, load_catalogue
from explain._contrib import METHOD, contributions_one, points_table
from explain._explanation import (
    BinInfo,
    Explanation,
    FeatureContribution,
    LegalRef,
    Reason,
    ReferenceInfo,
    RuleFlag,
    Suggestion,
)
from explain._reasons import (
    MAX_REASONS,
    BatchReasons,
    RankTable,
    rank,
    rank_batch,
)
from explain._reference import Reference, ReferenceKind, load_reference, make_reference
from explain._render import Renderer, default_renderer
from explain._suggest import (
    BatchSuggestions,
    horizon_months,
    is_actionable,
    next_better_bins,
)
from scorecard import FeatureCard, ScorecardArtifact, bin_indices
from subscribers import FIELDS, FieldKind

if TYPE_CHECKING:
    from rules import RuleOutcome, RuleSet

__all__ = ["ExplainConfig", "Explainer", "explain_subject", "flags_of", "reason_codes"]


class ExplainConfig(BaseModel):
    """How explanations are made; recorded choices, not hidden defaults.

    Attributes
    ----------
    reference : str
        ``population`` (default), ``cutoff``, ``best_bin`` or ``background``.
    reference_file : str or None
        A saved :class:`Reference` to use instead of computing one.
    max_reasons : int
        Adverse reasons per subject, at most four.
    max_strengths, max_suggestions : int
        Favourable reasons and suggestions per subject.
    min_points : float
        Smallest loss (or gain) in points that counts as a reason.
    languages : tuple of str
        Languages rendered into every explanation.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: ReferenceKind = "population"
    reference_file: str | None = None
    max_reasons: int = Field(default=MAX_REASONS, ge=1, le=MAX_REASONS)
    max_strengths: int = Field(default=2, ge=0, le=10)
    max_suggestions: int = Field(default=3, ge=0, le=10)
    min_points: float = Field(default=0.5, ge=0)
    languages: tuple[str, ...] = ("zh", "en")


def _bin_info(card: FeatureCard) -> tuple[BinInfo, ...]:
    return tuple(
        BinInfo(
            index=b.index,
            label=b.label,
            kind=b.kind,
            low=b.low,
            high=b.high,
            categories=b.categories,
            share=b.share,
            points=b.points,
        )
        for b in card.bins
    )


def _typical(card: FeatureCard) -> int:
    """The most common regular bin (the most common bin if none is regular)."""
    regular = [b for b in card.bins if b.kind in ("range", "categories")]
    return max(regular or card.bins, key=lambda b: b.share).index


@dataclass(frozen=True)
class _Feature:
    """What the explainer precomputes about one scored feature."""

    name: str
    dimension: str
    kind: FieldKind | None
    bins: tuple[BinInfo, ...]
    reference: float
    entry: FeatureReasons
    adverse: tuple[str, ...]
    favourable: tuple[str, ...]
    typical: BinInfo
    next_better: tuple[int, ...]
    actionable: bool

    def value(self, raw: Any) -> Any:
        """A subscriber's value as JSON holds it (None when missing)."""
        if raw is None or raw is pd.NA or (isinstance(raw, float) and math.isnan(raw)):
            return None
        if hasattr(raw, "item"):
            raw = raw.item()
        if self.kind is FieldKind.BOOL:
            return bool(raw)
        if self.kind is FieldKind.INT:
            return int(raw)
        if self.kind is FieldKind.CATEGORY:
            return str(raw)
        return raw


def _best_regular(card: FeatureCard) -> int:
    """The populated regular bin with the most points (-1 if there is none)."""
    regular = [b for b in card.bins if b.kind in ("range", "categories") and b.count]
    return max(regular, key=lambda b: b.points).index if regular else -1


def _feature(card: FeatureCard, ref: float, entry: FeatureReasons) -> _Feature:
    bins = _bin_info(card)
    # A subscriber in the best value bin has nothing to be told: when the
    # reference sits above it (a no-data bin scoring higher pulls the
    # population average up), the loss is the reference's, not a reason.
    best = _best_regular(card)
    adverse = tuple(
        "" if b.index == best else entry.code_for("adverse", b.kind == "missing").code
        for b in bins
    )
    favourable = tuple(
        entry.code_for("favourable", False).code if b.kind != "missing" else ""
        for b in bins
    )
    spec = FIELDS.get(card.name)
    return _Feature(
        name=card.name,
        dimension=card.dimension,
        kind=spec.kind if spec is not None else None,
        bins=bins,
        reference=ref,
        entry=entry,
        adverse=adverse,
        favourable=favourable,
        typical=bins[_typical(card)],
        next_better=tuple(next_better_bins(card)),
        actionable=is_actionable(card.name) and entry.suggestion is not None,
    )


def _suggestion_ranks(
    features: tuple[_Feature, ...], shape: tuple[int, ...]
) -> RankTable:
    """(feature, bin) pairs with a next better bin, ranked by points it brings."""
    gains = np.zeros(shape)
    eligible: list[list[str]] = []
    for j, f in enumerate(features):
        row = []
        for b, target in enumerate(f.next_better):
            better = f.actionable and target >= 0
            if better:
                gains[j, b] = f.bins[target].points - f.bins[b].points
            row.append(f.name if better else "")
        eligible.append(row)
    return RankTable.build(-gains, eligible, 1e-9)


class Explainer:
    """Explain subjects scored by one scorecard against one reference.

    Parameters
    ----------
    artifact : ScorecardArtifact
        The scorecard.
    reference : Reference
        What contributions are measured against (see :func:`make_reference`).
    config : ExplainConfig, optional
    catalogue : ReasonCatalogue, optional
        The reason-code catalogue; the shipped one by default.
    renderer : Renderer, optional
        Templates to render with; the shipped ones by default.

    Raises
    ------
    MissingReasonError
        If a scored feature has no reason codes in the catalogue.
    ReferenceMismatchError
        If the reference was made for another scorecard.

    Examples
    --------
    >>> explainer = Explainer(card, population_reference(card))  # doctest: +SKIP
    >>> explanation = explainer.explain({"late_payments_12m": 3})  # doctest: +SKIP
    >>> print(explanation.text["zh"])  # doctest: +SKIP
    """

    def __init__(
        self,
        artifact: ScorecardArtifact,
        reference: Reference,
        *,
        config: ExplainConfig | None = None,
        catalogue: ReasonCatalogue | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        reference.check(artifact)
        self.artifact = artifact
        self.reference = reference
        self.config = config or ExplainConfig(reference=reference.kind)
        self.catalogue = catalogue or load_catalogue()
        self.renderer = renderer or (
            default_renderer() if catalogue is None else Renderer(self.catalogue)
        )
        # The catalogue covers the subscriber data contract; a scorecard on
        # another table has contributions but no reason codes until its spec
        # names a catalogue of its own.
        self.catalogue.require(artifact.feature_names)
        self._features = tuple(
            _feature(
                card, reference.points[card.name], self.catalogue.feature(card.name)
            )
            for card in artifact.features
        )
        lost = points_table(artifact) - reference.vector(artifact)[:, None]
        self._ranks = RankTable.build(
            lost, [f.adverse for f in self._features], self.config.min_points
        )
        self._suggestion_ranks = _suggestion_ranks(self._features, lost.shape)
        self._bin_suggestions: dict[tuple[int, int], Suggestion | None] = {}
        self._grade_labels = {
            g.grade: {"zh": g.zh, "en": g.en} for g in artifact.grades
        }

    @classmethod
    def from_config(
        cls,
        artifact: ScorecardArtifact,
        config: ExplainConfig | None = None,
        background: pd.DataFrame | None = None,
    ) -> Explainer:
        """An explainer whose reference is the one the config names.

        ``cutoff`` and ``background`` need a background sample unless the
        config names a saved ``reference_file``.
        """
        config = config or ExplainConfig()
        if config.reference_file is not None:
            reference = load_reference(config.reference_file, artifact)
        else:
            reference = make_reference(artifact, config.reference, background)
        return cls(artifact, reference, config=config)

    # -- one subject -------------------------------------------------------
    def explain(
        self,
        subject: Mapping[str, Any],
        outcome: RuleOutcome | None = None,
        *,
        ruleset: RuleSet | None = None,
        languages: tuple[str, ...] | None = None,
    ) -> Explanation:
        """Explain one subject, optionally with its rule outcome.

        Parameters
        ----------
        subject : mapping
            Feature name to value (a record's ``facts()``, or any dict);
            absent features count as missing.
        outcome : RuleOutcome, optional
            The rule layer's outcome; its fired rules become flags.
        ruleset : RuleSet, optional
            The rule set that decided, to quote each rule's description.
        languages : tuple of str, optional
            Languages to render; the config's by default, ``()`` for none.
        """
        c = contributions_one(self.artifact, subject, self.reference)
        rows = []
        for f in self._features:
            b = f.bins[c.bins[f.name]]
            rows.append(
                FeatureContribution(
                    feature=f.name,
                    dimension=f.dimension,
                    value=f.value(subject.get(f.name)),
                    bin=b,
                    points=b.points,
                    reference_points=f.reference,
                    contribution=b.points - f.reference,
                )
            )
        contributions = [r.contribution for r in rows]
        eligible = [
            bool(f.adverse[r.bin.index])
            for f, r in zip(self._features, rows, strict=True)
        ]
        config = self.config
        adverse = rank(
            contributions, config.max_reasons, config.min_points, True, eligible
        )
        favourable = rank(
            contributions, config.max_strengths, config.min_points, adverse=False
        )
        explanation = Explanation(
            scorecard=f"{self.artifact.name}@{self.artifact.scorecard_version}",
            scorecard_sha256=self.artifact.sha256,
            score=c.score,
            raw_score=c.raw_score,
            grade=c.grade,
            grade_label=self._grade_labels.get(c.grade, {}),
            reference=ReferenceInfo(
                kind=self.reference.kind,
                score=c.reference_score,
                detail=self.reference.detail,
            ),
            method=METHOD,
            catalogue_version=self.catalogue.version,
            features=tuple(rows),
            reasons=self._reasons(rows, adverse, "adverse"),
            strengths=self._reasons(rows, favourable, "favourable"),
            suggestions=self._suggestions(rows),
            rule_status=outcome.status if outcome is not None else None,
            grade_cap=outcome.grade_cap if outcome is not None else None,
            ruleset_version=outcome.ruleset_version if outcome is not None else None,
            flags=flags_of(outcome, ruleset) if outcome is not None else (),
        )
        languages = config.languages if languages is None else languages
        if not languages:
            return explanation
        return self.renderer.render_all(explanation, languages)

    def _reasons(
        self, rows: list[FeatureContribution], picked: list[int], direction: str
    ) -> tuple[Reason, ...]:
        out = []
        for rank_, j in enumerate(picked, start=1):
            f, row = self._features[j], rows[j]
            codes = f.adverse if direction == "adverse" else f.favourable
            code = codes[row.bin.index]
            if not code:  # a missing bin is never a strength
                continue
            out.append(
                Reason(
                    rank=rank_,
                    code=code,
                    direction=direction,  # type: ignore[arg-type]
                    feature=f.name,
                    value=row.value,
                    bin=row.bin,
                    typical=f.typical,
                    points=row.contribution,
                    title=self.catalogue.codes[code].title,
                )
            )
        return tuple(out)

    def _suggestion(self, j: int, value: Any, current: BinInfo) -> Suggestion | None:
        f = self._features[j]
        target = f.next_better[current.index] if f.actionable else -1
        if target < 0:
            return None
        goal = f.bins[target]
        assert f.entry.suggestion is not None
        card_bin = self.artifact.features[j].bins[target]
        return Suggestion(
            feature=f.name,
            value=value,
            bin=current,
            target=goal,
            points=goal.points - current.points,
            months=horizon_months(f.entry.suggestion, value, card_bin),
        )

    def _suggestions(self, rows: list[FeatureContribution]) -> tuple[Suggestion, ...]:
        found = [
            s
            for j, row in enumerate(rows)
            if (s := self._suggestion(j, row.value, row.bin)) is not None
        ]
        found.sort(key=lambda s: -s.points)  # stable: ties in scoring order
        return tuple(found[: self.config.max_suggestions])

    def bin_suggestion(self, feature: int, bin_index: int) -> Suggestion | None:
        """The suggestion for any subject in one bin of one feature, or None.

        Without the subject's value, the horizon of an on-time share is the
        catalogue's whole window (the longest it can take). Made once per
        (feature, bin); render it with ``renderer.suggestion_text``.

        Parameters
        ----------
        feature : int
            Position of the feature in scoring order.
        bin_index : int
            Index of the bin (``FeatureCard.bins``).
        """
        key = (feature, bin_index)
        if key not in self._bin_suggestions:
            current = self._features[feature].bins[bin_index]
            self._bin_suggestions[key] = self._suggestion(feature, None, current)
        return self._bin_suggestions[key]

    def suggestions_from_bins(self, bins: np.ndarray) -> BatchSuggestions:
        """The best suggestions of every subject, from a bin-index matrix.

        The same choice as :meth:`explain` (most points first, ties in
        scoring order), vectorised; :meth:`bin_suggestion` gives each
        chosen (feature, bin) its suggestion.

        Examples
        --------
        >>> found = explainer.suggestions_from_bins(bins)  # doctest: +SKIP
        >>> j = found.features[0, 0]  # doctest: +SKIP
        >>> explainer.bin_suggestion(j, bins[0, j]).points  # doctest: +SKIP
        12.4
        """
        ranked = rank_batch(
            np.asarray(bins), self._suggestion_ranks, self.config.max_suggestions
        )
        return BatchSuggestions(features=ranked.features, points=-ranked.points)

    def render(self, explanation: Explanation, lang: str = "zh") -> str:
        """Render an explanation as text in ``lang``."""
        return self.renderer.render(explanation, lang)

    # -- many subjects -----------------------------------------------------
    def reason_codes_from_bins(self, bins: np.ndarray) -> BatchReasons:
        """Top adverse reason codes from a ``(rows, features)`` bin matrix.

        The matrix is what :func:`scorecard.bin_indices` returns (or
        ``BatchScores.bins``); the points come from the points table.
        """
        return rank_batch(np.asarray(bins), self._ranks, self.config.max_reasons)

    def reason_codes(self, data: pd.DataFrame | str | os.PathLike[str]) -> BatchReasons:
        """Top adverse reason codes of every row of a subscriber table."""
        if isinstance(data, str | os.PathLike):
            data = Path(data)
        bins = bin_indices(self.artifact, data).to_numpy()
        return self.reason_codes_from_bins(bins)


_CJK = r"[\u3000-\u9fff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")


def _join_cjk(text: str) -> str:
    """Chinese text without the spaces a folded YAML line break leaves."""
    return _CJK_GAP.sub("", text.strip())


def flags_of(
    outcome: RuleOutcome, ruleset: RuleSet | None = None
) -> tuple[RuleFlag, ...]:
    """Every fired rule of an outcome as a flag with its legal basis.

    With the ``ruleset`` that decided, each rule's own description is
    quoted; without it, the templates word the rule's effect.
    """
    flags = []
    for fired in outcome.fired:
        # rules.FiredRule carries title and legal basis but not the rule's
        # description; it is looked up in the rule set when one is given.
        # Removed when FiredRule carries the description itself.
        description = None
        if ruleset is not None:
            try:
                text = ruleset.get(fired.rule_id, fired.version).description
                description = {"zh": _join_cjk(text.zh), "en": text.en.strip()}
            except KeyError:
                description = None
        flags.append(
            RuleFlag(
                rule_id=fired.rule_id,
                version=fired.version,
                effect=fired.effect,
                grade_cap=fired.grade_cap,
                title={"zh": fired.title.zh, "en": fired.title.en},
                description=description,
                legal_basis=tuple(
                    LegalRef(law=b.law, article=b.article, en=b.en)
                    for b in fired.legal_basis
                ),
            )
        )
    return tuple(flags)


def explain_subject(
    artifact: ScorecardArtifact,
    subject: Mapping[str, Any],
    outcome: RuleOutcome | None = None,
    *,
    reference: Reference | ReferenceKind = "population",
    ruleset: RuleSet | None = None,
    languages: tuple[str, ...] = ("zh", "en"),
) -> Explanation:
    """Explain one subject; builds an :class:`Explainer` (reuse one for many).

    Examples
    --------
    >>> e = explain_subject(card, {"late_payments_12m": 3})  # doctest: +SKIP
    >>> e.codes  # doctest: +SKIP
    ('FUL-LATE-01',)
    """
    if not isinstance(reference, Reference):
        reference = make_reference(artifact, reference)
    explainer = Explainer(artifact, reference)
    return explainer.explain(subject, outcome, ruleset=ruleset, languages=languages)


def reason_codes(
    artifact: ScorecardArtifact,
    data: pd.DataFrame | str | os.PathLike[str],
    reference: Reference | Literal["population", "best_bin"] = "population",
) -> BatchReasons:
    """Top four adverse reason codes of every row of a subscriber table.

    Examples
    --------
    >>> reason_codes(card, frame).to_frame().head(2)  # doctest: +SKIP
         reason_1  points_1    reason_2  points_2 ...
    0  FUL-OTP-01    -59.10  FUL-ARD-01    -55.80 ...
    """
    if not isinstance(reference, Reference):
        reference = make_reference(artifact, reference)
    return Explainer(artifact, reference).reason_codes(data)
