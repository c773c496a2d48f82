"""Admin over HTTP: the automated-issuing switch and the retention job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.service.conftest import Api


def _switch(api: Api, on: bool, reason: str = "incident 42") -> Any:
    return api.client.put(
        "/v1/admin/automated-issuing",
        json={"on": on, "reason": reason},
        headers=api.auth("admin"),
    )


def test_switching_off_sends_every_new_certificate_to_review(api: Api) -> None:
    issued = api.issue(api.record(0))
    assert issued["status"] == "issued"
    assert _switch(api, False).json() == {"automated_issuing": False}
    api.clock.advance(hours=1)
    held = api.issue(api.record(0))
    assert held["status"] == "review"
    read = api.client.get(f"/v1/certificates/{held['id']}", headers=api.auth("agent"))
    assert read.status_code == 200  # reads keep working
    queue = api.client.get("/v1/reviews", headers=api.auth("risk")).json()
    assert queue[0]["cause"] == "automated_issuing_off"
    _switch(api, True, "resolved")
    api.clock.advance(hours=1)
    assert api.issue(api.record(0))["status"] == "issued"


def test_the_switch_needs_a_reason(api: Api) -> None:
    response = _switch(api, False, reason="")
    assert response.status_code == 422
    state = api.client.get("/v1/admin/automated-issuing", headers=api.auth("admin"))
    assert state.json() == {"automated_issuing": True}


def test_retention_removes_old_negative_inputs_and_reports_counts(
    api: Api,
) -> None:
    record = {
        **api.record(0),
        "earliest_negative_on": "2020-01-01",
        "arrears_amount_cny": 50.0,
        "arrears_days": 10,
    }
    api.issue(record)
    response = api.client.post(
        "/v1/admin/retention",
        json={"as_of": dt.date(2026, 12, 1).isoformat()},
        headers=api.auth("admin"),
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["subjects_cleaned"] == 1
    assert report["removed"]["arrears_amount_cny"] == 1
