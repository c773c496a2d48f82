"""``credcert explain``: one subject from JSON or a Parquet row, text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from credcert.commands.explain import register
from subscribers import write_subscribers
from tests.explain.conftest import Trained, records

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("version")
    def version() -> None:  # a second command keeps "explain" a subcommand
        """Unused."""

    return app


@pytest.fixture(scope="module")
def artifact_path(synthetic: Trained, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.artifact.save(tmp_path_factory.mktemp("card") / "scorecard.json")


@pytest.fixture(scope="module")
def parquet(synthetic: Trained, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "subscribers.parquet"
    columns = [
        c for c in synthetic.test.columns if c not in ("default_12m", "oracle_logodds")
    ]
    write_subscribers(synthetic.test.head(20)[columns], path)
    return path


def test_explains_a_json_subject_in_chinese(
    app: typer.Typer, artifact_path: Path, synthetic: Trained, tmp_path: Path
) -> None:
    subject = tmp_path / "subject.json"
    record = records(synthetic.test, 1)[0]
    del record["default_12m"], record["oracle_logodds"]
    subject.write_text(json.dumps(record, default=str))
    result = runner.invoke(
        app, ["explain", str(artifact_path), "--subject", str(subject), "--no-rules"]
    )
    assert result.exit_code == 0, result.output
    assert "信用评分" in result.output


def test_explains_a_subject_given_as_feature_values_only(
    app: typer.Typer, artifact_path: Path, tmp_path: Path
) -> None:
    subject = tmp_path / "features.json"
    subject.write_text(json.dumps({"late_payments_12m": 2, "tenure_months": 20}))
    result = runner.invoke(
        app, ["explain", str(artifact_path), "--subject", str(subject)]
    )
    assert result.exit_code == 0, result.output
    assert "合规规则提示" in result.output


def test_explains_a_parquet_row_as_json_without_identifiers(
    app: typer.Typer, artifact_path: Path, parquet: Path, synthetic: Trained
) -> None:
    row = synthetic.test.iloc[3]
    result = runner.invoke(
        app,
        [
            "explain",
            str(artifact_path),
            "--data",
            str(parquet),
            "--id",
            row["subscription_id"],
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["schema_version"] == "credcert.explanation/1"
    assert document["rule_status"] is not None
    assert row["msisdn"] not in result.output
    assert row["subscription_id"] not in result.output


def test_english_text_on_request(
    app: typer.Typer, artifact_path: Path, parquet: Path, synthetic: Trained
) -> None:
    row = synthetic.test.iloc[0]
    result = runner.invoke(
        app,
        [
            "explain",
            str(artifact_path),
            "--data",
            str(parquet),
            "--id",
            row["subscription_id"],
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Credit score" in result.output


def test_unknown_subscription_id_fails_without_echoing_it(
    app: typer.Typer, artifact_path: Path, parquet: Path
) -> None:
    result = runner.invoke(
        app,
        ["explain", str(artifact_path), "--data", str(parquet), "--id", "NO-SUCH-ID"],
    )
    assert result.exit_code == 1
    assert "no row has the subscription id" in result.output
    assert "NO-SUCH-ID" not in result.output


def test_subject_and_data_together_are_refused(
    app: typer.Typer, artifact_path: Path, parquet: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "explain",
            str(artifact_path),
            "--subject",
            str(tmp_path / "x.json"),
            "--data",
            str(parquet),
        ],
    )
    assert result.exit_code == 2
    assert "exactly one of --subject or --data" in result.output


def test_cutoff_reference_without_background_fails(
    app: typer.Typer, artifact_path: Path, tmp_path: Path
) -> None:
    subject = tmp_path / "subject.json"
    subject.write_text(json.dumps({"late_payments_12m": 1}))
    result = runner.invoke(
        app,
        [
            "explain",
            str(artifact_path),
            "--subject",
            str(subject),
            "--reference",
            "cutoff",
        ],
    )
    assert result.exit_code == 1
    assert "expected a background sample" in result.output
