"""Bad requests get a 4xx in the one JSON error shape, echo nothing, change nothing."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from credcert.service import ApiKeys
from credcert.store._tables import api_keys, certificates, decision_log
from tests.service.conftest import Api

#: A phone number no test record has; it must never come back or be logged.
PHONE = "13912345678"


def snapshot(api: Api) -> tuple[int, int, int]:
    """Rows in the tables a request could change."""
    with api.services.store.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (certificates, decision_log, api_keys)
        )


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "where"}
    assert body["error"]["code"] == code
    assert PHONE not in response.text
    error: dict[str, Any] = body["error"]
    return error


def with_phone(api: Api, **changes: Any) -> dict[str, Any]:
    return {**api.record(1), "msisdn": PHONE, **changes}


def post(api: Api, content: bytes | str, role: str = "agent") -> Any:
    return api.client.post(
        "/v1/certificates",
        content=content,
        headers={**api.auth(role), "Content-Type": "application/json"},
    )


BAD_BODIES = {
    "malformed_json": (b'{"record": {"msisdn": "' + PHONE.encode() + b'", ', 422),
    "not_an_object": (json.dumps([PHONE]), 422),
    "no_record": (json.dumps({}), 422),
}


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_a_broken_body_is_refused(
    api: Api, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    content, status = BAD_BODIES[name]
    before = snapshot(api)
    with caplog.at_level(logging.DEBUG):
        response = post(api, content)
    error = assert_error(response, status, "validation")
    assert error["where"], error
    assert PHONE not in caplog.text
    assert snapshot(api) == before


def test_a_wrong_type_is_named_by_field(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    before = snapshot(api)
    record = with_phone(api, tenure_months="long")
    with caplog.at_level(logging.DEBUG):
        response = post(api, json.dumps({"record": record}))
    error = assert_error(response, 422, "validation")
    assert [p["loc"] for p in error["where"]] == [["body", "record", "tenure_months"]]
    assert "long" not in response.text
    assert PHONE not in caplog.text
    assert snapshot(api) == before


def test_a_malformed_phone_number_is_named_not_echoed(api: Api) -> None:
    record = with_phone(api, msisdn=PHONE + "0")
    response = post(api, json.dumps({"record": record}))
    error = assert_error(response, 422, "validation")
    assert error["where"][0]["loc"] == ["body", "record", "msisdn"]
    assert PHONE + "0" not in response.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"record": {}, "extra": PHONE}, id="top-level"),
        pytest.param({"record": {"favourite_colour": PHONE}}, id="in-record"),
    ],
)
def test_unknown_fields_are_refused(api: Api, body: dict[str, Any]) -> None:
    if body.get("record"):
        body = {"record": {**with_phone(api), **body["record"]}}
    before = snapshot(api)
    response = post(api, json.dumps(body))
    error = assert_error(response, 422, "validation")
    assert "extra_forbidden" in {p["type"] for p in error["where"]}
    assert snapshot(api) == before


def test_a_record_breaking_the_contract_across_fields_is_refused(api: Api) -> None:
    """An as-of date after the evaluation date: caught after the types."""
    record = with_phone(api)
    later = dt.date.fromisoformat(record["evaluation_date"]) + dt.timedelta(days=3)
    record["billing_as_of"] = later.isoformat()
    before = snapshot(api)
    response = post(api, json.dumps({"record": record}))
    error = assert_error(response, 422, "validation")
    assert ["body", "record", "billing_as_of"] in [p["loc"] for p in error["where"]]
    assert snapshot(api) == before


def test_an_oversized_body_is_refused_before_parsing(api: Api) -> None:
    limit = api.services.settings.max_body_bytes
    before = snapshot(api)
    response = post(api, b'{"record": "' + b"1" * limit + b'"}')
    error = assert_error(response, 413, "body_too_large")
    assert str(limit) in error["message"]
    assert snapshot(api) == before


def test_an_oversized_body_without_length_is_refused(api: Api) -> None:
    limit = api.services.settings.max_body_bytes

    def chunks() -> Any:
        for _ in range(limit // 4096 + 2):
            yield b"1" * 4096

    before = snapshot(api)
    response = api.client.post(
        "/v1/certificates", content=chunks(), headers=api.auth("agent")
    )
    assert_error(response, 413, "body_too_large")
    assert snapshot(api) == before


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-key"),
        pytest.param({"Authorization": "Bearer cck_unknown"}, id="unknown-key"),
        pytest.param({"Authorization": "Basic dXNlcjpwdw=="}, id="wrong-scheme"),
        pytest.param({"X-API-Key": "cck_unknown"}, id="unknown-x-api-key"),
    ],
)
def test_a_missing_or_bad_key_is_refused(api: Api, headers: dict[str, str]) -> None:
    before = snapshot(api)
    response = api.client.post(
        "/v1/certificates", json={"record": with_phone(api)}, headers=headers
    )
    assert_error(response, 401, "unauthenticated")
    assert snapshot(api) == before


def test_the_x_api_key_header_works_like_bearer(api: Api) -> None:
    response = api.client.get(
        "/v1/subjects/lookup", headers={"X-API-Key": api.tokens["agent"]}
    )
    assert response.status_code == 405  # past the key check: wrong method
    document = api.issue(api.record(2))
    response = api.client.get(
        f"/v1/certificates/{document['id']}",
        headers={"X-API-Key": api.tokens["risk"]},
    )
    assert response.status_code == 200


def test_a_revoked_key_stops_working_within_the_cache_time(api: Api) -> None:
    token = api.new_key("agent", label="leaving agent")
    keys = ApiKeys(api.services.store)
    (key,) = [k for k in keys.list() if k.label == "leaving agent"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/subjects/x/certificates", headers=headers).is_success
    keys.revoke(key.id, api.clock())
    api.clock.advance(seconds=api.services.settings.key_cache_seconds)
    before = snapshot(api)
    response = api.client.post(
        "/v1/certificates", json={"record": api.record(3)}, headers=headers
    )
    assert_error(response, 401, "unauthenticated")
    assert snapshot(api) == before


def test_a_wrong_role_is_refused_and_changes_nothing(api: Api) -> None:
    before = snapshot(api)
    response = api.client.post(
        "/v1/certificates", json={"record": api.record(3)}, headers=api.auth("partner")
    )
    error = assert_error(response, 403, "forbidden")
    assert "partner" in error["message"]
    assert snapshot(api) == before


def test_unknown_paths_and_methods_answer_in_the_error_shape(api: Api) -> None:
    assert_error(api.client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(
        api.client.delete("/v1/certificates", headers=api.auth("agent")),
        405,
        "method_not_allowed",
    )


def test_an_unexpected_failure_answers_500_without_a_trace(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"secret detail {PHONE}")

    monkeypatch.setattr(api.services.store, "certificate", broken)
    with caplog.at_level(logging.DEBUG):
        response = api.client.get(
            "/v1/certificates/cc-000000000000000000000000", headers=api.auth("agent")
        )
    assert_error(response, 500, "internal")
    assert "Traceback" not in response.text
    assert "secret detail" not in response.text
    assert "RuntimeError" in caplog.text
    assert PHONE not in caplog.text


def test_the_lookup_number_is_not_echoed_or_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = api.client.post(
            "/v1/subjects/lookup",
            json={"msisdn": PHONE, "activated_on": "2020-01-01"},
            headers=api.auth("agent"),
        )
        bad = api.client.post(
            "/v1/subjects/lookup",
            json={"msisdn": PHONE, "activated_on": "yesterday"},
            headers=api.auth("agent"),
        )
    assert response.status_code == 200
    assert response.json()["certificates"] == []
    assert PHONE not in response.text
    assert_error(bad, 422, "validation")
    assert PHONE not in caplog.text
