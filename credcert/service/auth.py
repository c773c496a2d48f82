"""API keys and roles: who may call which route.

A caller sends ``Authorization: Bearer <token>`` (or ``X-API-Key: <token>``).
Tokens are random 256-bit secrets shown once, when ``credcert apikeys
create`` makes them; the ``api_keys`` table keeps only their SHA-256, and the
stored hash is compared in constant time. A key has one role:

========== ==========================================================
agent      customer service: issues, reads, looks subscribers up
risk       risk team: issues, reads, reviews
regulator  reads certificates with their decision-log entries
partner    bound to scenarios: sees only a scenario's disclosure view
subject    bound to one pseudonym: sees only their own certificates
admin      operates the service (switches, retention), keys
========== ==========================================================

Every route declares its callers with exactly one of :func:`allow` (roles)
or :func:`public` (no key), as a parameter::

    @router.get("/v1/things/{id}")
    def read_thing(caller: Annotated[Caller, allow("agent", "risk")]) -> ...

:func:`declared_roles` reads the declaration back from a route; a test
walks every route of the app with it, so a route without one fails. HTML
pages (the agent console) declare their callers the same way; a session
layer that has checked its cookie sets ``request.state.credcert_caller``
(:data:`SESSION_CALLER`) and :func:`allow` applies the same role check.

A key found valid is trusted for ``Settings.key_cache_seconds`` (2 s by
default) before it is looked up again (:class:`CheckedKeys`), so a revoked
key stops working within that time. Status codes: no key or an unknown or
revoked key is 401; a key whose role
is not allowed is 403. A subject asking about another subject's certificate
gets 404, the same answer as for a certificate that does not exist, so a
subject key cannot probe which certificates exist. A partner asking for a
scenario it is not bound to gets 403: scenario names are public and the
refusal discloses nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import insert, select, update

from credcert._errors import CredcertError
from credcert.service.deps import Caller, ServicesDep
from credcert.service.errors import ApiError
from credcert.signing import format_time
from credcert.store import Store
from credcert.store._tables import api_keys

__all__ = [
    "PUBLIC",
    "ROLES",
    "SESSION_CALLER",
    "ApiKey",
    "ApiKeyError",
    "ApiKeys",
    "CheckedKeys",
    "allow",
    "declared_roles",
    "hash_secret",
    "public",
]

#: Every role an API key can have.
ROLES: tuple[str, ...] = ("agent", "risk", "regulator", "partner", "subject", "admin")
#: What :func:`declared_roles` gives for a route open to callers without a key.
PUBLIC = "public"
#: Prefix of every token, so that secret scanners can recognise a leaked one.
TOKEN_PREFIX = "cck_"
_SUBJECT = re.compile(r"^sp1_[0-9a-f]{32}$")
_ROLE_ATTRIBUTE = "credcert_roles"
#: ``request.state`` attribute where a session layer puts an authenticated Caller.
SESSION_CALLER = "credcert_caller"


class ApiKeyError(CredcertError, ValueError):
    """An API key cannot be created or revoked as asked."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as listed: everything but its secret."""

    id: str
    role: str
    label: str
    subject: str | None
    scenarios: tuple[str, ...]
    created_at: str
    revoked_at: str | None

    def caller(self) -> Caller:
        return Caller(self.role, self.id, self.label, self.subject, self.scenarios)


def hash_secret(token: str) -> str:
    """The stored form of a token: hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiKeys:
    """The API keys of a store: create, list, revoke, authenticate.

    Parameters
    ----------
    store : Store
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self,
        *,
        role: str,
        label: str,
        at: dt.datetime,
        subject: str | None = None,
        scenarios: Sequence[str] = (),
        known_scenarios: Iterable[str] | None = None,
    ) -> tuple[ApiKey, str]:
        """Make a key; return it and its token (shown once, never stored).

        Raises
        ------
        ApiKeyError
            If the role is unknown, a ``subject`` key has no valid pseudonym,
            a ``partner`` key no known scenario, or any other role a scope.
        """
        _check_scope(role, label, subject, scenarios, known_scenarios)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            id="key_" + secrets.token_hex(8),
            role=role,
            label=label,
            subject=subject,
            scenarios=tuple(scenarios),
            created_at=format_time(at),
            revoked_at=None,
        )
        with self.store.begin() as conn:
            conn.execute(
                insert(api_keys).values(
                    id=key.id,
                    secret_hash=hash_secret(token),
                    role=role,
                    subject=subject,
                    scenarios=json.dumps(list(scenarios)) if scenarios else None,
                    label=label,
                    created_at=key.created_at,
                )
            )
        return key, token

    def list(self) -> list[ApiKey]:
        """Every key, oldest first, revoked ones included."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
            )
            return [_key(row._mapping) for row in rows]

    def revoke(self, key_id: str, at: dt.datetime) -> ApiKey:
        """Revoke a key; it stops working at once.

        Raises
        ------
        ApiKeyError
            If no key has this id, or it is already revoked.
        """
        with self.store.begin() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
            if row is None:
                raise ApiKeyError(f"key id {key_id!r}: no such API key")
            if row.revoked_at is not None:
                raise ApiKeyError(
                    f"key id {key_id!r}: already revoked at {row.revoked_at}"
                )
            conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id)
                .values(revoked_at=format_time(at))
            )
        return self._get(key_id)

    def authenticate(self, token: str) -> Caller | None:
        """The caller a token stands for; None if unknown or revoked."""
        digest = hash_secret(token)
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(api_keys).where(api_keys.c.secret_hash == digest)
            ).first()
        if row is None or not hmac.compare_digest(row.secret_hash, digest):
            return None
        if row.revoked_at is not None:
            return None
        return _key(row._mapping).caller()

    def _get(self, key_id: str) -> ApiKey:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).one()
        return _key(row._mapping)


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        role=row["role"],
        label=row["label"],
        subject=row["subject"],
        scenarios=tuple(json.loads(row["scenarios"])) if row["scenarios"] else (),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def _check_scope(
    role: str,
    label: str,
    subject: str | None,
    scenarios: Sequence[str],
    known: Iterable[str] | None,
) -> None:
    if role not in ROLES:
        raise ApiKeyError(f"role: expected one of {', '.join(ROLES)}; got {role!r}")
    if not label.strip() or len(label) > 128:
        raise ApiKeyError("label: expected 1 to 128 characters")
    if role == "subject":
        if subject is None or not _SUBJECT.match(subject):
            raise ApiKeyError(
                "subject: a subject key needs the subscriber's pseudonym "
                "(sp1_ and 32 hexadecimal digits)"
            )
    elif subject is not None:
        raise ApiKeyError(f"subject: only a subject key is bound to one; not {role}")
    if role == "partner":
        if not scenarios:
            raise ApiKeyError("scenario: a partner key needs at least one scenario")
        allowed = tuple(known) if known is not None else None
        for name in scenarios:
            if allowed is not None and name not in allowed:
                raise ApiKeyError(
                    f"scenario: expected one of {', '.join(allowed)}; got {name!r}"
                )
    elif scenarios:
        raise ApiKeyError(f"scenario: only a partner key is bound to one; not {role}")


# --- the dependency every route declares ------------------------------------


def _has_key_header(request: Request) -> bool:
    headers = request.headers
    return "authorization" in headers or "x-api-key" in headers


def _token(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _unauthenticated("expected 'Authorization: Bearer <token>'")
        return value.strip()
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    raise _unauthenticated(
        "an API key is required: send 'Authorization: Bearer <token>' "
        "or 'X-API-Key: <token>'"
    )


def _unauthenticated(message: str) -> ApiError:
    return ApiError("unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


class CheckedKeys:
    """Keys checked against the database lately, kept for a few seconds.

    Looking a key up costs a query on every request; a key found valid is
    trusted for ``seconds`` (by the services' clock) before it is looked up
    again. So a key revoked with ``credcert apikeys revoke`` stops working
    within that time, not at the same instant. Unknown tokens are never
    kept, and at most ``size`` keys are.
    """

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self._checked: dict[str, tuple[Caller, dt.datetime]] = {}

    def caller(self, store: Store, token: str, now: dt.datetime) -> Caller | None:
        digest = hash_secret(token)
        found = self._checked.get(digest)
        if found is not None and (now - found[1]).total_seconds() < self.seconds:
            return found[0]
        caller = ApiKeys(store).authenticate(token)
        if caller is None:
            self._checked.pop(digest, None)
            return None
        if len(self._checked) >= self.size:
            self._checked.clear()
        self._checked[digest] = (caller, now)
        return caller


def authenticate(request: Request, services: ServicesDep) -> Caller:
    """The caller of ``request``; 401 without a valid, unrevoked key.

    A request without a key header may carry a caller that server code has
    already authenticated (the agent console's session sets
    ``request.state.credcert_caller``); it is checked like a key's.
    """
    known = getattr(request.state, SESSION_CALLER, None)
    if isinstance(known, Caller) and not _has_key_header(request):
        return known
    caller = services.checked_keys.caller(
        services.store, _token(request), services.now()
    )
    if caller is None:
        raise _unauthenticated("the API key is unknown or revoked")
    return caller


def allow(*roles: str) -> Any:
    """Declare the roles that may call a route; the parameter gets the Caller.

    Use as ``caller: Annotated[Caller, allow("agent", "risk")]``.
    """
    if not roles or set(roles) - set(ROLES):
        raise ValueError(f"roles: expected some of {', '.join(ROLES)}; got {roles}")
    allowed = tuple(roles)

    async def check(request: Request, services: ServicesDep) -> Caller:
        caller = authenticate(request, services)
        if caller.role not in allowed:
            raise ApiError(
                "forbidden",
                f"an API key of role {caller.role!r} may not call this; "
                f"allowed: {', '.join(allowed)}",
            )
        return caller

    setattr(check, _ROLE_ATTRIBUTE, allowed)
    return Depends(check)


def public() -> Any:
    """Declare a route open to callers without a key (health, public keys).

    Use as ``dependencies=[public()]`` on the route.
    """

    async def anyone() -> None:
        return None

    setattr(anyone, _ROLE_ATTRIBUTE, (PUBLIC,))
    return Depends(anyone)


def declared_roles(route: Any) -> tuple[str, ...] | None:
    """The roles a route declares (``("public",)`` if open); None if none.

    ``route`` is an ``APIRoute`` or a route as :func:`credcert.service.app.
    service_routes` finds it (with the dependencies of its include). A route
    with no declaration, or with two, gives None; a test requires one.
    """
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    found: list[tuple[str, ...]] = []
    stack = list(dependant.dependencies)
    while stack:
        dependency = stack.pop()
        roles = _roles_of(dependency.call)
        if roles is not None:
            found.append(roles)
        stack.extend(dependency.dependencies)
    return found[0] if len(found) == 1 else None


def _roles_of(call: Callable[..., Any] | None) -> tuple[str, ...] | None:
    roles = getattr(call, _ROLE_ATTRIBUTE, None)
    return tuple(roles) if roles is not None else None
