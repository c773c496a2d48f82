"""Fixtures of the scorecard tests: scorecards trained once per session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scorecard import (
    ScorecardArtifact,
    ScorecardSpec,
    ScorecardTrainer,
    default_spec_path,
    load_spec,
)
from subscribers.synth import generate

DATA = Path(__file__).parent / "data"
#: Rows of the synthetic training set: enough for the oracle-AUC check.
TRAIN_ROWS = 100_000


@pytest.fixture(scope="session")
def subscriber_spec() -> ScorecardSpec:
    spec = load_spec(default_spec_path())
    dataset = spec.dataset.model_copy(update={"synthetic_rows": TRAIN_ROWS})
    return spec.model_copy(update={"dataset": dataset})


@pytest.fixture(scope="session")
def trainer(subscriber_spec: ScorecardSpec) -> ScorecardTrainer:
    return ScorecardTrainer(spec=subscriber_spec).fit()


@pytest.fixture(scope="session")
def artifact(trainer: ScorecardTrainer) -> ScorecardArtifact:
    card: ScorecardArtifact = trainer.artifact_
    return card


@pytest.fixture(scope="session")
def artifact_path(
    artifact: ScorecardArtifact, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return artifact.save(tmp_path_factory.mktemp("card") / "scorecard.json")


@pytest.fixture(scope="session")
def fresh_subscribers() -> pd.DataFrame:
    """Subscribers the scorecard never saw (another seed); read-only."""
    return generate(20_000, seed=314)


@pytest.fixture(scope="session")
def german_spec_path() -> Path:
    return DATA / "german_credit.yaml"


@pytest.fixture(scope="session")
def german_trainer(german_spec_path: Path) -> ScorecardTrainer:
    return ScorecardTrainer(spec=german_spec_path).fit()
