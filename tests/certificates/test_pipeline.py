"""The one-call certificate stage the demo runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from credcert.pipeline import CertificateRun, run_certificates
from credcert.signing import PublicKeyRing, verify_document
from credcert.views import verify_view
from subscribers import write_subscribers
from tests.certificates.fixtures import SCORECARD


@pytest.fixture
def run(
    tmp_path: Path, credcert_home: Path, subscribers_frame: pd.DataFrame
) -> CertificateRun:
    source = write_subscribers(subscribers_frame.iloc[:400], tmp_path / "s.parquet")
    return run_certificates(source, tmp_path / "demo", scorecard=SCORECARD, processes=1)


def test_run_stores_every_certificate(run: CertificateRun) -> None:
    assert sum(run.report.statuses.values()) == 400


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
