"""The operator commands: disputes, review, the switch, retention, export, replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from credcert.commands.domain import register
from credcert.disputes import open_dispute
from credcert.issue import Issuer, issue_stored
from credcert.review import automated_issuing
from credcert.store import Store
from tests.certificates.fixtures import SCORECARD
from tests.domain.helpers import HOUR, T0, first, variant

app = typer.Typer()
register(app)


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'c.db'}"


def test_disputes_list_shows_overdue_ones(
    url: str, issuer: Issuer, records: list[Any]
) -> None:
    with Store(url) as store:
        cid = issue_stored(issuer, store, records[0], at=T0).document["id"]
        open_dispute(
            store,
            certificate_id=cid,
            field="tenure_months",
            reason="wrong",
            by="k",
            at=T0,
        )
    early = _run("disputes", "list", "--overdue", "--as-of", "2026-12-21", "--db", url)
    late = _run("disputes", "overdue", "--as-of", "2026-12-22", "--db", url)
    assert "0 dispute(s)" in early.output
    assert ("OVERDUE" in late.output, "1 dispute(s)" in late.output) == (True, True)


def test_disputes_resolve_without_a_reason_fails_and_changes_nothing(
    url: str, issuer: Issuer, records: list[Any]
) -> None:
    with Store(url) as store:
        cid = issue_stored(issuer, store, records[0], at=T0).document["id"]
        opened = open_dispute(
            store, certificate_id=cid, field="tenure_months", reason="x", by="k", at=T0
        )
    result = _run(
        "disputes", "resolve", str(opened["id"]), "--outcome", "rejected", "--db", url
    )
    assert result.exit_code == 1
    assert "a written reason is required" in result.output
    with Store(url) as store:
        assert store.certificate(cid).status == "disputed"


def test_issuing_off_then_on(url: str) -> None:
    off = _run("issuing", "off", "--reason", "model incident", "--db", url)
    status = _run("issuing", "status", "--db", url)
    assert (off.exit_code, "OFF" in status.output) == (0, True)
    _run("issuing", "on", "--reason", "fixed", "--db", url)
    with Store(url) as store:
        assert automated_issuing(store) is True


def test_review_decide_override_needs_a_reason(
    url: str, issuer: Issuer, records: list[Any], credcert_home: Path
) -> None:
    record = first(records, issuer, "review")
    with Store(url) as store:
        cid = issue_stored(issuer, store, record, at=T0).document["id"]
    listed = _run("review", "list", "--db", url)
    refused = _run(
        "review", "decide", cid, "--decision", "override", "--status", "denied",
        "--db", url,
    )  # fmt: skip
    decided = _run(
        "review", "decide", cid, "--decision", "override", "--status", "denied",
        "--reason", "documents do not match", "--db", url,
    )  # fmt: skip
    assert cid in listed.output
    assert (refused.exit_code, decided.exit_code) == (1, 0), decided.output
    assert "is denied" in decided.output


def test_retention_run_reports_removed_fields(
    url: str, issuer: Issuer, records: list[Any]
) -> None:

    record = variant(
        records[0],
        earliest_negative_on=__import__("datetime").date(2020, 1, 1),
        arrears_days=10,
        arrears_amount_cny=5.0,
    )
    with Store(url) as store:
        issue_stored(issuer, store, record, at=T0)
    result = _run("retention", "run", "--as-of", "2026-12-01", "--db", url)
    assert result.exit_code == 0
    assert "removed arrears_days: 1" in result.output


def test_export_writes_the_subjects_document(
    url: str, issuer: Issuer, records: list[Any], tmp_path: Path
) -> None:
    with Store(url) as store:
        document = issue_stored(issuer, store, records[0], at=T0).document
    out = tmp_path / "export.json"
    result = _run("export", document["subject"], "--out", str(out), "--db", url)
    assert result.exit_code == 0
    assert json.loads(out.read_text())["certificates"][0]["id"] == document["id"]


def test_replay_matches_the_logged_digest(
    url: str, issuer: Issuer, records: list[Any], credcert_home: Path
) -> None:
    with Store(url) as store:
        cid = issue_stored(issuer, store, records[0], at=T0 + HOUR).document["id"]
    result = _run("replay", cid, "--scorecard", str(SCORECARD), "--db", url)
    assert result.exit_code == 0, result.output
    assert "replay matches" in result.output
