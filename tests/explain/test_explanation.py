"""The explanation object: complete, JSON round trip, no personal identifiers."""

from __future__ import annotations

import datetime as dt

import pytest

from explain import (
    ExplainConfig,
    Explainer,
    Explanation,
    best_bin_reference,
    explain_subject,
)
from rules import RuleEngine, load_ruleset
from subscribers import iter_records
from tests.explain.conftest import Trained, records


def test_explanation_survives_a_json_round_trip(
    synthetic: Trained, explainer: Explainer
) -> None:
    e = explainer.explain(records(synthetic.test, 1)[0])
    assert Explanation.model_validate_json(e.to_json()) == e


def test_explanation_records_reference_method_and_versions(
    synthetic: Trained,
) -> None:
    card = synthetic.artifact
    e = explain_subject(card, records(synthetic.test, 1)[0], reference="best_bin")
    assert e.reference.kind == "best_bin"
    assert e.reference.score == pytest.approx(best_bin_reference(card).score)
    assert "SHAP" in e.method
    assert e.catalogue_version == "1.0.0"
    assert set(e.template_version) == {"zh", "en"}
    assert e.scorecard_sha256 == card.sha256


def test_explanation_lists_every_scored_feature_with_value_bin_and_points(
    synthetic: Trained, explainer: Explainer
) -> None:
    subject = records(synthetic.test, 1)[0]
    e = explainer.explain(subject, languages=())
    assert [f.feature for f in e.features] == list(synthetic.artifact.feature_names)
    total = sum(f.contribution for f in e.features)
    assert total == pytest.approx(e.raw_score - e.reference.score, abs=1e-6)
    assert e.text == {}


def test_no_phone_number_or_subscription_id_reaches_the_explanation(
    synthetic: Trained, explainer: Explainer
) -> None:
    record = next(iter_records(synthetic.test.head(1)))
    ruleset = load_ruleset()
    with RuleEngine(ruleset, on=dt.date(2026, 12, 1)) as engine:
        outcome = engine.evaluate(record)
    e = explainer.explain(record.facts(), outcome, ruleset=ruleset)
    document = e.to_json()
    assert record.msisdn not in document
    assert record.subscription_id not in document


def test_config_chooses_the_reference(synthetic: Trained) -> None:
    config = ExplainConfig(reference="cutoff", max_reasons=2)
    explainer = Explainer.from_config(synthetic.artifact, config, synthetic.train)
    e = explainer.explain(records(synthetic.test, 1)[0], languages=())
    assert e.reference.kind == "cutoff"
    assert len(e.reasons) <= 2


def test_config_refuses_more_than_four_reasons() -> None:
    with pytest.raises(ValueError, match="less than or equal to 4"):
        ExplainConfig(max_reasons=5)
