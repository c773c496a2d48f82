"""The service domain: dispute items and outcomes, corrections, consent authors,
query-log callers, the review queue, settings; the decision log made
append-only by the database itself.

The guard is a trigger on both engines that refuses UPDATE and DELETE (and on
PostgreSQL TRUNCATE) of ``decision_log``. An attacker with the table owner's
rights can still drop or disable it; the hash chain and signed checkpoints
are what detect that tampering.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TIME = sa.String(20)

#: Names of the guard's triggers (and PostgreSQL function); tests that play
#: an attacker with owner rights remove them first.
SQLITE_TRIGGERS = ("decision_log_no_update", "decision_log_no_delete")
PG_TRIGGERS = ("decision_log_append_only", "decision_log_no_truncate")
PG_FUNCTION = "credcert_decision_log_append_only"


def upgrade() -> None:
    _extend_tables()
    _create_tables()
    if op.get_bind().dialect.name == "postgresql":
        _guard_postgresql()
    else:
        _guard_sqlite()


def _extend_tables() -> None:
    with op.batch_alter_table("disputes") as batch:
        batch.add_column(sa.Column("field", sa.String(64), nullable=True))
        batch.add_column(sa.Column("opened_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("previous_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(32), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("replacement_id", sa.String(64), nullable=True))
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("recorded_by", sa.String(64), nullable=True))
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("subject", sa.String(64), nullable=True))
        batch.add_column(sa.Column("role", sa.String(16), nullable=True))
    op.create_index("ix_queries_subject", "queries", ["subject"])


def _create_tables() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column(
            "dispute_id", sa.Integer, sa.ForeignKey("disputes.id"), nullable=False
        ),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("retired_at", _TIME, nullable=True),
    )
    op.create_index("ix_corrections_subject", "corrections", ["subject"])
    op.create_table(
        "reviews",
        sa.Column(
            "certificate_id",
            sa.String(64),
            sa.ForeignKey("certificates.id"),
            primary_key=True,
        ),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("cause", sa.String(32), nullable=False),
        sa.Column("proposed_status", sa.String(16), nullable=False),
        sa.Column("queued_at", _TIME, nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("final_status", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("reviewer", sa.String(64), nullable=True),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.Column("replacement_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_reviews_subject", "reviews", ["subject"])
    op.create_table(
        "settings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_settings_name", "settings", ["name"])


def _guard_sqlite() -> None:
    for trigger, verb in zip(SQLITE_TRIGGERS, ("UPDATE", "DELETE"), strict=True):
        op.execute(
            f"CREATE TRIGGER {trigger} BEFORE {verb} ON decision_log "
            f"BEGIN SELECT RAISE(ABORT, 'decision_log is append-only: "
            f"{verb} refused'); END"
        )


def _guard_postgresql() -> None:
    op.execute(
        f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'decision_log is append-only: % refused', TG_OP; "
        "END $$"
    )
    op.execute(
        f"CREATE TRIGGER {PG_TRIGGERS[0]} BEFORE UPDATE OR DELETE ON decision_log "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
    )
    op.execute(
        f"CREATE TRIGGER {PG_TRIGGERS[1]} BEFORE TRUNCATE ON decision_log "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON decision_log")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("settings", "reviews", "corrections"):
        op.drop_table(table)
    op.drop_index("ix_queries_subject", table_name="queries")
    with op.batch_alter_table("queries") as batch:
        batch.drop_column("role")
        batch.drop_column("subject")
    with op.batch_alter_table("consents") as batch:
        batch.drop_column("recorded_by")
    with op.batch_alter_table("disputes") as batch:
        for column in (
            "replacement_id",
            "resolved_by",
            "outcome",
            "previous_status",
            "opened_by",
            "field",
        ):
            batch.drop_column(column)
