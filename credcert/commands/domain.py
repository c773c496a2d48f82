"""Operator commands of the certificate domain: disputes, review, issuing, retention.

``register(app)`` adds ``disputes list / overdue / resolve``, ``review list / decide``,
``issuing status / on / off``, ``retention run``, ``export`` and ``replay``
to the ``credcert`` app. They work on the database directly (``--db``, the
home's SQLite file by default), print with rich, and exit 1 when the
request is bad (the message names the field) and 2 when the command is
misused. Nothing is changed by a refused request.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from credcert._errors import CredcertError
from credcert.commands._common import fail, open_artifact

__all__ = ["register"]

console = Console(soft_wrap=True)

disputes_app = typer.Typer(help="Disputes: list open and overdue, resolve.")
review_app = typer.Typer(help="Human review: the queue of held certificates.")
issuing_app = typer.Typer(help="The switch that stops automated issuing.")
retention_app = typer.Typer(help="Retention of negative information (5 years).")

_DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: SQLite file in the home)."),
]
_HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="credcert home folder (default $CREDCERT_HOME)."),
]
_ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who acts (default: cli:<login name>)."),
]
_ReasonOption = Annotated[
    str | None, typer.Option(help="Why, in words (kept and logged).")
]


#: Columns printed whole, so that an operator can copy the value.
_UNBROKEN = ("certificate", "id", "overdue", "due", "opened")
_WIDTH = {"certificate": 27}


def register(app: typer.Typer) -> None:
    """Add the domain's operator commands to ``app``."""
    for name, sub in (
        ("disputes", disputes_app),
        ("review", review_app),
        ("issuing", issuing_app),
        ("retention", retention_app),
    ):
        sub.info.no_args_is_help = True
        app.add_typer(sub, name=name)
    app.command("export")(export_command)
    app.command("replay")(replay_command)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _by(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


def _day(value: str | None, option: str) -> dt.date:
    if value is None:
        return _now().date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: expected a date YYYY-MM-DD; got {value!r}", 2) from None


def _store(db: str | None) -> Any:
    from credcert.store import Store

    try:
        return Store(db)
    except CredcertError as exc:
        raise fail(exc, 2) from None


def _issuer(
    scorecard: Path, rules: Path | None, folder: Path | None, day: dt.date
) -> Any:
    from credcert._config import home
    from credcert.issue import Issuer
    from credcert.pseudonym import Pseudonymizer
    from credcert.signing import KeyRing
    from rules import RuleEngine, load_ruleset

    return Issuer(
        rules=RuleEngine(load_ruleset(rules), on=day),
        scorecard=open_artifact(scorecard),
        pseudonymizer=Pseudonymizer.from_home(folder),
        keys=KeyRing.open(home(folder) / "keys"),
    )


# --- disputes ---------------------------------------------------------------------


@disputes_app.command("list")
def disputes_list(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open disputes past due.")
    ] = False,
    every: Annotated[bool, typer.Option("--all", help="Closed disputes too.")] = False,
    as_of: Annotated[
        str | None, typer.Option(help="Judge overdue on this day (YYYY-MM-DD).")
    ] = None,
    db: _DbOption = None,
) -> None:
    """List open disputes (due 20 days after receipt), oldest first."""
    from credcert.disputes import list_disputes

    day = _day(as_of, "--as-of")
    with _store(db) as store:
        rows = list_disputes(
            store, as_of=day, status=None if every else "open", overdue=overdue
        )
    table = Table(title=f"disputes as of {day.isoformat()}")
    for column in ("id", "certificate", "field", "opened", "due", "status", "overdue"):
        table.add_column(
            column, no_wrap=column in _UNBROKEN, min_width=_WIDTH.get(column)
        )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["certificate_id"],
            r["field"] or "-",
            r["opened_at"][:10],
            r["due_on"],
            r["outcome"] or r["status"],
            "OVERDUE" if r["overdue"] else "",
        )
    console.print(table)
    console.print(f"{len(rows)} dispute(s)")


@disputes_app.command("overdue")
def disputes_overdue(
    as_of: Annotated[
        str | None, typer.Option(help="Judge overdue on this day (YYYY-MM-DD).")
    ] = None,
    db: _DbOption = None,
) -> None:
    """List open disputes past their 20-day due date."""
    disputes_list(overdue=True, every=False, as_of=as_of, db=db)


@disputes_app.command("resolve")
def disputes_resolve(
    dispute_id: Annotated[int, typer.Argument(help="The dispute's id.")],
    outcome: Annotated[
        str, typer.Option(help="upheld_corrected, rejected or withdrawn.")
    ],
    reason: _ReasonOption = None,
    value: Annotated[
        str | None,
        typer.Option(help="The corrected value as JSON (upheld_corrected only)."),
    ] = None,
    scorecard: Annotated[
        Path | None, typer.Option(help="Scorecard artifact, to re-issue.")
    ] = None,
    rules: Annotated[Path | None, typer.Option(help="Rule-set folder.")] = None,
    by: _ByOption = None,
    db: _DbOption = None,
    folder: _HomeOption = None,
) -> None:
    """Resolve a dispute; an upheld correction re-issues the certificate."""
    from credcert.disputes import resolve_dispute

    at = _now()
    extra: dict[str, Any] = {}
    if value is not None:
        try:
            extra["corrected_value"] = json.loads(value)
        except ValueError:
            raise fail(f"--value: expected a JSON value; got {value!r}", 2) from None
        if scorecard is None:
            raise fail("--scorecard: needed to re-issue a corrected certificate", 2)
        extra["issuer"] = _issuer(scorecard, rules, folder, at.date())
    with _store(db) as store:
        try:
            row = resolve_dispute(
                store,
                dispute_id,
                outcome=outcome,
                reason=reason or "",
                by=_by(by),
                at=at,
                **extra,
            )
        except CredcertError as exc:
            raise fail(exc) from None
    again = f"; re-issued as {row['replacement_id']}" if row["replacement_id"] else ""
    console.print(f"dispute {dispute_id} closed: {row['outcome']}{again}")


# --- review -----------------------------------------------------------------------


@review_app.command("list")
def review_list(db: _DbOption = None) -> None:
    """List certificates held for review, oldest first."""
    from credcert.review import review_queue

    with _store(db) as store:
        rows = review_queue(store)
    table = Table(title="held for review")
    for column in ("certificate", "issued", "score", "grade", "cause", "rules"):
        table.add_column(
            column, no_wrap=column in _UNBROKEN, min_width=_WIDTH.get(column)
        )
    for r in rows:
        score = "-" if r["score"] is None else f"{r['score']:.0f}"
        table.add_row(
            r["certificate_id"],
            r["issued_at"],
            score,
            r["grade"] or "-",
            r["cause"],
            ", ".join(r["rules"]),
        )
    console.print(table)
    console.print(f"{len(rows)} held")


@review_app.command("decide")
def review_decide(
    certificate_id: Annotated[str, typer.Argument(help="The held certificate.")],
    decision: Annotated[str, typer.Option(help="approve or override.")],
    status: Annotated[
        str | None, typer.Option(help="Final status of an override.")
    ] = None,
    reason: _ReasonOption = None,
    by: _ByOption = None,
    db: _DbOption = None,
    folder: _HomeOption = None,
) -> None:
    """Approve or override a held certificate; a new one is signed."""
    from credcert._config import home
    from credcert.review import decide_review
    from credcert.signing import KeyRing

    key = KeyRing.open(home(folder) / "keys").active()
    with _store(db) as store:
        try:
            document = decide_review(
                store,
                certificate_id,
                decision=decision,
                final_status=status,
                reason=reason,
                reviewer=_by(by),
                at=_now(),
                key=key,
            )
        except CredcertError as exc:
            raise fail(exc) from None
    console.print(
        f"{certificate_id} {document['review']['decision']}: "
        f"{document['id']} is {document['status']}"
    )


# --- issuing switch --------------------------------------------------------------


@issuing_app.command("status")
def issuing_status(db: _DbOption = None) -> None:
    """Say whether certificates are issued automatically."""
    from credcert.review import automated_issuing

    with _store(db) as store:
        on = automated_issuing(store)
    console.print(f"automated issuing is {'ON' if on else 'OFF (all to review)'}")


def _switch(on: bool, reason: str | None, by: str | None, db: str | None) -> None:
    from credcert.review import set_automated_issuing

    with _store(db) as store:
        try:
            set_automated_issuing(
                store, on=on, by=_by(by), reason=reason or "", at=_now()
            )
        except CredcertError as exc:
            raise fail(exc) from None
    console.print(f"automated issuing switched {'on' if on else 'off'}")


@issuing_app.command("off")
def issuing_off(
    reason: _ReasonOption = None, by: _ByOption = None, db: _DbOption = None
) -> None:
    """Stop automated issuing: every new certificate waits for review."""
    _switch(False, reason, by, db)


@issuing_app.command("on")
def issuing_on(
    reason: _ReasonOption = None, by: _ByOption = None, db: _DbOption = None
) -> None:
    """Resume automated issuing."""
    _switch(True, reason, by, db)


# --- retention, export, replay ------------------------------------------------------


@retention_app.command("run")
def retention_run(
    as_of: Annotated[
        str | None, typer.Option(help="Judge ages on this day (YYYY-MM-DD).")
    ] = None,
    by: _ByOption = None,
    db: _DbOption = None,
) -> None:
    """Remove negative information over 5 years old from held inputs."""
    from credcert.retention import run_retention

    day = _day(as_of, "--as-of")
    with _store(db) as store:
        report = run_retention(store, as_of=day, at=_now(), by=_by(by))
    console.print(
        f"retention as of {day.isoformat()}: {report.subjects_checked} subject(s) "
        f"checked, {report.subjects_cleaned} cleaned"
    )
    for name, count in sorted(report.removed.items()):
        console.print(f"  removed {name}: {count}")


def export_command(
    subject: Annotated[str, typer.Argument(help="The subject's pseudonym (sp1_...).")],
    out: Annotated[Path | None, typer.Option(help="Write the JSON here.")] = None,
    db: _DbOption = None,
) -> None:
    """Everything held about a subject, as one JSON document."""
    from credcert.access import export_subject

    with _store(db) as store:
        try:
            document = export_subject(store, subject, _now())
        except CredcertError as exc:
            raise fail(exc) from None
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        print(text, end="")
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"export of {subject} written to {out}", highlight=False)


def replay_command(
    certificate_id: Annotated[str, typer.Argument(help="Certificate id (cc-...).")],
    scorecard: Annotated[Path, typer.Option(help="The scorecard it was issued with.")],
    rules: Annotated[Path | None, typer.Option(help="Its rule-set folder.")] = None,
    db: _DbOption = None,
    folder: _HomeOption = None,
) -> None:
    """Re-run a logged decision from its sealed inputs; compare content digests."""
    from credcert.issue import replay
    from credcert.signing import parse_time

    with _store(db) as store:
        try:
            stored = store.certificate(certificate_id)
            day = parse_time(stored.document["issued_at"]).date()
            result = replay(
                store, _issuer(scorecard, rules, folder, day), certificate_id
            )
        except CredcertError as exc:
            raise fail(exc) from None
    if not result.matches:
        raise fail(
            f"{certificate_id}: replay DIFFERS: logged {result.logged_digest}, "
            f"replayed {result.replayed_digest}"
        )
    console.print(f"{certificate_id}: replay matches {result.logged_digest}")
