"""Reading rule files into a :class:`RuleSet`, collecting every problem on the way.

Files are read one by one, each rule of a file validated on its own, so one
broken rule does not hide the problems of the others. Cross-file checks
(duplicate ids, overlapping versions, disagreeing rule-set headers) run last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rules._check import check_rule
from rules._errors import RuleFileError, RuleProblem
from rules._schema import Rule, RuleSetHeader
from rules._yaml import LineDict, LineList, line_of, load_yaml

__all__ = ["Family", "RuleSet", "check_rules", "default_path", "load_ruleset"]

_TAGS = ("all", "any", "not")


@dataclass(frozen=True, slots=True)
class Family:
    """One rule file: a family of rules and the header it declares."""

    file: str
    header: RuleSetHeader
    line: int = 1


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A versioned set of rules read from one or more rule files.

    Attributes
    ----------
    name, version : str
        The rule set's name and version, the same in each of its files.
    families : tuple of Family
        One per file, in file-name order.
    rules : tuple of Rule
        Every rule of every version, in file order.
    checksum : str
        SHA-256 over the files' bytes in file-name order; changes with any edit.
    """

    name: str
    version: str
    families: tuple[Family, ...]
    rules: tuple[Rule, ...]
    checksum: str

    def rules_on(self, day: dt.date) -> tuple[Rule, ...]:
        """The rules in force on ``day`` (at most one version of each id)."""
        return tuple(rule for rule in self.rules if rule.effective_on(day))

    def get(self, rule_id: str, version: int | None = None) -> Rule:
        """A rule by id, its latest version unless ``version`` is given.

        Raises
        ------
        KeyError
            If there is no such rule.
        """
        found = [r for r in self.rules if r.id == rule_id]
        if version is not None:
            found = [r for r in found if r.version == version]
        if not found:
            raise KeyError(f"no rule {rule_id!r} (version {version}) in the rule set")
        return max(found, key=lambda r: r.version)


def default_path() -> Path:
    """Directory of the default rule set shipped with the package."""
    return Path(str(resources.files("rules") / "default"))


def load_ruleset(path: str | Path | None = None) -> RuleSet:
    """Read and check a rule set from a directory of YAML files or one file.

    Parameters
    ----------
    path : str or Path, optional
        A directory (every ``*.yaml`` in it) or one file; the default rule
        set when omitted.

    Returns
    -------
    RuleSet

    Raises
    ------
    RuleFileError
        With every problem found in every file, each with ``file:line``.

    Examples
    --------
    >>> from rules import load_ruleset
    >>> load_ruleset().name
    'credcert-default'
    """
    ruleset, problems = _read(path)
    if problems:
        raise RuleFileError(problems)
    assert ruleset is not None
    return ruleset


def check_rules(path: str | Path | None = None) -> list[RuleProblem]:
    """Every problem of a rule set, each with ``file:line`` and rule id.

    An empty list means the rule set loads. Nothing is raised for bad files.
    """
    return _read(path)[1]


def _files(path: str | Path | None) -> list[Path]:
    root = Path(path) if path is not None else default_path()
    if root.is_dir():
        return sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    return [root]


def _read(path: str | Path | None) -> tuple[RuleSet | None, list[RuleProblem]]:
    problems: list[RuleProblem] = []
    families: list[Family] = []
    rules: list[Rule] = []
    digest = hashlib.sha256()
    files = _files(path)
    if not files:
        where = str(path)
        problems.append(RuleProblem(where, 1, "schema", "no rule files (*.yaml) here"))
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            problems.append(RuleProblem(str(file), 1, "yaml", f"cannot read: {exc}"))
            continue
        digest.update(file.name.encode() + b"\0" + raw + b"\0")
        family, file_rules = _read_file(str(file), raw.decode("utf-8"), problems)
        if family is not None:
            families.append(family)
        rules.extend(file_rules)
    _check_across(families, rules, problems)
    problems.sort(key=lambda p: (p.file, p.line))
    if problems or not families:
        return None, problems
    head = families[0].header
    ruleset = RuleSet(
        head.name, head.version, tuple(families), tuple(rules), digest.hexdigest()
    )
    return ruleset, problems


def _read_file(
    file: str, text: str, problems: list[RuleProblem]
) -> tuple[Family | None, list[Rule]]:
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(RuleProblem(file, line, "yaml", str(exc).splitlines()[0]))
        return None, []
    if not isinstance(data, LineDict):
        problems.append(
            RuleProblem(
                file, 1, "schema", "expected a mapping with 'ruleset' and 'rules'"
            )
        )
        return None, []
    for key in sorted(set(data) - {"ruleset", "rules"}):
        message = f"unknown key {key!r}; expected 'ruleset' and 'rules'"
        problems.append(RuleProblem(file, data.key_lines[key], "schema", message))
    family = None
    try:
        header = RuleSetHeader.model_validate(data.get("ruleset"))
        family = Family(file, header, line_of(data, ["ruleset", "version"]))
    except ValidationError as exc:
        problems.extend(_schema_problems(file, data, ["ruleset"], exc, None))
    items = data.get("rules")
    if not isinstance(items, LineList):
        line = data.key_lines.get("rules", data.line)
        problems.append(RuleProblem(file, line, "schema", "'rules' is a list of rules"))
        return family, []
    rules = [_read_rule(file, items, i, problems) for i in range(len(items))]
    return family, [rule for rule in rules if rule is not None]


def _read_rule(
    file: str, items: LineList, index: int, problems: list[RuleProblem]
) -> Rule | None:
    item = items[index]
    rule_id = item.get("id") if isinstance(item, dict) else None
    rule_id = rule_id if isinstance(rule_id, str) else None
    try:
        rule = Rule.model_validate(item)
    except ValidationError as exc:
        problems.extend(_schema_problems(file, items, [index], exc, rule_id))
        return None
    rule._file = file
    rule._line = items.item_lines[index]

    def report(loc: Sequence[str | int], code: str, message: str) -> None:
        line = line_of(items, [index, *loc])
        problems.append(RuleProblem(file, line, code, message, rule.id))

    before = len(problems)
    check_rule(rule, report)
    return rule if len(problems) == before else None


def _schema_problems(
    file: str, data: Any, prefix: list[Any], exc: ValidationError, rule_id: str | None
) -> Iterable[RuleProblem]:
    for error in exc.errors():
        loc = _data_loc(error["loc"])
        operator = bool(loc) and loc[-1] == "op" and error["type"] == "literal_error"
        code = "unknown_operator" if operator else "schema"
        if operator:
            message = f"unknown operator; {error['msg'][0].lower()}{error['msg'][1:]}"
        else:
            where = ".".join(str(p) for p in loc) or "rule"
            message = f"{where}: {error['msg'].removeprefix('Value error, ')}"
        yield RuleProblem(file, line_of(data, [*prefix, *loc]), code, message, rule_id)


def _data_loc(loc: Sequence[str | int]) -> list[str | int]:
    """A pydantic error location without the union tags it inserts."""
    out: list[str | int] = []
    for step in loc:
        if step == "compare" or (step in _TAGS and out and out[-1] == step):
            continue
        out.append(step)
    return out


def _check_across(
    families: list[Family], rules: list[Rule], problems: list[RuleProblem]
) -> None:
    if families:
        first = families[0].header
        for family in families[1:]:
            head = family.header
            if (head.name, head.version) != (first.name, first.version):
                problems.append(
                    RuleProblem(
                        family.file,
                        family.line,
                        "ruleset_mismatch",
                        f"rule set {head.name} {head.version} differs from "
                        f"{first.name} {first.version} in {families[0].file}",
                    )
                )
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.key in seen:
            other = seen[rule.key]
            problems.append(
                RuleProblem(
                    rule.file,
                    rule.line,
                    "duplicate_id",
                    f"{rule.key} is also defined at {other.file}:{other.line}",
                    rule.id,
                )
            )
        else:
            seen[rule.key] = rule
    for i, rule in enumerate(rules):
        for other in rules[:i]:
            if (
                other.id == rule.id
                and other.version != rule.version
                and _overlap(rule, other)
            ):
                problems.append(
                    RuleProblem(
                        rule.file,
                        rule.line,
                        "overlapping_versions",
                        f"versions {other.version} and {rule.version} of {rule.id} are "
                        "both in force on "
                        f"{max(rule.effective_from, other.effective_from)}",
                        rule.id,
                    )
                )


def _overlap(a: Rule, b: Rule) -> bool:
    far = dt.date.max
    return a.effective_from <= (b.effective_to or far) and b.effective_from <= (
        a.effective_to or far
    )
