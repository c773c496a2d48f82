"""The database on SQLite and PostgreSQL: migrations, certificates, supersession."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from credcert._errors import CertificateNotFoundError
from credcert.store import DISPUTE_DAYS, HEAD_REVISION, Store, metadata
from credcert.store._tables import disputes
from tests.store.helpers import OTHER, SUBJECT, entry, row

T = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def test_new_database_is_at_the_newest_migration(store: Store) -> None:
    assert store.revision() == HEAD_REVISION


def test_migrations_create_exactly_the_declared_tables(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrating_twice_changes_nothing(store: Store) -> None:
    store.migrate()
    assert store.revision() == HEAD_REVISION


def test_saved_certificate_reads_back(store: Store) -> None:
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    assert store.certificate("c1").document == {"id": "c1", "status": "issued"}


def test_unknown_certificate_raises(store: Store) -> None:
    with pytest.raises(CertificateNotFoundError, match="no certificate with id 'zz'"):
        store.certificate("zz")


def test_new_certificate_supersedes_the_old_one(store: Store) -> None:
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    store.save_certificates(
        [row("c2", SUBJECT, at="2026-12-05T08:00:00Z")], [entry("c2", SUBJECT)]
    )
    old = store.certificate("c1")
    assert (old.status, old.superseded_by) == ("superseded", "c2")


def test_new_deny_revokes_a_valid_certificate(store: Store) -> None:
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    store.save_certificates(
        [row("c2", SUBJECT, "denied", "2026-12-05T08:00:00Z")],
        [entry("c2", SUBJECT, "denied")],
    )
    assert store.certificate("c1").status == "revoked"


def test_current_is_the_newest_live_certificate(store: Store) -> None:
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    store.save_certificates(
        [row("c2", SUBJECT, at="2026-12-05T08:00:00Z")], [entry("c2", SUBJECT)]
    )
    current = store.current(SUBJECT)
    assert current is not None
    assert current.id == "c2"


def test_other_subjects_are_not_superseded(store: Store) -> None:
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    store.save_certificates([row("c2", OTHER)], [entry("c2", OTHER)])
    assert store.certificate("c1").status == "issued"


def test_supersession_is_logged(store: Store) -> None:
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    store.save_certificates(
        [row("c2", SUBJECT, at="2026-12-05T08:00:00Z")], [entry("c2", SUBJECT)]
    )
    kinds = [(r["kind"], r["certificate_id"]) for r in store.log_rows()]
    assert kinds[-1] == ("superseded", "c1")


def test_dispute_marks_the_certificate_disputed(store: Store) -> None:
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    store.open_dispute("c1", "arrears already paid", T)
    assert store.certificate("c1").status == "disputed"


def test_dispute_is_due_in_twenty_days(store: Store) -> None:
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    store.open_dispute("c1", "arrears already paid", T)
    with store.engine.connect() as conn:
        due = conn.execute(disputes.select()).first()._mapping["due_on"]
    assert due == T.date() + dt.timedelta(days=DISPUTE_DAYS)


def test_latest_consent_wins(store: Store) -> None:
    store.record_consent(SUBJECT, "platform", "scoring", True, T)
    store.record_consent(SUBJECT, "platform", "scoring", False, T + dt.timedelta(1))
    assert store.consent(SUBJECT, "platform", "scoring") is False


def test_status_counts_count_current_statuses(store: Store) -> None:
    store.save_certificates(
        [row("c1", SUBJECT), row("c2", OTHER, "review")],
        [entry("c1", SUBJECT), entry("c2", OTHER)],
    )
    assert store.status_counts() == {"issued": 1, "review": 1}
