"""The database tables of the certificate domain, as SQLAlchemy Core metadata.

Migrations (``credcert/store/migrations``) create exactly these tables; a test
compares the two. Times are stored as UTC text ``YYYY-MM-DDTHH:MM:SSZ`` so they
hash and compare the same on SQLite and PostgreSQL. No table holds a phone
number or a subscription id: subjects are pseudonyms.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "CERTIFICATE_STATUSES",
    "api_keys",
    "batch_chunks",
    "batches",
    "certificates",
    "consents",
    "corrections",
    "decision_log",
    "disputes",
    "log_checkpoints",
    "metadata",
    "queries",
    "reviews",
    "settings",
    "subject_keys",
]

#: Statuses a stored certificate can have; the signed document keeps the
#: status it was issued with, the database keeps the current one.
CERTIFICATE_STATUSES = (
    "issued",
    "denied",
    "review",
    "disputed",
    "superseded",
    "revoked",
)

_TIME = String(20)
_PSEUDONYM = String(64)
_HASH = String(64)

metadata = MetaData()

certificates = Table(
    "certificates",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("subject", _PSEUDONYM, nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("issued_status", String(16), nullable=False),
    Column("score", Float, nullable=True),
    Column("grade", String(4), nullable=True),
    Column("issued_at", _TIME, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("evaluation_date", Date, nullable=False),
    Column("batch_id", String(64), nullable=True, index=True),
    Column("chunk_index", Integer, nullable=True),
    Column("key_id", String(64), nullable=False),
    Column("content_digest", String(80), nullable=False),
    Column("superseded_by", String(64), nullable=True),
    Column("status_changed_at", _TIME, nullable=False),
    Column("document", Text, nullable=False),
)

decision_log = Table(
    "decision_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", _TIME, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("certificate_id", String(64), nullable=True, index=True),
    Column("subject", _PSEUDONYM, nullable=True, index=True),
    Column("body", Text, nullable=False),
    Column("prev_hash", _HASH, nullable=False),
    Column("entry_hash", _HASH, nullable=False, unique=True),
)

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False),
    Column("entry_hash", _HASH, nullable=False),
    Column("document", Text, nullable=False),
)

subject_keys = Table(
    "subject_keys",
    metadata,
    Column("subject", _PSEUDONYM, primary_key=True),
    Column("key", LargeBinary(32), nullable=False),
    Column("created_at", _TIME, nullable=False),
)

disputes = Table(
    "disputes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("certificate_id", String(64), ForeignKey("certificates.id"), nullable=False),
    Column("subject", _PSEUDONYM, nullable=False, index=True),
    Column("opened_at", _TIME, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("resolution", Text, nullable=True),
    Column("closed_at", _TIME, nullable=True),
    # 0003: the disputed data item, who opened and resolved it, the outcome
    Column("field", String(64), nullable=True),
    Column("opened_by", String(64), nullable=True),
    Column("previous_status", String(16), nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("resolved_by", String(64), nullable=True),
    Column("replacement_id", String(64), nullable=True),
)

consents = Table(
    "consents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", _PSEUDONYM, nullable=False),
    Column("category", String(32), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("at", _TIME, nullable=False),
    Column("recorded_by", String(64), nullable=True),
    Index("ix_consents_subject_category", "subject", "category", "purpose"),
)

queries = Table(
    "queries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", _TIME, nullable=False),
    Column("partner", String(64), nullable=False),
    Column("scenario", String(32), nullable=False),
    Column("certificate_id", String(64), nullable=False, index=True),
    Column("outcome", String(32), nullable=False),
    Column("subject", _PSEUDONYM, nullable=True, index=True),
    Column("role", String(16), nullable=True),
)

#: A correction an upheld dispute made to one data item of a subject. The
#: original and corrected values are sealed under the subject's key, so
#: erasure makes them unreadable too; ``retired_at`` is set once the data
#: source reports a different value for the field.
corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", _PSEUDONYM, nullable=False, index=True),
    Column("field", String(64), nullable=False),
    Column("dispute_id", Integer, ForeignKey("disputes.id"), nullable=False),
    Column("sealed", Text, nullable=False),
    Column("at", _TIME, nullable=False),
    Column("retired_at", _TIME, nullable=True),
)

#: Human review of certificates held with status ``review``: why each was
#: held (a rule, or automated issuing switched off) and what the reviewer
#: decided.
reviews = Table(
    "reviews",
    metadata,
    Column(
        "certificate_id", String(64), ForeignKey("certificates.id"), primary_key=True
    ),
    Column("subject", _PSEUDONYM, nullable=False, index=True),
    Column("cause", String(32), nullable=False),
    Column("proposed_status", String(16), nullable=False),
    Column("queued_at", _TIME, nullable=False),
    Column("decision", String(16), nullable=True),
    Column("final_status", String(16), nullable=True),
    Column("reason", Text, nullable=True),
    Column("reviewer", String(64), nullable=True),
    Column("decided_at", _TIME, nullable=True),
    Column("replacement_id", String(64), nullable=True),
)

#: Operator settings as an append-only history; the newest row of a name is
#: its current value (JSON text).
settings = Table(
    "settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, index=True),
    Column("value", Text, nullable=False),
    Column("at", _TIME, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("input_digest", String(80), nullable=False),
    Column("issued_at", _TIME, nullable=False),
    Column("chunk_size", Integer, nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("settings", Text, nullable=False),
    Column("completed_at", _TIME, nullable=True),
)

batch_chunks = Table(
    "batch_chunks",
    metadata,
    Column("batch_id", String(64), ForeignKey("batches.id"), primary_key=True),
    Column("chunk_index", Integer, primary_key=True, autoincrement=False),
    Column("rows", Integer, nullable=False),
    Column("root", _HASH, nullable=False),
    Column("part_file", String(255), nullable=False),
    Column("completed_at", _TIME, nullable=False),
)

#: API keys of the HTTP service. Only a SHA-256 of each (random, 256-bit)
#: secret is kept; ``subject`` binds a ``subject`` key to one pseudonym and
#: ``scenarios`` (a JSON list) binds a ``partner`` key to its scenarios.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("subject", _PSEUDONYM, nullable=True),
    Column("scenarios", Text, nullable=True),
    Column("label", String(128), nullable=False),
    Column("created_at", _TIME, nullable=False),
    Column("revoked_at", _TIME, nullable=True),
    Index("ix_api_keys_secret_hash", "secret_hash", unique=True),
)
