"""Concurrent issues and disputes for the same subjects, from threads: no write lost."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from sqlalchemy import select

from credcert.store._tables import certificates, disputes
from tests.service.conftest import Api

SUBJECTS = 4
ISSUERS = 4
ISSUES_EACH = 6
DISPUTERS = 2
DISPUTES_EACH = 6
RETRIES = 50


def test_concurrent_issues_and_disputes_lose_no_write(api: Api) -> None:
    baseline = [api.issue(api.record(i))["id"] for i in range(SUBJECTS)]
    subjects = [api.subject_of(i) for i in range(SUBJECTS)]
    issued: list[str] = []
    opened: list[int] = []
    answers: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(ISSUERS + DISPUTERS)

    def issuer(number: int) -> None:
        start.wait()
        for k in range(ISSUES_EACH):
            response = api.client.post(
                "/v1/certificates",
                json={"record": api.record((number + k) % SUBJECTS)},
                headers=api.auth("agent"),
            )
            with lock:
                answers[response.status_code] += 1
                if response.status_code == 201:
                    issued.append(response.json()["id"])

    def disputer(number: int) -> None:
        start.wait()
        for k in range(DISPUTES_EACH):
            subject = subjects[(number + k) % SUBJECTS]
            # As an agent would: a certificate replaced between reading the
            # listing and filing is refused as not live; read again, retry.
            for _ in range(RETRIES):
                listing = api.client.get(
                    f"/v1/subjects/{subject}/certificates", headers=api.auth("agent")
                ).json()["certificates"]
                live = next(c for c in listing if c["status"] not in _ENDED)
                response = api.client.post(
                    "/v1/disputes",
                    json={
                        "certificate_id": live["id"],
                        "field": "arrears_days",
                        "reason": "the subscriber says the arrears were paid",
                    },
                    headers=api.auth("agent"),
                )
                with lock:
                    answers[response.status_code] += 1
                    if response.status_code == 201:
                        opened.append(response.json()["id"])
                        break
                    # refused only because a new certificate replaced it
                    assert response.status_code == 422, response.text
                    (where,) = response.json()["error"]["where"]
                    assert where["type"] == "not_live", response.text

    threads = [threading.Thread(target=issuer, args=(n,)) for n in range(ISSUERS)]
    threads += [threading.Thread(target=disputer, args=(n,)) for n in range(DISPUTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(status >= 500 for status in answers), answers
    assert len(issued) == ISSUERS * ISSUES_EACH
    assert len(opened) == DISPUTERS * DISPUTES_EACH, answers
    with api.services.store.engine.connect() as conn:
        stored = {r[0] for r in conn.execute(select(certificates.c.id))}
        dispute_ids = {r[0] for r in conn.execute(select(disputes.c.id))}
    assert stored == {*baseline, *issued}
    assert dispute_ids == set(opened)
    assert api.services.store.verify_log() == []
    for subject in subjects:
        live = _live(api, subject)
        assert len(live) == 1, (subject, live)


_ENDED = ("superseded", "revoked")


def _live(api: Api, subject: str) -> list[dict[str, Any]]:
    listing = api.client.get(
        f"/v1/subjects/{subject}/certificates", headers=api.auth("agent")
    ).json()["certificates"]
    return [c for c in listing if c["status"] not in _ENDED]
