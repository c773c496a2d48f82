"""Work run in other processes by the concurrency tests (importable by spawn)."""

from __future__ import annotations

from credcert.decision_log import LogEntry
from credcert.store import Store


def append_entries(url: str, schema: str | None, name: str, count: int) -> None:
    """Append ``count`` log entries, one transaction each."""
    with Store(url, schema=schema, migrate=False) as store:
        for i in range(count):
            entry = LogEntry(
                "2026-12-01T08:00:00Z", "note", None, None, f'{{"{name}":{i}}}'
            )
            store.append_log([entry])
