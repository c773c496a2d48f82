"""Human review: the queue, approval, override with a reason, the admin switch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from credcert._errors import ReviewError
from credcert.issue import Issuer, issue_stored, replay
from credcert.review import (
    automated_issuing,
    decide_review,
    review_queue,
    set_automated_issuing,
)
from credcert.signing import KeyRing, verify_document
from credcert.store import Store
from tests.domain.helpers import HOUR, T0, first, snapshot


def _held(store: Store, issuer: Issuer, records: list[Any]) -> str:
    record = first(records, issuer, "review")
    document = issue_stored(issuer, store, record, at=T0).document
    assert document["status"] == "review"
    return str(document["id"])


def test_a_review_rule_puts_the_certificate_in_the_queue(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    cid = _held(store, issuer, records)
    queue = review_queue(store)
    assert [(q["certificate_id"], q["cause"]) for q in queue] == [(cid, "rule")]
    assert queue[0]["rules"]


def test_approval_signs_an_issued_certificate_that_supersedes_the_held_one(
    store: Store, issuer: Issuer, records: list[Any], keyring: KeyRing
) -> None:
    cid = _held(store, issuer, records)
    document = decide_review(
        store,
        cid,
        decision="approve",
        reviewer="key-risk",
        at=T0 + HOUR,
        key=keyring.active(),
    )
    verify_document(document, keyring.public())
    held = store.certificate(cid)
    assert (document["status"], document["review"]["decision"]) == (
        "issued",
        "approved",
    )
    assert (held.status, held.superseded_by) == ("superseded", document["id"])
    assert review_queue(store) == []


def test_an_override_without_a_reason_is_refused_and_changes_nothing(
    store: Store, issuer: Issuer, records: list[Any], keyring: KeyRing
) -> None:
    cid = _held(store, issuer, records)
    before = snapshot(store)
    with pytest.raises(ReviewError, match="a written reason is required") as info:
        decide_review(
            store,
            cid,
            decision="override",
            final_status="denied",
            reviewer="key-risk",
            at=T0 + HOUR,
            key=keyring.active(),
        )
    assert (info.value.code, snapshot(store)) == ("missing_reason", before)


def test_an_override_to_denied_is_signed_with_reviewer_and_reason(
    store: Store, issuer: Issuer, records: list[Any], keyring: KeyRing
) -> None:
    cid = _held(store, issuer, records)
    document = decide_review(
        store,
        cid,
        decision="override",
        final_status="denied",
        reason="identity documents could not be confirmed",
        reviewer="key-risk",
        at=T0 + HOUR,
        key=keyring.active(),
    )
    assert (document["status"], document["score"], document["points"]) == (
        "denied",
        None,
        [],
    )
    assert document["review"]["reason"] == "identity documents could not be confirmed"
    entry = next(r for r in store.log_rows() if r["certificate_id"] == document["id"])
    assert json.loads(entry["body"])["review"]["reviewer"] == "key-risk"
    assert store.verify_log() == []


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        ({"decision": "maybe"}, "unknown_decision"),
        ({"decision": "override", "reason": "x"}, "missing_final_status"),
        (
            {"decision": "override", "final_status": "issued", "reason": "x"},
            "not_an_override",
        ),
        ({"decision": "approve", "final_status": "denied"}, "conflicting_status"),
    ],
)
def test_a_bad_decision_is_refused(
    store: Store,
    issuer: Issuer,
    records: list[Any],
    keyring: KeyRing,
    request_: dict[str, Any],
    code: str,
) -> None:
    cid = _held(store, issuer, records)
    before = snapshot(store)
    with pytest.raises(ReviewError) as info:
        decide_review(
            store, cid, reviewer="k", at=T0 + HOUR, key=keyring.active(), **request_
        )
    assert (info.value.code, snapshot(store)) == (code, before)


def test_only_a_held_certificate_can_be_decided(
    store: Store, issuer: Issuer, records: list[Any], keyring: KeyRing
) -> None:
    record = first(records, issuer, "issued")
    cid = issue_stored(issuer, store, record, at=T0).document["id"]
    with pytest.raises(ReviewError, match="only held certificates") as info:
        decide_review(
            store, cid, decision="approve", reviewer="k", at=T0, key=keyring.active()
        )
    assert info.value.code == "not_held"


def test_switching_automated_issuing_off_holds_every_new_certificate(
    store: Store, issuer: Issuer, records: list[Any], keyring: KeyRing
) -> None:
    record = first(records, issuer, "issued")
    set_automated_issuing(
        store, on=False, by="key-admin", reason="model incident", at=T0
    )
    held = issue_stored(issuer, store, record, at=T0 + HOUR).document
    assert (automated_issuing(store), held["status"]) == (False, "review")
    assert store.certificate(held["id"]).status == "review"  # reads keep working
    assert review_queue(store)[0]["cause"] == "automated_issuing_off"
    set_automated_issuing(
        store, on=True, by="key-admin", reason="fixed", at=T0 + 2 * HOUR
    )
    again = issue_stored(issuer, store, record, at=T0 + 3 * HOUR).document
    assert again["status"] == "issued"
    assert [r["kind"] for r in store.log_rows()].count("setting_changed") == 2


def test_the_switch_needs_a_reason(store: Store) -> None:
    with pytest.raises(ReviewError, match="a written reason is required"):
        set_automated_issuing(store, on=False, by="key-admin", reason="", at=T0)
    assert automated_issuing(store) is True


def test_a_reviewed_certificate_replays_to_its_digest(
    store: Store, issuer: Issuer, records: list[Any], keyring: KeyRing
) -> None:
    cid = _held(store, issuer, records)
    document = decide_review(
        store,
        cid,
        decision="approve",
        reviewer="key-risk",
        at=T0 + HOUR,
        key=keyring.active(),
    )
    assert replay(store, issuer, document["id"]).matches


def test_a_certificate_held_by_the_switch_replays_to_its_digest(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    set_automated_issuing(store, on=False, by="key-admin", reason="audit", at=T0)
    held = issue_stored(issuer, store, records[0], at=T0 + HOUR).document
    assert held["status"] == "review"
    assert replay(store, issuer, held["id"]).matches
