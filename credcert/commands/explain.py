"""The ``credcert explain`` command: reasons and suggestions for one subject.

``register(app)`` adds it as a top-level verb. The subject comes from a JSON
file or from one row of a subscriber Parquet file, found by subscription id;
the id and the phone number are used to find the row and are never printed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from credcert.commands._common import fail as _fail
from explain import (
    ExplainConfig,
    Explainer,
    ExplainError,
    Explanation,
)
from rules import RuleEngine, RuleError, load_ruleset
from scorecard import ScorecardError, load_artifact
from subscribers import (
    IDENTITY_COLUMNS,
    RecordError,
    iter_records,
    read_subscribers,
    validate_record,
)

__all__ = ["register"]

console = Console()
err_console = Console(stderr=True)

_HELP = """Explain one subject's score: reasons, suggestions and rule flags.

Give the subject as a JSON file (--subject: a whole subscriber record, or
just feature values) or as a row of a subscriber Parquet file (--data with
--id, the subscription id). The text is in Chinese (--lang zh) or English
(--lang en); --json prints the whole explanation object.

Explaining an issued certificate by its id needs the certificate store,
which this command does not read yet: for now explain the subscriber record
the certificate was issued from, with the scorecard artifact it names.
"""


def register(app: typer.Typer) -> None:
    """Add ``explain`` to ``app``."""
    app.command("explain", help=_HELP)(explain_command)


def _json_subject(path: Path) -> tuple[dict[str, Any], Any]:
    """Facts of a subject file, and its validated record if it is a whole one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise _fail(f"{path}: expected a JSON object; {exc}", 2) from None
    if not isinstance(data, dict):
        raise _fail(f"{path}: expected a JSON object; got {type(data).__name__}", 2)
    if not any(column in data for column in IDENTITY_COLUMNS):
        return data, None
    try:
        record = validate_record(data)
    except RecordError as exc:
        raise _fail(f"{path}: {exc}", 1) from None
    return record.facts(), record


def _parquet_subject(path: Path, subscription: str) -> tuple[dict[str, Any], Any]:
    try:
        frame = read_subscribers(path, allow=("default_12m", "oracle_logodds"))
    except (RecordError, ValueError, OSError) as exc:
        raise _fail(f"{path}: {exc}", 1) from None
    rows = frame[frame["subscription_id"] == subscription]
    if rows.empty:
        raise _fail(f"{path}: no row has the subscription id given with --id", 1)
    record = next(iter_records(rows.head(1)))
    return record.facts(), record


def _background(path: Path | None) -> pd.DataFrame | None:
    if path is None:
        return None
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def _print(explanation: Explanation, lang: str) -> None:
    console.print(explanation.text[lang], markup=False, highlight=False, soft_wrap=True)
    if not explanation.reasons:
        return
    table = Table(title="reason codes")
    for column in ("code", "feature", "points"):
        table.add_column(column, justify="right" if column == "points" else "left")
    for reason in explanation.reasons:
        table.add_row(reason.code, reason.feature, f"{reason.points:+.2f}")
    console.print(table)
    ref = explanation.reference
    console.print(
        f"reference: {ref.kind} ({ref.score:.1f} points); {explanation.method}; "
        f"catalogue {explanation.catalogue_version}, templates "
        f"{explanation.template_version}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _outcome(
    facts: dict[str, Any], record: Any, rules_path: Path | None
) -> tuple[Any, Any]:
    """The rule outcome of the subject on its evaluation date (today if none)."""
    on = record.evaluation_date if record is not None else dt.date.today()
    try:
        ruleset = load_ruleset(rules_path)
        with RuleEngine(ruleset, on=on) as engine:
            outcome = engine.evaluate(record if record is not None else facts)
    except RuleError as exc:
        raise _fail(str(exc)) from None
    return outcome, ruleset


def explain_command(
    artifact: Annotated[Path, typer.Argument(help="A scorecard artifact (JSON).")],
    subject: Annotated[
        Path | None, typer.Option(help="The subject as a JSON file.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="A subscriber Parquet file (with --id).")
    ] = None,
    subscription_id: Annotated[
        str | None, typer.Option("--id", help="Subscription id of the row in --data.")
    ] = None,
    lang: Annotated[
        Literal["zh", "en"], typer.Option(help="Language of the text.")
    ] = "zh",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the explanation object as JSON.")
    ] = False,
    reference: Annotated[
        Literal["population", "cutoff", "best_bin"],
        typer.Option(help="What contributions are measured against."),
    ] = "population",
    reference_file: Annotated[
        Path | None, typer.Option(help="A saved reference (JSON) to use instead.")
    ] = None,
    background: Annotated[
        Path | None,
        typer.Option(help="Subjects (Parquet/CSV) for the 'cutoff' reference."),
    ] = None,
    rules: Annotated[
        bool, typer.Option("--rules/--no-rules", help="Evaluate the rule set too.")
    ] = True,
    rules_path: Annotated[
        Path | None, typer.Option(help="Rule files; the default rule set if omitted.")
    ] = None,
) -> None:
    if (subject is None) == (data is None):
        raise _fail("give exactly one of --subject or --data", 2)
    if data is not None and subscription_id is None:
        raise _fail("--data needs --id, the subscription id of the row", 2)
    try:
        card = load_artifact(artifact)
    except ScorecardError as exc:
        raise _fail(str(exc)) from None
    if subject is not None:
        facts, record = _json_subject(subject)
    else:
        assert data is not None
        assert subscription_id is not None
        facts, record = _parquet_subject(data, subscription_id)
    config = ExplainConfig(
        reference=reference,
        reference_file=str(reference_file) if reference_file is not None else None,
    )
    try:
        explainer = Explainer.from_config(card, config, _background(background))
    except (ExplainError, ValueError) as exc:
        raise _fail(str(exc)) from None
    outcome, ruleset = _outcome(facts, record, rules_path) if rules else (None, None)
    explanation = explainer.explain(facts, outcome, ruleset=ruleset)
    if as_json:
        print(explanation.to_json())
    else:
        _print(explanation, lang)
