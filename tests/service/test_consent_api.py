"""The consent ledger over HTTP and its effect on the next certificate."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Api


def _consent(api: Api, category: str, granted: bool, role: str = "subject") -> Any:
    return api.client.post(
        "/v1/consents",
        json={
            "subject": api.subject_of(0),
            "category": category,
            "purpose": "credit_certificate",
            "granted": granted,
        },
        headers=api.auth(role),
    )


def _source(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in document["data_sources"] if s["source"] == name)


def test_a_withdrawal_excludes_the_category_from_the_next_certificate(
    api: Api,
) -> None:
    before = api.issue(api.record(0))
    api.clock.advance(hours=1)
    response = _consent(api, "billing", False)
    assert response.status_code == 201, response.text
    api.clock.advance(hours=1)
    after = api.issue(api.record(0))
    assert "excluded" not in _source(before, "billing")
    assert _source(after, "billing")["excluded"] == {
        "reason": "consent_withdrawn",
        "since": "2026-12-01",
    }
    ledger = api.client.get(
        f"/v1/subjects/{api.subject_of(0)}/consents", headers=api.auth("subject")
    )
    assert [c["granted"] for c in ledger.json()["consents"]] == [False]


def test_separate_consent_is_needed_for_partner_platform_data(api: Api) -> None:
    record = api.record(0)
    assert record["platform_as_of"] is not None
    refused = api.issue(record)
    _consent(api, "platform_credit", True, role="agent")
    api.clock.advance(hours=1)
    granted = api.issue(record)
    assert _source(refused, "platform")["excluded"]["reason"] == (
        "separate_consent_missing"
    )
    assert _source(granted, "platform")["as_of"] == record["platform_as_of"]


def test_a_subject_cannot_record_consent_for_someone_else(api: Api) -> None:
    response = api.client.post(
        "/v1/consents",
        json={
            "subject": api.subject_of(1),
            "category": "billing",
            "purpose": "credit_certificate",
            "granted": False,
        },
        headers=api.auth("subject"),
    )
    assert response.status_code == 404


def test_an_unknown_category_is_refused(api: Api) -> None:
    response = _consent(api, "religion", True)
    assert response.status_code == 422
    assert response.json()["error"]["where"][0]["loc"] == ["body", "category"]
    ledger = api.client.get(
        f"/v1/subjects/{api.subject_of(0)}/consents", headers=api.auth("agent")
    )
    assert ledger.json()["consents"] == []
