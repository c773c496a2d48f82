"""What every route may use: the :class:`Services` of the app and the :class:`Caller`.

A route gets the services with ``services: ServicesDep`` and the caller with
``caller: Annotated[Caller, allow("agent", ...)]`` (see
:mod:`credcert.service.auth`). Tests build :class:`Services` themselves, with
a fixed clock; ``credcert serve`` builds them with :func:`build_services`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from credcert._config import home
from credcert.issue import Issuer
from credcert.pseudonym import Pseudonymizer
from credcert.signing import KeyRing, PublicKeyRing, SigningKey
from credcert.store import Store
from credcert.views import Disclosure, load_disclosure

if TYPE_CHECKING:
    from credcert.service.auth import CheckedKeys
    from credcert.service.writer import CertificateWriter
    from rules import RuleSet
    from scorecard import ScorecardArtifact

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "Caller",
    "Services",
    "ServicesDep",
    "Settings",
    "build_services",
    "get_services",
]

#: Largest request body accepted, in bytes, unless the settings say otherwise.
DEFAULT_MAX_BODY_BYTES = 64 * 1024


def utc_now() -> dt.datetime:
    """The current time, aware, in UTC, to the second (as certificates carry it)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Settings:
    """Tunable limits of the service.

    Attributes
    ----------
    max_body_bytes : int
        Request bodies larger than this are refused (413) before parsing.
    group_max : int
        Most certificates the writer commits in one transaction.
    key_cache_seconds : float
        How long an API key found valid is trusted before it is looked up
        again; a revoked key stops working within this time.
    """

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    group_max: int = 256
    key_cache_seconds: float = 2.0


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the role and scope of the API key presented.

    Attributes
    ----------
    role : str
        One of :data:`credcert.service.auth.ROLES`.
    key_id : str
        The API key's public id (never its secret).
    label : str
        The key's label, e.g. the partner's or agent's name.
    subject : str or None
        For ``subject`` keys: the one pseudonym the key may see.
    scenarios : tuple of str
        For ``partner`` keys: the disclosure scenarios the key is bound to.
    """

    role: str
    key_id: str
    label: str
    subject: str | None = None
    scenarios: tuple[str, ...] = ()


@dataclass
class Services:
    """Everything the routes work with, made once per app.

    Parameters
    ----------
    store : Store
    keyring : KeyRing
        Signs certificates and partner views; its public part is published.
    pseudonymizer : Pseudonymizer
        Hashes phone numbers at the edge.
    ruleset : RuleSet
    scorecard : ScorecardArtifact
    disclosure : Disclosure, optional
        Partner scenarios; the shipped file by default.
    settings : Settings
    clock : callable
        Returns the current aware time; tests fix it.
    """

    store: Store
    keyring: KeyRing
    pseudonymizer: Pseudonymizer
    ruleset: RuleSet
    scorecard: ScorecardArtifact
    disclosure: Disclosure = field(default_factory=load_disclosure)
    settings: Settings = field(default_factory=Settings)
    clock: Callable[[], dt.datetime] = utc_now
    writer: CertificateWriter | None = None
    checked_keys: CheckedKeys = field(init=False, repr=False)
    _issuers: dict[dt.date, Issuer] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        from credcert.service.auth import CheckedKeys

        self.checked_keys = CheckedKeys(self.settings.key_cache_seconds)

    def now(self) -> dt.datetime:
        """The current time by the services' clock."""
        return self.clock()

    @property
    def public_keys(self) -> PublicKeyRing:
        """The verification keys, with their validity windows."""
        return self.keyring.public()

    @property
    def signing_key(self) -> SigningKey:
        return self.keyring.active()

    def issuer(self, day: dt.date | None = None) -> Issuer:
        """The issuer with the rules in force on ``day`` (today by the clock)."""
        from rules import RuleEngine

        day = day or self.now().date()
        with self._lock:
            found = self._issuers.get(day)
            if found is None:
                found = Issuer(
                    rules=RuleEngine(self.ruleset, on=day),
                    scorecard=self.scorecard,
                    pseudonymizer=self.pseudonymizer,
                    keys=self.keyring,
                )
                self._issuers.clear()  # one day at a time
                self._issuers[day] = found
            return found


async def get_services(request: Request) -> Services:
    """The services of the app that serves ``request``.

    A coroutine, though it does not wait for anything: FastAPI runs a plain
    function dependency in its thread pool, a hand-off that cost more than
    the rest of a request's dependencies together.
    """
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def build_services(
    *,
    database: str | None = None,
    scorecard: str | os.PathLike[str],
    rules: str | os.PathLike[str] | None = None,
    credcert_home: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    migrate: bool = True,
) -> Services:
    """Services from files: what ``credcert serve`` runs on.

    Parameters
    ----------
    database : str, optional
        SQLAlchemy URL; the home's SQLite file by default.
    scorecard : path-like
        The scorecard artifact (JSON).
    rules : path-like, optional
        Rule-set folder; the shipped rules by default.
    credcert_home : path-like, optional
        Where the signing keys and the pseudonym key live.
    migrate : bool
        Bring the database schema to the newest migration first.
    """
    from rules import load_ruleset
    from scorecard import load_artifact

    folder = home(credcert_home)
    extra: dict[str, Any] = {} if settings is None else {"settings": settings}
    return Services(
        store=Store(database, migrate=migrate),
        keyring=KeyRing.open(folder / "keys"),
        pseudonymizer=Pseudonymizer.from_home(folder),
        ruleset=load_ruleset(Path(rules) if rules is not None else None),
        scorecard=load_artifact(scorecard),
        **extra,
    )
