"""Retention: negative information over 5 years old leaves the held inputs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from credcert._errors import RequestError
from credcert.decision_log import unseal
from credcert.issue import Issuer, issue_stored
from credcert.retention import clean_negative, held_inputs, run_retention
from credcert.store import Store
from tests.domain.helpers import HOUR, T0, variant

AS_OF = dt.date(2026, 12, 1)


def _values(**changes: Any) -> dict[str, Any]:
    base = {
        "evaluation_date": "2026-11-30",
        "earliest_negative_on": "2020-01-01",
        "late_payments_12m": 2,
        "arrears_amount_cny": 50.0,
        "arrears_days": 10,
        "high_risk_apps": 0,
        "fraud_sms_confirmed": False,
        "tenure_months": 40,
    }
    return {**base, **changes}


def test_undated_negative_values_go_when_the_oldest_event_is_over_5_years() -> None:
    cleaned, removed = clean_negative(_values(), AS_OF)
    assert sorted(removed) == [
        "arrears_amount_cny",
        "arrears_days",
        "earliest_negative_on",
    ]
    assert (cleaned["arrears_amount_cny"], cleaned["late_payments_12m"]) == (None, 2)
    assert cleaned["tenure_months"] == 40
    assert cleaned["earliest_negative_on"] == "2025-11-23"  # the 12-month window


def test_everything_negative_goes_when_the_evaluation_is_over_5_years_old() -> None:
    cleaned, removed = clean_negative(_values(), dt.date(2032, 6, 1))
    assert "late_payments_12m" in removed
    assert cleaned["earliest_negative_on"] is None


def test_recent_negative_information_stays() -> None:
    values = _values(earliest_negative_on="2024-01-01")
    assert clean_negative(values, AS_OF) == (values, [])


def _old_negative(records: list[Any]) -> Any:
    return variant(
        records[0],
        earliest_negative_on=dt.date(2020, 1, 1),
        arrears_amount_cny=50.0,
        arrears_days=10,
    )


def test_the_job_removes_old_negative_inputs_and_logs_names_and_counts(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    issued = issue_stored(issuer, store, _old_negative(records), at=T0).document
    issue_stored(issuer, store, records[1], at=T0)
    report = run_retention(store, as_of=AS_OF, at=T0 + HOUR)
    payload = held_inputs(store, issued["id"], issued["subject"])
    assert payload is not None
    assert payload["record"]["arrears_amount_cny"] is None
    assert (report.subjects_checked, report.subjects_cleaned) == (2, 1)
    assert report.removed["arrears_amount_cny"] == 1
    (entry,) = [r for r in store.log_rows() if r["kind"] == "retention"]
    body = json.loads(entry["body"])
    assert body["removed"]["arrears_days"] == 1
    assert "50.0" not in entry["body"]
    assert store.verify_log() == []


def test_the_old_sealed_copy_is_unreadable_after_the_job(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    issued = issue_stored(issuer, store, _old_negative(records), at=T0)
    old_key = store.stored_subject_key(issued.document["subject"])
    token = json.loads(issued.entry.body)["sealed_inputs"]
    run_retention(store, as_of=AS_OF, at=T0 + HOUR)
    new_key = store.stored_subject_key(issued.document["subject"])
    assert new_key is not None
    assert new_key != old_key
    with pytest.raises(InvalidTag):
        unseal(token, new_key, issued.document["subject"])


def test_a_second_run_changes_nothing(
    store: Store, issuer: Issuer, records: list[Any]
) -> None:
    issue_stored(issuer, store, _old_negative(records), at=T0)
    run_retention(store, as_of=AS_OF, at=T0 + HOUR)
    again = run_retention(store, as_of=AS_OF, at=T0 + 2 * HOUR)
    assert (again.subjects_cleaned, again.removed) == (0, {})


def test_a_run_on_an_absurd_day_is_refused(store: Store) -> None:
    with pytest.raises(RequestError, match="as_of: expected a date from") as info:
        run_retention(store, as_of=dt.date(1, 1, 1), at=T0)
    assert info.value.code == "range"
    assert list(store.log_rows()) == []
