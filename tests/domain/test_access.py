"""The query log shown to the subject, and the subject's export."""

from __future__ import annotations

import json
from typing import Any

import pytest

from credcert._errors import NotFoundError, RequestError
from credcert.access import export_subject, queries_for, record_query
from credcert.consent import record_consent
from credcert.disputes import open_dispute
from credcert.issue import Issuer, issue_stored
from credcert.store import Store
from tests.domain.helpers import HOUR, T0


def _read(store: Store, document: dict[str, Any], role: str, key: str) -> bool:
    return record_query(
        store,
        certificate_id=document["id"],
        subject=document["subject"],
        role=role,
        key_id=key,
        purpose="lending" if role == "partner" else role,
        at=T0 + HOUR,
    )


def test_reads_by_others_are_shown_to_the_subject(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    mine = issue_stored(issuer, store, records[0], at=T0).document
    other = issue_stored(issuer, store, records[1], at=T0).document
    assert _read(store, mine, "partner", "key-bank") is True
    assert _read(store, mine, "agent", "key-agent") is True
    assert _read(store, mine, "subject", "key-self") is False
    _read(store, other, "agent", "key-agent")
    shown = queries_for(store, mine["subject"])
    assert sorted((q["role"], q["key_id"], q["purpose"]) for q in shown) == [
        ("agent", "key-agent", "agent"),
        ("partner", "key-bank", "lending"),
    ]


def test_an_unknown_reader_role_is_refused(store: Store) -> None:
    with pytest.raises(RequestError, match="role: expected one of"):
        record_query(
            store,
            certificate_id="cc-x",
            subject="sp1_" + "a" * 32,
            role="hacker",
            key_id="k",
            purpose="x",
            at=T0,
        )


def test_the_export_holds_everything_about_the_subject(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    document = issue_stored(issuer, store, records[0], at=T0).document
    subject = document["subject"]
    issue_stored(issuer, store, records[1], at=T0)  # someone else
    record_consent(
        store,
        subject=subject,
        category="billing",
        purpose="lending",
        granted=True,
        by="key-self",
        at=T0,
    )
    open_dispute(
        store,
        certificate_id=document["id"],
        field="tenure_months",
        reason="longer than shown",
        by="key-self",
        at=T0 + HOUR,
    )
    _read(store, document, "partner", "key-bank")
    export = export_subject(store, subject, T0 + 2 * HOUR)
    assert [c["id"] for c in export["certificates"]] == [document["id"]]
    assert export["certificates"][0]["status"] == "disputed"
    assert [d["field"] for d in export["disputes"]] == ["tenure_months"]
    assert [c["category"] for c in export["consents"]] == ["billing"]
    assert [q["key_id"] for q in export["queries"]] == ["key-bank"]
    kinds = [e["kind"] for e in export["decision_log"]]
    assert kinds == ["issued", "consent_granted", "disputed"]
    held = export["inputs"]["certificates"][document["id"]]
    assert held["record"]["tenure_months"] == records[0].tenure_months
    text = json.dumps(export, ensure_ascii=False)
    assert records[0].msisdn not in text
    assert records[1].msisdn not in text


def test_after_erasure_the_export_says_the_inputs_are_gone(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    document = issue_stored(issuer, store, records[0], at=T0).document
    store.erase_subject(document["subject"], T0 + HOUR)
    export = export_subject(store, document["subject"], T0 + 2 * HOUR)
    assert export["inputs"] == {
        "state": "erased",
        "certificates": {document["id"]: "unreadable"},
    }


def test_export_of_an_unknown_subject_is_refused(store: Store) -> None:
    with pytest.raises(NotFoundError, match="nothing is held about subject"):
        export_subject(store, "sp1_" + "0" * 32, T0)
