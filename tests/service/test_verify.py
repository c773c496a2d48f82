"""``POST /v1/verify`` of a scenario answer: checked as ``credcert verify`` checks one.

The ``partner`` key of the ``api`` fixture (label ``test partner``) is bound
to ``lending``. Each test asks for a signed lending answer through the API
and posts it, or a changed copy, to the generic verify route.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from credcert.signing import sign_document
from tests.service.conftest import Api

VERIFY = "/v1/verify"


def _answer(api: Api) -> dict[str, Any]:
    """A lending answer for ``api.record(0)``, given to the ``partner`` key."""
    document = api.issue_for_lending()
    response = api.client.post(
        "/v1/scenarios/lending/answers",
        json={"certificate_id": document["id"]},
        headers=api.auth("partner"),
    )
    assert response.status_code == 200, response.text
    signed: dict[str, Any] = response.json()
    return signed


def _verify(api: Api, document: dict[str, Any], headers: dict[str, str]) -> Any:
    response = api.client.post(VERIFY, json=document, headers=headers)
    assert response.status_code == 200, response.text
    assert api.record(0)["msisdn"] not in response.text
    return response.json()


def _resigned(api: Api, signed: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The answer with ``changes``, signed again with the service's own key."""
    content = {k: v for k, v in signed.items() if k != "signature"}
    content.update(changes)
    return sign_document(content, api.services.signing_key, api.clock())


def test_a_good_answer_is_valid_for_its_partner(api: Api) -> None:
    signed = _answer(api)
    body = _verify(api, signed, api.auth("partner"))
    assert body["valid"] is True, body
    assert body["kind"] == "scenario_answer"
    assert body["certificate_id"] == signed["certificate_id"]
    assert body["kid"] == signed["signature"]["kid"]
    assert (body["code"], body["reason"]) == (None, None)
    assert body["current_status"] is None


def test_another_role_checks_an_answer_without_a_partner_binding(api: Api) -> None:
    body = _verify(api, _answer(api), api.auth("regulator"))
    assert (body["valid"], body["kind"]) == (True, "scenario_answer")


def test_a_tampered_answer_is_rejected(api: Api) -> None:
    signed = _answer(api)
    changed = copy.deepcopy(signed)
    changed["answer"] = "line_high" if signed["answer"] != "line_high" else "no"
    body = _verify(api, changed, api.auth("partner"))
    assert (body["valid"], body["code"]) == (False, "content_altered")
    assert "changed after signing" in body["reason"]
    assert body["kid"] is None


def test_an_expired_answer_is_rejected(api: Api) -> None:
    signed = _answer(api)
    api.clock.advance(days=31)
    body = _verify(api, signed, api.auth("partner"))
    assert (body["valid"], body["code"]) == (False, "expired")
    assert f"held until {signed['valid_until']}" in body["reason"]
    assert "ask again" in body["reason"]


def test_an_answer_of_a_scenario_the_partner_is_not_bound_to_is_rejected(
    api: Api,
) -> None:
    signed = _answer(api)
    rental = api.new_key("partner", scenarios=["deposit_free_rental"], label="bike")
    body = _verify(api, signed, {"Authorization": f"Bearer {rental}"})
    assert (body["valid"], body["code"]) == (False, "wrong_scenario")
    assert (
        "the answer is for scenario 'lending'; this partner key is bound to "
        "deposit_free_rental" in body["reason"]
    )


def test_an_answer_given_to_another_partner_is_rejected(api: Api) -> None:
    signed = _answer(api)
    other = api.new_key("partner", scenarios=["lending"], label="another bank")
    body = _verify(api, signed, {"Authorization": f"Bearer {other}"})
    assert (body["valid"], body["code"]) == (False, "wrong_partner")
    assert "given to 'test partner', not to 'another bank'" in body["reason"]


def test_an_unknown_policy_version_is_rejected(api: Api) -> None:
    forged = _resigned(api, _answer(api), policy_version=99)
    body = _verify(api, forged, api.auth("partner"))
    assert (body["valid"], body["code"]) == (False, "unknown_policy_version")
    assert body["reason"] == (
        "the answer names version 99 of scenario 'lending'; this verifier knows "
        "version 1"
    )
    routed = api.client.post(
        "/v1/scenarios/answers/verify", json=forged, headers=api.auth("partner")
    ).json()
    assert routed["code"] == "unknown_policy_version"


def test_an_answer_the_policy_does_not_declare_is_rejected(api: Api) -> None:
    forged = _resigned(api, _answer(api), answer="maybe")
    body = _verify(api, forged, api.auth("partner"))
    assert (body["valid"], body["code"]) == (False, "unknown_answer")
    assert (
        "'maybe' is not an answer that version 1 of 'lending' declares"
        in (body["reason"])
    )


@pytest.mark.parametrize("version", ["1", True, None])
def test_a_policy_version_that_is_not_a_number_is_not_an_answer(
    api: Api, version: Any
) -> None:
    forged = _resigned(api, _answer(api), policy_version=version)
    body = _verify(api, forged, api.auth("partner"))
    assert (body["valid"], body["code"]) == (False, "not_an_answer")
    assert "member 'policy_version': expected an integer" in body["reason"]


def test_an_unchanged_resigned_answer_verifies(api: Api) -> None:
    """The control of the two tests above: re-signing alone changes nothing."""
    signed = _answer(api)
    assert _verify(api, _resigned(api, signed), api.auth("partner"))["valid"] is True
