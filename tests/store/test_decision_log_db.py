"""The decision log in the database: tampering by SQL is detected and named.

Each tamper test acts as an attacker with the table owner's rights, who
first drops the append-only triggers (:func:`drop_log_guard`); the guard
itself is tested in ``tests/domain/test_concurrency.py``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update

from credcert.decision_log import seal, unseal
from credcert.signing import KeyRing
from credcert.store import Store
from credcert.store._tables import decision_log
from tests.store.helpers import SUBJECT, drop_log_guard, entry, row

T = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def _filled(store: Store, n: int = 5) -> None:
    for i in range(n):
        store.save_certificates(
            [row(f"c{i}", f"sp1_{i:032x}")], [entry(f"c{i}", f"sp1_{i:032x}")]
        )


def _codes(store: Store, keyring: KeyRing | None = None) -> list[tuple[int, str]]:
    keys = keyring.public() if keyring else None
    return [(p.seq, p.code) for p in store.verify_log(keys)]


def test_untouched_log_verifies(store: Store) -> None:
    _filled(store)
    assert _codes(store) == []


def test_edited_row_is_named(store: Store) -> None:
    _filled(store)
    with store.begin() as conn:
        drop_log_guard(conn)
        conn.execute(
            update(decision_log).where(decision_log.c.seq == 3).values(kind="denied")
        )
    assert _codes(store) == [(3, "edited")]


def test_deleted_row_is_named(store: Store) -> None:
    _filled(store)
    with store.begin() as conn:
        drop_log_guard(conn)
        conn.execute(delete(decision_log).where(decision_log.c.seq == 2))
    assert _codes(store) == [(3, "deleted")]


def test_reordered_rows_are_named(store: Store) -> None:
    _filled(store)
    with store.begin() as conn:
        drop_log_guard(conn)
        conn.execute(
            update(decision_log).where(decision_log.c.seq == 2).values(seq=100)
        )
        conn.execute(update(decision_log).where(decision_log.c.seq == 3).values(seq=2))
        conn.execute(
            update(decision_log).where(decision_log.c.seq == 100).values(seq=3)
        )
    assert _codes(store)[0] == (2, "reordered")


def test_truncated_tail_is_found_by_the_checkpoint(
    store: Store, keyring: KeyRing
) -> None:
    _filled(store)
    store.checkpoint(keyring.active(), T)
    with store.begin() as conn:
        drop_log_guard(conn)
        conn.execute(delete(decision_log).where(decision_log.c.seq == 5))
    assert _codes(store, keyring) == [(5, "truncated")]


def test_checkpoint_of_an_intact_log_verifies(store: Store, keyring: KeyRing) -> None:
    _filled(store)
    store.checkpoint(keyring.active(), T)
    assert _codes(store, keyring) == []


def test_erasure_keeps_the_chain_valid(store: Store) -> None:
    key = store.subject_key(SUBJECT, T)
    sealed = seal({"arrears_amount": 120.0}, key, SUBJECT)
    store.save_certificates([row("c1", SUBJECT)], [entry("c1", SUBJECT)])
    store.erase_subject(SUBJECT, T)
    assert (_codes(store), store.stored_subject_key(SUBJECT)) == ([], None)
    assert unseal(sealed, key, SUBJECT) == {"arrears_amount": 120.0}
