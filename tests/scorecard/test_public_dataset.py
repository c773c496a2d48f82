"""Generality: the same spec format on the public German credit data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scorecard import ScorecardTrainer, score_frame
from tests.scorecard.conftest import DATA


def test_german_credit_trains_a_discriminating_scorecard(
    german_trainer: ScorecardTrainer,
) -> None:
    card = german_trainer.artifact_
    assert card.metrics["test"].auc > 0.75
    assert card.data.rows == 1000


def test_german_credit_uses_numeric_and_categorical_columns(
    german_trainer: ScorecardTrainer,
) -> None:
    kinds = {c.dtype for c in german_trainer.artifact_.features}
    assert kinds == {"numerical", "categorical"}


def test_german_credit_points_move_with_risk(german_trainer: ScorecardTrainer) -> None:
    for card in german_trainer.artifact_.features:
        filled = sorted(
            (b for b in card.bins if 0 < b.event_count < b.count),
            key=lambda b: b.event_rate,
        )
        points = [b.points for b in filled]
        assert points == sorted(points, reverse=True), card.name


def test_german_credit_leaves_out_sex_age_and_nationality(
    german_trainer: ScorecardTrainer,
) -> None:
    names = set(german_trainer.artifact_.data.columns)
    assert not names & {"personal_status_and_sex", "age_in_years", "foreign_worker"}


def test_german_credit_dict_and_batch_scores_agree(
    german_trainer: ScorecardTrainer,
) -> None:
    card = german_trainer.artifact_
    frame = pd.read_csv(DATA / "german_credit.csv")
    batch = score_frame(card, frame)
    records = frame.to_dict("records")
    one = np.asarray([card.score_one(r).raw_score for r in records])
    assert np.array_equal(one, batch.raw_score)


def test_german_credit_dimensions_have_their_names(
    german_trainer: ScorecardTrainer,
) -> None:
    names = {d.name: d.zh for d in german_trainer.artifact_.dimensions}
    assert names["account"] == "账户"


def test_grouped_fit_equals_statsmodels_logit_on_the_raw_rows(
    german_trainer: ScorecardTrainer,
) -> None:
    import statsmodels.api as sm

    from scorecard import woe_frame

    card = german_trainer.artifact_
    frame = pd.read_csv(DATA / "german_credit.csv").iloc[german_trainer.train_index_]
    y = (frame["creditability"] == "bad").to_numpy(dtype=int)
    design = sm.add_constant(woe_frame(card, frame).to_numpy())
    reference = sm.Logit(y, design).fit(disp=0, tol=1e-12)
    rows = card.coefficients
    assert np.allclose([r.coefficient for r in rows], reference.params, atol=1e-7)
    assert np.allclose([r.std_error for r in rows], reference.bse, rtol=1e-6)
    assert np.allclose([r.p_value for r in rows], reference.pvalues, rtol=1e-5)
