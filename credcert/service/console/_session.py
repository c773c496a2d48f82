"""Console sessions: signing in with an API key, the session cookie, CSRF.

An agent signs in once with an API key (role ``agent``, ``risk`` or
``admin``) typed into the sign-in form, never put in a URL. The console
checks it like the API does and opens a session: a random 256-bit id in an
``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` over HTTPS), mapped on
the server to the key's id and role. The key itself is not kept. Every
request re-reads the key's row, so revoking the key ends its sessions at
once; sessions also end after :data:`IDLE_MINUTES` without a request and
:data:`MAX_HOURS` after signing in, and at sign-out.

Every form carries a CSRF token that the handler compares, in constant time,
with the one of the session (or, on the sign-in form, of a short-lived
pre-session cookie); a post without it, or with another one, is refused
whatever its cookies. A post whose ``Origin`` names another site is refused
too.

Known shortcoming: sessions live in the memory of one process, so a
restart signs every agent out and ``uvicorn --workers N`` (N > 1) would not
share them. Removed when sessions are stored in the database (a
``console_sessions`` table beside ``api_keys``).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
from dataclasses import dataclass, field, replace

from fastapi import Request, Response
from sqlalchemy import select

from credcert.service.deps import Caller, Services
from credcert.store._tables import api_keys

__all__ = [
    "CONSOLE_ROLES",
    "CSRF_FIELD",
    "IDLE_MINUTES",
    "MAX_HOURS",
    "PRE_COOKIE",
    "SESSION_COOKIE",
    "Session",
    "Sessions",
    "same_origin",
    "tokens_match",
]

#: Roles that may sign in to the console.
CONSOLE_ROLES: tuple[str, ...] = ("agent", "risk", "admin")
SESSION_COOKIE = "credcert_console"
#: Holds the CSRF token of the sign-in form, before there is a session.
PRE_COOKIE = "credcert_console_pre"
#: Name of the hidden form field with the CSRF token.
CSRF_FIELD = "csrf_token"
IDLE_MINUTES = 30
MAX_HOURS = 10
#: Most sessions kept at once; the least recently used go first beyond it.
MAX_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in agent: who, since when, and the session's CSRF token."""

    id: str
    caller: Caller
    csrf: str
    started: dt.datetime
    seen: dt.datetime
    lang: str = "zh"


@dataclass
class Sessions:
    """The console's open sessions, in this process."""

    _open: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, caller: Caller, now: dt.datetime) -> Session:
        session = Session(
            id=secrets.token_urlsafe(32),
            caller=caller,
            csrf=secrets.token_urlsafe(32),
            started=now,
            seen=now,
        )
        with self._lock:
            if len(self._open) >= MAX_SESSIONS:
                oldest = min(self._open.values(), key=lambda s: s.seen)
                del self._open[oldest.id]
            self._open[session.id] = session
        return session

    def find(self, session_id: str | None, services: Services) -> Session | None:
        """The live session of a cookie value; None if absent, ended or expired.

        The key is read again from the database, so a revoked key (or one
        whose role changed) has no session any more.
        """
        if not session_id:
            return None
        now = services.now()
        with self._lock:
            session = self._open.get(session_id)
            if session is None:
                return None
            idle = now - session.seen > dt.timedelta(minutes=IDLE_MINUTES)
            old = now - session.started > dt.timedelta(hours=MAX_HOURS)
            if idle or old or not _key_still_valid(session.caller, services):
                del self._open[session_id]
                return None
            session = replace(session, seen=now)
            self._open[session_id] = session
        return session

    def set_lang(self, session: Session, lang: str) -> Session:
        changed = replace(session, lang=lang)
        with self._lock:
            if session.id in self._open:
                self._open[session.id] = changed
        return changed

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._open.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._open)


def _key_still_valid(caller: Caller, services: Services) -> bool:
    with services.store.engine.connect() as conn:
        row = conn.execute(
            select(api_keys.c.role, api_keys.c.revoked_at).where(
                api_keys.c.id == caller.key_id
            )
        ).first()
    return row is not None and row.revoked_at is None and row.role == caller.role


def tokens_match(expected: str | None, given: object) -> bool:
    """Whether a posted CSRF token equals the expected one (constant time)."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def same_origin(request: Request) -> bool:
    """False when the request's ``Origin`` header names another site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin.rstrip("/") == own


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int
) -> None:
    """Set a console cookie: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
