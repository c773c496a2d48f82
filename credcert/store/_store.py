"""The certificate database: one class over SQLite (default) or PostgreSQL.

:class:`Store` opens a database by URL, brings its schema to the newest
migration (Alembic, run from Python), and offers the domain's operations:
saving certificates with supersession and revocation, their current status,
the decision log (append, verify, checkpoint), disputes, consents, the query
log and the batch ledger. Every write that changes a certificate's status
appends its decision-log entries in the same transaction.

Concurrent writers. Every write transaction opened by :meth:`Store.begin`
is serialised: on PostgreSQL it first takes a transaction-scoped advisory
lock (one per schema), on SQLite it starts with ``BEGIN IMMEDIATE`` and waits
(busy timeout) for the other writer. So reading the log's head and appending
after it, or superseding a subject's live certificate, never races another
thread or process: no write is lost and the chain never forks. Reads do not
take the lock.

The decision log is append-only in the database too: migration 0003 adds
triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). Someone
with the table owner's rights can drop them; the hash chain and signed
checkpoints detect what they then change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from credcert import decision_log as dlog
from credcert._config import default_database_url, home
from credcert._errors import CertificateNotFoundError, StoreError
from credcert.signing import PublicKeyRing, SigningKey, format_time
from credcert.store._tables import (
    batch_chunks,
    batches,
    certificates,
    consents,
    decision_log,
    disputes,
    log_checkpoints,
    queries,
    subject_keys,
)

__all__ = [
    "DISPUTE_DAYS",
    "HEAD_REVISION",
    "LOG_GUARD_TRIGGERS",
    "Store",
    "StoredCertificate",
]

logger = logging.getLogger(__name__)

# Statements of the issuing path, built once: SQLAlchemy then finds their
# compiled form in its cache (~15 µs an execution on SQLite) instead of
# building and keying a new statement each time (~90 µs).
_INSERT_CERTIFICATES = insert(certificates)
_INSERT_LOG = insert(decision_log)
_LOG_HEAD = (
    select(decision_log.c.seq, decision_log.c.entry_hash)
    .order_by(decision_log.c.seq.desc())
    .limit(1)
)
_SUBJECT_KEY = select(subject_keys.c.key).where(
    subject_keys.c.subject == bindparam("subject")
)
_INSERT_SUBJECT_KEY = insert(subject_keys)

#: Disputes are answered within this many days of receipt (征信业管理条例).
DISPUTE_DAYS = 20
#: The newest migration.
HEAD_REVISION = "0003"
#: Statuses of a certificate that a newer one replaces.
_LIVE = ("issued", "denied", "review", "disputed")
#: Statuses a deny revokes rather than supersedes (a held ``review``
#: certificate was never valid, so a denial supersedes it).
_VALID = ("issued", "disputed")
_MIGRATIONS = Path(__file__).with_name("migrations")
#: Triggers that keep ``decision_log`` append-only, per database dialect.
LOG_GUARD_TRIGGERS = {
    "sqlite": ("decision_log_no_update", "decision_log_no_delete"),
    "postgresql": ("decision_log_append_only", "decision_log_no_truncate"),
}
#: Seconds a SQLite writer waits for another one before giving up.
SQLITE_BUSY_SECONDS = 60
_WRITE = "credcert_write"


@dataclass(frozen=True, slots=True)
class StoredCertificate:
    """A certificate as stored: the signed document and its current status."""

    id: str
    subject: str
    status: str
    superseded_by: str | None
    status_changed_at: str
    document: dict[str, Any]


class Store:
    """A credcert database.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; a SQLite file ``credcert.db`` in the credcert home
        folder when omitted. PostgreSQL: ``postgresql+psycopg://...``.
    schema : str, optional
        PostgreSQL schema to work in (created if missing); tests use a fresh
        one per session. Ignored for SQLite.
    migrate : bool
        Bring the schema to the newest migration on opening.
    """

    def __init__(
        self, url: str | None = None, *, schema: str | None = None, migrate: bool = True
    ) -> None:
        self.url = url or default_database_url(home())
        self.schema = schema
        self.engine = _engine(self.url, schema)
        if migrate:
            self.migrate()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    # --- lifecycle -------------------------------------------------------------

    def migrate(self) -> None:
        """Apply every migration not yet applied (Alembic ``upgrade head``)."""
        from alembic import command  # imported here: workers never migrate
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StoreError(f"{self!r}: migration failed: {exc}") from None

    def revision(self) -> str | None:
        """The schema's current migration revision."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction, serialised with every other writer; commits on success.

        PostgreSQL: ``pg_advisory_xact_lock`` on a key of this schema, held
        to the end of the transaction. SQLite: ``BEGIN IMMEDIATE``.
        """
        with self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": self._lock_key},
                    )
                yield conn

    @property
    def _lock_key(self) -> int:
        name = f"credcert.writes:{self.schema or ''}".encode()
        return int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)

    # --- certificates ------------------------------------------------------------

    def save_certificates(
        self,
        rows: Sequence[Mapping[str, Any]],
        entries: Sequence[dlog.LogEntry],
        *,
        conn: Connection | None = None,
    ) -> list[tuple[str, str, str]]:
        """Insert certificate rows, supersede or revoke older ones, log it all.

        ``rows`` are ``certificates`` rows (see :func:`certificate_row`);
        ``entries`` their decision-log entries, in the same order. Returns
        ``(old id, new status, new id)`` for every older certificate whose
        status changed; those changes are logged after ``entries``.
        """
        if conn is None:
            with self.begin() as own:
                return self.save_certificates(rows, entries, conn=own)
        changes = _supersede(conn, rows)
        if rows:
            conn.execute(_INSERT_CERTIFICATES, [dict(r) for r in rows])
        at = {r["id"]: r["issued_at"] for r in rows}
        follow = [
            dlog.LogEntry(
                at[new],
                status,
                old,
                subject,
                _canonical({"schema": dlog.ENTRY_SCHEMA, "replaced_by": new}),
            )
            for old, status, new, subject in changes
        ]
        self.append_log([*entries, *follow], conn=conn)
        for old, status, new, _ in changes:
            logger.info("certificate %s %s by %s", old, status, new)
        return [(old, status, new) for old, status, new, _ in changes]

    def certificate(self, certificate_id: str) -> StoredCertificate:
        """A stored certificate by id.

        Raises
        ------
        CertificateNotFoundError
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                select(certificates).where(certificates.c.id == certificate_id)
            ).first()
        if row is None:
            raise CertificateNotFoundError(
                f"no certificate with id {certificate_id!r} in {self!r}"
            )
        return _stored(row._mapping)

    def current(self, subject: str) -> StoredCertificate | None:
        """The subject's live certificate (not superseded or revoked), if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(certificates)
                .where(certificates.c.subject == subject)
                .where(certificates.c.status.in_(_LIVE))
                .order_by(certificates.c.issued_at.desc(), certificates.c.id.desc())
            ).first()
        return None if row is None else _stored(row._mapping)

    def certificate_count(self, batch_id: str | None = None) -> int:
        query = select(func.count()).select_from(certificates)
        if batch_id is not None:
            query = query.where(certificates.c.batch_id == batch_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def status_counts(self) -> dict[str, int]:
        """Number of stored certificates per current status."""
        query = select(certificates.c.status, func.count()).group_by(
            certificates.c.status
        )
        with self.engine.connect() as conn:
            return {s: int(n) for s, n in conn.execute(query)}

    # --- disputes, consents, queries ----------------------------------------------

    def open_dispute(self, certificate_id: str, reason: str, at: dt.datetime) -> int:
        """Open a dispute (answer due in 20 days); the certificate is ``disputed``.

        The bare form, without the disputed data item or who opened it; the
        service uses :func:`credcert.disputes.open_dispute`, which checks
        and records both.
        """
        stored = self.certificate(certificate_id)
        stamp = format_time(at)
        with self.begin() as conn:
            result = conn.execute(
                insert(disputes).values(
                    certificate_id=certificate_id,
                    subject=stored.subject,
                    opened_at=stamp,
                    due_on=at.date() + dt.timedelta(days=DISPUTE_DAYS),
                    reason=reason,
                    status="open",
                )
            )
            conn.execute(
                update(certificates)
                .where(certificates.c.id == certificate_id)
                .values(status="disputed", status_changed_at=stamp)
            )
            body = _canonical({"schema": dlog.ENTRY_SCHEMA, "previous": stored.status})
            entry = dlog.LogEntry(
                stamp, "disputed", certificate_id, stored.subject, body
            )
            self.append_log([entry], conn=conn)
            key = result.inserted_primary_key
        logger.info("dispute opened on certificate %s", certificate_id)
        return int(key[0]) if key else 0

    def record_consent(
        self, subject: str, category: str, purpose: str, granted: bool, at: dt.datetime
    ) -> None:
        """Record a consent (or its withdrawal) for a data category and purpose."""
        with self.begin() as conn:
            conn.execute(
                insert(consents).values(
                    subject=subject,
                    category=category,
                    purpose=purpose,
                    granted=granted,
                    at=format_time(at),
                )
            )
        logger.info("consent %s for %s/%s", granted, category, purpose)

    def consent(self, subject: str, category: str, purpose: str) -> bool | None:
        """The latest consent state, or None if never recorded."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(consents.c.granted)
                .where(consents.c.subject == subject)
                .where(consents.c.category == category)
                .where(consents.c.purpose == purpose)
                .order_by(consents.c.at.desc(), consents.c.id.desc())
            ).first()
        return None if row is None else bool(row[0])

    def log_query(
        self,
        partner: str,
        scenario: str,
        certificate_id: str,
        outcome: str,
        at: dt.datetime,
    ) -> None:
        """Record that a partner asked about a certificate."""
        with self.begin() as conn:
            conn.execute(
                insert(queries).values(
                    partner=partner,
                    scenario=scenario,
                    certificate_id=certificate_id,
                    outcome=outcome,
                    at=format_time(at),
                )
            )

    # --- decision log -----------------------------------------------------------

    def append_log(
        self, entries: Sequence[dlog.LogEntry], *, conn: Connection | None = None
    ) -> int:
        """Chain and append entries; returns the new head's ``seq``."""
        if conn is None:
            with self.begin() as own:
                return self.append_log(entries, conn=own)
        head = conn.execute(_LOG_HEAD).first()
        seq, last = (0, dlog.GENESIS) if head is None else (head[0], head[1])
        rows = dlog.chain(entries, after_seq=seq, after_hash=last)
        if rows:
            conn.execute(_INSERT_LOG, rows)
        return seq + len(rows)

    def log_rows(self) -> Iterator[dict[str, Any]]:
        """Every decision-log entry, in ``seq`` order."""
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=10_000).execute(
                select(decision_log).order_by(decision_log.c.seq)
            )
            for row in result:
                yield dict(row._mapping)

    def checkpoint(self, key: SigningKey, at: dt.datetime) -> dict[str, Any] | None:
        """Sign and store the log's current head; None if the log is empty."""
        with self.begin() as conn:
            head = conn.execute(_LOG_HEAD).first()
            if head is None:
                return None
            document = dlog.checkpoint_document(head[0], head[1], key, at)
            conn.execute(
                insert(log_checkpoints).values(
                    seq=head[0], entry_hash=head[1], document=_canonical(document)
                )
            )
        logger.info("decision log checkpoint at entry %d", head[0])
        return document

    def verify_log(self, keys: PublicKeyRing | None = None) -> list[dlog.LogProblem]:
        """Every break in the decision log's chain and checkpoints."""
        rows = list(self.log_rows())
        with self.engine.connect() as conn:
            points = [
                dict(r._mapping)
                for r in conn.execute(
                    select(log_checkpoints).order_by(log_checkpoints.c.id)
                )
            ]
        problems = dlog.check_chain(rows)
        problems += dlog.check_checkpoints(rows, points, keys)
        return problems

    # --- sealed inputs -----------------------------------------------------------

    def subject_key(
        self, subject: str, at: dt.datetime, *, conn: Connection | None = None
    ) -> bytes:
        """The subject's key for sealed inputs, created on first use."""
        if conn is None:
            with self.begin() as own:
                return self.subject_key(subject, at, conn=own)
        row = conn.execute(_SUBJECT_KEY, {"subject": subject}).first()
        if row is not None:
            return bytes(row[0])
        return self.create_subject_key(subject, at, conn=conn)

    def create_subject_key(
        self, subject: str, at: dt.datetime, *, conn: Connection
    ) -> bytes:
        """Make and store the key of a subject known to have none."""
        key = dlog.new_subject_key()
        conn.execute(
            _INSERT_SUBJECT_KEY,
            {"subject": subject, "key": key, "created_at": format_time(at)},
        )
        return key

    def stored_subject_key(
        self, subject: str, *, conn: Connection | None = None
    ) -> bytes | None:
        """The subject's sealing key, or None if never made or erased."""
        if conn is None:
            with self.engine.connect() as own:
                return self.stored_subject_key(subject, conn=own)
        row = conn.execute(_SUBJECT_KEY, {"subject": subject}).first()
        return None if row is None else bytes(row[0])

    def replace_subject_key(
        self, subject: str, at: dt.datetime, *, conn: Connection
    ) -> bytes:
        """Crypto-shred the subject's key: a new key replaces it in place.

        Whatever was sealed under the old key becomes unreadable. On SQLite
        the old bytes are overwritten on disk (``secure_delete``); on
        PostgreSQL the old row version stays until ``VACUUM`` reclaims it.
        """
        key = dlog.new_subject_key()
        conn.execute(
            update(subject_keys)
            .where(subject_keys.c.subject == subject)
            .values(key=key, created_at=format_time(at))
        )
        return key

    def erase_subject(self, subject: str, at: dt.datetime) -> None:
        """Delete the subject's sealing key; the log's chain stays valid."""
        with self.begin() as conn:
            conn.execute(delete(subject_keys).where(subject_keys.c.subject == subject))
            body = _canonical({"schema": dlog.ENTRY_SCHEMA, "erased": "sealed_inputs"})
            entry = dlog.LogEntry(format_time(at), "erased", None, subject, body)
            self.append_log([entry], conn=conn)
        logger.info("erased sealed inputs of one subject")

    # --- batch ledger ---------------------------------------------------------------

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(batches).where(batches.c.id == batch_id)).first()
        return None if row is None else dict(row._mapping)

    def start_batch(self, values: Mapping[str, Any]) -> None:
        with self.begin() as conn:
            conn.execute(insert(batches).values(**values))

    def finish_batch(self, batch_id: str, at: dt.datetime) -> None:
        with self.begin() as conn:
            conn.execute(
                update(batches)
                .where(batches.c.id == batch_id)
                .values(completed_at=format_time(at))
            )

    def done_chunks(self, batch_id: str) -> dict[int, dict[str, Any]]:
        """The ledger of a batch: completed chunks by index."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(batch_chunks).where(batch_chunks.c.batch_id == batch_id)
            )
            return {r.chunk_index: dict(r._mapping) for r in rows}

    def commit_chunk(
        self,
        ledger: Mapping[str, Any],
        rows: Sequence[Mapping[str, Any]],
        entries: Sequence[dlog.LogEntry],
    ) -> None:
        """Store a chunk's certificates, log entries and ledger row atomically."""
        with self.begin() as conn:
            self.save_certificates(rows, entries, conn=conn)
            conn.execute(insert(batch_chunks).values(**ledger))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _stored(row: Any) -> StoredCertificate:
    return StoredCertificate(
        id=row["id"],
        subject=row["subject"],
        status=row["status"],
        superseded_by=row["superseded_by"],
        status_changed_at=row["status_changed_at"],
        document=json.loads(row["document"]),
    )


_LIVE_OF_SUBJECTS = (
    select(certificates.c.id, certificates.c.subject, certificates.c.status)
    .where(certificates.c.subject.in_(bindparam("subjects", expanding=True)))
    .where(certificates.c.status.in_(_LIVE))
)
_SET_STATUS = (
    update(certificates)
    .where(certificates.c.id == bindparam("old_id"))
    .values(
        status=bindparam("new_status"),
        superseded_by=bindparam("new_id"),
        status_changed_at=bindparam("changed_at"),
    )
)


def _supersede(
    conn: Connection, rows: Sequence[Mapping[str, Any]]
) -> list[tuple[str, str, str, str]]:
    """Mark live certificates of the rows' subjects superseded or revoked."""
    newest = {r["subject"]: r for r in rows}
    new_ids = {r["id"] for r in rows}
    changes = []
    subjects = list(newest)
    for start in range(0, len(subjects), 5_000):
        part = subjects[start : start + 5_000]
        found = conn.execute(_LIVE_OF_SUBJECTS, {"subjects": part}).all()
        for old_id, subject, status in found:
            if old_id in new_ids:
                continue
            new = newest[subject]
            revoke = new["issued_status"] == "denied" and status in _VALID
            changes.append(
                (old_id, "revoked" if revoke else "superseded", new["id"], subject)
            )
    if changes:
        conn.execute(
            _SET_STATUS,
            [
                {
                    "old_id": old_id,
                    "new_status": status,
                    "new_id": new_id,
                    "changed_at": newest[subject]["issued_at"],
                }
                for old_id, status, new_id, subject in changes
            ],
        )
    return changes


def _engine(url: str, schema: str | None) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            path = engine.url.database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            return engine
        connect_args = {}
        if schema is not None:
            if not schema.isidentifier():
                raise StoreError(
                    f"schema: expected letters, digits and '_'; got {schema!r}"
                )
            connect_args["options"] = f"-csearch_path={schema}"
        engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        if schema is not None:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        return engine
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open database: {exc}") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not implicitly by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """``BEGIN IMMEDIATE`` for writes (the write lock first), plain ``BEGIN`` else."""
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
