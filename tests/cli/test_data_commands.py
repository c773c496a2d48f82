"""The ``credcert data`` and ``credcert demo`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from credcert.cli import app
from credcert.policies import load_policies
from subscribers import read_subscribers, write_subscribers
from subscribers.synth import ORACLE, TARGET, generate

runner = CliRunner()


def test_synth_writes_a_valid_parquet_file(tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    result = runner.invoke(
        app, ["data", "synth", "--rows", "700", "--seed", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len(read_subscribers(out, allow=(TARGET, ORACLE))) == 700


def test_synth_writes_csv_too(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["data", "synth", "--rows", "50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 50


def test_synth_refuses_an_unknown_file_type_and_writes_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "s.xlsx"
    result = runner.invoke(app, ["data", "synth", "--rows", "50", "--out", str(out)])
    assert result.exit_code == 2
    assert "expected a .parquet or .csv file name" in result.output
    assert not out.exists()


def test_check_lists_every_bad_row_and_fails(tmp_path: Path) -> None:
    frame = generate(20, seed=1)
    frame["late_payments_12m"] = frame["late_payments_12m"].astype(object)
    frame.loc[[2, 6], "late_payments_12m"] = 99
    path = write_subscribers(frame, tmp_path / "bad.parquet")
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 1
    assert "row 3, field 'late_payments_12m'" in result.output
    assert "row 7, field 'late_payments_12m'" in result.output


def test_check_accepts_a_valid_file(tmp_path: Path) -> None:
    path = write_subscribers(generate(20, seed=1), tmp_path / "ok.parquet")
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "20 records, all valid" in result.output


def test_demo_runs_the_pipeline_and_says_where(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["demo", "--rows", "6000", "--applicants", "300", "--out", str(tmp_path)],
        env={"CREDCERT_HOME": str(tmp_path / "home"), "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "subscribers.parquet").is_file()
    assert (tmp_path / "scorecard" / "subscribers-default.json").is_file()
    assert (tmp_path / "credcert.db").is_file()
    certificates = pd.concat(
        pd.read_parquet(p) for p in (tmp_path / "certificates").glob("*.parquet")
    )
    assert len(certificates) == 300
    for report in ("scorecard", "monitor", "fairness", "rulebook"):
        assert (tmp_path / "reports" / f"{report}.html").is_file()
    assert list((tmp_path / "reports").glob("certificate-*-zh.html"))
    assert "where everything is" in result.output
    assert (tmp_path / "reports" / "policy.html").is_file()
    assert "policy report" in result.output
    keys = str(tmp_path / "keyring.public.json")
    for scenario in load_policies().scenarios:
        path = tmp_path / "examples" / f"answer-{scenario}.json"
        assert f"example answer ({scenario})" in result.output
        checked = runner.invoke(
            app,
            ["verify", str(path), "--keys", keys, "--scenario", scenario,
             "--partner", "demo-partner"],
            env={"CREDCERT_HOME": str(tmp_path / "elsewhere"), "COLUMNS": "300"},
        )  # fmt: skip
        assert checked.exit_code == 0, checked.output
        assert f"valid answer {json.loads(path.read_text())['answer']!r}" in (
            checked.output
        )


def test_data_contract_doc_is_the_catalogue() -> None:
    doc = Path(__file__).parents[2] / "docs" / "data-contract.md"
    result = runner.invoke(app, ["data", "fields", "--markdown"])
    assert result.exit_code == 0
    assert doc.read_text(encoding="utf-8").endswith(result.output)


def test_fields_prints_the_catalogue_as_a_table() -> None:
    result = runner.invoke(app, ["data", "fields"])
    assert result.exit_code == 0
    assert "subscriber fields (data contract)" in result.output
    assert "年龄段" in result.output
