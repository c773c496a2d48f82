"""Monitoring (PSI/CSI against training) and champion/challenger comparison."""

from __future__ import annotations

import pandas as pd
import pytest

from scorecard import (
    MissingColumnError,
    ScorecardArtifact,
    compare,
    monitor,
)


def test_batch_like_training_is_stable(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    report = monitor(artifact, fresh_subscribers)
    assert report.score_psi < 0.1
    assert report.score_flag == "stable"
    assert report.flagged == []


def test_shifted_feature_is_flagged_with_its_csi(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    shifted = fresh_subscribers.copy()
    shifted["platform_credit_level"] = pd.Categorical(
        ["poor"] * len(shifted),
        categories=shifted["platform_credit_level"].cat.categories,
    )
    report = monitor(artifact, shifted)
    worst = report.csi.iloc[0]
    assert worst["feature"] == "platform_credit_level"
    assert worst["flag"] == "shift"
    assert report.flagged == ["platform_credit_level"]


def test_score_shift_is_flagged(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    shifted = fresh_subscribers.copy()
    shifted["on_time_payment_ratio_12m"] = 0.5
    shifted["arrears_days"] = 90
    assert monitor(artifact, shifted).score_flag == "shift"


def test_score_table_shares_sum_to_one(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    table = monitor(artifact, fresh_subscribers).score_table
    assert table["expected"].sum() == pytest.approx(1.0)
    assert table["actual"].sum() == pytest.approx(1.0)


def test_champion_against_itself_swaps_nobody(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    result = compare(artifact, artifact, fresh_subscribers)
    swap = result.swap.to_numpy()
    assert swap.sum() == len(fresh_subscribers)
    assert swap.trace() == swap.sum()
    champion, challenger = (
        result.metrics.loc["champion"],
        result.metrics.loc["challenger"],
    )
    assert champion["auc"] == challenger["auc"]


def test_challenger_on_other_data_shows_swaps_and_metrics(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    challenger = artifact.model_copy(
        update={"features": artifact.features[:5], "name": "challenger"}
    )
    result = compare(artifact, challenger, fresh_subscribers)
    assert result.swap.to_numpy().trace() < len(fresh_subscribers)
    assert (
        result.metrics.loc["champion", "auc"] > result.metrics.loc["challenger", "auc"]
    )
    assert list(result.swap.index) == ["A", "B", "C", "D", "E"]
    assert result.swap_bad_rate.shape == result.swap.shape


def test_compare_needs_the_target(
    artifact: ScorecardArtifact, fresh_subscribers: pd.DataFrame
) -> None:
    unlabelled = fresh_subscribers.drop(columns=["default_12m"])
    with pytest.raises(MissingColumnError, match="target column 'default_12m'"):
        compare(artifact, artifact, unlabelled)
