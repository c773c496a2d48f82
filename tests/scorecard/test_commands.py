"""The train, score, monitor and compare commands, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from credcert.commands.scorecard import register
from tests.scorecard.conftest import DATA

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture(scope="module")
def trained(app: typer.Typer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("train")
    result = runner.invoke(
        app, ["train", str(DATA / "german_credit.yaml"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_train_writes_artifact_and_summary(trained: Path) -> None:
    assert (trained / "german-credit-1.0.0.json").is_file()
    assert "| test |" in (trained / "german-credit-1.0.0.md").read_text("utf-8")


def test_score_writes_a_file_per_row(app: typer.Typer, trained: Path) -> None:
    out = trained / "scores.csv"
    result = runner.invoke(
        app,
        [
            "score",
            str(trained / "german-credit-1.0.0.json"),
            str(DATA / "german_credit.csv"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    assert len(scores) == 1000
    assert {"score", "grade"} <= set(scores.columns)


def test_monitor_prints_psi_and_csi(app: typer.Typer, trained: Path) -> None:
    result = runner.invoke(
        app,
        [
            "monitor",
            str(trained / "german-credit-1.0.0.json"),
            str(DATA / "german_credit.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "score PSI" in result.output
    assert "credit_history" in result.output


def test_compare_prints_metrics_and_swap_set(app: typer.Typer, trained: Path) -> None:
    card = str(trained / "german-credit-1.0.0.json")
    result = runner.invoke(
        app, ["compare", card, card, str(DATA / "german_credit.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "swap set" in result.output
    assert "challenger" in result.output


def test_tampered_artifact_exits_with_an_error(app: typer.Typer, trained: Path) -> None:
    document = json.loads((trained / "german-credit-1.0.0.json").read_text("utf-8"))
    document["cutoff_score"] = 1.0
    tampered = trained / "tampered.json"
    tampered.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(
        app, ["score", str(tampered), str(DATA / "german_credit.csv")]
    )
    assert result.exit_code == 1
    assert "does not match its checksum" in result.output


def test_bad_spec_exits_with_its_location(app: typer.Typer, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: Bad Name\n", encoding="utf-8")
    result = runner.invoke(app, ["train", str(spec)])
    assert result.exit_code == 1
    assert "bad.yaml:1" in result.output
