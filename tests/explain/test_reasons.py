"""Reason codes: at most four, ranked by points lost, from scored features only."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explain import MAX_REASONS, Explainer, MissingReasonError, load_catalogue
from scorecard import bin_indices
from tests.explain.conftest import Trained, records


@pytest.fixture(scope="module")
def explained(synthetic: Trained, explainer: Explainer) -> list:  # type: ignore[type-arg]
    return [explainer.explain(s, languages=()) for s in records(synthetic.test, 400)]


def test_no_subject_gets_more_than_four_reasons(explained: list) -> None:  # type: ignore[type-arg]
    assert max(len(e.reasons) for e in explained) <= MAX_REASONS
    assert any(len(e.reasons) == MAX_REASONS for e in explained)


def test_reasons_are_ranked_by_points_lost(explained: list) -> None:  # type: ignore[type-arg]
    for e in explained:
        lost = [r.points for r in e.reasons]
        assert lost == sorted(lost)
        assert all(p < 0 for p in lost)


def test_reasons_are_the_features_that_lost_most(
    synthetic: Trained,
    explained: list,  # type: ignore[type-arg]
) -> None:
    best = {}
    for card in synthetic.artifact.features:
        regular = [
            b for b in card.bins if b.kind in ("range", "categories") and b.count
        ]
        best[card.name] = max(regular, key=lambda b: b.points).index
    for e in explained:
        candidates = sorted(
            (f.contribution, j)
            for j, f in enumerate(e.features)
            if f.contribution <= -0.5 and f.bin.index != best[f.feature]
        )
        expected = [e.features[j].feature for _, j in candidates[:MAX_REASONS]]
        assert [r.feature for r in e.reasons] == expected


def test_every_reason_names_a_scored_feature(
    synthetic: Trained,
    explained: list,  # type: ignore[type-arg]
) -> None:
    scored = set(synthetic.artifact.feature_names)
    catalogue = load_catalogue()
    for e in explained:
        for r in e.reasons:
            assert r.feature in scored
            assert catalogue.codes[r.code].feature == r.feature


def test_codes_are_stable_feature_codes_not_a_generic_one() -> None:
    catalogue = load_catalogue()
    pattern = re.compile(r"^[A-Z]{3}-[A-Z]{2,6}-[0-9]{2}$")
    assert all(pattern.match(code) for code in catalogue.codes)
    assert all(c.feature for c in catalogue.codes.values())


def test_missing_value_gets_the_no_data_code(explainer: Explainer) -> None:
    e = explainer.explain({"tenure_months": 5}, languages=())
    missing = [r for r in e.reasons if r.bin.kind == "missing"]
    assert all(r.code.endswith("-02") for r in missing)
    assert all(r.code.endswith("-01") for r in e.reasons if r.bin.kind != "missing")


def test_batch_reason_codes_equal_one_subject_codes(
    synthetic: Trained,
    explainer: Explainer,
    explained: list,  # type: ignore[type-arg]
) -> None:
    batch = explainer.reason_codes(synthetic.test.head(400))
    codes = batch.codes()
    for i, e in enumerate(explained):
        assert tuple(c for c in codes[i] if c) == e.codes
        lost = batch.points[i][: len(e.reasons)]
        assert lost == pytest.approx([r.points for r in e.reasons], abs=1e-9)


def test_batch_reason_codes_from_bins_equal_those_from_the_table(
    synthetic: Trained, explainer: Explainer
) -> None:
    frame = synthetic.test.head(500)
    bins = bin_indices(synthetic.artifact, frame).to_numpy()
    a = explainer.reason_codes(frame)
    b = explainer.reason_codes_from_bins(bins)
    assert np.array_equal(a.code_ids, b.code_ids)


def test_batch_reasons_frame_has_four_code_and_points_columns(
    synthetic: Trained, explainer: Explainer
) -> None:
    frame = explainer.reason_codes(synthetic.test.head(20)).to_frame()
    assert list(frame.columns[:2]) == ["reason_1", "points_1"]
    assert frame.shape == (20, 2 * MAX_REASONS)


def test_scorecard_with_uncatalogued_features_is_refused(loans: Trained) -> None:
    from explain import population_reference

    with pytest.raises(MissingReasonError, match=r"without reason codes.*income_k"):
        Explainer(loans.artifact, population_reference(loans.artifact))


def test_rule_flags_are_kept_apart_with_their_legal_basis(
    explainer: Explainer,
) -> None:
    import datetime as dt

    from rules import RuleEngine, load_ruleset

    ruleset = load_ruleset()
    facts = {"fraud_sms_confirmed": True, "late_payments_12m": 2}
    with RuleEngine(ruleset, on=dt.date(2026, 12, 1)) as engine:
        outcome = engine.evaluate(facts)
    e = explainer.explain(facts, outcome, ruleset=ruleset)
    flag = next(f for f in e.flags if f.rule_id == "CMP-001")
    assert flag.legal_basis[0].law == "中华人民共和国反电信网络诈骗法"
    assert flag.description is not None
    assert all(not r.code.startswith("CMP-001") for r in e.reasons)
    assert "反电信网络诈骗法" in e.text["zh"]
    assert "Art. 31" in e.text["en"]
