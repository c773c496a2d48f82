"""Reading policy files into a :class:`PolicySet`, collecting every problem on the way.

Each file is one version of one scenario's policy. Files are read one by
one, so one broken file does not hide the problems of the others; checks
across files (a version defined twice, two versions in force on one day)
run last. Every problem carries ``file:line``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from credcert.policies._check import check_policy
from credcert.policies._errors import (
    PolicyFileError,
    PolicyNotFoundError,
    PolicyProblem,
)
from credcert.policies._schema import Policy
from credcert.policies._yaml import LineDict, line_of, load_yaml
from rules import RuleSet, load_ruleset

__all__ = [
    "PolicySet",
    "check_policies",
    "default_policies",
    "default_policy_path",
    "load_policies",
]


def default_policy_path() -> Path:
    """The folder of the policy files shipped with credcert."""
    return Path(__file__).resolve().parents[1] / "scenarios" / "policies"


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Every version of every scenario policy read from a folder.

    Attributes
    ----------
    policies : tuple of Policy
        In file-name order.
    checksum : str
        SHA-256 over the files' names and bytes; changes with any edit.
    """

    policies: tuple[Policy, ...]
    checksum: str

    @property
    def scenarios(self) -> tuple[str, ...]:
        """Scenario names, sorted."""
        return tuple(sorted({p.scenario for p in self.policies}))

    def versions(self, scenario: str) -> tuple[Policy, ...]:
        """Every version of ``scenario``, oldest first."""
        return tuple(
            sorted(
                (p for p in self.policies if p.scenario == scenario),
                key=lambda p: p.version,
            )
        )

    def policy(self, scenario: str, on: dt.date) -> Policy:
        """The version of ``scenario`` in force on ``on``.

        Raises
        ------
        PolicyNotFoundError
            If the scenario is unknown or no version is in force that day.
        """
        versions = self.versions(scenario)
        if not versions:
            raise PolicyNotFoundError(
                f"scenario {scenario!r}: expected one of {', '.join(self.scenarios)}"
            )
        for policy in versions:
            if policy.effective_on(on):
                return policy
        spans = ", ".join(
            f"version {p.version} from {p.effective_from} to {p.effective_to or 'open'}"
            for p in versions
        )
        raise PolicyNotFoundError(
            f"scenario {scenario!r}: no version is in force on {on} ({spans})"
        )


def load_policies(
    path: str | Path | None = None, *, ruleset: RuleSet | None = None
) -> PolicySet:
    """Read and check the policy files of a folder (or one file).

    Parameters
    ----------
    path : str or Path, optional
        A folder (every ``*.yaml`` in it) or one file; the shipped
        policies when omitted.
    ruleset : RuleSet, optional
        The rule set that rule ids are checked against; the shipped one by
        default.

    Raises
    ------
    PolicyFileError
        With every problem of every file, each with ``file:line``.

    Examples
    --------
    >>> from credcert.policies import load_policies
    >>> load_policies().scenarios
    ('deposit_free_rental', 'government_service', 'lending', 'tenancy')
    """
    policies, problems = _read(path, ruleset)
    if problems:
        raise PolicyFileError(problems)
    return policies


def check_policies(
    path: str | Path | None = None, *, ruleset: RuleSet | None = None
) -> list[PolicyProblem]:
    """Every problem of the policy files; empty when they load. Never raises."""
    return _read(path, ruleset)[1]


@functools.cache
def default_policies() -> PolicySet:
    """The shipped policies against the shipped rule set, read once."""
    return load_policies()


def _files(path: str | Path | None) -> list[Path]:
    root = Path(path) if path is not None else default_policy_path()
    if root.is_dir():
        return sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    return [root]


def _read(
    path: str | Path | None, ruleset: RuleSet | None
) -> tuple[PolicySet, list[PolicyProblem]]:
    rules = ruleset if ruleset is not None else load_ruleset()
    problems: list[PolicyProblem] = []
    policies: list[Policy] = []
    digest = hashlib.sha256()
    files = _files(path)
    if not files:
        problems.append(PolicyProblem(str(path), 1, "schema", "no policy files here"))
    for file in files:
        try:
            raw = file.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(PolicyProblem(str(file), 1, "yaml", f"cannot read: {exc}"))
            continue
        digest.update(file.name.encode() + b"\0" + raw + b"\0")
        policy = _read_file(str(file), text, rules, problems)
        if policy is not None:
            policies.append(policy)
    _check_across(policies, problems)
    problems.sort(key=lambda p: (p.file, p.line))
    return PolicySet(tuple(policies), digest.hexdigest()), problems


def _read_file(
    file: str, text: str, rules: RuleSet, problems: list[PolicyProblem]
) -> Policy | None:
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(PolicyProblem(file, line, "yaml", str(exc).splitlines()[0]))
        return None
    if not isinstance(data, LineDict):
        problems.append(
            PolicyProblem(file, 1, "schema", "expected a mapping (one scenario policy)")
        )
        return None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems.extend(_schema_problems(file, data, exc))
        return None
    policy._file = file
    policy._line = line_of(data, ["scenario"])

    def report(loc: Sequence[str | int], code: str, message: str) -> None:
        problems.append(PolicyProblem(file, line_of(data, loc), code, message))

    before = len(problems)
    check_policy(policy, rules, report)
    return policy if len(problems) == before else None


def _schema_problems(
    file: str, data: Any, exc: ValidationError
) -> Iterable[PolicyProblem]:
    for error in exc.errors(include_input=False):
        loc = list(error["loc"])
        where = ".".join(str(p) for p in loc) or "policy"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = f"unknown field; {message.lower()}"
        yield PolicyProblem(file, line_of(data, loc), "schema", f"{where}: {message}")


def _check_across(policies: list[Policy], problems: list[PolicyProblem]) -> None:
    seen: dict[str, Policy] = {}
    for policy in policies:
        other = seen.get(policy.key)
        if other is not None:
            problems.append(
                PolicyProblem(
                    policy.file,
                    policy.line,
                    "duplicate_version",
                    f"{policy.key} is also defined at {other.file}:{other.line}",
                )
            )
            continue
        seen[policy.key] = policy
    for i, policy in enumerate(policies):
        for other in policies[:i]:
            if (
                other.scenario == policy.scenario
                and other.version != policy.version
                and _overlap(policy, other)
            ):
                problems.append(
                    PolicyProblem(
                        policy.file,
                        policy.line,
                        "overlapping_versions",
                        f"versions {other.version} ({other.file}) and "
                        f"{policy.version} of {policy.scenario} are both in force "
                        f"on {max(policy.effective_from, other.effective_from)}",
                    )
                )


def _overlap(a: Policy, b: Policy) -> bool:
    far = dt.date.max
    return a.effective_from <= (b.effective_to or far) and b.effective_from <= (
        a.effective_to or far
    )
