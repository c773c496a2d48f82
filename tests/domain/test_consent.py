"""The consent ledger: withdrawal and separate consent change the next certificate."""

from __future__ import annotations

from typing import Any

import pytest

from credcert._errors import ConsentError
from credcert.consent import consent_history, record_consent
from credcert.issue import Issuer, issue_stored
from credcert.retention import held_inputs
from credcert.store import Store
from tests.domain.helpers import HOUR, T0, snapshot


def _subject(issuer: Issuer, record: Any) -> str:
    return issuer.pseudonymizer.subject(record.msisdn, record.activated_on)


def _source(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in document["data_sources"] if s["source"] == name)


def _consent(store: Store, subject: str, category: str, granted: bool, at: Any) -> None:
    record_consent(
        store,
        subject=subject,
        category=category,
        purpose="credit_certificate",
        granted=granted,
        by="key-agent",
        at=at,
    )


def test_withdrawn_category_is_excluded_from_the_next_certificate(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    record = records[0]
    subject = _subject(issuer, record)
    before = issue_stored(issuer, store, record, at=T0).document
    _consent(store, subject, "billing", False, T0 + HOUR)
    after = issue_stored(issuer, store, record, at=T0 + 2 * HOUR).document
    assert _source(before, "billing")["as_of"] is not None
    assert _source(after, "billing") == {
        "age_days": None,
        "as_of": None,
        "excluded": {"reason": "consent_withdrawn", "since": "2026-12-01"},
        "source": "billing",
    }


def test_withdrawn_category_is_scored_as_missing(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    record = records[0]
    _consent(store, _subject(issuer, record), "billing", False, T0)
    issued = issue_stored(issuer, store, record, at=T0 + HOUR)
    payload = held_inputs(store, issued.document["id"], issued.document["subject"])
    assert payload is not None
    values = payload["record"]
    assert (values["late_payments_12m"], values["billing_as_of"]) == (None, None)
    assert values["consent_billing"] is False
    names = _billing_fields()
    points = {p["feature"]: p["bin"] for p in issued.document["points"]}
    assert {points[n] for n in names if n in points} == {"Missing"}


def _billing_fields() -> list[str]:
    from subscribers import FIELDS, DataCategory

    return [s.name for s in FIELDS.inputs if s.category is DataCategory.BILLING]


def test_separate_consent_category_is_refused_without_a_grant(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    record = next(r for r in records if r.platform_as_of is not None)
    document = issue_stored(issuer, store, record, at=T0).document
    assert _source(document, "platform")["excluded"] == {
        "reason": "separate_consent_missing",
        "since": None,
    }


def test_separate_consent_category_is_used_with_a_grant(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    record = next(r for r in records if r.platform_as_of is not None)
    _consent(store, _subject(issuer, record), "platform_credit", True, T0)
    document = issue_stored(issuer, store, record, at=T0 + HOUR).document
    assert _source(document, "platform")["as_of"] == record.platform_as_of.isoformat()


def test_a_withdrawal_after_the_issue_time_does_not_apply(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    record = records[0]
    _consent(store, _subject(issuer, record), "billing", False, T0 + 2 * HOUR)
    document = issue_stored(issuer, store, record, at=T0 + HOUR).document
    assert "excluded" not in _source(document, "billing")


def test_ledger_keeps_grant_and_withdrawal_times(store: Store) -> None:
    subject = "sp1_" + "c" * 32
    _consent(store, subject, "billing", True, T0)
    _consent(store, subject, "billing", False, T0 + HOUR)
    history = consent_history(store, subject)
    assert [(h["granted"], h["at"]) for h in history] == [
        (True, "2026-12-01T08:00:00Z"),
        (False, "2026-12-01T09:00:00Z"),
    ]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"category": "religion"}, "unknown_category"),
        ({"purpose": "x"}, "unknown_purpose"),
    ],
)
def test_bad_consent_is_refused_and_changes_nothing(
    store: Store, changes: dict[str, str], code: str
) -> None:
    before = snapshot(store)
    request = {"category": "billing", "purpose": "credit_certificate", **changes}
    with pytest.raises(ConsentError, match="expected one of") as info:
        record_consent(
            store, subject="sp1_" + "c" * 32, granted=True, by="k", at=T0, **request
        )
    assert (info.value.code, snapshot(store)) == (code, before)
