"""One subscriber record: validation, clear errors, no personal data echoed."""

from __future__ import annotations

from typing import Any

import pytest

from subscribers import RecordError, validate_record

PHONE = "13912345678"


def good() -> dict[str, Any]:
    return {
        "subscription_id": "S0-000000001",
        "msisdn": PHONE,
        "activated_on": "2019-05-10",
        "evaluation_date": "2026-11-30",
        "id_check_as_of": "2026-06-01",
        "network_as_of": "2026-11-29",
        "billing_as_of": "2026-11-20",
        "security_as_of": "2026-11-28",
        "consent_identity": True,
        "consent_telecom_usage": True,
        "consent_billing": True,
        "consent_security": True,
        "consent_platform_credit": False,
        "earliest_negative_on": "2025-01-15",
        "real_name_verified": True,
        "id_check_result": "match",
        "tenure_months": 90,
        "late_payments_12m": 2,
        "arrears_amount_cny": 35.5,
        "age_band": "25-34",
    }


def problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(RecordError, match="problem") as caught:
        validate_record(data)
    return {p.field: p.code for p in caught.value.problems}


def test_valid_record_gives_facts_with_data_ages_and_consents() -> None:
    facts = validate_record(good()).facts()
    assert facts["billing_age_days"] == 10
    assert facts["platform_age_days"] is None
    assert facts["consent_platform_credit"] is False
    assert facts["negative_info_age_days"] == 684
    assert facts["platform_credit_level"] is None
    assert "age_band" not in facts
    assert "msisdn" not in facts


def test_string_that_spells_a_number_is_a_type_error() -> None:
    assert problems(good() | {"late_payments_12m": "3"}) == {
        "late_payments_12m": "type"
    }


def test_out_of_range_and_negative_counts_are_range_errors() -> None:
    found = problems(good() | {"late_payments_12m": 13, "arrears_amount_cny": -1})
    assert found == {"late_payments_12m": "range", "arrears_amount_cny": "range"}


def test_error_names_field_expected_and_got() -> None:
    with pytest.raises(
        RecordError,
        match=r"field 'late_payments_12m': expected an integer in \[0, 12\]; "
        r"got 13 \(int\)",
    ):
        validate_record(good() | {"late_payments_12m": 13})


def test_unknown_field_is_rejected() -> None:
    assert problems(good() | {"religion": "x"}) == {"religion": "unknown_field"}


def test_bool_is_not_a_count() -> None:
    assert problems(good() | {"high_risk_apps": True}) == {"high_risk_apps": "type"}


def test_unknown_category_is_rejected() -> None:
    assert problems(good() | {"id_check_result": "maybe"}) == {
        "id_check_result": "category"
    }


def test_future_as_of_date_is_rejected() -> None:
    assert problems(good() | {"billing_as_of": "2026-12-01"}) == {
        "billing_as_of": "future_date"
    }


def test_tenure_longer_than_the_subscription_is_rejected() -> None:
    assert problems(good() | {"tenure_months": 100}) == {
        "tenure_months": "inconsistent"
    }


def test_value_from_a_source_without_as_of_date_is_rejected() -> None:
    assert problems(good() | {"platform_defaults_24m": 1}) == {
        "platform_defaults_24m": "inconsistent"
    }


def test_bad_phone_number_error_names_the_form_never_the_value() -> None:
    bad = "1391234567"
    with pytest.raises(RecordError, match="11-digit mobile number") as caught:
        validate_record(good() | {"msisdn": bad})
    assert bad not in str(caught.value)
    assert all(p.got is None for p in caught.value.problems)


def test_all_problems_are_reported_at_once() -> None:
    found = problems(good() | {"tenure_months": -1, "silent_days_12m": 400, "extra": 1})
    assert found == {
        "tenure_months": "range",
        "silent_days_12m": "range",
        "extra": "unknown_field",
    }
