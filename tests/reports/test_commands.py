"""The ``credcert report`` commands and the demo's ``write_reports``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from credcert.commands.reports import register, write_reports
from tests.reports.conftest import Fitted

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """credcert (test)."""

    register(app)
    return app


def test_report_scorecard_writes_a_page(fitted: Fitted, tmp_path: Path) -> None:
    artifact = fitted.artifact.save(tmp_path / "card.json")
    out = tmp_path / "sc.html"
    result = runner.invoke(_app(), ["report", "scorecard", str(artifact), "--out",
                                    str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Scorecard development report" in out.read_text(encoding="utf-8")


def test_report_fairness_on_synthetic_rows(fitted: Fitted, tmp_path: Path) -> None:
    artifact = fitted.artifact.save(tmp_path / "card.json")
    out = tmp_path / "fair.html"
    args = ["report", "fairness", str(artifact), "--synthetic", "2000", "--out",
            str(out)]  # fmt: skip
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    assert "demographic parity ratio" in out.read_text(encoding="utf-8")


def test_report_certificate_writes_both_languages(
    fitted: Fitted, tmp_path: Path
) -> None:
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(fitted.certificates["issued"]), encoding="utf-8")
    result = runner.invoke(
        _app(), ["report", "certificate", str(path), "--out-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("certificate-*-zh.html"))) == 1
    assert len(list(tmp_path.glob("certificate-*-en.html"))) == 1


def test_report_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(
        _app(), ["report", "certificate", str(tmp_path / "absent.json")]
    )
    assert result.exit_code == 2
    assert "cannot read JSON" in result.output


def test_write_reports_writes_every_report(fitted: Fitted, tmp_path: Path) -> None:
    written = write_reports(
        fitted.artifact,
        tmp_path,
        data=fitted.training.iloc[:3000],
        batch=fitted.batch,
        certificates=[fitted.certificates["issued"]],
        ruleset=fitted.ruleset,
    )
    assert {"scorecard", "monitor", "fairness", "rulebook"} <= written.keys()
    assert sum(name.startswith("certificate-") for name in written) == 2
    assert all(path.stat().st_size > 0 for path in written.values())


def test_report_monitor_on_a_batch_file(fitted: Fitted, tmp_path: Path) -> None:
    artifact = fitted.artifact.save(tmp_path / "card.json")
    batch = tmp_path / "batch.parquet"
    fitted.batch.to_parquet(batch)
    out = tmp_path / "monitor.html"
    result = runner.invoke(
        _app(), ["report", "monitor", str(artifact), str(batch), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"{fitted.stability.score_psi:.4f}" in out.read_text(encoding="utf-8")
