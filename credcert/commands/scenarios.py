"""``credcert scenarios``: check and test policy files, answer and explain offline.

Every command exits with code 1 when it finds a problem (so CI can run
``check`` and ``test``) and 2 when it was misused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from credcert._config import home
from credcert._errors import CredcertError, VerificationError
from credcert.commands._common import fail
from credcert.policies import (
    NOT_ISSUED,
    Policy,
    PolicyFileError,
    PolicyProblem,
    PolicySet,
    answer,
    check_policies,
    explain_answer,
    load_policies,
    run_examples,
)
from credcert.signing import KeyRing, parse_time, verify_document
from reports import write_page
from rules import RuleFileError, RuleSet, load_ruleset

__all__ = ["app", "register"]

app = typer.Typer(
    help="Scenario policies: check, test, answer a partner's question, explain.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

PathArgument = Annotated[
    Path | None,
    typer.Argument(
        help="A policy file or a folder of them; the shipped policies if omitted."
    ),
]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Rule set the rule ids are checked against."),
]
_HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="credcert home folder (default $CREDCERT_HOME)."),
]
_AtOption = Annotated[
    str | None,
    typer.Option("--at", help="When, YYYY-MM-DDTHH:MM:SSZ (default: now)."),
]
_StatusOption = Annotated[
    str | None,
    typer.Option(
        help=f"The certificate's current status if not the signed one "
        f"({', '.join(s for s in NOT_ISSUED if s != 'expired')})."
    ),
]


def register(app_: typer.Typer) -> None:
    """Add ``scenarios`` with its commands to the ``credcert`` app."""
    app_.add_typer(app, name="scenarios")


@app.command("check")
def check(path: PathArgument = None, rules: RulesOption = None) -> None:
    """Validate policy files; report every problem with file:line."""
    ruleset = _ruleset(rules)
    problems = check_policies(path, ruleset=ruleset)
    if problems:
        _print_problems(problems)
        raise typer.Exit(1)
    policies = load_policies(path, ruleset=ruleset)
    console.print(
        f"[green]ok[/] {len(policies.policies)} policies for "
        f"{len(policies.scenarios)} scenarios ({', '.join(policies.scenarios)}), "
        f"no problems (checksum {policies.checksum[:16]})"
    )


@app.command("test")
def run_tests(path: PathArgument = None, rules: RulesOption = None) -> None:
    """Run every example shipped in the policy files."""
    ruleset = _ruleset(rules)
    policies = _load(path, ruleset)
    results = run_examples(policies, ruleset=ruleset)
    failed = [r for r in results if not r.passed]
    for r in failed:
        err_console.print(
            f"[red]FAIL[/] {escape(r.file)}: {r.scenario}@{r.version} "
            f"{escape(repr(r.name))}: expected {r.expected!r}, got {r.got!r}",
            highlight=False,
        )
    colour = "red" if failed else "green"
    console.print(
        f"[{colour}]{len(results) - len(failed)} of {len(results)} examples pass[/] "
        f"({len(policies.policies)} policies)"
    )
    if failed:
        raise typer.Exit(1)


@app.command("answer")
def answer_command(
    certificate: Annotated[Path, typer.Argument(help="A signed certificate (JSON).")],
    scenario: Annotated[str, typer.Option(help="lending, deposit_free_rental, ...")],
    partner: Annotated[str, typer.Option(help="Who asks; the answer is bound to it.")],
    status: _StatusOption = None,
    at: _AtOption = None,
    out: Annotated[Path | None, typer.Option(help="Write the answer here.")] = None,
    path: Annotated[
        Path | None,
        typer.Option("--policies", help="Policy folder (default: shipped)."),
    ] = None,
    folder: _HomeOption = None,
) -> None:
    """Answer a scenario's question about a certificate: a signed answer (JSON)."""
    moment = _moment(at)
    ring = KeyRing.open(home(folder) / "keys", create=False)
    document = _certificate(certificate, ring)
    policy = _policy(path, scenario, moment)
    try:
        signed = answer(
            policy,
            document,
            at=moment,
            key=ring.active(),
            partner=partner,
            status=status,
        )
    except CredcertError as exc:
        raise fail(f"{certificate}: {exc}", 2) from None
    text = json.dumps(signed, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        print(text, end="")
        return
    out.write_text(text, encoding="utf-8")
    console.print(
        f"answer {signed['answer']!r} for {partner} ({scenario}) written to {out}",
        highlight=False,
    )


@app.command("explain")
def explain_command(
    certificate: Annotated[Path, typer.Argument(help="A signed certificate (JSON).")],
    scenario: Annotated[str, typer.Option(help="lending, deposit_free_rental, ...")],
    lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    status: _StatusOption = None,
    at: _AtOption = None,
    path: Annotated[
        Path | None,
        typer.Option("--policies", help="Policy folder (default: shipped)."),
    ] = None,
    folder: _HomeOption = None,
) -> None:
    """Say why a certificate gets its answer and what would change it."""
    if lang not in ("zh", "en"):
        raise fail(f"--lang: expected zh or en; got {lang!r}", 2)
    moment = _moment(at)
    ring = KeyRing.open(home(folder) / "keys", create=False)
    document = _certificate(certificate, ring)
    policy = _policy(path, scenario, moment)
    try:
        explanation = explain_answer(policy, document, at=moment, status=status)
    except CredcertError as exc:
        raise fail(f"{certificate}: {exc}", 2) from None
    for line in explanation.lines(lang):
        console.print(line, markup=False, highlight=False)


@app.command("report")
def report_command(
    source: Annotated[Path, typer.Option("--in", help="Sample of subscribers.")],
    scorecard: Annotated[Path, typer.Option(help="Scorecard artifact (JSON).")],
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path(
        "out/policy-report.html"
    ),
    rows: Annotated[int, typer.Option(min=1, help="Subscribers read at most.")] = 5000,
    path: Annotated[
        Path | None,
        typer.Option("--policies", help="Policy folder (default: shipped)."),
    ] = None,
    rules: RulesOption = None,
    at: _AtOption = None,
) -> None:
    """Who gets which answer in each scenario, by grade and by group (HTML).

    Certificates for the sample are issued in memory (nothing is stored or
    signed with the home's keys); groups whose yes-rate is under 0.8 of the
    best group's are flagged.
    """
    from credcert.policies._report import policy_report

    if not source.is_file():
        raise fail(f"no such file: {source}", 2)
    moment = _moment(at)
    ruleset = _ruleset(rules)
    policies = _load(path, ruleset)
    try:
        page, flagged = policy_report(
            source, scorecard, policies, ruleset, at=moment, rows=rows
        )
    except (CredcertError, ValueError) as exc:
        raise fail(exc) from None
    write_page(page, out)
    console.print(f"wrote the policy report to [bold]{escape(str(out))}[/]")
    for scenario, attribute, group in flagged:
        err_console.print(
            f"[yellow]flagged[/] {scenario}: {attribute}={escape(group)} gets "
            "positive answers under 0.8 of the best group's rate",
            highlight=False,
        )


def _moment(at: str | None) -> dt.datetime:
    if at is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        return parse_time(at)
    except ValueError:
        raise fail(f"--at: expected YYYY-MM-DDTHH:MM:SSZ; got {at!r}", 2) from None


def _certificate(path: Path, ring: KeyRing) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise fail(f"{path}: cannot read a JSON certificate: {exc}", 2) from None
    try:
        verify_document(document, ring.public())
    except VerificationError as exc:
        raise fail(f"{path}: the certificate does not verify: {exc}") from None
    return document


def _policy(path: Path | None, scenario: str, moment: dt.datetime) -> Policy:
    policies = _load(path, None)
    try:
        return policies.policy(scenario, moment.date())
    except CredcertError as exc:
        raise fail(str(exc), 2) from None


def _ruleset(path: Path | None) -> RuleSet:
    try:
        return load_ruleset(path)
    except RuleFileError as exc:
        raise fail(f"--rules: the rule set does not load:\n{exc}", 2) from None


def _load(path: Path | None, ruleset: RuleSet | None) -> PolicySet:
    try:
        return load_policies(path, ruleset=ruleset)
    except PolicyFileError as exc:
        _print_problems(exc.problems)
        raise typer.Exit(1) from None


def _print_problems(problems: Sequence[PolicyProblem]) -> None:
    """One line per problem, ``file:line: code: message``, then a count."""
    for p in problems:
        err_console.print(
            f"[cyan]{escape(p.file)}:{p.line}[/]: [red]{p.code}[/]: "
            f"{escape(p.message)}",
            highlight=False,
        )
    files = len({p.file for p in problems})
    err_console.print(
        f"[red bold]{len(problems)} problem{'s' * (len(problems) != 1)}[/] "
        f"in {files} file{'s' * (files != 1)}"
    )
