"""What the commands share: how a command reports a problem and gives up."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from scorecard import ScorecardArtifact, ScorecardError, load_artifact

__all__ = ["err_console", "fail", "open_artifact"]

err_console = Console(stderr=True)


def fail(problem: Exception | str, code: int = 1) -> typer.Exit:
    """Print ``problem`` in red on standard error; return the exit to raise.

    Exit code 1 means the input was bad, 2 that the command was misused.
    """
    err_console.print(
        str(problem), style="red", markup=False, highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


def open_artifact(path: Path) -> ScorecardArtifact:
    """Load a scorecard artifact, or fail the command saying why not."""
    try:
        return load_artifact(path)
    except ScorecardError as exc:
        raise fail(exc) from None
