"""The FastAPI app: routes, error handlers, OpenAPI, the certificate writer.

:func:`create_app` takes ready :class:`~credcert.service.deps.Services` and
returns the app; ``credcert serve`` runs it with uvicorn, tests drive it with
``fastapi.testclient.TestClient`` (inside ``with``, so that the writer
starts and stops with the app).

What the app includes:

* the ``router`` of every module listed in
  :data:`credcert.service.routes.ROUTE_MODULES` (add a route module there);
* the agent console, when the package ``credcert.service.console`` exists:
  its ``mount(app)`` is called if it defines one, else its ``router`` is
  included;
* the OpenAPI document at ``/openapi.json`` and its pages at ``/docs``.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from credcert.service.auth import declared_roles
from credcert.service.deps import Services
from credcert.service.errors import (
    ERROR_RESPONSES,
    BodyLimit,
    install_error_handlers,
)
from credcert.service.routes import routers
from credcert.service.writer import CertificateWriter

__all__ = [
    "API_VERSION",
    "SERVE_ENV",
    "ServiceRoute",
    "app_from_environment",
    "create_app",
    "service_routes",
]

#: Version of the HTTP API; routes live under ``/v1``.
API_VERSION = "1"
#: Environment variable carrying ``credcert serve``'s options (JSON) to the
#: worker processes of ``--workers``.
SERVE_ENV = "CREDCERT_SERVE"
_CONSOLE = "credcert.service.console"

_DESCRIPTION = """\
Explainable mobile credit certificates (手机信用证书) over HTTP.

Send an API key as `Authorization: Bearer <token>`; each operation lists
the roles allowed to call it. Errors have one shape:
`{"error": {"code", "message", "where": [{"loc", "type", "expected"}]}}`.
"""


def create_app(services: Services) -> FastAPI:
    """The credcert HTTP app over ``services``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        writer = services.writer
        if writer is not None:
            writer.start()
        try:
            yield
        finally:
            if writer is not None:
                writer.stop()

    if services.writer is None:
        services.writer = CertificateWriter(
            services.store, group_max=services.settings.group_max
        )
    app = FastAPI(
        title="credcert",
        version=f"{API_VERSION}.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=services.settings.max_body_bytes)
    app.state.services = services
    install_error_handlers(app)
    for router in routers():
        app.include_router(router, responses=ERROR_RESPONSES)
    _add_console(app)
    return app


def app_from_environment() -> FastAPI:
    """The app one worker process of ``credcert serve --workers N`` serves.

    The options come from :data:`SERVE_ENV` (JSON: database, scorecard,
    rules, home, settings); the parent has already migrated the database
    and created the keys, so workers only open them. Each worker has its own
    certificate writer; the store serialises their transactions.
    """
    from credcert.service.deps import Settings, build_services

    options = json.loads(os.environ[SERVE_ENV])
    services = build_services(
        database=options["database"],
        scorecard=options["scorecard"],
        rules=options["rules"],
        credcert_home=options["home"],
        settings=Settings(**options["settings"]),
        migrate=False,
    )
    app = create_app(services)
    gc.freeze()  # see credcert.commands.service.serve_command
    return app


def _add_console(app: FastAPI) -> None:
    spec = importlib.util.find_spec(_CONSOLE)
    if spec is None or spec.origin is None:  # absent, or a folder without code yet
        return
    console = importlib.import_module(_CONSOLE)
    mount = getattr(console, "mount", None)
    if callable(mount):
        mount(app)
    else:
        app.include_router(console.router)


@dataclass(frozen=True, slots=True)
class ServiceRoute:
    """One API route of an app as served: path, methods and declared roles."""

    path: str
    methods: tuple[str, ...]
    roles: tuple[str, ...] | None


def service_routes(app: FastAPI) -> list[ServiceRoute]:
    """Every API route of ``app`` with the roles it declares (None: none).

    Routes of included routers count with their prefix and the dependencies
    of their include; the OpenAPI pages and mounted files are not API routes.
    """
    found = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        found.append(
            ServiceRoute(
                path=str(context.path),
                methods=tuple(sorted(context.methods or ())),
                roles=declared_roles(context),
            )
        )
    return found
