"""Concurrent writers lose nothing and never fork the chain; the log refuses edits."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from credcert._errors import DisputeError
from credcert.disputes import list_disputes, open_dispute
from credcert.issue import Issuer, issue_stored
from credcert.store import Store
from credcert.store._tables import certificates, decision_log, disputes
from tests.domain._workers import append_entries
from tests.domain.helpers import T0

SECOND = dt.timedelta(seconds=1)


def _run_threads(work: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _count(store: Store, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_concurrent_issues_and_disputes_lose_no_write(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    subjects = records[:3]
    opened: list[int] = []
    refused: list[str] = []

    def issuing(offset: int) -> Callable[[], None]:
        def job() -> None:
            for i in range(6):
                record = subjects[(i + offset) % 3]
                at = T0 + (offset * 100 + i) * SECOND
                issue_stored(issuer, store, record, at=at)

        return job

    def disputing() -> None:
        for i in range(12):
            with store.engine.connect() as conn:
                live = conn.execute(
                    select(certificates.c.id).where(
                        certificates.c.status.in_(("issued", "review", "disputed"))
                    )
                ).all()
            if not live:
                continue
            try:
                row = open_dispute(
                    store,
                    certificate_id=live[i % len(live)][0],
                    field="tenure_months",
                    reason="wrong",
                    by="key-agent",
                    at=T0 + i * SECOND,
                )
                opened.append(row["id"])
            except DisputeError as exc:  # superseded meanwhile: refused, not lost
                refused.append(exc.code)

    errors = _run_threads([issuing(0), issuing(1), issuing(2), disputing, disputing])
    assert errors == []
    assert _count(store, certificates) == 18
    listed = list_disputes(store, as_of=T0.date(), status=None)
    assert sorted(d["id"] for d in listed) == sorted(opened)
    assert set(refused) <= {"not_live"}
    live = _live_per_subject(store)
    assert set(live.values()) == {1}
    assert store.verify_log() == []


def _live_per_subject(store: Store) -> dict[str, int]:
    live = ("issued", "denied", "review", "disputed")
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(certificates.c.subject, func.count())
            .where(certificates.c.status.in_(live))
            .group_by(certificates.c.subject)
        ).all()
    return {s: int(n) for s, n in rows}


def test_appends_from_several_processes_keep_one_chain(
    store: Store, database: dict[str, Any]
) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(
            target=append_entries,
            args=(database["url"], database["schema"], f"p{i}", 25),
        )
        for i in range(2)
    ]
    for worker in workers:
        worker.start()
    append_entries(database["url"], database["schema"], "main", 25)
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert _count(store, decision_log) == 75
    assert store.verify_log() == []


@pytest.mark.parametrize(
    "statement",
    [
        update(decision_log).values(kind="edited"),
        delete(decision_log),
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_the_log(
    store: Store, issuer: Issuer, records: list[Any], statement: Any
) -> None:
    issue_stored(issuer, store, records[0], at=T0)
    with pytest.raises(DBAPIError, match="append-only"), store.begin() as conn:
        conn.execute(statement)
    assert [r["kind"] for r in store.log_rows()] == ["issued"]
    assert _count(store, disputes) == 0
