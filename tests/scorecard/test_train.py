"""Training: discrimination against the oracle, monotone points, statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scorecard import (
    AgainstRiskWarning,
    NotFittedError,
    ScorecardArtifact,
    ScorecardSpec,
    ScorecardTrainer,
    load_spec,
)
from scorecard._errors import DataError, MissingColumnError


def test_test_auc_is_within_001_of_the_oracle(artifact: ScorecardArtifact) -> None:
    assert artifact.oracle_auc["test"] - artifact.metrics["test"].auc < 0.01


def test_points_fall_as_event_rate_rises_for_every_feature(
    artifact: ScorecardArtifact,
) -> None:
    for card in artifact.features:
        filled = [b for b in card.bins if 0 < b.event_count < b.count]
        by_risk = sorted(filled, key=lambda b: b.event_rate)
        points = [b.points for b in by_risk]
        assert points == sorted(points, reverse=True), card.name


def test_every_coefficient_moves_points_with_risk(artifact: ScorecardArtifact) -> None:
    assert all(card.coefficient < 0 for card in artifact.features)
    assert artifact.warnings == ()


def test_coefficient_table_has_statistics_for_every_term(
    artifact: ScorecardArtifact,
) -> None:
    rows = {row.name: row for row in artifact.coefficients}
    assert list(rows) == ["const", *artifact.feature_names]
    for name in artifact.feature_names:
        row = rows[name]
        assert row.std_error > 0
        assert row.p_value <= artifact.spec["selection"]["max_p_value"]
        assert row.ci_low < row.coefficient < row.ci_high
        assert row.vif is not None
        assert 1.0 <= row.vif <= 5.0


def test_rejected_features_carry_a_reason(artifact: ScorecardArtifact) -> None:
    scored = set(artifact.feature_names)
    assert all(r.name not in scored and r.detail for r in artifact.rejected)
    assert len(scored) + len(artifact.rejected) == len(artifact.spec["features"])


def test_group_attributes_are_never_scored(artifact: ScorecardArtifact) -> None:
    assert not {"age_band", "region", "migrant"} & set(artifact.feature_names)


def test_bin_shares_of_each_feature_sum_to_one(artifact: ScorecardArtifact) -> None:
    for card in artifact.features:
        assert sum(b.share for b in card.bins) == pytest.approx(1.0)


def test_split_is_stratified(trainer: ScorecardTrainer) -> None:
    train, test = trainer.artifact_.metrics["train"], trainer.artifact_.metrics["test"]
    assert abs(train.event_rate - test.event_rate) < 0.001
    assert len(set(trainer.train_index_) & set(trainer.test_index_)) == 0


def test_metrics_are_consistent(artifact: ScorecardArtifact) -> None:
    for part in artifact.metrics.values():
        assert part.gini == pytest.approx(2 * part.auc - 1)
        assert 0 < part.ks < 1


def test_result_keeps_tables_for_the_development_report(
    trainer: ScorecardTrainer,
) -> None:
    result = trainer.result_
    assert set(result.binning_tables) == set(result.iv_table["feature"])
    assert {"std_error", "p_value", "vif"} <= set(result.coefficient_table.columns)
    assert set(result.roc) == {"train", "test"}
    assert list(result.grade_table["grade"]) == ["A", "B", "C", "D", "E"]
    assert "| test |" in result.summary()


def test_bad_rate_falls_from_grade_e_to_grade_a(artifact: ScorecardArtifact) -> None:
    rates = [g.bad_rate for g in artifact.grades]
    assert rates == sorted(rates)  # type: ignore[type-var]


def test_unfitted_trainer_says_to_call_fit(subscriber_spec: ScorecardSpec) -> None:
    trainer = ScorecardTrainer(spec=subscriber_spec)
    with pytest.raises(NotFittedError, match=r"artifact_ is not set.*call fit\(\)"):
        _ = trainer.artifact_


def _suppressor_frame(rows: int = 20_000) -> pd.DataFrame:
    """``x2`` looks risky alone but lowers risk given ``x1``: a sign flip."""
    rng = np.random.default_rng(5)
    x1 = rng.standard_normal(rows)
    x2 = 0.8 * x1 + 0.6 * rng.standard_normal(rows)
    logit = -2.0 + 1.5 * x1 - 0.6 * x2
    bad = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"x1": x1, "x2": x2, "bad": bad})


def _suppressor_spec(drop: bool) -> ScorecardSpec:
    return load_spec(
        {
            "name": "suppressor",
            "version": "0",
            "dataset": {"kind": "table", "path": "unused.csv", "target": "bad"},
            "features": [
                {"name": "x1", "dimension": "a", "monotonic_trend": "ascending"},
                {"name": "x2", "dimension": "a", "monotonic_trend": "ascending"},
            ],
            "selection": {
                "min_iv": 0.0,
                "max_correlation": 1.0,
                "max_vif": 100,
                "max_p_value": 1.0,
                "drop_against_risk": drop,
            },
            "grades": [
                {"grade": "A", "min_score": 600, "zh": "好", "en": "good"},
                {"grade": "B", "min_score": 300, "zh": "差", "en": "poor"},
            ],
            "cutoff": {"grade": "A"},
        }
    )


def test_coefficient_against_risk_warns() -> None:
    trainer = ScorecardTrainer(spec=_suppressor_spec(drop=False))
    with pytest.warns(AgainstRiskWarning, match="feature 'x2'.*against risk"):
        trainer.fit(_suppressor_frame())
    assert trainer.artifact_.feature("x2").coefficient > 0


def test_coefficient_against_risk_is_dropped_when_asked() -> None:
    trainer = ScorecardTrainer(spec=_suppressor_spec(drop=True))
    with pytest.warns(AgainstRiskWarning, match="x2"):
        trainer.fit(_suppressor_frame())
    assert trainer.artifact_.feature_names == ("x1",)
    assert [(r.name, r.reason) for r in trainer.artifact_.rejected] == [
        ("x2", "against_risk")
    ]


def test_missing_feature_column_is_named() -> None:
    frame = _suppressor_frame(1000).drop(columns=["x2"])
    with pytest.raises(MissingColumnError, match=r"lack the column\(s\) \['x2'\]"):
        ScorecardTrainer(spec=_suppressor_spec(drop=True)).fit(frame)


def test_target_with_one_class_is_refused() -> None:
    frame = _suppressor_frame(1000).assign(bad=0)
    with pytest.raises(DataError, match="expected two values"):
        ScorecardTrainer(spec=_suppressor_spec(drop=True)).fit(frame)
