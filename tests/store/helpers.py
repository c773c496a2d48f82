"""Certificate rows for store tests, without the issuing pipeline."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from credcert.decision_log import LogEntry


def row(
    cid: str, subject: str, status: str = "issued", at: str = "2026-12-01T08:00:00Z"
) -> dict[str, Any]:
    """A ``certificates`` row with a small document."""
    return {
        "id": cid,
        "subject": subject,
        "status": status,
        "issued_status": status,
        "score": None if status == "denied" else 640.0,
        "grade": None if status == "denied" else "B",
        "issued_at": at,
        "expires_on": dt.date(2027, 3, 1),
        "evaluation_date": dt.date(2026, 11, 30),
        "batch_id": None,
        "chunk_index": None,
        "key_id": "ed25519-test",
        "content_digest": "sha256:" + "0" * 64,
        "superseded_by": None,
        "status_changed_at": at,
        "document": json.dumps({"id": cid, "status": status}),
    }


def entry(cid: str, subject: str, kind: str = "issued") -> LogEntry:
    return LogEntry("2026-12-01T08:00:00Z", kind, cid, subject, '{"x":1}')


SUBJECT = "sp1_" + "a" * 32
OTHER = "sp1_" + "b" * 32


def drop_log_guard(conn: Any) -> None:
    """Play an attacker with the table owner's rights: remove the append-only guard.

    The database refuses UPDATE and DELETE on ``decision_log`` (migration
    0003); the owner can drop those triggers, and the tamper tests start
    from there to show that the hash chain still catches what follows.
    """
    from credcert.store import LOG_GUARD_TRIGGERS

    dialect = conn.dialect.name
    for trigger in LOG_GUARD_TRIGGERS[dialect]:
        if dialect == "postgresql":
            conn.exec_driver_sql(f"DROP TRIGGER {trigger} ON decision_log")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
