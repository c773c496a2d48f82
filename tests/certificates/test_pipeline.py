"""The one-call certificate stage the demo runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from credcert.pipeline import CertificateRun, run_certificates, write_policy_report
from credcert.policies import default_policies, verify_answer
from credcert.signing import PublicKeyRing, verify_document
from credcert.views import verify_view
from subscribers import write_subscribers
from tests.certificates.fixtures import SCORECARD

ROWS = 400


@pytest.fixture
def run(
    tmp_path: Path, credcert_home: Path, subscribers_frame: pd.DataFrame
) -> CertificateRun:
    source = write_subscribers(subscribers_frame.iloc[:ROWS], tmp_path / "s.parquet")
    return run_certificates(source, tmp_path / "demo", scorecard=SCORECARD, processes=1)


def test_run_stores_every_certificate(run: CertificateRun) -> None:
    assert sum(run.report.statuses.values()) == ROWS


def test_run_leaves_an_intact_decision_log(run: CertificateRun) -> None:
    assert run.log_problems == []


def test_example_certificates_verify_with_the_exported_ring(
    run: CertificateRun,
) -> None:
    ring = PublicKeyRing.from_file(run.public_keys)
    issued = json.loads(run.examples["issued"].read_text())
    assert verify_document(issued, ring).kid


def test_example_partner_view_verifies(run: CertificateRun) -> None:
    ring = PublicKeyRing.from_file(run.public_keys)
    view = json.loads(run.examples["partner_view"].read_text())
    assert verify_view(view, ring).tree_size == 1


def test_one_example_answer_per_scenario_verifies_for_the_demo_partner(
    run: CertificateRun,
) -> None:
    ring = PublicKeyRing.from_file(run.public_keys)
    issued = json.loads(run.examples["issued"].read_text())
    now = dt.datetime.now(dt.UTC)
    policies = default_policies()
    for scenario in policies.scenarios:
        path = run.examples[f"answer_{scenario}"]
        assert path.name == f"answer-{scenario}.json"
        signed = json.loads(path.read_text(encoding="utf-8"))
        assert signed["certificate_id"] == issued["id"]
        check = verify_answer(
            signed,
            ring,
            at=now,
            partner_scenarios=[scenario],
            partner="demo-partner",
            policies=policies,
        )
        assert check.valid, check.reason


def test_policy_report_answers_every_certificate_of_the_run(
    run: CertificateRun, subscribers_frame: pd.DataFrame, tmp_path: Path
) -> None:
    report = write_policy_report(
        run, subscribers_frame.iloc[:ROWS], tmp_path / "reports" / "policy.html"
    )
    page = report.path.read_text(encoding="utf-8")
    assert f"{ROWS} certificates of batch {run.report.batch_id}" in page
    for scenario in default_policies().scenarios:
        assert scenario in page
    assert all(len(flag) == 3 for flag in report.flagged)
    msisdns = subscribers_frame["msisdn"].iloc[:ROWS]
    assert not any(m in page for m in msisdns)


def test_policy_report_refuses_subscribers_that_are_not_the_runs(
    run: CertificateRun, subscribers_frame: pd.DataFrame, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="one group row per certificate"):
        write_policy_report(
            run, subscribers_frame.iloc[: ROWS - 1], tmp_path / "policy.html"
        )
