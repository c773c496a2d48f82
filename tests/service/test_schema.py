"""Property-based run against the app's own OpenAPI document (schemathesis).

Every operation is called with generated requests - valid and invalid bodies,
parameters of every shape - under a key of a role it allows. Whatever comes
in, the service must not fail (no 5xx) and must answer in the form its
OpenAPI document declares, errors included. Bounded: a dozen valid and a
dozen invalid examples per operation, derandomised so a run is repeatable,
on SQLite (the role and error tests cover PostgreSQL). Schemathesis' pytest
plugin is not used: it does not run under pytest 9; the operations' Hypothesis
strategies are driven directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from credcert.pseudonym import Pseudonymizer
from credcert.service import create_app
from credcert.service.app import service_routes
from credcert.service.auth import PUBLIC
from credcert.signing import KeyRing
from tests.service.conftest import Clock, make_services, role_keys

#: Roles to call an operation with, first allowed one wins.
PREFERENCE = ("agent", "risk", "regulator", "admin", "partner", "subject")


class Served:
    """The app under test with a token for each operation."""

    def __init__(self, app: Any, tokens: dict[str, str]) -> None:
        self.app = app
        self.tokens = tokens
        self.roles = {
            (method, route.path): route.roles or ()
            for route in service_routes(app)
            for method in route.methods
        }

    def headers(self, method: str, path: str) -> dict[str, str]:
        roles = self.roles.get((method.upper(), path), ())
        if PUBLIC in roles:
            return {}
        role = next(r for r in PREFERENCE if r in roles)
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def served(
    tmp_path: Path,
    keyring: KeyRing,
    scorecard: Any,
    pseudonymizer: Pseudonymizer,
    records: list[Any],
) -> Iterator[Served]:
    clock = Clock()
    services = make_services(
        f"sqlite:///{tmp_path / 'schema.db'}",
        None,
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
    with TestClient(app):  # runs the lifespan: the writer starts and stops
        yield Served(app, {role: token for role, (_, token) in keys.items()})
    services.store.close()


MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def operations(served: Served) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", served.app)
    return [result.ok() for result in schema.get_all_operations()]


def exercise(served: Served, operation: Any, mode: Any) -> None:
    """Call one operation with generated cases; fail on the first bad answer."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def run(case: Any) -> None:
        response = case.call(headers=served.headers(case.method, case.path))
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # nothing of the operation can be made invalid (no parameters, no body)
        if mode is not schemathesis.GenerationMode.NEGATIVE:
            raise


def test_the_schema_lists_every_route(served: Served) -> None:
    listed = {(o.method.upper(), o.path) for o in operations(served)}
    assert listed == {key for key in served.roles if not key[1].startswith("/console")}


def test_no_request_breaks_the_service(served: Served) -> None:
    """Valid and invalid requests of every operation: no 5xx, answers as declared."""
    for operation in operations(served):
        for mode in MODES:
            exercise(served, operation, mode)
