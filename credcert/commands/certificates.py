"""Certificate commands: keys, verify, audit verify, issue, show, view.

``register(app)`` adds them to the ``credcert`` app. They print with rich and
exit non-zero on any problem (1: a check failed, 2: bad input); the library
below never prints. Progress bars live here, not in the library.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from credcert._config import home
from credcert._errors import CredcertError, VerificationError
from credcert.commands._common import fail as _fail
from credcert.signing import KEYRING_FILE, KeyRing, PublicKeyRing, format_time

__all__ = ["register"]

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

keys_app = typer.Typer(
    help="Signing keys: create, rotate, list, export the public ring.",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="The decision log: verify its chain, sign a checkpoint.",
    no_args_is_help=True,
)

_HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="credcert home folder (default $CREDCERT_HOME)."),
]
_DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: SQLite file in the home)."),
]


def register(app: typer.Typer) -> None:
    """Add ``keys``, ``verify``, ``audit``, ``issue``, ``show`` and ``view``."""
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")
    app.command("verify")(verify_command)
    app.command("issue")(issue_command)
    app.command("view")(view_command)
    app.command("show")(show_command)


def _ring(folder: Path | None, *, create: bool) -> KeyRing:
    return KeyRing.open(home(folder) / "keys", create=create)


# --- keys ---------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(folder: _HomeOption = None) -> None:
    """Create the first signing key (does nothing if one is active)."""
    ring = _ring(folder, create=True)
    key = ring.active()
    console.print(f"active signing key [bold]{key.kid}[/] in {ring.folder}")


@keys_app.command("rotate")
def keys_rotate(folder: _HomeOption = None) -> None:
    """Retire the active key (it keeps verifying) and create a new one."""
    ring = _ring(folder, create=True)
    old = ring.active().kid
    new = ring.rotate()
    console.print(f"retired {old}; active signing key is now [bold]{new.kid}[/]")


@keys_app.command("list")
def keys_list(folder: _HomeOption = None) -> None:
    """List the key ring: ids, validity windows, status."""
    ring = _ring(folder, create=False)
    table = Table(title=f"key ring {ring.folder / KEYRING_FILE}")
    for column in ("key id", "status", "valid from", "valid until"):
        table.add_column(column)
    for key in ring.keys:
        until = "-" if key.not_after is None else format_time(key.not_after)
        table.add_row(key.kid, key.status, format_time(key.not_before), until)
    console.print(table)


@keys_app.command("export")
def keys_export(
    out: Annotated[Path, typer.Argument(help="Where to write the public ring.")],
    folder: _HomeOption = None,
) -> None:
    """Write the public key ring (no private key) for partners."""
    path = _ring(folder, create=False).export_public(out)
    console.print(f"public key ring written to {path}")


# --- verify -------------------------------------------------------------------------


def verify_command(
    document: Annotated[
        Path, typer.Argument(help="A certificate, partner view or scenario answer.")
    ],
    keys: Annotated[
        Path | None,
        typer.Option(help="Public key ring (default: the home's keyring.json)."),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            help="Answers: a scenario the partner's key is bound to (repeatable); "
            "an answer for another scenario is rejected."
        ),
    ] = None,
    partner: Annotated[
        str | None, typer.Option(help="Answers: the partner it must be bound to.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="Answers: check validity at YYYY-MM-DDTHH:MM:SSZ (now)."),
    ] = None,
) -> None:
    """Check a certificate's, partner view's or answer's signature offline; say why
    it fails. An answer is also checked for its validity window and binding."""
    ring_file = keys or home() / "keys" / KEYRING_FILE
    try:
        public = PublicKeyRing.from_file(ring_file)
        data = json.loads(document.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _fail(f"{document}: cannot read: {exc}", 2) from None
    except CredcertError as exc:
        raise _fail(str(exc), 2) from None
    from credcert.policies import ANSWER_SCHEMA
    from credcert.signing import verify_document

    if isinstance(data, dict) and data.get("schema") == ANSWER_SCHEMA:
        _verify_answer(document, data, public, scenario, partner, at)
        return
    try:
        result = verify_document(data, public)
    except VerificationError as exc:
        raise _fail(f"{document}: INVALID: {exc}") from None
    kind = data.get("schema", "document")
    console.print(
        f"{document}: valid {kind} {data.get('id') or data.get('certificate_id')}, "
        f"signed by {result.kid} at {format_time(result.signed_at)} "
        f"(tree of {result.tree_size})",
        highlight=False,
    )


def _verify_answer(
    path: Path,
    data: dict[str, Any],
    public: PublicKeyRing,
    scenarios: list[str] | None,
    partner: str | None,
    at: str | None,
) -> None:
    from credcert.policies import verify_answer
    from credcert.signing import parse_time

    try:
        moment = parse_time(at) if at else dt.datetime.now(dt.UTC)
    except ValueError:
        raise _fail(f"--at: expected YYYY-MM-DDTHH:MM:SSZ; got {at!r}", 2) from None
    check = verify_answer(
        data, public, at=moment, partner_scenarios=scenarios, partner=partner
    )
    if not check.valid:
        raise _fail(f"{path}: INVALID: {check.reason}")
    console.print(f"{path}: {check.reason}", highlight=False)


# --- audit -------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    db: _DbOption = None,
    keys: Annotated[
        Path | None,
        typer.Option(help="Public key ring for checkpoints (default: the home's)."),
    ] = None,
) -> None:
    """Check the decision log's hash chain and checkpoints; name every bad entry."""
    from credcert.store import Store

    ring_file = keys or home() / "keys" / KEYRING_FILE
    public = PublicKeyRing.from_file(ring_file) if ring_file.exists() else None
    with Store(db) as store:
        problems = store.verify_log(public)
        entries = sum(1 for _ in store.log_rows())
    if problems:
        for problem in problems:
            err_console.print(str(problem), style="red", markup=False)
        raise _fail(f"decision log BROKEN: {len(problems)} problem(s)")
    checked = "with" if public else "without"
    console.print(
        f"decision log intact: {entries:,} entries, checkpoints {checked} signatures"
    )


@audit_app.command("checkpoint")
def audit_checkpoint(db: _DbOption = None, folder: _HomeOption = None) -> None:
    """Sign the log's current head, so that cutting entries off is detected."""
    from credcert.store import Store

    key = _ring(folder, create=True).active()
    with Store(db) as store:
        document = store.checkpoint(key, dt.datetime.now(dt.UTC))
    if document is None:
        console.print("decision log is empty; no checkpoint")
        return
    console.print(f"checkpoint signed at entry {document['seq']} by {key.kid}")


# --- issue -------------------------------------------------------------------------


def issue_command(
    source: Annotated[Path, typer.Option("--in", help="Subscribers (.parquet/.csv).")],
    scorecard: Annotated[Path, typer.Option(help="Scorecard artifact (JSON).")],
    out: Annotated[Path, typer.Option(help="Folder for the certificate files.")] = Path(
        "out/certificates"
    ),
    db: _DbOption = None,
    no_db: Annotated[
        bool, typer.Option("--no-db", help="Write Parquet only, no database.")
    ] = False,
    rules: Annotated[
        Path | None, typer.Option(help="Rule-set folder (default: shipped).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="Issue time, YYYY-MM-DDTHH:MM:SSZ (default: now)."),
    ] = None,
    chunk_size: Annotated[int, typer.Option(min=1)] = 20_000,
    processes: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
    dask: Annotated[
        bool, typer.Option("--dask", help="Run on a local Dask cluster.")
    ] = False,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (implies --dask).")
    ] = None,
    folder: _HomeOption = None,
) -> None:
    """Issue certificates for a whole file, in chunks; rerun to resume after a crash."""
    from credcert.batch import issue_file
    from credcert.pseudonym import Pseudonymizer
    from credcert.signing import parse_time
    from credcert.store import Store

    if not source.is_file():
        raise _fail(f"no such file: {source}", 2)
    try:
        moment = parse_time(at) if at else None
    except ValueError:
        raise _fail(f"--at: expected YYYY-MM-DDTHH:MM:SSZ; got {at!r}", 2) from None
    engine = (
        "dask" if dask or scheduler else ("inline" if processes == 1 else "processes")
    )
    store = None if no_db else Store(db)
    try:
        with _progress() as bar:
            task = bar.add_task("issuing", total=None)
            report = issue_file(
                source,
                out,
                scorecard=scorecard,
                key=_ring(folder, create=True).active(),
                pseudonymizer=Pseudonymizer.from_home(folder),
                at=moment,
                store=store,
                ruleset_path=rules,
                chunk_size=chunk_size,
                engine=engine,
                processes=processes,
                address=scheduler,
                progress=lambda done, total: bar.update(
                    task, completed=done, total=total
                ),
            )
    except CredcertError as exc:
        raise _fail(str(exc), 2) from None
    finally:
        if store is not None:
            store.close()
    _print_report(report, store)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


def _print_report(report: Any, store: Any) -> None:
    resumed = (
        f" (resumed: {report.chunks_done_before} of {report.chunks} chunks were done)"
        if report.chunks_done_before
        else ""
    )
    console.print(
        f"batch [bold]{report.batch_id}[/]: {report.rows:,} certificates{resumed}"
    )
    for status, count in sorted(report.statuses.items()):
        console.print(f"  {status:>8}: {count:,}")
    console.print(f"certificates: {report.out_dir.resolve()}", highlight=False)
    if store is not None:
        console.print(f"database: {store!r}", highlight=False)


# --- view -------------------------------------------------------------------------


def view_command(
    certificate: Annotated[Path, typer.Argument(help="A signed certificate (JSON).")],
    scenario: Annotated[str, typer.Option(help="lending, deposit_free_rental, ...")],
    partner: Annotated[str, typer.Option(help="Who asks; the view is bound to it.")],
    out: Annotated[Path | None, typer.Option(help="Write the view here.")] = None,
    folder: _HomeOption = None,
) -> None:
    """Make the signed partner view of a certificate for one scenario."""
    from credcert.signing import verify_document
    from credcert.views import partner_view

    ring = _ring(folder, create=False)
    try:
        document = json.loads(certificate.read_text(encoding="utf-8"))
        verify_document(document, ring.public())
        view = partner_view(
            document, scenario, partner, ring.active(), dt.datetime.now(dt.UTC)
        )
    except (OSError, ValueError) as exc:
        raise _fail(f"{certificate}: {exc}", 2) from None
    text = json.dumps(view, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        print(text, end="")
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"partner view for {partner} ({scenario}) written to {out}")


# --- show -------------------------------------------------------------------------


def show_command(
    certificate_id: Annotated[str, typer.Argument(help="Certificate id (cc-...).")],
    db: _DbOption = None,
    out: Annotated[Path | None, typer.Option(help="Write the JSON here.")] = None,
) -> None:
    """Print a stored certificate (JSON, as signed) and its current status."""
    from credcert.store import Store

    try:
        with Store(db) as store:
            stored = store.certificate(certificate_id)
    except CredcertError as exc:
        raise _fail(str(exc), 2) from None
    text = json.dumps(stored.document, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
    replaced = f" by {stored.superseded_by}" if stored.superseded_by else ""
    err_console.print(
        f"{certificate_id}: status now {stored.status}{replaced}", highlight=False
    )
