"""Human review over HTTP: the queue, override with a required reason."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Api


def _held(api: Api) -> str:
    for index in range(len(api.records)):
        document = api.issue(api.record(index))
        if document["status"] == "review":
            return str(document["id"])
        api.clock.advance(seconds=1)
    raise AssertionError("no record goes to review")


def _decide(api: Api, cid: str, **body: Any) -> Any:
    return api.client.post(
        f"/v1/reviews/{cid}/decision", json=body, headers=api.auth("risk")
    )


def test_held_certificates_wait_in_the_queue(api: Api) -> None:
    cid = _held(api)
    queue = api.client.get("/v1/reviews", headers=api.auth("risk")).json()
    assert [q["certificate_id"] for q in queue] == [cid]


def test_an_override_needs_a_reason(api: Api) -> None:
    cid = _held(api)
    response = _decide(api, cid, decision="override", final_status="denied")
    assert response.status_code == 422
    assert response.json()["error"]["where"][0]["type"] == "missing_reason"
    queue = api.client.get("/v1/reviews", headers=api.auth("risk")).json()
    assert [q["certificate_id"] for q in queue] == [cid]


def test_an_override_signs_the_final_status_and_supersedes(api: Api) -> None:
    cid = _held(api)
    api.clock.advance(hours=1)
    response = _decide(
        api,
        cid,
        decision="override",
        final_status="denied",
        reason="documents do not match",
    )
    assert response.status_code == 200, response.text
    decided = response.json()
    assert decided["certificate"]["review"]["reason"] == "documents do not match"
    assert decided["certificate"]["review"]["reviewer"] == api.key_ids["risk"]
    held = api.client.get(f"/v1/certificates/{cid}", headers=api.auth("agent"))
    assert (held.json()["status"], held.json()["superseded_by"]) == (
        "superseded",
        decided["id"],
    )
    assert api.client.get("/v1/reviews", headers=api.auth("risk")).json() == []
