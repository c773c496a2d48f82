"""The service's route modules, one per resource; :data:`ROUTE_MODULES` lists them.

To add routes: write ``credcert/service/routes/<name>.py`` defining
``router = APIRouter(tags=[...])``, declare every route's callers with
``allow(...)`` or ``public()`` (see :mod:`credcert.service.auth`), use the
``/v1`` prefix, and add ``<name>`` to :data:`ROUTE_MODULES`. A test fails if
a module in this folder is not listed, or a route declares no callers.
"""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import APIRouter

__all__ = ["ROUTE_MODULES", "routers"]

#: Route modules in the order their routes appear in the OpenAPI document.
#: Modules another part of the project is still writing may be listed before
#: they exist; :func:`routers` includes the ones present.
ROUTE_MODULES: tuple[str, ...] = (
    "health",
    "certificates",
    "verify",
    "scenarios",
    "disputes",
    "consent",
    "review",
    "subjects",
    "admin",
)


def routers() -> list[APIRouter]:
    """The ``router`` of every listed route module that exists."""
    found = []
    for name in ROUTE_MODULES:
        qualified = f"{__name__}.{name}"
        if importlib.util.find_spec(qualified) is None:
            continue
        module = importlib.import_module(qualified)
        found.append(module.router)
    return found
