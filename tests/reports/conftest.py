"""Fixtures of the report tests: one fitted scorecard and every report.

A small scorecard is trained once per session on synthetic subscribers with
the scorecard layer's own API; every report is rendered from it into one
folder; the session's headless Chromium (tests/conftest.py) opens them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reports import (
    FairnessAnalysis,
    analyse_fairness,
    render_certificate,
    render_fairness_report,
    render_monitoring_report,
    render_rule_diff,
    render_rulebook,
    render_scorecard_report,
    write_page,
)
from rules import (
    RuleSet,
    default_path,
    diff_rulesets,
    evaluate_frame,
    load_ruleset,
    run_examples,
)
from scorecard import (
    ScorecardArtifact,
    StabilityReport,
    default_spec_path,
    load_spec,
    monitor,
    train,
)
from subscribers.synth import generate
from tests.reports.helpers import EVALUATION_DATE, issue_certificates


@dataclass(frozen=True)
class Fitted:
    """A scorecard trained in this session and the data around it."""

    artifact: ScorecardArtifact
    roc: dict[str, Any]
    training: pd.DataFrame
    batch: pd.DataFrame
    stability: StabilityReport
    ruleset: RuleSet
    certificates: dict[str, dict[str, Any]]


def shifted_batch(rows: int, seed: int) -> pd.DataFrame:
    """A later batch whose subscribers are newer and log in abnormally more."""
    frame = generate(rows, seed=seed)
    frame["tenure_months"] = (frame["tenure_months"] * 0.4).round().astype("Int64")
    frame["abnormal_logins_90d"] = frame["abnormal_logins_90d"] + 1
    return frame


def _pick(
    frame: pd.DataFrame, artifact: ScorecardArtifact, ruleset: RuleSet
) -> dict[str, int]:
    """Rows for three certificates: ordinary, with a rule notice, denied."""
    scores = pd.Series(artifact.score(frame).score, index=frame.index)
    status = evaluate_frame(ruleset, frame, on=EVALUATION_DATE)["status"]
    fine = (scores > artifact.cutoff_score) & (status == "pass")
    noticed = (scores > artifact.cutoff_score) & status.isin(["cap_grade", "flag"])
    return {
        "issued": int(fine.to_numpy().argmax()),
        "noticed": int(noticed.to_numpy().argmax()),
        "denied": int((status == "deny").to_numpy().argmax()),
    }


@pytest.fixture(scope="session")
def fitted() -> Fitted:
    spec = load_spec(default_spec_path())
    training = generate(12_000, seed=5)
    result = train(spec, training)
    artifact = result.artifact
    batch = shifted_batch(3_000, seed=6)
    ruleset = load_ruleset()
    rows = _pick(training, artifact, ruleset)
    certificates = issue_certificates(artifact, ruleset, training, rows)
    return Fitted(
        artifact=artifact,
        roc=result.roc,
        training=training,
        batch=batch,
        stability=monitor(artifact, batch),
        ruleset=ruleset,
        certificates=certificates,
    )


def _next_version(folder: Path) -> RuleSet:
    """The default rule set as version 1.1.0 with IDN-004 sending to review."""
    shutil.copytree(default_path(), folder)
    for path in folder.glob("*.yaml"):
        text = path.read_text("utf-8").replace("version: 1.0.0", "version: 1.1.0")
        if path.name == "identity.yaml":
            text = text.replace("effect: flag", "effect: review")
        path.write_text(text, "utf-8")
    return load_ruleset(folder)


@pytest.fixture(scope="session")
def analysis(fitted: Fitted) -> FairnessAnalysis:
    """The fairness analysis of the training data at the artifact's cutoff."""
    return analyse_fairness(fitted.artifact, fitted.training)


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory, fitted: Fitted) -> Path:
    """Every report rendered from the session's fitted objects, one file each."""
    out = tmp_path_factory.mktemp("reports")
    card = fitted.artifact
    pages = {
        "scorecard": render_scorecard_report(
            card, data=fitted.training, roc=fitted.roc, data_label="training data"
        ),
        "monitor": render_monitoring_report(
            card, fitted.stability, batch_label="shifted batch"
        ),
        "fairness": render_fairness_report(
            card, fitted.training, data_label="training data"
        ),
        "certificate-zh": render_certificate(
            fitted.certificates["noticed"], lang="zh", artifact=card
        ),
        "certificate-en": render_certificate(
            fitted.certificates["noticed"], lang="en", artifact=card
        ),
        "rulebook": render_rulebook(
            fitted.ruleset, examples=run_examples(fitted.ruleset)
        ),
        "rule-diff": render_rule_diff(
            diff_rulesets(fitted.ruleset, _next_version(out / "rules-next"))
        ),
    }
    for name, page in pages.items():
        write_page(page, out / f"{name}.html")
    return out
