"""The certificate commands, run through a Typer app as the console script runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import update
from typer.testing import CliRunner

from credcert.commands.certificates import register
from credcert.issue import Issuer, certificate_row
from credcert.signing import KeyRing
from credcert.store import Store
from credcert.store._tables import decision_log
from subscribers import write_subscribers
from tests.certificates.fixtures import SCORECARD, T0
from tests.store.helpers import drop_log_guard

app = typer.Typer()
register(app)
runner = CliRunner()


def _run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def cert_file(issuer: Issuer, records: list[Any], tmp_path: Path) -> Path:
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(issuer.issue(records[5], at=T0).document))
    return path


def test_keys_create_names_the_active_key(credcert_home: Path) -> None:
    assert "active signing key ed25519-" in _run("keys", "create").output


def test_keys_rotate_keeps_two_keys(credcert_home: Path) -> None:
    _run("keys", "create")
    _run("keys", "rotate")
    assert len(KeyRing.open(credcert_home / "keys").keys) == 2


def test_keys_list_shows_status(credcert_home: Path) -> None:
    _run("keys", "create")
    assert "active" in _run("keys", "list").output


def test_verify_accepts_a_valid_certificate(cert_file: Path) -> None:
    result = _run("verify", str(cert_file))
    assert (result.exit_code, "valid credcert.certificate/1" in result.output) == (
        0,
        True,
    )


def test_verify_says_why_a_tampered_certificate_fails(cert_file: Path) -> None:
    document = json.loads(cert_file.read_text())
    document["score"] = 899.0
    cert_file.write_text(json.dumps(document))
    result = _run("verify", str(cert_file))
    assert (result.exit_code, "INVALID: content_altered" in result.output) == (1, True)


def test_verify_with_an_exported_ring(cert_file: Path, tmp_path: Path) -> None:
    _run("keys", "export", str(tmp_path / "public.json"))
    result = _run("verify", str(cert_file), "--keys", str(tmp_path / "public.json"))
    assert result.exit_code == 0


def test_view_writes_a_verifiable_partner_view(cert_file: Path, tmp_path: Path) -> None:
    view = tmp_path / "view.json"
    _run(
        "view",
        str(cert_file),
        "--scenario",
        "deposit_free_rental",
        "--partner",
        "bike-01",
        "--out",
        str(view),
    )
    assert _run("verify", str(view)).exit_code == 0


def test_tampered_partner_view_fails(cert_file: Path, tmp_path: Path) -> None:
    view = tmp_path / "view.json"
    args = ["--scenario", "lending", "--partner", "bank-01", "--out", str(view)]
    _run("view", str(cert_file), *args)
    data = json.loads(view.read_text())
    data["answer"] = not data["answer"]
    view.write_text(json.dumps(data))
    assert "INVALID: content_altered" in _run("verify", str(view)).output


def _stored(issuer: Issuer, records: list[Any], url: str) -> None:
    with Store(url) as store:
        for i, record in enumerate(records[:4]):
            issued = issuer.issue(record, at=T0, certificate_id=f"cc-{i}")
            store.save_certificates(
                [certificate_row(issued.document, text=issued.text)], [issued.entry]
            )


def test_audit_verify_passes_an_intact_log(
    issuer: Issuer, records: list[Any], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    _stored(issuer, records, url)
    result = _run("audit", "verify", "--db", url)
    assert (result.exit_code, "intact: 4 entries" in result.output) == (0, True)


def test_audit_verify_names_an_edited_entry(
    issuer: Issuer, records: list[Any], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    _stored(issuer, records, url)
    with Store(url) as store, store.begin() as conn:
        drop_log_guard(conn)  # an attacker with the owner's rights
        conn.execute(
            update(decision_log).where(decision_log.c.seq == 2).values(kind="issued!")
        )
    result = _run("audit", "verify", "--db", url)
    assert (result.exit_code, "entry 2: edited" in result.output) == (1, True)


def test_audit_checkpoint_then_verify(
    issuer: Issuer, records: list[Any], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    _stored(issuer, records, url)
    _run("audit", "checkpoint", "--db", url)
    assert _run("audit", "verify", "--db", url).exit_code == 0


def test_show_prints_the_stored_certificate(
    issuer: Issuer, records: list[Any], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    _stored(issuer, records, url)
    assert '"id": "cc-1"' in _run("show", "cc-1", "--db", url).output


def test_issue_command_writes_parquet_and_database(
    tmp_path: Path, credcert_home: Path, subscribers_frame: Any
) -> None:
    source = write_subscribers(subscribers_frame.iloc[:300], tmp_path / "s.parquet")
    url = f"sqlite:///{tmp_path / 'c.db'}"
    args = ["issue", "--in", str(source), "--scorecard", str(SCORECARD)]
    args += ["--out", str(tmp_path / "out"), "--db", url, "--processes", "1"]
    result = _run(*args, "--at", "2026-12-01T08:00:00Z", "--chunk-size", "100")
    assert result.exit_code == 0
    with Store(url) as store:
        assert store.certificate_count() == 300


def test_issue_command_reports_a_resumed_batch(
    tmp_path: Path, credcert_home: Path, subscribers_frame: Any
) -> None:
    source = write_subscribers(subscribers_frame.iloc[:200], tmp_path / "s.parquet")
    args = ["issue", "--in", str(source), "--scorecard", str(SCORECARD), "--no-db"]
    args += ["--out", str(tmp_path / "out"), "--processes", "1", "--chunk-size", "100"]
    _run(*args, "--at", "2026-12-01T08:00:00Z")
    result = _run(*args, "--at", "2026-12-01T08:00:00Z")
    assert "resumed: 2 of 2 chunks were done" in result.output


def test_issue_command_refuses_a_missing_file(tmp_path: Path) -> None:
    result = _run(
        "issue", "--in", str(tmp_path / "none.parquet"), "--scorecard", str(SCORECARD)
    )
    assert (result.exit_code, "no such file" in result.output) == (2, True)
