"""Fixtures of the explanation tests: small scorecards, trained once each.

One on synthetic subscribers (the default spec); two on data the synthetic
generator did not make, so that additivity is shown beyond it: the public
German credit data (the scorecard layer's spec in ``tests/scorecard/data``)
and a generic loan table with a special code and missing values.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explain import Explainer, population_reference
from scorecard import ScorecardArtifact, ScorecardTrainer, default_spec_path, load_spec
from subscribers.synth import generate


@dataclass(frozen=True)
class Trained:
    """A fitted scorecard with the rows it was trained and tested on."""

    artifact: ScorecardArtifact
    frame: pd.DataFrame
    train: pd.DataFrame
    test: pd.DataFrame


def _fit(spec: object, frame: pd.DataFrame) -> Trained:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = ScorecardTrainer(spec=spec).fit(frame)  # type: ignore[arg-type]
    return Trained(
        artifact=trainer.artifact_,
        frame=frame,
        train=frame.iloc[trainer.train_index_].reset_index(drop=True),
        test=frame.iloc[trainer.test_index_].reset_index(drop=True),
    )


@pytest.fixture(scope="session")
def synthetic() -> Trained:
    """The default subscriber spec fitted on 12,000 synthetic subscribers."""
    frame = generate(12_000, seed=2024)
    return _fit(load_spec(default_spec_path()), frame)


def loan_table(rows: int, seed: int) -> pd.DataFrame:
    """A generic loan table: numbers, a special code, a category, a target."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(3.6, 0.5, rows).round(1)
    utilisation = rng.beta(2, 3, rows).round(3)
    no_line = rng.random(rows) < 0.08
    utilisation[no_line] = -1.0
    delinquencies = rng.poisson(0.4, rows)
    years = rng.integers(0, 30, rows)
    home = rng.choice(
        ["own", "mortgage", "rent", "other"], rows, p=[0.3, 0.3, 0.3, 0.1]
    )
    inquiries = rng.poisson(1.2, rows)
    logit = (
        -2.2
        - 0.02 * (income - 40)
        + 2.0 * np.where(no_line, 0.4, utilisation)
        + 0.7 * delinquencies
        - 0.03 * years
        + np.select([home == "rent", home == "other"], [0.4, 0.6], 0.0)
        + 0.25 * inquiries
    )
    bad = rng.random(rows) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "income_k": income,
            "utilisation": utilisation,
            "delinquencies_2y": delinquencies,
            "years_at_address": years,
            "home": home,
            "inquiries_6m": inquiries,
            "bad": bad.astype(int),
        }
    )
    missing = rng.random(rows) < 0.03
    frame.loc[missing, "income_k"] = np.nan
    return frame


@pytest.fixture(scope="session")
def loans(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """A second dataset: a loan table with its own spec (``kind: table``)."""
    frame = loan_table(8_000, seed=7)
    path = Path(tmp_path_factory.mktemp("loans")) / "loans.parquet"
    frame.to_parquet(path)
    spec = load_spec(
        {
            "schema": "credcert.scorecard-spec/1",
            "name": "loans-test",
            "version": "0.1",
            "dataset": {"kind": "table", "path": str(path), "target": "bad"},
            "features": [
                {"name": "income_k", "dimension": "capacity"},
                {
                    "name": "utilisation",
                    "dimension": "behaviour",
                    "special_codes": [-1],
                },
                {"name": "delinquencies_2y", "dimension": "behaviour"},
                {"name": "years_at_address", "dimension": "profile"},
                {"name": "home", "dimension": "profile", "dtype": "categorical"},
                {"name": "inquiries_6m", "dimension": "behaviour"},
            ],
            "selection": {"min_iv": 0.001, "max_p_value": 0.5},
            "grades": [
                {"grade": "A", "min_score": 650, "zh": "好", "en": "good"},
                {"grade": "B", "min_score": 550, "zh": "中", "en": "fair"},
                {"grade": "C", "min_score": 300, "zh": "差", "en": "poor"},
            ],
            "cutoff": {"grade": "B"},
        }
    )
    return _fit(spec, frame)


@pytest.fixture(scope="session")
def german() -> Trained:
    """The public German credit data with the scorecard layer's spec for it."""
    spec_path = Path(__file__).parents[1] / "scorecard" / "data" / "german_credit.yaml"
    spec = load_spec(spec_path)
    assert spec.dataset.path is not None
    return _fit(spec, pd.read_csv(spec.dataset.path))


@pytest.fixture(params=["synthetic", "loans", "german"])
def dataset(request: pytest.FixtureRequest) -> Trained:
    """Each of the two datasets in turn."""
    trained: Trained = request.getfixturevalue(request.param)
    return trained


@pytest.fixture(scope="session")
def explainer(synthetic: Trained) -> Explainer:
    """An explainer of the synthetic scorecard against the population."""
    return Explainer(synthetic.artifact, population_reference(synthetic.artifact))


def records(frame: pd.DataFrame, n: int) -> list[dict[str, object]]:
    """The first ``n`` rows as plain dicts, missing values as ``None``."""
    out = []
    for row in frame.head(n).to_dict(orient="records"):
        out.append({k: (None if pd.isna(v) else v) for k, v in row.items()})
    return out
