"""Fixtures of the HTTP service tests: an app on a test database, a key per role.

``api`` (an :class:`Api`) is what route tests use::

    def test_something(api):
        response = api.client.get("/v1/...", headers=api.auth("agent"))
        document = api.issue(api.record(0))   # issue through the API

It runs the app over the ``database`` fixture (SQLite and PostgreSQL) with
the small test scorecard, the shipped rules, a fixed clock (``api.clock``,
movable with ``api.clock.advance``) and one API key per role. The ``subject``
key is bound to the pseudonym of ``api.record(0)``; the ``partner`` key to
the ``lending`` scenario. Other keys: ``api.new_key(role, ...)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from credcert.pseudonym import Pseudonymizer
from credcert.service import ApiKeys, Services, Settings, create_app
from credcert.signing import KeyRing
from credcert.store import Store
from tests.certificates import fixtures as shared
from tests.certificates.fixtures import T0

# The certificate tests' fixtures, found by pytest under these names.
credcert_home = shared.credcert_home
database = shared.database
keyring = shared.keyring
pseudonymizer = shared.pseudonymizer
records = shared.records
rule_engine = shared.rule_engine
scorecard = shared.scorecard
store = shared.store
issuer = shared.issuer

#: The scenario the ``partner`` key is bound to.
PARTNER_SCENARIO = "lending"


class Clock:
    """A settable clock for the services: starts at ``T0``."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


@dataclass
class Api:
    """A running test app, its client, services and a token per role."""

    app: FastAPI
    client: TestClient
    services: Services
    clock: Clock
    tokens: dict[str, str]
    records: list[Any]
    key_ids: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        """Headers carrying the token of ``role``'s key."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def record(self, index: int) -> dict[str, Any]:
        """The ``index``-th test record as the JSON an API client sends."""
        data: dict[str, Any] = self.records[index].model_dump(mode="json")
        return data

    def subject_of(self, index: int) -> str:
        """The pseudonym of the ``index``-th test record."""
        record = self.records[index]
        return self.services.pseudonymizer.subject(record.msisdn, record.activated_on)

    def issue(self, record: dict[str, Any], role: str = "agent") -> dict[str, Any]:
        """Issue a certificate through the API; return the signed document."""
        response = self.client.post(
            "/v1/certificates", json={"record": record}, headers=self.auth(role)
        )
        assert response.status_code == 201, response.text
        document: dict[str, Any] = response.json()["certificate"]
        return document

    def issue_for_lending(
        self, index: int = 0, *, consent: bool | None = True
    ) -> dict[str, Any]:
        """Issue the ``index``-th record; record its lending consent (granted,
        withdrawn, or none if ``consent`` is None); move the clock a minute."""
        from credcert.consent import record_consent

        document = self.issue(self.record(index))
        if consent is not None:
            record_consent(
                self.services.store,
                subject=document["subject"],
                category="billing",
                purpose="lending",
                granted=consent,
                by="test",
                at=self.clock(),
            )
        self.clock.advance(minutes=1)
        return document

    def new_key(self, role: str, **scope: Any) -> str:
        """Create another API key; return its token."""
        _, token = ApiKeys(self.services.store).create(
            role=role,
            label=scope.pop("label", f"test {role}"),
            at=self.clock(),
            known_scenarios=self.services.disclosure.scenarios,
            **scope,
        )
        return token


def make_services(
    url: str,
    schema: str | None,
    *,
    ring: KeyRing,
    card: Any,
    hasher: Pseudonymizer,
    clock: Clock,
    settings: Settings | None = None,
) -> Services:
    """Services over a test database with the test scorecard and shipped rules."""
    from rules import load_ruleset

    return Services(
        store=Store(url, schema=schema),
        keyring=ring,
        pseudonymizer=hasher,
        ruleset=load_ruleset(),
        scorecard=card,
        clock=clock,
        **({} if settings is None else {"settings": settings}),
    )


def role_keys(services: Services, subject: str, at: dt.datetime) -> dict[str, Any]:
    """One API key per role; returns ``{role: (key id, token)}``."""
    keys = ApiKeys(services.store)
    out = {}
    for role in ("agent", "risk", "regulator", "partner", "subject", "admin"):
        scope: dict[str, Any] = {}
        if role == "subject":
            scope["subject"] = subject
        if role == "partner":
            scope["scenarios"] = [PARTNER_SCENARIO]
        key, token = keys.create(
            role=role,
            label=f"test {role}",
            at=at,
            known_scenarios=services.disclosure.scenarios,
            **scope,
        )
        out[role] = (key.id, token)
    return out


@pytest.fixture
def api(
    database: dict,
    keyring: KeyRing,
    scorecard: Any,
    pseudonymizer: Pseudonymizer,
    records: list[Any],
) -> Iterator[Api]:
    """The app over a fresh test database, with a key per role (see module doc)."""
    clock = Clock()
    services = make_services(
        database["url"],
        database["schema"],
        ring=keyring,
        card=scorecard,
        hasher=pseudonymizer,
        clock=clock,
    )
    first = records[0]
    keys = role_keys(
        services, pseudonymizer.subject(first.msisdn, first.activated_on), clock()
    )
    app = create_app(services)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Api(
                app=app,
                client=client,
                services=services,
                clock=clock,
                tokens={role: token for role, (_, token) in keys.items()},
                records=records,
                key_ids={role: kid for role, (kid, _) in keys.items()},
            )
    finally:
        services.store.close()
