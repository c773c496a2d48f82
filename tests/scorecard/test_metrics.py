"""AUC, KS, Gini and PSI against independent implementations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score

from scorecard import auc, gini, ks, psi, stability_flag


@pytest.fixture
def sample() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = (rng.random(5_000) < 0.2).astype(int)
    score = np.round(600 - 40 * y + 30 * rng.standard_normal(5_000))  # with ties
    return y, score


def test_auc_matches_sklearn_with_ties(sample: tuple[np.ndarray, np.ndarray]) -> None:
    y, score = sample
    assert auc(y, score) == pytest.approx(roc_auc_score(y, -score), abs=1e-12)


def test_ks_matches_scipy(sample: tuple[np.ndarray, np.ndarray]) -> None:
    y, score = sample
    expected = ks_2samp(score[y == 1], score[y == 0]).statistic
    assert ks(y, score) == pytest.approx(expected, abs=1e-12)


def test_gini_is_twice_auc_minus_one(sample: tuple[np.ndarray, np.ndarray]) -> None:
    y, score = sample
    assert gini(y, score) == pytest.approx(2 * auc(y, score) - 1)


def test_auc_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="needs both events and non-events"):
        auc(np.zeros(3), np.arange(3.0))


def test_psi_of_a_known_shift() -> None:
    expected = np.array([0.5, 0.5])
    actual = np.array([0.25, 0.75])
    value = 0.25 * np.log(0.75 / 0.5) - 0.25 * np.log(0.25 / 0.5)
    assert psi(expected, actual) == pytest.approx(value)


@pytest.mark.parametrize(
    ("value", "flag"),
    [(0.05, "stable"), (0.1, "watch"), (0.24, "watch"), (0.25, "shift")],
)
def test_stability_flags_at_01_and_025(value: float, flag: str) -> None:
    assert stability_flag(value) == flag
