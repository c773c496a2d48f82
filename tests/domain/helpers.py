"""Helpers of the domain tests: records with changes, and a snapshot of the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from credcert.store import Store
from credcert.store._tables import metadata
from subscribers import validate_record

T0 = dt.datetime(2026, 12, 1, 8, 0, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def variant(record: Any, **changes: Any) -> Any:
    """A validated copy of ``record`` with some values changed."""
    return validate_record({**record.model_dump(), **changes})


def snapshot(store: Store) -> dict[str, Any]:
    """Row counts of every table and every certificate's status: what a no-op keeps."""
    out: dict[str, Any] = {}
    with store.engine.connect() as conn:
        for name, table in metadata.tables.items():
            out[name] = conn.execute(select(func.count()).select_from(table)).scalar()
        rows = conn.execute(
            select(
                metadata.tables["certificates"].c.id,
                metadata.tables["certificates"].c.status,
            )
        ).all()
    out["statuses"] = dict(rows)
    return out


def first(records: list[Any], issuer: Any, status: str) -> Any:
    """The first record the rules give ``status`` (issued, review or denied)."""
    for record in records:
        if issuer.issue(record, at=T0).document["status"] == status:
            return record
    raise AssertionError(f"no record with status {status}")
