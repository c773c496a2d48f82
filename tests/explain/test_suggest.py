"""Suggestions: actionable features only, the next better bin, over time."""

from __future__ import annotations

import pytest

from explain import Explainer, SuggestionEntry
from explain._suggest import horizon_months, is_actionable, next_better_bins
from scorecard import Bin, bin_indices
from subscribers import FIELDS
from tests.explain.conftest import Trained, records


@pytest.fixture(scope="module")
def explained(synthetic: Trained, explainer: Explainer) -> list:  # type: ignore[type-arg]
    return [explainer.explain(s) for s in records(synthetic.test, 300)]


def test_suggestions_name_only_actionable_features(explained: list) -> None:  # type: ignore[type-arg]
    suggested = {s.feature for e in explained for s in e.suggestions}
    assert suggested
    assert all(FIELDS[name].actionable for name in suggested)


def test_tenure_and_group_attributes_are_never_suggested(explained: list) -> None:  # type: ignore[type-arg]
    never = {"tenure_months", "id_check_result", "identity_misuse_reports"}
    never |= {spec.name for spec in FIELDS.groups}
    assert not any(s.feature in never for e in explained for s in e.suggestions)
    assert not is_actionable("tenure_months")
    assert not is_actionable("age_band")


def test_suggestion_brings_the_points_of_the_next_better_bin(
    synthetic: Trained,
    explained: list,  # type: ignore[type-arg]
) -> None:
    for e in explained:
        for s in e.suggestions:
            card = synthetic.artifact.feature(s.feature)
            assert next_better_bins(card)[s.bin.index] == s.target.index
            assert s.points == card.bins[s.target.index].points - s.bin.points
            assert s.points > 0


def test_suggestions_speak_about_the_time_ahead(explained: list) -> None:  # type: ignore[type-arg]
    for e in explained:
        zh = e.text["zh"].split("改进建议：")[-1]
        en = e.text["en"].split("How to improve:")[-1]
        for _ in e.suggestions:
            assert "未来" in zh
            assert "next" in en


def test_next_better_bin_is_the_nearest_bin_with_more_points(
    synthetic: Trained,
) -> None:
    card = synthetic.artifact.feature("number_changes_24m")
    better = next_better_bins(card)
    worst = min(card.regular_bins, key=lambda b: b.points)
    target = card.bins[better[worst.index]]
    assert abs(target.index - worst.index) == 1
    assert target.points > worst.points
    assert better[card.missing_bin.index] == -1


def test_ratio_horizon_counts_the_months_needed_to_reach_the_target() -> None:
    entry = SuggestionEntry(horizon="ratio", months=12, text={"zh": "-", "en": "-"})
    target = Bin(
        index=3,
        label="[0.91, 0.96)",
        kind="range",
        low=0.91,
        high=0.96,
        count=1,
        share=0.1,
        event_count=0,
        event_rate=0.0,
        woe=0.0,
        iv=0.0,
        points=0.0,
    )
    # from 0.75: each on-time month adds (1 - 0.75) / 12; 0.16 needs 7.68 months
    assert horizon_months(entry, 0.75, target) == 8
    assert horizon_months(entry, None, target) == 12


def test_window_horizon_is_the_window() -> None:
    entry = SuggestionEntry(horizon="window", months=24, text={"zh": "-", "en": "-"})
    target = Bin(
        index=0,
        label="(-inf, 0.50)",
        kind="range",
        high=0.5,
        count=1,
        share=0.8,
        event_count=0,
        event_rate=0.0,
        woe=0.0,
        iv=0.0,
        points=0.0,
    )
    assert horizon_months(entry, 2, target) == 24


def test_batch_suggestions_equal_one_subject_suggestions(
    synthetic: Trained, explainer: Explainer
) -> None:
    frame = synthetic.test.head(300)
    bins = bin_indices(synthetic.artifact, frame).to_numpy()
    found = explainer.suggestions_from_bins(bins)
    for i, subject in enumerate(records(frame, 300)):
        e = explainer.explain(subject, languages=())
        picked = [j for j in found.features[i] if j >= 0]
        names = [synthetic.artifact.features[j].name for j in picked]
        assert names == [s.feature for s in e.suggestions]
        for j, s in zip(picked, e.suggestions, strict=True):
            per_bin = explainer.bin_suggestion(j, int(bins[i, j]))
            assert per_bin is not None
            assert (per_bin.target, per_bin.points) == (s.target, s.points)
