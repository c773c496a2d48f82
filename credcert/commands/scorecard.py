"""Scorecard commands: train, score, monitor, compare.

``register(app)`` adds them as top-level verbs of the ``credcert`` app. They
print with rich and exit non-zero on any problem; the library below never
prints.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from credcert.commands._common import fail as _fail
from credcert.commands._common import open_artifact as _artifact
from scorecard import (
    STAGES,
    AgainstRiskWarning,
    ScorecardError,
    ScorecardSpec,
    compare,
    default_spec_path,
    load_spec,
    monitor,
    score_frame,
    train,
)

__all__ = ["register"]

console = Console()
err_console = Console(stderr=True)

_STAGE_TEXT = {
    "load": "load data and split",
    "binning": "optimal binning (optbinning)",
    "selection": "select features (IV, corr, VIF, p-value, sign)",
    "fit": "fit logit and scale points",
    "metrics": "measure and seal the artifact",
}
#: Columns copied from the input into a score file to identify each row
#: (never the phone number).
_ROW_ID_COLUMNS = ("subscription_id",)


def register(app: typer.Typer) -> None:
    """Add ``train``, ``score``, ``monitor`` and ``compare`` to ``app``."""
    app.command("train")(train_command)
    app.command("score")(score_command)
    app.command("monitor")(monitor_command)
    app.command("compare")(compare_command)


def _data(path: Path | None, synthetic: int | None, seed: int) -> pd.DataFrame | Path:
    if path is not None:
        if not path.is_file():
            raise _fail(FileNotFoundError(f"no such file: {path}"), 2)
        return path
    if synthetic is None:
        raise _fail(ValueError("give a data file or --synthetic ROWS"), 2)
    from subscribers.synth import generate

    return generate(synthetic, seed=seed)


def train_command(
    spec: Annotated[
        Path | None,
        typer.Argument(help="Spec YAML; the shipped subscriber spec if omitted."),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Folder for the artifact and its summary.")
    ] = Path("out/scorecard"),
    rows: Annotated[
        int | None,
        typer.Option(min=1000, help="Synthetic rows (subscriber specs without data)."),
    ] = None,
) -> None:
    """Train a scorecard from a spec; write the JSON artifact and a summary."""
    try:
        loaded: ScorecardSpec = load_spec(spec or default_spec_path())
    except ScorecardError as exc:
        raise _fail(exc) from None
    if rows is not None:
        dataset = loaded.dataset.model_copy(update={"synthetic_rows": rows})
        loaded = loaded.model_copy(update={"dataset": dataset})
    started = time.perf_counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console) as bar:
        tasks = {s: bar.add_task(_STAGE_TEXT[s], total=1, start=False) for s in STAGES}

        def progress(stage: str, done: int, total: int) -> None:
            if done == 0:
                bar.start_task(tasks[stage])
            bar.update(tasks[stage], completed=done, total=total)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AgainstRiskWarning)
            try:
                result = train(loaded, progress=progress)
            except (ScorecardError, OSError) as exc:
                raise _fail(exc) from None
    for warning in caught:
        err_console.print(f"warning: {warning.message}", style="yellow")
    card = result.artifact
    stem = f"{card.name}-{card.scorecard_version}"
    path = card.save(out / f"{stem}.json")
    summary = out / f"{stem}.md"
    summary.write_text(result.summary(), encoding="utf-8")
    table = Table(title=f"{card.name} {card.scorecard_version}")
    for column in ("part", "rows", "AUC", "KS", "Gini"):
        table.add_column(column, justify="right")
    for part, m in card.metrics.items():
        table.add_row(
            part, f"{m.rows:,}", f"{m.auc:.4f}", f"{m.ks:.4f}", f"{m.gini:.4f}"
        )
    console.print(table)
    if card.oracle_auc:
        console.print(f"oracle test AUC: {card.oracle_auc['test']:.4f}")
    console.print(
        f"{len(card.features)} features; artifact [bold]{path}[/], summary "
        f"[bold]{summary}[/] ({time.perf_counter() - started:.1f} s)"
    )


def score_command(
    artifact: Annotated[Path, typer.Argument(help="Scorecard artifact (JSON).")],
    data: Annotated[
        Path | None, typer.Argument(help="Subjects to score, .parquet or .csv.")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output file, .parquet or .csv.")] = Path(
        "out/scores.parquet"
    ),
    synthetic: Annotated[
        int | None, typer.Option(min=1, help="Score this many synthetic subscribers.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --synthetic.")] = 1,
) -> None:
    """Score a file: points per feature, subscores, total score and grade."""
    card = _artifact(artifact)
    source = _data(data, synthetic, seed)
    frame = _read_table(source)
    started = time.perf_counter()
    try:
        scores = score_frame(card, frame)
    except ScorecardError as exc:
        raise _fail(exc) from None
    seconds = time.perf_counter() - started
    table = scores.to_frame()
    for name in _ROW_ID_COLUMNS:
        if name in frame.columns:
            table.insert(0, name, frame[name].to_numpy())
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        table.to_csv(out, index=False)
    else:
        table.to_parquet(out, index=False)
    grades = (
        pd.Series(scores.grade)
        .value_counts()
        .reindex([g.grade for g in card.grades], fill_value=0)
    )
    summary = Table(title=f"{len(frame):,} scored in {seconds:.2f} s -> {out}")
    for column in ("grade", "name", "count", "share"):
        summary.add_column(column, justify="right")
    for band in card.grades:
        count = int(grades[band.grade])
        summary.add_row(
            band.grade,
            f"{band.zh} / {band.en}",
            f"{count:,}",
            f"{count / max(len(frame), 1):.1%}",
        )
    console.print(summary)


def _read_table(source: pd.DataFrame | Path) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if source.suffix.lower() == ".parquet":
        return pd.read_parquet(source)
    return pd.read_csv(source)


_FLAG_STYLE = {"stable": "green", "watch": "yellow", "shift": "red"}


def monitor_command(
    artifact: Annotated[Path, typer.Argument(help="Scorecard artifact (JSON).")],
    data: Annotated[
        Path | None, typer.Argument(help="New batch, .parquet or .csv.")
    ] = None,
    synthetic: Annotated[
        int | None, typer.Option(min=1, help="Use this many synthetic subscribers.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --synthetic.")] = 1,
) -> None:
    """PSI of the score and CSI per feature against the training sample."""
    card = _artifact(artifact)
    try:
        report = monitor(card, _data(data, synthetic, seed))
    except ScorecardError as exc:
        raise _fail(exc) from None
    style = _FLAG_STYLE[report.score_flag]
    console.print(
        f"score PSI [bold {style}]{report.score_psi:.4f}[/] ({report.score_flag}) "
        f"over {report.rows:,} rows; flags at 0.1 (watch) and 0.25 (shift)"
    )
    table = Table(title="CSI per feature")
    for column in ("feature", "dimension", "CSI", "flag"):
        table.add_column(column)
    for row in report.csi.to_dict("records"):
        flag = str(row["flag"])
        table.add_row(
            str(row["feature"]),
            str(row["dimension"]),
            f"{row['csi']:.4f}",
            f"[{_FLAG_STYLE[flag]}]{flag}[/]",
        )
    console.print(table)


def compare_command(
    champion: Annotated[Path, typer.Argument(help="Champion artifact (JSON).")],
    challenger: Annotated[Path, typer.Argument(help="Challenger artifact (JSON).")],
    data: Annotated[
        Path | None, typer.Argument(help="Labelled data, .parquet or .csv.")
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="Target column; the champion's by default.")
    ] = None,
    synthetic: Annotated[
        int | None, typer.Option(min=1, help="Use this many synthetic subscribers.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --synthetic.")] = 1,
) -> None:
    """Champion against challenger: AUC, KS, Gini and the grade swap set."""
    first, second = _artifact(champion), _artifact(challenger)
    try:
        result = compare(first, second, _data(data, synthetic, seed), target=target)
    except ScorecardError as exc:
        raise _fail(exc) from None
    table = Table(title="champion / challenger")
    for column in ("model", "name", "version", "AUC", "KS", "Gini"):
        table.add_column(column)
    for model, row in result.metrics.iterrows():
        table.add_row(
            str(model),
            row["name"],
            row["version"],
            f"{row['auc']:.4f}",
            f"{row['ks']:.4f}",
            f"{row['gini']:.4f}",
        )
    console.print(table)
    swap = Table(title="swap set: champion grade (rows) x challenger grade")
    swap.add_column("")
    for column in result.swap.columns:
        swap.add_column(str(column), justify="right")
    for grade, row in result.swap.iterrows():
        swap.add_row(str(grade), *(f"{int(v):,}" for v in row))
    console.print(swap)
