"""``credcert scenarios`` and ``credcert verify`` on answers, as a partner runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credcert.cli import app
from credcert.signing import KeyRing, sign_document
from tests.policies.conftest import SCORECARD, T0
from tests.policies.test_check import edited

runner = CliRunner()
NOW = "2026-12-01T09:00:00Z"
CERT = {
    "schema": "credcert.certificate/1",
    "id": "cc-1",
    "subject": "sp1_" + "a" * 32,
    "status": "issued",
    "score": 655.0,
    "grade": "D",
    "issued_at": "2026-12-01T08:00:00Z",
    "expires_on": "2027-03-01",
    "subscores": [{"dimension": "fulfilment", "percent": 70.0, "points": 80.0}],
    "flags": [],
    "reasons": [],
    "suggestions": [
        {
            "code": "SUG-x",
            "feature": "on_time_payment_ratio_12m",
            "points_gain": 20.0,
            "months": 12,
            "text": {"zh": "未来12个月按时缴费", "en": "Pay on time for 12 months"},
        }
    ],
}


@pytest.fixture
def cert_file(keyring: KeyRing, tmp_path: Path) -> Path:
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(sign_document(CERT, keyring.active(), T0)), "utf-8")
    return path


@pytest.fixture
def answer_file(cert_file: Path, tmp_path: Path) -> Path:
    out = tmp_path / "answer.json"
    result = runner.invoke(
        app,
        [
            "scenarios", "answer", str(cert_file), "--scenario", "deposit_free_rental",
            "--partner", "bike-01", "--at", NOW, "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_check_passes_on_the_shipped_policies() -> None:
    result = runner.invoke(app, ["scenarios", "check"])
    assert result.exit_code == 0, result.output
    assert "4 policies for 4 scenarios" in result.output


def test_check_names_file_and_line(tmp_path: Path) -> None:
    path = edited(
        tmp_path,
        "not_flagged: {rule_id: [CMP-004]}",
        "not_flagged: {rule_id: [ZZ-001]}",
    )
    result = runner.invoke(app, ["scenarios", "check", str(path)])
    assert result.exit_code == 1
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if "ZZ-001" in text
    )
    assert f"{path}:{line}: unknown_rule: rule id 'ZZ-001'" in result.output


def test_test_runs_every_example() -> None:
    result = runner.invoke(app, ["scenarios", "test"])
    assert result.exit_code == 0, result.output
    assert "32 of 32 examples pass" in result.output


def test_answer_verifies_offline(answer_file: Path, keyring: KeyRing) -> None:
    assert json.loads(answer_file.read_text())["answer"] == "refer"
    result = runner.invoke(
        app,
        ["verify", str(answer_file), "--scenario", "deposit_free_rental", "--at", NOW],
    )
    assert result.exit_code == 0, result.output
    assert "valid answer 'refer' to deposit_free_rental" in result.output


def test_verify_rejects_a_tampered_answer(answer_file: Path, keyring: KeyRing) -> None:
    data = json.loads(answer_file.read_text())
    data["answer"] = "yes"
    answer_file.write_text(json.dumps(data))
    result = runner.invoke(app, ["verify", str(answer_file), "--at", NOW])
    assert result.exit_code == 1
    assert "INVALID: content_altered" in result.output


def test_verify_rejects_another_scenario(answer_file: Path, keyring: KeyRing) -> None:
    result = runner.invoke(
        app, ["verify", str(answer_file), "--scenario", "lending", "--at", NOW]
    )
    assert result.exit_code == 1
    assert "INVALID: wrong_scenario" in result.output


def test_verify_rejects_an_expired_answer(answer_file: Path, keyring: KeyRing) -> None:
    result = runner.invoke(
        app, ["verify", str(answer_file), "--at", "2026-12-09T09:00:00Z"]
    )
    assert result.exit_code == 1
    assert (
        "INVALID: expired: the answer held until 2026-12-08T09:00:00Z" in result.output
    )


def test_explain_prints_the_failed_condition_and_suggestions(
    cert_file: Path, keyring: KeyRing
) -> None:
    result = runner.invoke(
        app,
        ["scenarios", "explain", str(cert_file), "--scenario", "deposit_free_rental",
         "--lang", "en", "--at", NOW],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "the grade is D; this needs grade A, B or C" in result.output
    assert "Pay on time for 12 months" in result.output


def test_answer_refuses_an_altered_certificate(
    cert_file: Path, keyring: KeyRing
) -> None:
    data = json.loads(cert_file.read_text())
    data["grade"] = "A"
    cert_file.write_text(json.dumps(data))
    result = runner.invoke(
        app,
        ["scenarios", "answer", str(cert_file), "--scenario", "lending",
         "--partner", "bank"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "does not verify: content_altered" in result.output


def test_answer_names_an_unknown_scenario(cert_file: Path, keyring: KeyRing) -> None:
    result = runner.invoke(
        app,
        ["scenarios", "answer", str(cert_file), "--scenario", "casino",
         "--partner", "x"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "scenario 'casino': expected one of" in result.output


def test_report_writes_the_page_for_a_sample(tmp_path: Path) -> None:
    from subscribers import write_subscribers
    from subscribers.synth import generate

    sample = write_subscribers(generate(150, seed=4), tmp_path / "sample.parquet")
    out = tmp_path / "policy.html"
    result = runner.invoke(
        app,
        ["scenarios", "report", "--in", str(sample), "--scorecard", str(SCORECARD),
         "--out", str(out), "--at", NOW],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert "场景策略报告" in page
    assert "150 subscribers of sample.parquet" in page


def test_report_names_a_missing_sample(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["scenarios", "report", "--in", str(tmp_path / "none.parquet"),
         "--scorecard", str(SCORECARD)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no such file" in result.output
