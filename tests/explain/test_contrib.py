"""Contributions: additive, equal to points minus reference, equal to SHAP."""

from __future__ import annotations

import numpy as np
import pytest
import shap

from explain import (
    AdditivityError,
    best_bin_reference,
    check_with_shap,
    contributions_frame,
    contributions_one,
    cutoff_reference,
    population_reference,
    shap_contributions,
)
from explain._reference import cutoff_rows
from tests.explain.conftest import Trained, records

TOLERANCE = 1e-6


def test_population_reference_is_the_training_rows_mean(dataset: Trained) -> None:
    reference = population_reference(dataset.artifact)
    points = dataset.artifact.score(dataset.train).points.to_numpy()
    assert np.allclose(
        reference.vector(dataset.artifact), points.mean(axis=0), atol=1e-9
    )


def test_shap_on_full_training_background_equals_population_contributions(
    dataset: Trained,
) -> None:
    reference = population_reference(dataset.artifact)
    worst = check_with_shap(
        dataset.artifact, dataset.test.head(2000), reference, dataset.train
    )
    assert worst <= TOLERANCE


def test_shap_on_best_bin_row_equals_best_bin_contributions(dataset: Trained) -> None:
    card = dataset.artifact
    reference = best_bin_reference(card)
    best = np.asarray(
        [
            [
                max((b for b in f.bins if b.count), key=lambda b: b.points).woe
                for f in card.features
            ]
        ]
    )
    assert check_with_shap(card, dataset.test.head(2000), reference, best) <= TOLERANCE


def test_shap_on_near_cutoff_rows_equals_cutoff_contributions(dataset: Trained) -> None:
    card = dataset.artifact
    reference = cutoff_reference(card, dataset.train)
    near = cutoff_rows(card, card.score(dataset.train).raw_score)
    background = dataset.train.iloc[near]
    assert check_with_shap(card, dataset.test.head(2000), reference, background) <= (
        TOLERANCE
    )


def test_contributions_sum_to_score_minus_reference_score(dataset: Trained) -> None:
    card = dataset.artifact
    reference = population_reference(card)
    for subject in records(dataset.test, 300):
        c = contributions_one(card, subject, reference)
        total = sum(c.contributions.values())
        assert abs(total - (c.raw_score - reference.score)) <= TOLERANCE


def test_one_subject_path_equals_batch_path(dataset: Trained) -> None:
    card = dataset.artifact
    reference = best_bin_reference(card)
    batch = contributions_frame(card, dataset.test.head(300), reference)
    for i, subject in enumerate(records(dataset.test, 300)):
        one = contributions_one(card, subject, reference)
        assert list(one.contributions.values()) == pytest.approx(
            batch.contributions[i], abs=1e-12
        )


def test_batch_contributions_equal_points_minus_reference_points(
    dataset: Trained,
) -> None:
    card = dataset.artifact
    reference = population_reference(card)
    scores = card.score(dataset.test)
    batch = contributions_frame(card, dataset.test, reference)
    expected = scores.points.to_numpy() - reference.vector(card)
    assert np.abs(batch.contributions - expected).max() <= TOLERANCE
    assert (
        np.abs(
            batch.contributions.sum(axis=1) - (scores.raw_score - reference.score)
        ).max()
        <= TOLERANCE
    )


def test_default_masker_keeps_100_rows_and_misses_by_more_than_a_tolerance(
    synthetic: Trained,
) -> None:
    card = synthetic.artifact
    woe = card.woe_frame(synthetic.train).to_numpy()
    slope = np.asarray([f.slope for f in card.features])
    default = shap.LinearExplainer((slope, 0.0), woe)
    full = shap_contributions(card, synthetic.test.head(50), synthetic.train)
    naive = default.shap_values(card.woe_frame(synthetic.test.head(50)).to_numpy())
    assert np.abs(naive - full).max() > 0.01


def test_check_with_shap_refuses_a_background_that_is_not_the_references(
    synthetic: Trained,
) -> None:
    card = synthetic.artifact
    with pytest.raises(AdditivityError, match=r"differ by .* against the population"):
        check_with_shap(
            card,
            synthetic.test.head(100),
            population_reference(card),
            synthetic.test.head(50),
        )
