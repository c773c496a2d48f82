"""Issuing, reading, listing and verifying certificates through the HTTP API."""

from __future__ import annotations

import copy
from typing import Any

from credcert.signing import verify_document
from credcert.store import Store
from credcert.views import verify_view
from tests.service.conftest import PARTNER_SCENARIO, Api


def read(api: Api, certificate_id: str, role: str, **params: str) -> Any:
    return api.client.get(
        f"/v1/certificates/{certificate_id}", params=params, headers=api.auth(role)
    )


def test_an_issued_certificate_is_signed_stored_and_logged(api: Api) -> None:
    response = api.client.post(
        "/v1/certificates", json={"record": api.record(0)}, headers=api.auth("risk")
    )
    assert response.status_code == 201
    body = response.json()
    document = body["certificate"]
    assert body["id"] == document["id"]
    assert body["status"] == document["status"]
    assert document["subject"] == api.subject_of(0)
    verify_document(document, api.services.public_keys)
    stored = api.services.store.certificate(document["id"])
    assert stored.document == document
    entries = [
        row
        for row in api.services.store.log_rows()
        if row["certificate_id"] == document["id"]
    ]
    assert [e["kind"] for e in entries] == [document["status"]]
    assert api.services.store.verify_log() == []


def test_the_certificate_never_holds_the_phone_number(api: Api) -> None:
    record = api.record(0)
    response = api.client.post(
        "/v1/certificates", json={"record": record}, headers=api.auth("agent")
    )
    assert record["msisdn"] not in response.text
    with api.services.store.engine.connect() as conn:
        dump = "\n".join(
            str(tuple(r)) for r in conn.exec_driver_sql("SELECT * FROM certificates")
        )
    assert record["msisdn"] not in dump


def test_a_new_certificate_supersedes_the_subjects_last(api: Api) -> None:
    first = api.issue(api.record(0))
    api.clock.advance(days=1)
    second = api.issue(api.record(0))
    old = read(api, first["id"], "agent").json()
    assert old["status"] in ("superseded", "revoked")
    assert old["superseded_by"] == second["id"]
    listing = api.client.get(
        f"/v1/subjects/{first['subject']}/certificates", headers=api.auth("agent")
    ).json()
    assert [c["id"] for c in listing["certificates"]] == [second["id"], first["id"]]


def test_agent_risk_and_subject_read_the_signed_document(api: Api) -> None:
    document = api.issue(api.record(0))
    for role in ("agent", "risk", "subject"):
        body = read(api, document["id"], role).json()
        assert body["certificate"] == document, role
        assert body["status"] == document["status"]
        assert "view" not in body
        assert "decision_log" not in body


def test_a_regulator_also_reads_the_decision_log_entries(api: Api) -> None:
    document = api.issue(api.record(0))
    body = read(api, document["id"], "regulator").json()
    assert body["certificate"] == document
    (entry,) = body["decision_log"]
    assert entry["certificate_id"] == document["id"]
    assert entry["kind"] == document["status"]
    assert entry["subject"] == document["subject"]


def test_a_partner_sees_only_its_scenarios_fields(api: Api) -> None:
    scenario = api.services.disclosure.scenario(PARTNER_SCENARIO, api.clock().date())
    for index in range(6):
        document = api.issue(api.record(index))
        body = read(api, document["id"], "partner").json()
        assert "certificate" not in body
        view = body["view"]
        verify_view(view, api.services.public_keys)
        assert view["scenario"] == PARTNER_SCENARIO
        assert set(view["fields"]) == set(scenario.view_fields)
        assert document["subject"] not in str(body)
        assert view["partner"] == "test partner"


def test_a_partner_view_reflects_the_current_status(api: Api) -> None:
    first = api.issue(api.record(0))
    api.clock.advance(days=1)
    api.issue(api.record(0))
    view = read(api, first["id"], "partner").json()["view"]
    if "status" in view["fields"]:
        assert view["fields"]["status"] in ("superseded", "revoked")
    assert view["answer"] != "yes"


def test_a_partner_cannot_ask_for_another_scenario(api: Api) -> None:
    document = api.issue(api.record(0))
    others = [s for s in api.services.disclosure.scenarios if s != PARTNER_SCENARIO]
    response = read(api, document["id"], "partner", scenario=others[0])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_only_partners_ask_for_a_scenario(api: Api) -> None:
    document = api.issue(api.record(0))
    response = read(api, document["id"], "agent", scenario=PARTNER_SCENARIO)
    assert response.status_code == 422


def test_a_subject_never_sees_another_subject(api: Api) -> None:
    own = api.issue(api.record(0))
    other = api.issue(api.record(1))
    assert other["subject"] != own["subject"]
    assert read(api, own["id"], "subject").status_code == 200
    hidden = read(api, other["id"], "subject")
    missing = read(api, "cc-" + "0" * 24, "subject")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"]
    assert other["subject"] not in hidden.text
    listing = api.client.get(
        f"/v1/subjects/{other['subject']}/certificates", headers=api.auth("subject")
    )
    assert listing.status_code == 404
    assert other["id"] not in listing.text
    mine = api.client.get(
        f"/v1/subjects/{own['subject']}/certificates", headers=api.auth("subject")
    ).json()
    assert [c["id"] for c in mine["certificates"]] == [own["id"]]


def test_an_agent_looks_a_subscriber_up_by_phone_number(api: Api) -> None:
    document = api.issue(api.record(4))
    record = api.record(4)
    response = api.client.post(
        "/v1/subjects/lookup",
        json={"msisdn": record["msisdn"], "activated_on": record["activated_on"]},
        headers=api.auth("agent"),
    )
    assert response.status_code == 200
    assert response.json()["subject"] == document["subject"]
    assert [c["id"] for c in response.json()["certificates"]] == [document["id"]]
    assert record["msisdn"] not in response.text


def test_verify_says_valid_with_the_current_status(api: Api) -> None:
    document = api.issue(api.record(0))
    response = api.client.post("/v1/verify", json=document, headers=api.auth("partner"))
    body = response.json()
    assert response.status_code == 200
    assert body["valid"] is True
    assert body["certificate_id"] == document["id"]
    assert body["current_status"] == document["status"]
    assert body["kid"] == document["signature"]["kid"]


def test_verify_gives_the_exact_reason_of_a_failure(api: Api) -> None:
    document = api.issue(api.record(0))
    cases: dict[str, dict[str, Any]] = {}
    altered = copy.deepcopy(document)
    altered["grade"] = "A" if document["grade"] != "A" else "B"
    cases["content_altered"] = altered
    unknown = copy.deepcopy(document)
    unknown["signature"]["kid"] = "ed25519-0000000000000000"
    cases["unknown_key"] = unknown
    cases["malformed"] = {k: v for k, v in document.items() if k != "signature"}
    for code, changed in cases.items():
        body = api.client.post(
            "/v1/verify", json=changed, headers=api.auth("regulator")
        ).json()
        assert body["valid"] is False, code
        assert body["code"] == code
        assert body["reason"]


def test_verify_checks_a_partner_view(api: Api) -> None:
    document = api.issue(api.record(0))
    view = read(api, document["id"], "partner").json()["view"]
    ok = api.client.post("/v1/verify", json=view, headers=api.auth("agent")).json()
    assert ok["valid"] is True
    assert ok["kind"] == "partner_view"
    assert ok["certificate_id"] == document["id"]
    view["answer"] = "yes" if view["answer"] != "yes" else "no"
    bad = api.client.post("/v1/verify", json=view, headers=api.auth("agent")).json()
    assert bad["valid"] is False
    assert bad["code"] == "content_altered"


def test_public_keys_have_validity_windows(api: Api) -> None:
    body = api.client.get("/v1/keys").json()
    assert body["schema"] == "credcert.keyring/1"
    (key,) = body["keys"]
    assert key["kid"] == api.services.signing_key.kid
    assert key["not_before"] < "2026-12-01T08:00:00Z"
    assert key["not_after"] is None
    assert key["status"] == "active"


def test_health_names_the_versions_in_use(api: Api) -> None:
    body = api.client.get("/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["writer"] == "running"
    assert body["versions"] == api.services.issuer().versions


def test_issuing_waits_for_the_commit(api: Api, database: dict) -> None:
    """Another connection sees the certificate as soon as the answer arrives."""
    document = api.issue(api.record(5))
    with Store(database["url"], schema=database["schema"], migrate=False) as other:
        assert other.certificate(document["id"]).document == document


def test_a_stopped_writer_answers_503_and_issues_nothing(api: Api) -> None:
    writer = api.services.writer
    assert writer is not None
    writer.stop()
    try:
        response = api.client.post(
            "/v1/certificates",
            json={"record": api.record(0)},
            headers=api.auth("agent"),
        )
    finally:
        writer.start()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert api.services.store.certificate_count() == 0
    assert api.client.get("/v1/health").json()["writer"] == "running"


def test_every_read_by_someone_else_is_shown_to_the_subject(api: Api) -> None:
    document = api.issue(api.record(0))
    for role in ("agent", "regulator", "partner", "subject"):
        assert read(api, document["id"], role).status_code == 200
    api.client.get(
        f"/v1/subjects/{document['subject']}/certificates", headers=api.auth("risk")
    )
    record = api.record(0)
    api.client.post(
        "/v1/subjects/lookup",
        json={"msisdn": record["msisdn"], "activated_on": record["activated_on"]},
        headers=api.auth("agent"),
    )
    shown = api.client.get(
        f"/v1/subjects/{document['subject']}/queries", headers=api.auth("subject")
    ).json()
    seen = sorted((q["role"], q["key_id"], q["purpose"]) for q in shown["queries"])
    assert seen == sorted(
        [
            ("agent", api.key_ids["agent"], "agent"),
            ("regulator", api.key_ids["regulator"], "regulator"),
            ("partner", api.key_ids["partner"], PARTNER_SCENARIO),
            ("risk", api.key_ids["risk"], "listing"),
            ("agent", api.key_ids["agent"], "lookup"),
        ]
    )
    assert {q["certificate_id"] for q in shown["queries"]} == {document["id"]}
