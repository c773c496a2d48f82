"""The public surface of the scorecard package is what is intended."""

from __future__ import annotations

import scorecard

INTENDED = {
    # spec
    "BinningDefaults",
    "Cutoff",
    "DatasetSpec",
    "FeatureSpec",
    "GradeBand",
    "Scaling",
    "ScorecardSpec",
    "Selection",
    "SplitSpec",
    "default_spec_path",
    "load_spec",
    # training
    "STAGES",
    "AgainstRiskWarning",
    "ScorecardTrainer",
    "TrainingResult",
    "prepare_features",
    "train",
    # artifact
    "ARTIFACT_SCHEMA",
    "Bin",
    "CoefficientRow",
    "DataFingerprint",
    "DimensionCard",
    "FeatureCard",
    "GradeCard",
    "Rejection",
    "ScalingCard",
    "ScoreDistribution",
    "ScorecardArtifact",
    "SplitMetrics",
    "content_sha256",
    "load_artifact",
    # scoring
    "BatchScores",
    "SubjectScore",
    "bin_indices",
    "score_frame",
    "score_subject",
    "woe_frame",
    "woe_subject",
    # metrics and monitoring
    "auc",
    "gini",
    "ks",
    "psi",
    "roc_curve",
    "stability_flag",
    "Comparison",
    "StabilityReport",
    "compare",
    "monitor",
    # errors
    "ArtifactError",
    "ChecksumError",
    "DataError",
    "ForbiddenFeatureError",
    "MissingColumnError",
    "NotFittedError",
    "ScorecardError",
    "SpecError",
    "TrainingError",
}


def test_exported_names_are_the_intended_ones() -> None:
    assert set(scorecard.__all__) == INTENDED


def test_every_exported_name_exists() -> None:
    assert all(hasattr(scorecard, name) for name in scorecard.__all__)


def test_errors_inherit_the_builtin_they_mean() -> None:
    assert issubclass(scorecard.SpecError, ValueError)
    assert issubclass(scorecard.MissingColumnError, KeyError)
    assert issubclass(scorecard.NotFittedError, AttributeError)
    assert issubclass(scorecard.ChecksumError, scorecard.ArtifactError)
    assert issubclass(scorecard.ForbiddenFeatureError, scorecard.SpecError)
