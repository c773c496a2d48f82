"""The ``credcert`` command line: one verb per job a user runs.

Commands print with rich and exit non-zero on any problem. Library code
below this layer never prints; progress bars and tables live here.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from credcert.commands import certificates as certificate_commands
from credcert.commands import domain as domain_commands
from credcert.commands import explain as explain_commands
from credcert.commands import reports as report_commands
from credcert.commands import rules as rules_commands
from credcert.commands import scenarios as scenario_commands
from credcert.commands import scorecard as scorecard_commands
from credcert.commands import service as service_commands
from credcert.commands._common import err_console, fail
from credcert.commands.reports import write_reports
from credcert.pipeline import CertificateRun, run_certificates, write_policy_report
from rules import load_ruleset
from scorecard import default_spec_path, train
from subscribers import (
    FIELDS,
    RecordError,
    read_subscribers,
    summarize,
    write_subscribers,
)
from subscribers import synth as synthesis
from subscribers._markdown import catalogue_markdown

__all__ = ["app"]

console = Console()

app = typer.Typer(
    name="credcert",
    help="Explainable mobile credit certificates (手机信用证书).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
data_app = typer.Typer(
    help="Subscriber files: synthesise and check.", no_args_is_help=True
)
app.add_typer(data_app, name="data")
app.add_typer(rules_commands.app, name="rules")
scorecard_commands.register(app)
explain_commands.register(app)
certificate_commands.register(app)
report_commands.register(app)
service_commands.register(app)
scenario_commands.register(app)
domain_commands.register(app)

_OUTCOME_COLUMNS = (synthesis.TARGET, synthesis.ORACLE)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date YYYY-MM-DD; got {value!r}") from None


@data_app.command("synth")
def data_synth(
    rows: Annotated[int, typer.Option(min=1, help="Number of subscribers.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same file.")] = 0,
    out: Annotated[Path, typer.Option(help="Output file, .parquet or .csv.")] = Path(
        "out/subscribers.parquet"
    ),
    evaluation_date: Annotated[
        str, typer.Option(help="Evaluation date of every record (YYYY-MM-DD).")
    ] = synthesis.DEFAULT_EVALUATION_DATE.isoformat(),
) -> None:
    """Write a synthetic subscriber file with a known risk model."""
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise typer.BadParameter(
            f"expected a .parquet or .csv file name; got {out.name!r}",
            param_hint="--out",
        )
    started = time.perf_counter()
    frame = synthesis.generate(rows, seed=seed, evaluation_date=_date(evaluation_date))
    write_subscribers(frame, out)
    seconds = time.perf_counter() - started
    console.print(
        f"wrote [bold]{rows:,}[/] synthetic subscribers to [bold]{out}[/] "
        f"in {seconds:.1f} s (default rate {frame[synthesis.TARGET].mean():.2%})"
    )


@data_app.command("check")
def data_check(
    path: Annotated[Path, typer.Argument(help="A .parquet or .csv subscriber file.")],
) -> None:
    """Validate a subscriber file against the data contract; list every problem."""
    if not path.is_file():
        raise fail(f"no such file: {path}", 2)
    try:
        frame = read_subscribers(path, allow=_OUTCOME_COLUMNS)
    except (RecordError, ValueError) as exc:
        raise fail(exc) from None
    console.print(f"{path}: {len(frame):,} records, all valid", soft_wrap=True)


@data_app.command("fields")
def data_fields(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print a Markdown table.")
    ] = False,
) -> None:
    """List every field of the data contract with its metadata."""
    if markdown:
        print(catalogue_markdown(), end="")
        return
    table = Table(title="subscriber fields (data contract)")
    for column in (
        "field",
        "role",
        "dimension",
        "category",
        "unit",
        "actionable",
        "中文",
    ):
        table.add_column(column, overflow="fold")
    for spec in FIELDS.values():
        table.add_row(
            spec.name,
            spec.role.value,
            spec.dimension.value if spec.dimension else "",
            spec.category.value,
            spec.unit,
            "yes" if spec.actionable else "no",
            spec.zh,
        )
    console.print(table)


def print_summary(frame_path: Path) -> None:
    """Print the per-field summary table of a subscriber file."""
    frame = read_subscribers(frame_path, allow=_OUTCOME_COLUMNS)
    table = Table(title=f"{len(frame):,} subscribers in {frame_path}")
    for column in ("field", "dimension", "missing", "typical", "min", "max"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for row in summarize(frame):
        table.add_row(
            row.name,
            row.dimension,
            f"{row.missing_share:.1%}",
            row.typical,
            row.low,
            row.high,
        )
    console.print(table)
    if synthesis.TARGET in frame:
        console.print(f"12-month default rate: {frame[synthesis.TARGET].mean():.2%}")


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option(help="Folder for everything the demo writes.")
    ] = Path("out/demo"),
    rows: Annotated[
        int, typer.Option(min=5000, help="Synthetic training rows.")
    ] = 40_000,
    applicants: Annotated[
        int, typer.Option(min=100, help="Synthetic subscribers to certify.")
    ] = 5_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Run the main job end to end on embedded defaults and say where it wrote.

    Synthesise subscribers, train the scorecard, issue signed certificates
    into SQLite, write example certificates, a partner view and one signed
    answer per scenario, write every report (the policy report too), and
    print where each part is.
    """
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]credcert demo")

    training = synthesis.generate(rows, seed=seed)
    training_path = write_subscribers(training, out / "subscribers.parquet")
    console.print(f"1. synthesised {rows:,} subscribers for training")
    print_summary(training_path)

    with (
        console.status("2. training the scorecard"),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        result = train(default_spec_path(), training)
    for warning in caught:
        err_console.print(f"warning: {warning.message}", style="yellow")
    card = result.artifact
    artifact_path = card.save(out / "scorecard" / f"{card.name}.json")
    test = card.metrics["test"]
    console.print(
        f"2. trained {card.name} {card.scorecard_version}: {len(card.features)} "
        f"features, test AUC {test.auc:.3f}, KS {test.ks:.3f}"
    )

    batch = synthesis.generate(applicants, seed=seed + 1)
    batch_path = write_subscribers(batch, out / "applicants.parquet")
    with console.status("3. issuing certificates"):
        run = run_certificates(batch_path, out, scorecard=artifact_path)
    console.print(
        f"3. issued {run.report.rows:,} certificates "
        f"({_status_counts(run)}); decision log checked: "
        f"{'no problems' if not run.log_problems else run.log_problems}"
    )

    certificates = [
        json.loads(path.read_text(encoding="utf-8"))
        for name, path in sorted(run.examples.items())
        if path.name.startswith("certificate-")
    ]
    with console.status("4. writing reports"):
        written = write_reports(
            card,
            out / "reports",
            data=training,
            batch=batch,
            certificates=certificates,
            roc=result.roc,
            ruleset=load_ruleset(),
        )
        policy = write_policy_report(run, batch, out / "reports" / "policy.html")
    written["policy"] = policy.path
    console.print(
        f"4. wrote {len(written)} reports; policy report: {_flagged(policy.flagged)}"
    )

    table = Table(title="where everything is", show_header=False)
    table.add_column("what")
    table.add_column("where", overflow="fold")
    table.add_row("subscribers (training)", str(training_path))
    table.add_row("scorecard artifact", str(artifact_path))
    table.add_row("certificates (Parquet)", str(run.certificates))
    table.add_row("database", run.database)
    table.add_row("public keys", str(run.public_keys))
    table.add_row("example certificates", str(out / "examples"))
    for name, path in sorted(run.examples.items()):
        if name.startswith("answer_"):
            scenario = name.removeprefix("answer_")
            table.add_row(f"example answer ({scenario})", str(path))
    documents = [p for name, p in written.items() if name.startswith("certificate")]
    for name, path in sorted(written.items()):
        if path not in documents:
            table.add_row(f"{name} report", str(path))
    table.add_row(
        "certificate documents", f"{len(documents)} pages in {out / 'reports'}"
    )
    console.print(table)
    console.print(f"done in {time.perf_counter() - started:.0f} s")


def _flagged(flagged: list[tuple[str, str, str]]) -> str:
    if not flagged:
        return "no group flagged"
    groups = ", ".join(f"{s}: {a}={g}" for s, a, g in flagged)
    n = len(flagged)
    return (
        f"{n} group{'s' * (n != 1)} under 0.8 of the best group's yes-rate ({groups})"
    )


def _status_counts(run: CertificateRun) -> str:
    counts = run.report.statuses
    return ", ".join(f"{status} {n:,}" for status, n in sorted(counts.items()))


def main() -> None:  # pragma: no cover - the console-script entry point
    app()
