"""References: computed from the artifact or a background, saved, refused elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explain import (
    ReferenceMismatchError,
    best_bin_reference,
    contributions_frame,
    cutoff_reference,
    load_reference,
    make_reference,
    population_reference,
)
from explain._reference import cutoff_rows
from tests.explain.conftest import Trained


def test_reference_survives_a_save_and_load(synthetic: Trained, tmp_path: Path) -> None:
    reference = cutoff_reference(synthetic.artifact, synthetic.train)
    path = reference.save(tmp_path / "reference.json")
    assert load_reference(path, synthetic.artifact) == reference


def test_reference_of_another_scorecard_is_refused(
    synthetic: Trained, loans: Trained, tmp_path: Path
) -> None:
    path = population_reference(loans.artifact).save(tmp_path / "loans.json")
    with pytest.raises(ReferenceMismatchError, match="made for scorecard loans-test"):
        load_reference(path, synthetic.artifact)


def test_cutoff_reference_without_background_is_refused(synthetic: Trained) -> None:
    with pytest.raises(ValueError, match="expected a background sample"):
        make_reference(synthetic.artifact, "cutoff")


def test_unknown_reference_kind_is_refused(synthetic: Trained) -> None:
    with pytest.raises(ValueError, match="expected one of"):
        make_reference(synthetic.artifact, "median")  # type: ignore[arg-type]


def test_best_bin_reference_leaves_no_positive_contribution_in_populated_bins(
    synthetic: Trained,
) -> None:
    card = synthetic.artifact
    batch = contributions_frame(card, synthetic.test, best_bin_reference(card))
    assert batch.contributions.max() <= 1e-9


def test_cutoff_rows_lie_within_the_band_of_the_cutoff(synthetic: Trained) -> None:
    card = synthetic.artifact
    raw = card.score(synthetic.train).raw_score
    rows = cutoff_rows(card, raw, band=20.0)
    assert len(rows) >= 100
    assert np.abs(raw[rows] - card.cutoff_score).max() <= 20.0


def test_cutoff_reference_records_band_and_rows(synthetic: Trained) -> None:
    reference = cutoff_reference(synthetic.artifact, synthetic.train, band=15.0)
    assert (reference.kind, reference.band) == ("cutoff", 15.0)
    assert reference.rows is not None
    assert reference.rows >= 100
