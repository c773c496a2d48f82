"""The WOE / logistic scorecard: spec, training, artifact, scoring, monitoring.

Train from a spec (optbinning binning, statsmodels logit), save a versioned,
checksummed JSON artifact, and score from it without optbinning: vectorised
over a table or in plain Python for one subject. See ``docs/scorecard.md``.

What the explanation layer uses:

- :meth:`ScorecardArtifact.woe_frame` / :meth:`ScorecardArtifact.woe_one`: the
  WOE matrix the logit was fitted on, for a table or one subject;
- :attr:`ScorecardArtifact.intercept`, :attr:`ScorecardArtifact.coefficient_map`
  and :class:`ScalingCard` (``factor``, ``offset``): per feature
  ``points = FeatureCard.slope * woe + FeatureCard.constant``, exactly;
- :meth:`FeatureCard.locate` and :class:`Bin`: the bin a value falls in, its
  label, bounds, points, WOE, population share and event rate;
- :attr:`ScorecardArtifact.cutoff_score` and each feature's ``dimension``.
"""

from scorecard._artifact import (
    ARTIFACT_SCHEMA,
    Bin,
    CoefficientRow,
    DataFingerprint,
    DimensionCard,
    FeatureCard,
    GradeCard,
    Rejection,
    ScalingCard,
    ScorecardArtifact,
    ScoreDistribution,
    SplitMetrics,
    content_sha256,
    load_artifact,
)
from scorecard._errors import (
    ArtifactError,
    ChecksumError,
    DataError,
    ForbiddenFeatureError,
    MissingColumnError,
    NotFittedError,
    ScorecardError,
    SpecError,
    TrainingError,
)
from scorecard._metrics import auc, gini, ks, psi, roc_curve, stability_flag
from scorecard._monitor import Comparison, StabilityReport, compare, monitor
from scorecard._score import (
    BatchScores,
    SubjectScore,
    bin_indices,
    score_frame,
    score_subject,
    woe_frame,
    woe_subject,
)
from scorecard._spec import (
    BinningDefaults,
    Cutoff,
    DatasetSpec,
    FeatureSpec,
    GradeBand,
    Scaling,
    ScorecardSpec,
    Selection,
    SplitSpec,
    default_spec_path,
    load_spec,
)
from scorecard._train import (
    STAGES,
    AgainstRiskWarning,
    ScorecardTrainer,
    TrainingResult,
    prepare_features,
    train,
)

__all__ = [
    "ARTIFACT_SCHEMA",
    "STAGES",
    "AgainstRiskWarning",
    "ArtifactError",
    "BatchScores",
    "Bin",
    "BinningDefaults",
    "ChecksumError",
    "CoefficientRow",
    "Comparison",
    "Cutoff",
    "DataError",
    "DataFingerprint",
    "DatasetSpec",
    "DimensionCard",
    "FeatureCard",
    "FeatureSpec",
    "ForbiddenFeatureError",
    "GradeBand",
    "GradeCard",
    "MissingColumnError",
    "NotFittedError",
    "Rejection",
    "Scaling",
    "ScalingCard",
    "ScoreDistribution",
    "ScorecardArtifact",
    "ScorecardError",
    "ScorecardSpec",
    "ScorecardTrainer",
    "Selection",
    "SpecError",
    "SplitMetrics",
    "SplitSpec",
    "StabilityReport",
    "SubjectScore",
    "TrainingError",
    "TrainingResult",
    "auc",
    "bin_indices",
    "compare",
    "content_sha256",
    "default_spec_path",
    "gini",
    "ks",
    "load_artifact",
    "load_spec",
    "monitor",
    "prepare_features",
    "psi",
    "roc_curve",
    "score_frame",
    "score_subject",
    "stability_flag",
    "train",
    "woe_frame",
    "woe_subject",
]
