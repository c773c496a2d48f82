"""Report commands: ``credcert report scorecard / monitor / fairness / certificate``.

``register(app)`` adds the ``report`` group to the ``credcert`` app;
:func:`write_reports` writes every report of one run into a folder (what
``credcert demo`` calls). Pages are self-contained HTML files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from credcert.commands._common import fail as _fail
from credcert.commands._common import open_artifact as _artifact
from reports import (
    ReportError,
    render_certificate,
    render_fairness_report,
    render_monitoring_report,
    render_rulebook,
    render_scorecard_report,
    write_page,
)
from rules import RuleSet, run_examples
from scorecard import ScorecardArtifact, ScorecardError, monitor

__all__ = ["register", "write_reports"]

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    help="Render reports as self-contained HTML pages.", no_args_is_help=True
)


class Lang(StrEnum):
    zh = "zh"
    en = "en"
    both = "both"


def register(app_: typer.Typer) -> None:
    """Add the ``report`` command group to ``app_``."""
    app_.add_typer(app, name="report")


def write_reports(
    artifact: ScorecardArtifact,
    out_dir: str | Path,
    *,
    data: pd.DataFrame | None = None,
    batch: pd.DataFrame | None = None,
    certificates: Iterable[Mapping[str, Any]] = (),
    roc: Mapping[str, Any] | None = None,
    ruleset: RuleSet | None = None,
) -> dict[str, Path]:
    """Write every report one run can produce into ``out_dir``.

    Parameters
    ----------
    artifact : ScorecardArtifact
    out_dir : path
    data : pandas.DataFrame, optional
        Labelled rows with group attributes: the development report's ROC
        and distributions, and the fairness report.
    batch : pandas.DataFrame, optional
        A later batch: the monitoring report.
    certificates : iterable of mapping
        Certificate JSON objects: one document per certificate and language.
    roc : mapping, optional
        ``TrainingResult.roc``, for train and test ROC curves.
    ruleset : RuleSet, optional
        The rule set: the rulebook with its examples run.

    Returns
    -------
    dict
        Report name to the file written (``scorecard``, ``monitor``,
        ``fairness``, ``rulebook``, ``certificate-<id>-<lang>``).
    """
    out = Path(out_dir)
    written = {
        "scorecard": write_page(
            render_scorecard_report(artifact, data=data, roc=roc),
            out / "scorecard.html",
        )
    }
    if batch is not None:
        page = render_monitoring_report(artifact, monitor(artifact, batch))
        written["monitor"] = write_page(page, out / "monitor.html")
    if data is not None:
        page = render_fairness_report(artifact, data)
        written["fairness"] = write_page(page, out / "fairness.html")
    if ruleset is not None:
        page = render_rulebook(ruleset, examples=run_examples(ruleset))
        written["rulebook"] = write_page(page, out / "rulebook.html")
    for certificate in certificates:
        for lang in ("zh", "en"):
            name = f"certificate-{certificate['id']}-{lang}"
            page = render_certificate(certificate, lang=lang, artifact=artifact)
            written[name] = write_page(page, out / f"{name}.html")
    return written


def _frame(path: Path | None, synthetic: int | None, seed: int) -> pd.DataFrame:
    if path is not None:
        if not path.is_file():
            raise _fail(FileNotFoundError(f"no such file: {path}"), 2)
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".csv":
            return pd.read_csv(path)
        raise _fail(ValueError(f"{path}: expected .parquet or .csv; got {suffix}"), 2)
    if synthetic is None:
        raise _fail(ValueError("give a data file or --synthetic ROWS"), 2)
    from subscribers.synth import generate

    return generate(synthetic, seed=seed)


def _write(page_of: Any, out: Path) -> None:
    try:
        page = page_of()
    except (ReportError, ScorecardError) as exc:
        raise _fail(exc) from None
    path = write_page(page, out)
    console.print(f"wrote [bold]{path}[/] ({path.stat().st_size / 1024:,.0f} KiB)")


ArtifactArg = Annotated[Path, typer.Argument(help="Scorecard artifact (JSON).")]
DataArg = Annotated[
    Path | None, typer.Argument(help="Labelled rows, .parquet or .csv.")
]
Synthetic = Annotated[
    int | None, typer.Option(min=100, help="Use this many synthetic subscribers.")
]
Seed = Annotated[int, typer.Option(help="Seed of --synthetic.")]


@app.command("scorecard")
def scorecard_command(
    artifact: ArtifactArg,
    data: DataArg = None,
    synthetic: Synthetic = None,
    seed: Seed = 1,
    out: Annotated[Path, typer.Option(help="Output HTML file.")] = Path(
        "out/reports/scorecard.html"
    ),
) -> None:
    """Scorecard development report; ROC, KS and distributions need data."""
    card = _artifact(artifact)
    frame = (
        None if data is None and synthetic is None else _frame(data, synthetic, seed)
    )
    _write(lambda: render_scorecard_report(card, data=frame), out)


@app.command("monitor")
def monitor_command(
    artifact: ArtifactArg,
    data: Annotated[
        Path | None, typer.Argument(help="The new batch, .parquet or .csv.")
    ] = None,
    synthetic: Synthetic = None,
    seed: Seed = 2,
    label: Annotated[str, typer.Option(help="Name of the batch on the page.")] = "",
    out: Annotated[Path, typer.Option(help="Output HTML file.")] = Path(
        "out/reports/monitor.html"
    ),
) -> None:
    """Monitoring report: PSI of the score and CSI per feature against training."""
    card = _artifact(artifact)
    frame = _frame(data, synthetic, seed)
    name = label or (data.name if data is not None else f"{len(frame):,} synthetic")

    def page() -> str:
        return render_monitoring_report(card, monitor(card, frame), batch_label=name)

    _write(page, out)


@app.command("fairness")
def fairness_command(
    artifact: ArtifactArg,
    data: DataArg = None,
    synthetic: Synthetic = None,
    seed: Seed = 3,
    group: Annotated[
        list[str] | None,
        typer.Option(
            help="Group attribute column (repeat); age_band, region, "
            "migrant if omitted."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Output HTML file.")] = Path(
        "out/reports/fairness.html"
    ),
) -> None:
    """Fairness report: outcomes at the cutoff by group, with fairlearn."""
    card = _artifact(artifact)
    frame = _frame(data, synthetic, seed)
    label = data.name if data is not None else f"{len(frame):,} synthetic subscribers"
    groups = tuple(group) if group else ("age_band", "region", "migrant")
    _write(
        lambda: render_fairness_report(card, frame, groups=groups, data_label=label),
        out,
    )


@app.command("certificate")
def certificate_command(
    certificate: Annotated[
        Path, typer.Argument(help="Certificate JSON (one object or a list).")
    ],
    lang: Annotated[Lang, typer.Option(help="Language of the document.")] = Lang.both,
    artifact: Annotated[
        Path | None,
        typer.Option(help="Scorecard artifact: grade names and bands on the chart."),
    ] = None,
    out_dir: Annotated[Path, typer.Option(help="Folder for the pages.")] = Path(
        "out/reports"
    ),
) -> None:
    """Certificate document for the subscriber, in Chinese and/or English."""
    try:
        loaded = json.loads(certificate.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise _fail(ValueError(f"{certificate}: cannot read JSON: {exc}"), 2) from None
    documents = loaded if isinstance(loaded, list) else [loaded]
    card = _artifact(artifact) if artifact is not None else None
    languages = ("zh", "en") if lang is Lang.both else (lang.value,)
    for document in documents:
        if not isinstance(document, dict) or "id" not in document:
            raise _fail(ValueError(f"{certificate}: expected certificate objects"), 2)
        for code in languages:

            def page(doc: dict[str, Any] = document, code: str = code) -> str:
                return render_certificate(doc, lang=code, artifact=card)

            _write(page, out_dir / f"certificate-{document['id']}-{code}.html")
