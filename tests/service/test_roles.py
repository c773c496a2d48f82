"""Who may call what: every route of the app against every role, read from the app.

The matrix is built from the app's own routes and their ``allow(...)``
declarations, so routes added later are covered without editing this file.
A route without a declaration fails :func:`test_every_route_declares_callers`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credcert.service import ROLES
from credcert.service.app import ServiceRoute, service_routes
from credcert.service.auth import PUBLIC
from credcert.service.routes import ROUTE_MODULES
from tests.service.conftest import Api
from tests.service.console.helpers import csrf_of

ROUTES_FOLDER = Path(__file__).parents[2] / "credcert" / "service" / "routes"


#: Pages of the agent console: signed in with a key, then a session cookie.
CONSOLE = "/console"
SIGN_OUT = "/console/sign-out"


def api_routes(api: Api) -> list[ServiceRoute]:
    """Every API route, console pages included."""
    return service_routes(api.app)


def key_routes(api: Api) -> list[ServiceRoute]:
    """The routes called with an API key in a header (all but console pages)."""
    return [r for r in service_routes(api.app) if not r.path.startswith(CONSOLE)]


def calls(route: ServiceRoute) -> list[tuple[str, str]]:
    return [(method, route.path) for method in route.methods]


def fill(path: str, values: dict[str, str]) -> str:
    """The path with each ``{param}`` replaced by a value the role may use."""
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m[1], "x"), path)


def send(api: Api, method: str, path: str, headers: dict[str, str]) -> Any:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return api.client.request(method, path, json=body, headers=headers)


@pytest.fixture
def own_certificate(api: Api) -> dict[str, str]:
    """Path values under which the subject and partner keys may read."""
    document = api.issue(api.record(0))
    return {
        "certificate_id": document["id"],
        "subject": document["subject"],
        "pseudonym": document["subject"],
    }


def test_route_modules_are_listed() -> None:
    present = {p.stem for p in ROUTES_FOLDER.glob("*.py") if p.stem != "__init__"}
    assert present - set(ROUTE_MODULES) == set()


def test_every_route_declares_callers(api: Api) -> None:
    undeclared = [
        f"{m} {p}" for r in api_routes(api) if r.roles is None for m, p in calls(r)
    ]
    assert undeclared == []


def test_declared_roles_are_known(api: Api) -> None:
    for route in api_routes(api):
        roles = route.roles or ()
        assert set(roles) <= {*ROLES, PUBLIC}, route.path


def test_the_matrix_covers_the_core_routes(api: Api) -> None:
    paths = {r.path for r in api_routes(api)}
    assert {
        "/v1/health",
        "/v1/keys",
        "/v1/certificates",
        "/v1/certificates/{certificate_id}",
        "/v1/subjects/{subject}/certificates",
        "/v1/subjects/lookup",
        "/v1/verify",
    } <= paths


def test_each_role_is_allowed_or_refused_as_declared(
    api: Api, own_certificate: dict[str, str]
) -> None:
    """Allowed roles get past the role check; every other role gets 403."""
    wrong = []
    for route in key_routes(api):
        roles = route.roles or ()
        if PUBLIC in roles:
            continue
        for method, path in calls(route):
            url = fill(path, own_certificate)
            for role in ROLES:
                response = send(api, method, url, api.auth(role))
                allowed = role in roles
                refused = response.status_code in (401, 403)
                if allowed == refused or (not allowed and response.status_code != 403):
                    wrong.append(f"{role} {method} {path}: {response.status_code}")
                if refused:
                    assert response.json()["error"]["code"] in (
                        "forbidden",
                        "unauthenticated",
                    )
    assert wrong == []


def test_routes_with_roles_refuse_a_missing_or_unknown_key(api: Api) -> None:
    for route in key_routes(api):
        if PUBLIC in (route.roles or ()):
            continue
        for method, path in calls(route):
            url = fill(path, {})
            for headers in ({}, {"Authorization": "Bearer cck_not-a-key"}):
                response = send(api, method, url, headers)
                assert response.status_code == 401, f"{method} {path}"
                assert response.json()["error"]["code"] == "unauthenticated"
                assert response.headers["www-authenticate"] == "Bearer"


def test_public_routes_answer_without_a_key(api: Api) -> None:
    public = [r for r in key_routes(api) if PUBLIC in (r.roles or ())]
    assert {r.path for r in public} >= {"/v1/health", "/v1/keys"}
    for route in public:
        for method, path in calls(route):
            if "{" in path or method != "GET":
                continue
            assert api.client.request(method, path).status_code == 200, path


# --- console pages: signed in with a key, then a session cookie ---------------------


def console_client(api: Api, role: str) -> tuple[TestClient, str | None]:
    """A browser-like client signed in to the console with ``role``'s key.

    Returns the client and the session's CSRF token, or None when the
    console refuses to sign the role in.
    """
    client = TestClient(api.app, raise_server_exceptions=False)
    form = client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in",
        data={"api_key": api.tokens[role], "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    if response.status_code != 303:
        assert response.status_code in (401, 403), response.status_code
        return client, None
    return client, csrf_of(client.get("/console/search").text)


def test_console_pages_follow_their_declared_roles(
    api: Api, own_certificate: dict[str, str]
) -> None:
    pages = sorted(  # signing out last: it ends the session
        (
            r
            for r in api_routes(api)
            if r.path.startswith(CONSOLE) and PUBLIC not in (r.roles or ())
        ),
        key=lambda r: r.path == SIGN_OUT,
    )
    assert pages, "the console declares no signed-in pages"
    wrong = []
    for role in ROLES:
        client, csrf = console_client(api, role)
        for route in pages:
            for method in route.methods:
                url = fill(route.path, own_certificate)
                data = {"csrf_token": csrf} if method == "POST" and csrf else None
                response = client.request(
                    method,
                    url,
                    data=data,
                    headers={"Origin": "http://testserver"},
                    follow_redirects=False,
                )
                location = response.headers.get("location", "")
                to_sign_in = response.status_code in (302, 303) and (
                    location.startswith("/console/sign-in")
                    and not (route.path == SIGN_OUT and "out=1" in location)
                )
                refused = response.status_code in (401, 403) or to_sign_in
                if (role in (route.roles or ())) == refused:
                    wrong.append(
                        f"{role} {method} {route.path}: {response.status_code}"
                    )
    assert wrong == []
