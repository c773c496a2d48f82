"""Initial schema: certificates, decision log, checkpoints, subject keys,
disputes, consents, queries, batches and their chunk ledger.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TIME = sa.String(20)


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("grade", sa.String(4), nullable=True),
        sa.Column("issued_at", _TIME, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("evaluation_date", sa.Date, nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("chunk_index", sa.Integer, nullable=True),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("content_digest", sa.String(80), nullable=False),
        sa.Column("superseded_by", sa.String(64), nullable=True),
        sa.Column("status_changed_at", _TIME, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_certificates_subject", "certificates", ["subject"])
    op.create_index("ix_certificates_batch_id", "certificates", ["batch_id"])
    op.create_table(
        "decision_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("certificate_id", sa.String(64), nullable=True),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index(
        "ix_decision_log_certificate_id", "decision_log", ["certificate_id"]
    )
    op.create_index("ix_decision_log_subject", "decision_log", ["subject"])
    op.create_table(
        "log_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_table(
        "subject_keys",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("key", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "certificate_id",
            sa.String(64),
            sa.ForeignKey("certificates.id"),
            nullable=False,
        ),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("opened_at", _TIME, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.Text, nullable=True),
        sa.Column("closed_at", _TIME, nullable=True),
    )
    op.create_index("ix_disputes_subject", "disputes", ["subject"])
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("at", _TIME, nullable=False),
    )
    op.create_index(
        "ix_consents_subject_category",
        "consents",
        ["subject", "category", "purpose"],
    )
    op.create_table(
        "queries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("scenario", sa.String(32), nullable=False),
        sa.Column("certificate_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
    )
    op.create_index("ix_queries_certificate_id", "queries", ["certificate_id"])
    op.create_table(
        "batches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("input_digest", sa.String(80), nullable=False),
        sa.Column("issued_at", _TIME, nullable=False),
        sa.Column("chunk_size", sa.Integer, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("completed_at", _TIME, nullable=True),
    )
    op.create_table(
        "batch_chunks",
        sa.Column(
            "batch_id", sa.String(64), sa.ForeignKey("batches.id"), primary_key=True
        ),
        sa.Column("chunk_index", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("part_file", sa.String(255), nullable=False),
        sa.Column("completed_at", _TIME, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "batch_chunks",
        "batches",
        "queries",
        "consents",
        "disputes",
        "subject_keys",
        "log_checkpoints",
        "decision_log",
        "certificates",
    ):
        op.drop_table(table)
