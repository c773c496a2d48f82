"""Scoring from the artifact: agreement with optbinning, batch against dict."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from optbinning import Scorecard
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from scorecard import (
    MissingColumnError,
    ScorecardArtifact,
    ScorecardSpec,
    ScorecardTrainer,
    prepare_features,
    score_frame,
    woe_frame,
)
from subscribers.synth import generate

#: Rows scored by both implementations in the agreement test.
AGREEMENT_ROWS = 120_000


class _FixedLogit(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """An estimator whose fit installs given coefficients (our logit's)."""

    def __init__(self, coef: tuple[float, ...] = (), intercept: float = 0.0) -> None:
        self.coef = coef
        self.intercept = intercept

    def fit(self, x: Any, y: Any) -> _FixedLogit:
        self.coef_ = np.asarray([self.coef])
        self.intercept_ = np.asarray([self.intercept])
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, x: Any) -> np.ndarray:
        return np.zeros(len(x))


def _optbinning_scorecard(
    trainer: ScorecardTrainer, spec: ScorecardSpec, frame: pd.DataFrame
) -> Scorecard:
    """optbinning's own Scorecard on our binning options and coefficients."""
    card = trainer.artifact_
    names = list(card.feature_names)
    process = clone(trainer.binning_process_)
    process.set_params(
        variable_names=names,
        categorical_variables=[n for n in names if n in process.categorical_variables],
        binning_fit_params={n: process.binning_fit_params[n] for n in names},
    )
    scorecard = Scorecard(
        binning_process=process,
        estimator=_FixedLogit(
            coef=tuple(f.coefficient for f in card.features), intercept=card.intercept
        ),
        scaling_method="pdo_odds",
        scaling_method_params={
            "pdo": card.scaling.pdo,
            "odds": card.scaling.base_odds,
            "scorecard_points": card.scaling.base_score,
        },
    )
    x = prepare_features(frame, spec).iloc[trainer.train_index_]
    y = frame[spec.dataset.target].to_numpy()[trainer.train_index_]
    return scorecard.fit(x, y, metric_special="empirical", metric_missing="empirical")


def test_batch_scores_equal_optbinning_on_120k_rows(
    trainer: ScorecardTrainer, subscriber_spec: ScorecardSpec
) -> None:
    training = generate(
        subscriber_spec.dataset.synthetic_rows,
        seed=subscriber_spec.dataset.synthetic_seed,
    )
    reference = _optbinning_scorecard(trainer, subscriber_spec, training)
    batch = generate(AGREEMENT_ROWS, seed=2718)
    expected = reference.score(prepare_features(batch, subscriber_spec))
    ours = score_frame(trainer.artifact_, batch)
    assert np.max(np.abs(ours.raw_score - expected)) < 1e-9
    by_dict = [
        trainer.artifact_.score_one(record).raw_score
        for record in _records(batch.head(2_000), trainer.artifact_)
    ]
    assert np.max(np.abs(np.asarray(by_dict) - expected[:2_000])) < 1e-9


def _records(frame: pd.DataFrame, card: ScorecardArtifact) -> list[dict[str, Any]]:
    columns = frame[list(card.feature_names)].astype(object)
    return columns.where(columns.notna(), None).to_dict("records")  # type: ignore[return-value]


def test_dict_scoring_equals_batch_scoring_everywhere(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    sample = fresh_subscribers.head(3_000)
    batch = score_frame(artifact, sample)
    for i, record in enumerate(_records(sample, artifact)):
        one = artifact.score_one(record)
        assert list(one.points.values()) == batch.points.iloc[i].tolist()
        assert one.dimension_points == batch.dimension_points.iloc[i].to_dict()
        assert one.dimension_percent == pytest.approx(
            batch.dimension_percent.iloc[i].to_dict()
        )
        assert (one.score, one.grade) == (batch.score[i], batch.grade[i])


def test_total_is_clipped_to_the_score_range(artifact: ScorecardArtifact) -> None:
    worst = {c.name: None for c in artifact.features}
    for card in artifact.features:
        low = min(card.bins, key=lambda b: b.points)
        worst[card.name] = _value_in(low)
    result = artifact.score_one(worst)
    assert result.score == max(result.raw_score, artifact.scaling.score_min)
    assert artifact.scaling.score_min <= result.score <= artifact.scaling.score_max


def _value_in(bin_: Any) -> Any:
    if bin_.kind == "categories":
        return bin_.categories[0]
    if bin_.kind == "missing":
        return None
    if bin_.low is None:
        return -1e9 if bin_.high is None else bin_.high - 0.5
    return bin_.low


def test_missing_values_fall_in_the_missing_bin(artifact: ScorecardArtifact) -> None:
    result = artifact.score_one({})
    for card in artifact.features:
        assert result.bins[card.name] == len(card.bins) - 1
        assert result.points[card.name] == card.missing_bin.points


def test_unseen_category_scores_as_missing(artifact: ScorecardArtifact) -> None:
    card = artifact.feature("platform_credit_level")
    result = artifact.score_one({"platform_credit_level": "legendary"})
    assert result.points[card.name] == card.missing_bin.points
    frame = pd.DataFrame({n: [None] for n in artifact.feature_names})
    frame["platform_credit_level"] = ["legendary"]
    assert score_frame(artifact, frame).points.loc[0, card.name] == (
        card.missing_bin.points
    )


def test_bins_are_closed_on_the_left(artifact: ScorecardArtifact) -> None:
    card = artifact.feature("tenure_months")
    edge = card.bins[1].low
    assert edge is not None
    assert card.locate(edge).index == 1
    assert card.locate(math.nextafter(edge, -math.inf)).index == 0


def test_special_codes_have_their_own_bin(german_trainer: ScorecardTrainer) -> None:
    card = german_trainer.artifact_.feature("duration_in_month")
    assert card.special_bin.kind == "special"
    assert card.missing_bin.kind == "missing"


def test_points_are_an_exact_affine_function_of_woe(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    sample = fresh_subscribers.head(5_000)
    woe = woe_frame(artifact, sample)
    points = score_frame(artifact, sample).points
    for card in artifact.features:
        rebuilt = card.slope * woe[card.name] + card.constant
        assert np.max(np.abs(rebuilt - points[card.name])) < 1e-9
    intercept = artifact.intercept
    logit = intercept + woe.to_numpy() @ np.asarray(
        list(artifact.coefficient_map.values())
    )
    raw = score_frame(artifact, sample).raw_score
    scaling = artifact.scaling
    assert np.allclose(raw, scaling.offset - scaling.factor * logit, atol=1e-9)


def test_woe_of_one_subject_equals_the_batch_row(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    sample = fresh_subscribers.head(50)
    batch = woe_frame(artifact, sample)
    for i, record in enumerate(_records(sample, artifact)):
        assert artifact.woe_one(record) == batch.iloc[i].to_dict()


def test_dimension_percent_lies_between_0_and_100(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    percent = score_frame(artifact, fresh_subscribers).dimension_percent
    assert list(percent.columns) == [d.name for d in artifact.dimensions]
    assert percent.to_numpy().min() >= 0
    assert percent.to_numpy().max() <= 100


def test_parquet_file_scores_like_the_frame(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "batch.parquet"
    fresh_subscribers.head(1_000).to_parquet(path)
    from_file = score_frame(artifact, path)
    in_memory = score_frame(artifact, fresh_subscribers.head(1_000))
    assert np.array_equal(from_file.score, in_memory.score)


def test_missing_column_is_named(artifact: ScorecardArtifact) -> None:
    frame = pd.DataFrame({"tenure_months": [12]})
    with pytest.raises(MissingColumnError, match=r"lack column.*real_name_verified"):
        score_frame(artifact, frame)


def test_text_in_a_numeric_feature_is_refused(artifact: ScorecardArtifact) -> None:
    with pytest.raises(ValueError, match="'tenure_months': expected a number"):
        artifact.score_one({"tenure_months": "long"})


def test_to_frame_has_score_grade_subscores_and_points(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    table = score_frame(artifact, fresh_subscribers.head(10)).to_frame()
    assert {"score", "grade", "points_dim_fulfilment", "points_tenure_months"} <= set(
        table.columns
    )
