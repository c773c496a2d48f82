"""Disputes: opening, the 20-day deadline, resolution, corrections that survive."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from credcert._errors import CertificateNotFoundError, DisputeError, NotFoundError
from credcert.disputes import list_disputes, open_dispute, resolve_dispute
from credcert.issue import Issuer, issue_stored, replay
from credcert.retention import held_inputs
from credcert.store import Store
from tests.domain.helpers import HOUR, T0, snapshot, variant


def _issued(store: Store, issuer: Issuer, record: Any, at: dt.datetime = T0) -> str:
    return str(issue_stored(issuer, store, record, at=at).document["id"])


def _open(store: Store, cid: str, at: dt.datetime = T0 + HOUR, **kw: Any) -> dict:
    request = {"field": "late_payments_12m", "reason": "I paid on time", **kw}
    return open_dispute(store, certificate_id=cid, by="key-agent", at=at, **request)


def _kinds(store: Store) -> list[str]:
    return [r["kind"] for r in store.log_rows()]


def test_opening_marks_the_certificate_disputed_with_a_20_day_deadline(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    cid = _issued(store, issuer, records[0])
    opened = _open(store, cid)
    stored = store.certificate(cid)
    assert (opened["due_on"], opened["status"], opened["field"]) == (
        "2026-12-21",
        "open",
        "late_payments_12m",
    )
    assert (stored.status, stored.document["status"]) == ("disputed", "issued")
    assert _kinds(store)[-1] == "disputed"


def test_overdue_disputes_are_listed_as_of_a_date(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    early = _open(store, _issued(store, issuer, records[0]))
    later = _open(
        store, _issued(store, issuer, records[1]), at=T0 + dt.timedelta(days=5)
    )

    def overdue(day: dt.date) -> list[int]:
        return [d["id"] for d in list_disputes(store, as_of=day, overdue=True)]

    assert overdue(dt.date(2026, 12, 21)) == []
    assert overdue(dt.date(2026, 12, 22)) == [early["id"]]
    assert overdue(dt.date(2026, 12, 27)) == [early["id"], later["id"]]
    listed = list_disputes(store, as_of=dt.date(2026, 12, 22))
    assert [d["overdue"] for d in listed] == [True, False]


def test_rejection_restores_the_status_and_is_logged(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    cid = _issued(store, issuer, records[0])
    opened = _open(store, cid)
    closed = resolve_dispute(
        store,
        opened["id"],
        outcome="rejected",
        reason="the billing system shows two late payments",
        by="key-risk",
        at=T0 + 2 * HOUR,
    )
    assert (closed["status"], closed["outcome"], closed["resolved_by"]) == (
        "closed",
        "rejected",
        "key-risk",
    )
    assert store.certificate(cid).status == "issued"
    last = list(store.log_rows())[-1]
    assert (last["kind"], json.loads(last["body"])["outcome"]) == (
        "dispute_resolved",
        "rejected",
    )
    assert store.verify_log() == []


def test_an_upheld_correction_reissues_and_supersedes(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    record = variant(records[0], late_payments_12m=3)
    cid = _issued(store, issuer, record)
    opened = _open(store, cid)
    closed = resolve_dispute(
        store,
        opened["id"],
        outcome="upheld_corrected",
        reason="the operator confirmed a billing error",
        by="key-risk",
        at=T0 + 2 * HOUR,
        corrected_value=0,
        issuer=issuer,
    )
    new = store.certificate(closed["replacement_id"])
    old = store.certificate(cid)
    assert (old.status, old.superseded_by) == ("superseded", new.id)
    payload = held_inputs(store, new.id, new.subject)
    assert payload is not None
    assert payload["record"]["late_payments_12m"] == 0
    assert replay(store, issuer, new.id).matches
    assert store.verify_log() == []


def test_a_correction_survives_the_next_issue_while_the_source_is_unchanged(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    record = variant(records[0], late_payments_12m=3)
    opened = _open(store, _issued(store, issuer, record))
    resolve_dispute(
        store,
        opened["id"],
        outcome="upheld_corrected",
        reason="billing error",
        by="key-risk",
        at=T0 + 2 * HOUR,
        corrected_value=0,
        issuer=issuer,
    )
    again = issue_stored(issuer, store, record, at=T0 + 3 * HOUR).document
    kept = held_inputs(store, again["id"], again["subject"])
    fresh = issue_stored(
        issuer, store, variant(record, late_payments_12m=1), at=T0 + 4 * HOUR
    ).document
    changed = held_inputs(store, fresh["id"], fresh["subject"])
    assert kept is not None
    assert changed is not None
    assert kept["record"]["late_payments_12m"] == 0
    assert changed["record"]["late_payments_12m"] == 1
    assert "correction_retired" in _kinds(store)


@pytest.mark.parametrize(
    ("request_", "code", "match"),
    [
        ({"field": "shoe_size"}, "unknown_field", "expected a data item"),
        ({"field": "msisdn"}, "unknown_field", "expected a data item"),
        ({"reason": "  "}, "missing_reason", "a written reason is required"),
        ({"reason": "call me on 13812345678"}, "personal_identifier", "phone"),
        ({"reason": "bad\x00byte"}, "control_character", "printable text"),
    ],
)
def test_a_bad_dispute_is_refused_and_changes_nothing(
    store: Store,
    issuer: Issuer,
    records: list[Any],
    request_: dict[str, str],
    code: str,
    match: str,
) -> None:
    cid = _issued(store, issuer, records[0])
    before = snapshot(store)
    with pytest.raises(DisputeError, match=match) as info:
        _open(store, cid, **request_)
    assert (info.value.code, snapshot(store)) == (code, before)
    assert "13812345678" not in str(info.value)


def test_a_dispute_on_an_unknown_certificate_is_refused(store: Store) -> None:
    before = snapshot(store)
    with pytest.raises(CertificateNotFoundError, match="no certificate with id"):
        _open(store, "cc-000000000000000000000000")
    assert snapshot(store) == before


def test_a_subject_cannot_dispute_another_subjects_certificate(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    cid = _issued(store, issuer, records[0])
    before = snapshot(store)
    with pytest.raises(CertificateNotFoundError):
        _open(store, cid, subject="sp1_" + "f" * 32)
    assert snapshot(store) == before


def test_a_superseded_certificate_cannot_be_disputed(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    cid = _issued(store, issuer, records[0])
    _issued(store, issuer, records[0], at=T0 + HOUR)
    with pytest.raises(DisputeError, match="only a live certificate") as info:
        _open(store, cid, at=T0 + 2 * HOUR)
    assert info.value.code == "not_live"


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        ({"outcome": "maybe"}, "unknown_outcome"),
        ({"outcome": "rejected", "reason": ""}, "missing_reason"),
        ({"outcome": "upheld_corrected"}, "missing_value"),
        ({"outcome": "upheld_corrected", "corrected_value": 99}, "invalid_value"),
        ({"outcome": "upheld_corrected", "corrected_value": "x"}, "invalid_value"),
        ({"outcome": "rejected", "corrected_value": 0}, "unexpected_value"),
    ],
)
def test_a_bad_resolution_is_refused_and_changes_nothing(
    store: Store,
    issuer: Issuer,
    records: list[Any],
    request_: dict[str, Any],
    code: str,
) -> None:
    opened = _open(
        store, _issued(store, issuer, variant(records[0], late_payments_12m=3))
    )
    before = snapshot(store)
    with pytest.raises(DisputeError) as info:
        resolve_dispute(
            store,
            opened["id"],
            by="key-risk",
            at=T0 + 2 * HOUR,
            issuer=issuer,
            **{"reason": "checked", **request_},
        )
    assert (info.value.code, snapshot(store)) == (code, before)


def test_resolving_an_unknown_dispute_is_refused(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no dispute with id 42"):
        resolve_dispute(store, 42, outcome="rejected", reason="x", by="k", at=T0)
