"""``credcert rules``: check, test, document and compare compliance rule files.

Every command exits with code 1 when it finds a problem, so CI can run them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from reports.rulebook import render_rule_diff, render_rulebook
from rules import (
    RuleFileError,
    RuleProblem,
    RuleSet,
    check_rules,
    diff_rulesets,
    load_ruleset,
    run_examples,
)

__all__ = ["app"]

app = typer.Typer(
    help="Compliance rule files: check, test, document, compare.",
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)

PathArgument = Annotated[
    Path | None,
    typer.Argument(
        help="A rule file or a directory of them; the default rule set if omitted."
    ),
]


@app.command("check")
def check(path: PathArgument = None) -> None:
    """Validate rule files and report every problem with file:line and rule id."""
    problems = check_rules(path)
    if problems:
        _print_problems(problems)
        raise typer.Exit(1)
    ruleset = load_ruleset(path)
    console.print(
        f"[green]ok[/] {ruleset.name} {ruleset.version}: {len(ruleset.rules)} rules "
        f"in {len(ruleset.families)} files, no problems "
        f"(checksum {ruleset.checksum[:16]})"
    )


@app.command("test")
def run_tests(path: PathArgument = None) -> None:
    """Run every example embedded in the rule files through durable_rules."""
    ruleset = _load(path)
    results = run_examples(ruleset)
    failed = [r for r in results if not r.passed]
    for result in failed:
        err_console.print(f"[red]FAIL[/] {result}")
    colour = "red" if failed else "green"
    console.print(
        f"[{colour}]{len(results) - len(failed)} of {len(results)} examples pass[/] "
        f"({ruleset.name} {ruleset.version})"
    )
    if failed:
        raise typer.Exit(1)


@app.command("doc")
def doc(
    path: PathArgument = None,
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path(
        "out/rulebook.html"
    ),
    previous: Annotated[
        Path | None,
        typer.Option(help="The previous rule-set version, to add a change report."),
    ] = None,
) -> None:
    """Render the rulebook for regulators as one self-contained HTML page."""
    ruleset = _load(path)
    results = run_examples(ruleset)
    diff = diff_rulesets(_load(previous), ruleset) if previous is not None else None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_rulebook(ruleset, examples=results, diff=diff), "utf-8")
    failed = sum(not r.passed for r in results)
    console.print(
        f"wrote the rulebook of {ruleset.name} {ruleset.version} "
        f"({len(ruleset.rules)} rules) to [bold]{out}[/]"
    )
    if failed:
        err_console.print(f"[red]{failed} examples fail[/]; the rulebook marks them")
        raise typer.Exit(1)


@app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The older rule set (file or dir).")],
    new: Annotated[Path, typer.Argument(help="The newer rule set (file or dir).")],
    html: Annotated[
        Path | None, typer.Option(help="Also write the change report as HTML here.")
    ] = None,
) -> None:
    """Say in plain words what changed between two rule-set versions."""
    changes = diff_rulesets(_load(old), _load(new))
    console.print(str(changes), markup=False, highlight=False)
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_rule_diff(changes), "utf-8")
        console.print(f"wrote the change report to [bold]{html}[/]")


def _load(path: Path | None) -> RuleSet:
    try:
        return load_ruleset(path)
    except RuleFileError as exc:
        _print_problems(exc.problems)
        raise typer.Exit(1) from None


def _print_problems(problems: tuple[RuleProblem, ...] | list[RuleProblem]) -> None:
    """One line per problem, ``file:line: [RULE] code: message``, then a count."""
    for p in problems:
        rule = f" [bold]{escape(f'[{p.rule_id}]')}[/]" if p.rule_id else ""
        err_console.print(
            f"[cyan]{escape(p.file)}:{p.line}[/]:{rule} [red]{p.code}[/]: "
            f"{escape(p.message)}",
            highlight=False,
            soft_wrap=True,
        )
    files = len({p.file for p in problems})
    err_console.print(
        f"[red bold]{len(problems)} problem{'s' * (len(problems) != 1)}[/] "
        f"in {files} file{'s' * (files != 1)}"
    )
