"""A subject's own data over HTTP: who read their certificate, and the export."""

from __future__ import annotations

from tests.service.conftest import Api


def test_reads_by_others_are_shown_to_the_subject(api: Api) -> None:
    cid = api.issue(api.record(0))["id"]
    api.client.get(f"/v1/certificates/{cid}", headers=api.auth("agent"))
    api.client.get(f"/v1/certificates/{cid}", headers=api.auth("subject"))
    response = api.client.get(
        f"/v1/subjects/{api.subject_of(0)}/queries", headers=api.auth("subject")
    )
    assert response.status_code == 200
    shown = response.json()["queries"]
    assert [(q["role"], q["key_id"]) for q in shown] == [
        ("agent", api.key_ids["agent"])
    ]


def test_the_export_gathers_the_subjects_data(api: Api) -> None:
    cid = api.issue(api.record(0))["id"]
    api.issue(api.record(1))
    api.client.post(
        "/v1/disputes",
        json={"certificate_id": cid, "field": "tenure_months", "reason": "too short"},
        headers=api.auth("subject"),
    )
    api.client.get(f"/v1/certificates/{cid}", headers=api.auth("risk"))
    response = api.client.get(
        f"/v1/subjects/{api.subject_of(0)}/export", headers=api.auth("subject")
    )
    assert response.status_code == 200
    export = response.json()
    assert [c["id"] for c in export["certificates"]] == [cid]
    assert [d["field"] for d in export["disputes"]] == ["tenure_months"]
    assert [q["role"] for q in export["queries"]] == ["risk"]
    assert cid in export["inputs"]["certificates"]
    assert api.records[0].msisdn not in response.text


def test_a_subject_cannot_read_another_subjects_data(api: Api) -> None:
    api.issue(api.record(1))
    other = api.subject_of(1)
    for path in (f"/v1/subjects/{other}/export", f"/v1/subjects/{other}/queries"):
        response = api.client.get(path, headers=api.auth("subject"))
        assert response.status_code == 404, path
