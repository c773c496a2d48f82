"""Service commands: ``credcert serve`` and ``credcert apikeys create / list / revoke``.

``register(app)`` adds them to the ``credcert`` app. ``serve`` runs the HTTP
API with uvicorn; by default it serves what ``credcert demo`` wrote (the
scorecard artifact and the SQLite database in ``out/demo``) with the keys of
the credcert home folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from credcert._config import default_database_url, home
from credcert._errors import CredcertError
from credcert.commands._common import fail
from scorecard import ScorecardError

if TYPE_CHECKING:
    from credcert.service import ApiKeys

__all__ = ["register"]

console = Console(soft_wrap=True)

apikeys_app = typer.Typer(
    help="API keys of the HTTP service: create (token shown once), list, revoke.",
    no_args_is_help=True,
)

#: Where ``credcert demo`` writes by default.
DEMO_FOLDER = Path("out/demo")

_HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="credcert home folder (default $CREDCERT_HOME)."),
]
_DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: the demo's credcert.db if present, "
        "else the SQLite file in the home).",
    ),
]
_DemoOption = Annotated[
    Path,
    typer.Option("--demo", help="Folder 'credcert demo' wrote (for the defaults)."),
]


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``apikeys``."""
    app.command("serve")(serve_command)
    app.add_typer(apikeys_app, name="apikeys")


def database_url(db: str | None, demo: Path, folder: Path | None) -> str:
    """The database to use: ``--db``, else the demo's, else the home's."""
    if db:
        return db
    demo_db = demo / "credcert.db"
    if demo_db.is_file():
        return f"sqlite:///{demo_db.resolve()}"
    return default_database_url(home(folder))


def demo_scorecard(demo: Path) -> Path:
    """The scorecard artifact ``credcert demo`` wrote, or fail saying what to do."""
    found = sorted((demo / "scorecard").glob("*.json"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise fail(
            f"no scorecard artifact in {demo / 'scorecard'}: run 'credcert demo' "
            "first, or pass --scorecard PATH",
            2,
        )
    names = ", ".join(p.name for p in found)
    raise fail(f"several scorecard artifacts in {demo}: {names}; pass --scorecard", 2)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    db: _DbOption = None,
    scorecard: Annotated[
        Path | None,
        typer.Option(help="Scorecard artifact (default: the demo's)."),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option(help="Rule-set folder (default: shipped).")
    ] = None,
    demo: _DemoOption = DEMO_FOLDER,
    folder: _HomeOption = None,
    max_body_bytes: Annotated[
        int, typer.Option(min=1024, help="Largest request body accepted.")
    ] = 64 * 1024,
    access_log: Annotated[
        bool, typer.Option(help="Log one line per request (method, path, status).")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Server processes; each has its own writer, the database "
            "serialises their writes.",
        ),
    ] = 1,
) -> None:
    """Run the HTTP API (and the agent console) with uvicorn."""
    import uvicorn

    from credcert.service import Settings, build_services, create_app
    from credcert.service.app import SERVE_ENV

    artifact = scorecard or demo_scorecard(demo)
    url = database_url(db, demo, folder)
    settings = Settings(max_body_bytes=max_body_bytes)
    try:  # checks every option, migrates the database, creates missing keys
        services = build_services(
            database=url,
            scorecard=artifact,
            rules=rules,
            credcert_home=folder,
            settings=settings,
        )
    except (CredcertError, ScorecardError, OSError) as exc:
        raise fail(exc, 2) from None
    console.print(
        f"serving {services.store!r} with {artifact} on http://{host}:{port} "
        f"in {workers} process{'es' * (workers > 1)} (API documentation at /docs)",
        highlight=False,
    )
    if workers == 1:
        app = create_app(services)
        # What is loaded now (scorecard, rules, the libraries) lives as long
        # as the process: keep it out of the cyclic collector's full passes,
        # which would otherwise walk millions of objects in mid-request.
        gc.freeze()
        uvicorn.run(
            app,
            host=host,
            port=port,
            access_log=access_log,
            log_level="info",
        )
        return
    services.store.close()
    os.environ[SERVE_ENV] = json.dumps(
        {
            "database": url,
            "scorecard": str(artifact),
            "rules": None if rules is None else str(rules),
            "home": str(home(folder)),
            "settings": dataclasses.asdict(settings),
        }
    )
    uvicorn.run(
        "credcert.service.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        access_log=access_log,
        log_level="info",
    )


# --- apikeys ---------------------------------------------------------------------


def _keys(db: str | None, demo: Path, folder: Path | None) -> ApiKeys:
    from credcert.service import ApiKeys
    from credcert.store import Store

    try:
        return ApiKeys(Store(database_url(db, demo, folder)))
    except CredcertError as exc:
        raise fail(exc, 2) from None


@apikeys_app.command("create")
def apikeys_create(
    role: Annotated[
        str,
        typer.Option(help="agent, risk, regulator, partner, subject or admin."),
    ],
    label: Annotated[str, typer.Option(help="Who holds the key, e.g. a name.")],
    subject: Annotated[
        str | None,
        typer.Option(help="subject keys: the subscriber's pseudonym (sp1_...)."),
    ] = None,
    phone: Annotated[
        str | None,
        typer.Option(
            help="subject keys: the phone number instead of the pseudonym; "
            "'-' reads it from standard input. Hashed at once, never stored.",
        ),
    ] = None,
    activated_on: Annotated[
        str | None,
        typer.Option(help="With --phone: the subscription's activation date."),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="partner keys: a scenario (repeat for several)."),
    ] = None,
    db: _DbOption = None,
    demo: _DemoOption = DEMO_FOLDER,
    folder: _HomeOption = None,
) -> None:
    """Create an API key and print its token; the token is shown only now."""
    from credcert.views import load_disclosure

    if phone is not None:
        if subject is not None:
            raise fail("give --subject or --phone, not both", 2)
        subject = _pseudonym_of(phone, activated_on, folder)
    keys = _keys(db, demo, folder)
    try:
        key, token = keys.create(
            role=role,
            label=label,
            at=dt.datetime.now(dt.UTC),
            subject=subject,
            scenarios=scenario or (),
            known_scenarios=load_disclosure().scenarios,
        )
    except CredcertError as exc:
        raise fail(exc, 2) from None
    finally:
        keys.store.close()
    console.print(f"created API key {key.id} ({key.role}, {key.label})")
    console.print("token (shown once; store it now):", style="bold")
    print(token)


def _pseudonym_of(phone: str, activated_on: str | None, folder: Path | None) -> str:
    from credcert.pseudonym import Pseudonymizer
    from subscribers._record import MSISDN_PATTERN

    number = sys.stdin.readline().strip() if phone == "-" else phone.strip()
    if not re.fullmatch(MSISDN_PATTERN, number):
        raise fail("--phone: expected an 11-digit mobile number starting with 13-19", 2)
    if activated_on is None:
        raise fail("--activated-on: required with --phone (YYYY-MM-DD)", 2)
    try:
        day = dt.date.fromisoformat(activated_on)
    except ValueError:
        raise fail(
            f"--activated-on: expected a date YYYY-MM-DD; got {activated_on!r}", 2
        ) from None
    return Pseudonymizer.from_home(folder).subject(number, day)


@apikeys_app.command("list")
def apikeys_list(
    db: _DbOption = None, demo: _DemoOption = DEMO_FOLDER, folder: _HomeOption = None
) -> None:
    """List API keys (never their tokens), revoked ones included."""
    keys = _keys(db, demo, folder)
    try:
        listed = keys.list()
    finally:
        keys.store.close()
    table = Table(title=f"API keys in {keys.store!r}")
    for column in ("id", "role", "label", "scope", "created", "revoked"):
        table.add_column(column, overflow="fold")
    for key in listed:
        scope = key.subject or ", ".join(key.scenarios) or "-"
        table.add_row(
            key.id, key.role, key.label, scope, key.created_at, key.revoked_at or "-"
        )
    console.print(table)


@apikeys_app.command("revoke")
def apikeys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_...).")],
    db: _DbOption = None,
    demo: _DemoOption = DEMO_FOLDER,
    folder: _HomeOption = None,
) -> None:
    """Revoke an API key; a running service refuses it within 2 s (its key cache)."""
    keys = _keys(db, demo, folder)
    try:
        key = keys.revoke(key_id, dt.datetime.now(dt.UTC))
    except CredcertError as exc:
        raise fail(exc, 2) from None
    finally:
        keys.store.close()
    console.print(f"revoked {key.id} ({key.role}, {key.label}) at {key.revoked_at}")
