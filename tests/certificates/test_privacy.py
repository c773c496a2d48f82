"""No phone number or subscription id reaches logs, the database or output files."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from credcert.batch import issue_file, read_certificates
from credcert.issue import issue_certificate
from credcert.pseudonym import Pseudonymizer
from credcert.signing import KeyRing
from credcert.store import Store, metadata
from credcert.views import partner_view
from subscribers import write_subscribers
from tests.certificates.fixtures import SCORECARD, T0

ROWS = 300


def _identifiers(frame: pd.DataFrame) -> set[str]:
    return set(frame["msisdn"].astype(str)) | set(frame["subscription_id"].astype(str))


def _database_text(store: Store) -> str:
    parts = []
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            parts += [repr(tuple(row)) for row in conn.execute(select(table))]
    return "\n".join(parts)


def _files_text(folder: Path) -> str:
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".parquet":
            parts.append(pd.read_parquet(path).to_csv())
        elif path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.fixture
def everything(
    tmp_path: Path,
    subscribers_frame: pd.DataFrame,
    records: list[Any],
    issuer: Any,
    keyring: KeyRing,
    pseudonymizer: Pseudonymizer,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> tuple[set[str], str]:
    """Run every path that sees raw data, capturing every log record."""
    caplog.set_level(logging.DEBUG)
    frame = subscribers_frame.iloc[:ROWS]
    source = write_subscribers(frame, tmp_path / "in" / "subscribers.parquet")
    out = tmp_path / "out"
    issue_file(
        source,
        out,
        scorecard=SCORECARD,
        key=keyring.active(),
        pseudonymizer=pseudonymizer,
        at=T0,
        store=store,
        chunk_size=100,
        engine="inline",
    )
    later = T0 + dt.timedelta(days=3)
    cert = issue_certificate(
        records[1],
        rules=issuer.rules,
        scorecard=issuer.scorecard,
        keys=keyring,
        pseudonymizer=pseudonymizer,
        at=later,
        store=store,
    )
    view = partner_view(cert.to_json(), "lending", "bank-01", keyring.active(), later)
    (out / "view.json").write_text(str(view))
    store.checkpoint(keyring.active(), later)
    text = "\n".join(
        [
            caplog.text,
            _database_text(store),
            _files_text(out),
            str(read_certificates(out)),
        ]
    )
    return _identifiers(frame), text


def test_logs_database_and_outputs_hold_no_phone_number(
    everything: tuple[set[str], str],
) -> None:
    numbers, text = everything
    assert [n for n in numbers if n in text] == []


def test_the_scan_sees_what_was_issued(everything: tuple[set[str], str]) -> None:
    _, text = everything
    assert text.count("credcert.certificate/1") >= ROWS
