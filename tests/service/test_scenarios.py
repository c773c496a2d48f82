"""Scenario answers over HTTP: partner scope, consent, query log, signed answers.

The ``partner`` key of the ``api`` fixture is bound to ``lending``. Each test
issues a certificate through the API, records (or not) the subject's consent
in the ledger, and asks.
"""

from __future__ import annotations

from credcert.access import queries_for
from credcert.policies import ANSWER_MEMBERS, verify_answer
from tests.service.conftest import Api

ASK = "/v1/scenarios/lending/answers"


def test_partner_gets_a_signed_answer_with_only_what_the_policy_discloses(
    api: Api,
) -> None:
    document = api.issue_for_lending()
    response = api.client.post(
        ASK, json={"certificate_id": document["id"]}, headers=api.auth("partner")
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {*ANSWER_MEMBERS, "signature"}
    assert answer["disclosed"] == {"grade": document["grade"]}
    assert answer["certificate_id"] == document["id"]
    check = verify_answer(
        answer,
        api.services.public_keys,
        at=api.clock(),
        partner_scenarios=["lending"],
        partner="test partner",
    )
    assert check.valid, check.reason


def test_without_consent_there_is_no_answer(api: Api) -> None:
    document = api.issue_for_lending(consent=None)
    response = api.client.post(
        ASK, json={"certificate_id": document["id"]}, headers=api.auth("partner")
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["where"][0]["type"] == "consent_missing"
    assert "consent for purpose 'lending' is not recorded" in error["message"]
    logged = queries_for(api.services.store, document["subject"])
    assert [q["outcome"] for q in logged] == ["refused: consent_missing"]


def test_withdrawn_consent_refuses(api: Api) -> None:
    document = api.issue_for_lending(consent=False)
    response = api.client.post(
        ASK, json={"certificate_id": document["id"]}, headers=api.auth("partner")
    )
    assert response.status_code == 403
    assert response.json()["error"]["where"][0]["type"] == "consent_withdrawn"


def test_another_scenario_is_refused(api: Api) -> None:
    document = api.issue_for_lending()
    response = api.client.post(
        "/v1/scenarios/tenancy/answers",
        json={"certificate_id": document["id"]},
        headers=api.auth("partner"),
    )
    assert response.status_code == 403
    assert response.json()["error"]["where"][0]["type"] == "scenario_not_bound"


def test_only_partners_ask(api: Api) -> None:
    document = api.issue_for_lending()
    response = api.client.post(
        ASK, json={"certificate_id": document["id"]}, headers=api.auth("agent")
    )
    assert response.status_code == 403


def test_a_disputed_certificate_is_referred_never_a_yes(api: Api) -> None:
    document = api.issue_for_lending()
    api.services.store.open_dispute(document["id"], "wrong bill", api.clock())
    response = api.client.post(
        ASK, json={"certificate_id": document["id"]}, headers=api.auth("partner")
    )
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "refer"


def test_answer_is_in_the_subjects_query_log(api: Api) -> None:
    document = api.issue_for_lending()
    answer = api.client.post(
        ASK, json={"certificate_id": document["id"]}, headers=api.auth("partner")
    ).json()
    (query,) = queries_for(api.services.store, document["subject"])
    assert (query["role"], query["purpose"]) == ("partner", "lending")
    assert query["outcome"] == f"answered: {answer['answer']}"


def test_verify_route_rejects_another_scenarios_answer(api: Api) -> None:
    document = api.issue_for_lending()
    answer = api.client.post(
        ASK, json={"certificate_id": document["id"]}, headers=api.auth("partner")
    ).json()
    rental = api.new_key("partner", scenarios=["deposit_free_rental"], label="bike")
    response = api.client.post(
        "/v1/scenarios/answers/verify",
        json=answer,
        headers={"Authorization": f"Bearer {rental}"},
    )
    assert response.json()["code"] == "wrong_scenario"


def test_subject_reads_the_explanation_of_an_answer(api: Api) -> None:
    document = api.issue_for_lending()
    response = api.client.get(
        f"/v1/certificates/{document['id']}/scenarios/lending/explanation",
        headers=api.auth("subject"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scenario"] == "lending"
    assert body["lines"]["zh"][0].startswith("“可以给予多少授信额度？”的答复为")


def test_unknown_certificate_is_not_found(api: Api) -> None:
    api.issue_for_lending()
    response = api.client.post(
        ASK, json={"certificate_id": "cc-nope"}, headers=api.auth("partner")
    )
    assert response.status_code == 404


def test_bad_request_names_the_member_without_echoing_it(api: Api) -> None:
    document = api.issue_for_lending()
    response = api.client.post(
        ASK,
        json={"certificate_id": document["id"], "msisdn": "13800138000"},
        headers=api.auth("partner"),
    )
    assert response.status_code == 422
    assert "13800138000" not in response.text
    assert response.json()["error"]["where"][0]["loc"] == ["body", "msisdn"]


def test_partner_never_reads_the_full_certificate(api: Api) -> None:
    document = api.issue_for_lending()
    response = api.client.get(
        f"/v1/certificates/{document['id']}", headers=api.auth("partner")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("certificate") is None
    assert document["subject"] not in response.text
    assert "points" not in body["view"]["fields"]
