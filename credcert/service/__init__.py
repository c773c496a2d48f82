"""The HTTP service of credcert: a FastAPI app over the certificate domain.

:func:`create_app` builds the app from :class:`Services` (the store, the
issuer, keys, clock and settings). Every route declares who may call it with
:func:`allow` (or :func:`public`); callers present an API key made with
``credcert apikeys create``. ``credcert serve`` runs the app with uvicorn.
"""

from credcert.service.app import create_app
from credcert.service.auth import ROLES, ApiKeys, allow, declared_roles, public
from credcert.service.deps import Caller, Services, Settings, build_services
from credcert.service.errors import ApiError

__all__ = [
    "ROLES",
    "ApiError",
    "ApiKeys",
    "Caller",
    "Services",
    "Settings",
    "allow",
    "build_services",
    "create_app",
    "declared_roles",
    "public",
]
