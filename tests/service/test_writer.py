"""The group-commit writer: many certificates per transaction, none lost or mixed up."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from credcert.issue import Issuer, certificate_row
from credcert.service.writer import CertificateWriter, Prepared, WriterStoppedError
from credcert.store import Store
from tests.certificates.fixtures import T0


@pytest.fixture
def writer(store: Store) -> Iterator[CertificateWriter]:
    started = CertificateWriter(store, group_max=64)
    started.start()
    yield started
    started.stop()


def job(issuer: Issuer, record: Any, index: int, at: dt.datetime = T0) -> Any:
    def prepare(_conn: Any) -> Prepared:
        issued = issuer.issue(record, at=at, certificate_id=f"cc-{index:024x}")
        return Prepared(
            certificate_row(issued.document, text=issued.text), issued.entry
        )

    return prepare


def test_a_group_of_one_subjects_certificates_keeps_arrival_order(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    """Queued while the writer is busy, they commit together; the last one is live."""
    gate = threading.Event()
    writer = CertificateWriter(store, group_max=64)
    writer.start()
    try:
        blocker = writer.submit(
            lambda c: (gate.wait(10), job(issuer, records[9], 99)(c))[1]
        )
        futures = [writer.submit(job(issuer, records[0], i)) for i in range(5)]
        futures += [writer.submit(job(issuer, records[1], 10 + i)) for i in range(3)]
        gate.set()
        for future in [blocker, *futures]:
            future.result(timeout=30)
    finally:
        writer.stop()
    assert writer.saved == 9
    assert writer.groups <= 3
    subject = futures[0].result().row["subject"]
    live = store.current(subject)
    assert live is not None
    assert live.id == f"cc-{4:024x}"
    for index in range(4):
        old = store.certificate(f"cc-{index:024x}")
        assert old.status in ("superseded", "revoked")
        assert old.superseded_by is not None
    assert store.verify_log() == []


def test_a_failing_job_fails_only_its_own_request(
    writer: CertificateWriter, store: Store, issuer: Issuer, records: list[Any]
) -> None:
    def broken(_conn: Any) -> Prepared:
        raise ValueError("this job cannot be prepared")

    good = writer.submit(job(issuer, records[2], 1))
    bad = writer.submit(broken)
    other = writer.submit(job(issuer, records[3], 2))
    with pytest.raises(ValueError, match="cannot be prepared"):
        bad.result(timeout=30)
    assert good.result(timeout=30).row["id"] == f"cc-{1:024x}"
    assert other.result(timeout=30).row["id"] == f"cc-{2:024x}"
    assert store.certificate_count() == 2


def test_a_row_the_database_refuses_fails_alone(
    writer: CertificateWriter, store: Store, issuer: Issuer, records: list[Any]
) -> None:
    writer.submit(job(issuer, records[4], 7)).result(timeout=30)
    gate = threading.Event()
    first = writer.submit(lambda c: (gate.wait(10), job(issuer, records[5], 8)(c))[1])
    duplicate = writer.submit(job(issuer, records[6], 7))  # the id exists
    fine = writer.submit(job(issuer, records[7], 9))
    gate.set()
    first.result(timeout=30)
    fine.result(timeout=30)
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        duplicate.result(timeout=30)
    assert store.certificate_count() == 3
    assert store.verify_log() == []


def test_a_stopped_writer_refuses_work(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    writer = CertificateWriter(store)
    with pytest.raises(WriterStoppedError, match="not running"):
        writer.submit(job(issuer, records[0], 1))
    writer.start()
    done = writer.submit(job(issuer, records[0], 1))
    writer.stop()
    assert done.done()
    assert store.certificate_count() == 1
