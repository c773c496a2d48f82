"""Disputes over HTTP: deadline, overdue listing, correction, and bad requests."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Api


def _open(api: Api, cid: str, role: str = "subject", **body: Any) -> Any:
    request = {
        "certificate_id": cid,
        "field": "late_payments_12m",
        "reason": "I paid every bill on time",
        **body,
    }
    return api.client.post("/v1/disputes", json=request, headers=api.auth(role))


def _status(api: Api, cid: str) -> dict[str, Any]:
    response = api.client.get(f"/v1/certificates/{cid}", headers=api.auth("agent"))
    body: dict[str, Any] = response.json()
    return body


def _counts(api: Api) -> tuple[int, int]:
    from tests.domain.helpers import snapshot

    shot = snapshot(api.services.store)
    return shot["disputes"], shot["decision_log"]


def test_a_subject_disputes_their_certificate_due_in_20_days(api: Api) -> None:
    cid = api.issue(api.record(0))["id"]
    response = _open(api, cid)
    assert response.status_code == 201, response.text
    assert (response.json()["due_on"], response.json()["status"]) == (
        "2026-12-21",
        "open",
    )
    read = _status(api, cid)
    assert (read["status"], read["under_dispute"]) == ("disputed", True)
    assert read["certificate"]["status"] == "issued"  # the signed document


def test_overdue_disputes_are_listed_after_20_days(api: Api) -> None:
    cid = api.issue(api.record(0))["id"]
    opened = _open(api, cid).json()
    listed = api.client.get("/v1/disputes?overdue=true", headers=api.auth("agent"))
    assert listed.json() == []
    api.clock.advance(days=21)
    late = api.client.get("/v1/disputes?overdue=true", headers=api.auth("risk"))
    assert [(d["id"], d["overdue"]) for d in late.json()] == [(opened["id"], True)]


def test_an_upheld_correction_reissues_the_certificate(api: Api) -> None:
    cid = api.issue(api.record(0))["id"]
    opened = _open(api, cid, role="agent").json()
    api.clock.advance(days=3)
    response = api.client.post(
        f"/v1/disputes/{opened['id']}/resolution",
        json={
            "outcome": "upheld_corrected",
            "reason": "billing confirmed the payments",
            "corrected_value": 0,
        },
        headers=api.auth("risk"),
    )
    assert response.status_code == 200, response.text
    new_id = response.json()["replacement_id"]
    old = _status(api, cid)
    assert (old["status"], old["superseded_by"]) == ("superseded", new_id)
    assert _status(api, new_id)["status"] in ("issued", "review")


def test_a_subject_cannot_dispute_another_subjects_certificate(api: Api) -> None:
    cid = api.issue(api.record(1))["id"]
    before = _counts(api)
    response = _open(api, cid)
    assert response.status_code == 404
    assert _counts(api) == before


def test_an_unknown_field_is_refused_and_changes_nothing(api: Api) -> None:
    cid = api.issue(api.record(0))["id"]
    before = _counts(api)
    response = _open(api, cid, field="shoe_size")
    assert response.status_code == 422
    (problem,) = response.json()["error"]["where"]
    assert (problem["loc"], problem["type"]) == (["body", "field"], "unknown_field")
    assert _counts(api) == before
    assert _status(api, cid)["status"] == "issued"


def test_a_missing_reason_is_refused_and_changes_nothing(api: Api) -> None:
    cid = api.issue(api.record(0))["id"]
    before = _counts(api)
    blank = _open(api, cid, reason="   ")
    absent = api.client.post(
        "/v1/disputes",
        json={"certificate_id": cid, "field": "tenure_months"},
        headers=api.auth("agent"),
    )
    assert (blank.status_code, absent.status_code) == (422, 422)
    assert blank.json()["error"]["where"][0]["type"] == "missing_reason"
    assert absent.json()["error"]["where"][0]["loc"] == ["body", "reason"]
    assert _counts(api) == before


def test_a_dispute_on_an_unknown_certificate_is_refused(api: Api) -> None:
    before = _counts(api)
    response = _open(api, "cc-" + "0" * 24, role="agent")
    assert (response.status_code, response.json()["error"]["code"]) == (
        404,
        "not_found",
    )
    assert _counts(api) == before


def test_a_resolution_without_a_reason_is_refused(api: Api) -> None:
    opened = _open(api, api.issue(api.record(0))["id"]).json()
    response = api.client.post(
        f"/v1/disputes/{opened['id']}/resolution",
        json={"outcome": "rejected", "reason": ""},
        headers=api.auth("risk"),
    )
    assert response.status_code == 422
    assert response.json()["error"]["where"][0]["type"] == "missing_reason"
    still = api.client.get(f"/v1/disputes/{opened['id']}", headers=api.auth("risk"))
    assert still.json()["status"] == "open"


def test_an_out_of_range_dispute_id_is_refused(api: Api) -> None:
    response = api.client.get(f"/v1/disputes/{2**70}", headers=api.auth("risk"))
    assert response.status_code == 422
    assert response.json()["error"]["where"][0]["loc"] == ["path", "dispute_id"]
