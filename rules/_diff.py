"""What changed between two versions of a rule set, in plain words.

Rules are matched by id and version. A version that is new in the second set
is compared with the latest version of the same id in the first, so the
report reads "FUL-001 version 2: amount threshold ...". A rule whose content
changed while its version did not is called out: that is an edit a
regulator would expect to carry a new version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from rules._load import RuleSet
from rules._schema import Rule
from rules._words import describe_condition

__all__ = ["RuleChange", "RuleSetDiff", "diff_rulesets"]

ChangeKind = Literal["added", "removed", "changed", "new_version"]


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One rule added, removed, changed in place, or given a new version.

    ``details`` are sentences saying what differs, in English; the rule's
    Chinese title is kept beside its id.
    """

    kind: ChangeKind
    rule_id: str
    version: int
    title_zh: str
    title_en: str
    details: tuple[str, ...] = ()
    previous_version: int | None = None

    def __str__(self) -> str:
        head = {
            "added": f"Added {self.rule_id} v{self.version}",
            "removed": f"Removed {self.rule_id} v{self.version}",
            "changed": f"Changed {self.rule_id} v{self.version} without a new version",
            "new_version": f"{self.rule_id} v{self.version} follows "
            f"v{self.previous_version}",
        }[self.kind]
        lines = [f"{head}: {self.title_en} / {self.title_zh}"]
        lines += [f"  - {detail}" for detail in self.details]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class RuleSetDiff:
    """Every difference between two rule sets; empty when they are the same."""

    old_version: str
    new_version: str
    header: tuple[str, ...]
    changes: tuple[RuleChange, ...]

    def __bool__(self) -> bool:
        return bool(self.header or self.changes)

    def __str__(self) -> str:
        lines = [f"Rule set {self.old_version} -> {self.new_version}"]
        lines += [f"- {line}" for line in self.header]
        lines += [str(change) for change in self.changes]
        if not self:
            lines.append("No differences.")
        return "\n".join(lines)


def diff_rulesets(old: RuleSet, new: RuleSet) -> RuleSetDiff:
    """What changed from ``old`` to ``new``.

    Examples
    --------
    >>> from rules import load_ruleset
    >>> ruleset = load_ruleset()
    >>> bool(diff_rulesets(ruleset, ruleset))
    False
    """
    old_rules = {rule.key: rule for rule in old.rules}
    new_rules = {rule.key: rule for rule in new.rules}
    changes: list[RuleChange] = []
    for key, rule in new_rules.items():
        if key in old_rules:
            details = _details(old_rules[key], rule)
            if details:
                changes.append(_change("changed", rule, details))
            continue
        earlier = [r for r in old.rules if r.id == rule.id and r.version < rule.version]
        if earlier:
            before = max(earlier, key=lambda r: r.version)
            changes.append(
                _change("new_version", rule, _details(before, rule), before.version)
            )
        else:
            changes.append(_change("added", rule, (_summary(rule),)))
    for key, rule in old_rules.items():
        if key not in new_rules:
            changes.append(_change("removed", rule, ()))
    changes.sort(key=lambda c: (c.rule_id, c.version))
    return RuleSetDiff(old.version, new.version, _header(old, new), tuple(changes))


def _change(
    kind: ChangeKind, rule: Rule, details: tuple[str, ...], previous: int | None = None
) -> RuleChange:
    return RuleChange(
        kind, rule.id, rule.version, rule.title.zh, rule.title.en, details, previous
    )


def _summary(rule: Rule) -> str:
    cap = f" (cap {rule.grade_cap})" if rule.grade_cap else ""
    return (
        f"{rule.effect}{cap} when {describe_condition(rule.when)}, "
        f"from {rule.effective_from}"
    )


def _header(old: RuleSet, new: RuleSet) -> tuple[str, ...]:
    lines = []
    if old.version != new.version:
        lines.append(f"version {old.version} -> {new.version}")
    old_families = {f.header.family: f.header for f in old.families}
    for family in new.families:
        before = old_families.get(family.header.family)
        if before is None:
            lines.append(f"new rule family {family.header.family!r}")
        elif before.owner != family.header.owner:
            lines.append(
                f"family {family.header.family!r}: owner "
                f"{before.owner!r} -> {family.header.owner!r}"
            )
    return tuple(lines)


_ASPECTS: tuple[tuple[str, Callable[[Rule], Any]], ...] = (
    ("effect", lambda r: r.effect),
    ("grade cap", lambda r: r.grade_cap),
    ("condition", lambda r: describe_condition(r.when)),
    ("effective from", lambda r: r.effective_from),
    ("effective to", lambda r: r.effective_to or "open-ended"),
    ("title", lambda r: f"{r.title.en} / {r.title.zh}"),
    ("description", lambda r: r.description.en),
    (
        "legal basis",
        lambda r: (
            "; ".join(f"{b.law} {b.article or ''}".strip() for b in r.legal_basis)
            or "none"
        ),
    ),
    ("data categories", lambda r: ", ".join(c.value for c in r.data_categories)),
    ("examples", lambda r: f"{len(r.examples)} examples"),
)


def _details(before: Rule, after: Rule) -> tuple[str, ...]:
    details = []
    for name, get in _ASPECTS:
        old, new = get(before), get(after)
        if old != new:
            details.append(f"{name}: {old} -> {new}")
    if not details and before.model_dump() != after.model_dump():
        details.append("the Chinese text or an example changed")
    return tuple(details)
