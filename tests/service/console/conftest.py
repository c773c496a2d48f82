"""Fixtures of the console tests: a seeded service app per module, and sign-in.

``console_app`` builds the service's app once per test module and database
(SQLite and PostgreSQL) over the seeded certificates of
:func:`tests.service.console.helpers.seed`, with a fixed clock and one API key
per role; ``console`` hands each test a client without cookies and the clock
back at ``T0``. Tests that change data use certificates no other test reads
(see ``helpers.RECORD_OF``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from credcert.service import create_app
from credcert.service.console._session import Sessions
from tests.certificates import fixtures as shared
from tests.certificates.fixtures import T0
from tests.service.console.helpers import Built, build, csrf_of

# The certificate tests' session fixtures, found by pytest under these names.
pseudonymizer = shared.pseudonymizer
records = shared.records
scorecard = shared.scorecard


@dataclass
class Console:
    """A seeded app, its client, and a way to sign in to its console."""

    built: Built
    client: TestClient

    def __getattr__(self, name: str) -> Any:
        return getattr(self.built, name)

    def sign_in(self, role: str = "agent", lang: str = "zh") -> str:
        """Sign the client in with ``role``'s key; returns the session's CSRF token."""
        return self.sign_in_with(self.built.tokens[role], lang)

    def sign_in_with(self, token: str, lang: str = "zh") -> str:
        form = self.client.get(f"/console/sign-in?lang={lang}")
        response = self.client.post(
            "/console/sign-in",
            data={"api_key": token, "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        search = self.client.get("/console/search")
        assert search.status_code == 200
        return csrf_of(search.text)

    def page(self, name: str) -> Any:
        """The certificate page of a seeded certificate."""
        document = self.built.seeded.documents[name]
        return self.client.get(f"/console/certificates/{document['id']}")


def database_at(kind: str, folder: Path) -> tuple[str, str | None]:
    """A SQLite file in ``folder``, or a fresh schema of the test PostgreSQL."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'credcert.db'}", None
    return shared.postgres_url(), f"credcert_c_{uuid.uuid4().hex[:12]}"


def drop_schema(url: str, schema: str | None) -> None:
    if schema is None:
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console_app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    scorecard: Any,
    pseudonymizer: Any,
    records: list[Any],
) -> Iterator[tuple[Built, TestClient]]:
    folder = tmp_path_factory.mktemp("console")
    url, schema = database_at(request.param, folder)
    built = build(url, schema, folder, scorecard, pseudonymizer, records)
    try:
        app = create_app(built.services)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield built, client
    finally:
        built.services.store.close()
        drop_schema(url, schema)


@pytest.fixture
def console(console_app: tuple[Built, TestClient]) -> Console:
    built, client = console_app
    built.clock.at = T0
    client.cookies.clear()
    client.app.state.console_sessions = Sessions()  # type: ignore[attr-defined]
    return Console(built, client)
