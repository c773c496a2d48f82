"""Fixtures of the console tests: the service's test app, seeded, and sign-in.

``console`` wraps the service tests' ``api`` fixture (SQLite and PostgreSQL,
fixed clock, a key per role) with the seeded certificates of
:func:`tests.service.console.helpers.seed` and a signed-in client helper.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import (  # noqa: F401 - fixtures found by name  # noqa: F401
    Api,
    api,
    credcert_home,
    database,
    keyring,
    pseudonymizer,
    records,
    scorecard,
)
from tests.service.console.helpers import Seeded, csrf_of, seed


@dataclass
class Console:
    """The seeded test app and a way to sign in to its console."""

    api: Api
    seeded: Seeded

    @property
    def client(self) -> TestClient:
        return self.api.client

    def sign_in(self, role: str = "agent", lang: str = "zh") -> str:
        """Sign the client in with ``role``'s key; returns the session's CSRF token."""
        form = self.client.get(f"/console/sign-in?lang={lang}")
        response = self.client.post(
            "/console/sign-in",
            data={"api_key": self.api.tokens[role], "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        search = self.client.get("/console/search")
        assert search.status_code == 200
        return csrf_of(search.text)

    def page(self, name: str) -> Any:
        """The certificate page of a seeded certificate."""
        document = self.seeded.documents[name]
        return self.client.get(f"/console/certificates/{document['id']}")


@pytest.fixture
def console(api: Api, records: list[Any]) -> Iterator[Console]:  # noqa: F811
    yield Console(api, seed(api.services, records, api.clock()))
