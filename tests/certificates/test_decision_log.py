"""The decision log's chain format: every edit, deletion and reordering is named."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from credcert.decision_log import (
    GENESIS,
    LogEntry,
    chain,
    check_chain,
    entry_hash,
    new_subject_key,
    seal,
    unseal,
)


def _rows(n: int = 6) -> list[dict[str, Any]]:
    entries = [
        LogEntry("2026-12-01T08:00:00Z", "issued", f"c{i}", f"sp1_{i:032x}", "{}")
        for i in range(n)
    ]
    return chain(entries, after_seq=0, after_hash=GENESIS)


def _codes(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(p.seq, p.code) for p in check_chain(rows)]


def test_untouched_chain_has_no_problem() -> None:
    assert check_chain(_rows()) == []


def test_chain_starts_at_genesis() -> None:
    assert _rows()[0]["prev_hash"] == GENESIS


def test_edited_entry_is_named() -> None:
    rows = _rows()
    rows[2]["body"] = '{"score":900}'
    assert _codes(rows) == [(3, "edited")]


def test_edited_entry_with_recomputed_hash_is_named() -> None:
    rows = _rows()
    rows[2]["kind"] = "denied"
    rows[2]["entry_hash"] = entry_hash(
        rows[2]["prev_hash"],
        LogEntry(
            *(rows[2][k] for k in ("at", "kind", "certificate_id", "subject", "body"))
        ),
    )
    assert _codes(rows) == [(3, "edited")]


def test_deleted_entry_is_named() -> None:
    rows = _rows()
    del rows[3]
    assert _codes(rows) == [(5, "deleted")]


def test_deleted_entry_message_names_the_missing_seq() -> None:
    rows = _rows()
    del rows[3]
    assert "entries 4 before it" in check_chain(rows)[0].message


def test_deleted_first_entry_is_named() -> None:
    rows = _rows()[1:]
    assert _codes(rows) == [(2, "deleted")]


def test_reordered_entries_are_named() -> None:
    rows = _rows()
    rows[2], rows[3] = rows[3], rows[2]
    rows[2]["seq"], rows[3]["seq"] = 3, 4
    problems = _codes(rows)
    assert problems[0] == (3, "reordered")


def test_sealed_inputs_open_with_the_subject_key() -> None:
    key = new_subject_key()
    token = seal({"late_payments_12m": 2}, key, "sp1_x")
    assert unseal(token, key, "sp1_x") == {"late_payments_12m": 2}


def test_sealed_inputs_do_not_open_with_another_key() -> None:
    token = seal({"late_payments_12m": 2}, new_subject_key(), "sp1_x")
    with pytest.raises(InvalidTag, match=r"^$"):
        unseal(token, new_subject_key(), "sp1_x")
