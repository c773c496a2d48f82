"""Static checks of rules against the data contract, with file:line problems.

Each check walks a validated :class:`~rules._schema.Rule` together with its
location in the YAML document, so every problem names ``file:line`` and the
rule id: unknown fields, group attributes, constants of the wrong type,
empty groups, undeclared data categories, malformed examples and conditions
that can never be true (interval reasoning over each conjunction of the
condition's disjunctive normal form).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rules._logic import Leaf, Nnf, to_nnf
from rules._schema import AllOf, AnyOf, Compare, Condition, NotOf, Rule
from subscribers import FIELDS, FieldKind, FieldSpec, Role

__all__ = ["check_rule", "check_value", "rule_fields"]

#: Above this many conjunctions the never-true check gives up (and says nothing).
#: Known shortcoming: this stays until a rule needs a larger condition; then the
#: expansion into disjunctive normal form should give way to a solver.
_MAX_CONJUNCTIONS = 512
_ORDERING = ("lt", "le", "gt", "ge")

Report = Callable[[Sequence[str | int], str, str], None]


def rule_fields() -> dict[str, FieldSpec]:
    """Fields a rule may reference: inputs and context, never group attributes."""
    return {s.name: s for s in FIELDS.with_role(Role.INPUT, Role.CONTEXT)}


def check_value(spec: FieldSpec, value: Any) -> str | None:
    """Why ``value`` is not a valid value of ``spec``, or ``None`` if it is."""
    kind = spec.kind
    if kind is FieldKind.BOOL:
        ok = isinstance(value, bool)
    elif kind is FieldKind.CATEGORY:
        ok = isinstance(value, str) and value in spec.categories
    elif kind is FieldKind.INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and math.isfinite(value)
    if ok and spec.numeric:
        assert spec.low is not None
        assert spec.high is not None
        ok = spec.low <= value <= spec.high
    if ok:
        return None
    return f"field {spec.name!r} takes {spec.describe_range()}; got {value!r}"


def check_rule(rule: Rule, report: Report) -> None:
    """Report every problem of one schema-valid rule.

    ``report(loc, code, message)`` receives the location of the problem
    inside the rule's YAML mapping.
    """
    fields = rule_fields()
    used: set[str] = set()
    found: list[str] = []

    def note(loc: Sequence[str | int], code: str, message: str) -> None:
        found.append(code)
        report(loc, code, message)

    for loc, node in _walk(rule.when, ["when"]):
        if isinstance(node, AllOf | AnyOf) and not _parts(node):
            key = "all" if isinstance(node, AllOf) else "any"
            note([*loc, key], "empty_group", f"'{key}' has no conditions")
        if isinstance(node, Compare):
            _check_compare(node, loc, fields, note)
            if node.field in fields:
                used.add(fields[node.field].category.value)
    declared = {c.value for c in rule.data_categories}
    for category in sorted(used - declared):
        report(
            ["data_categories"],
            "undeclared_category",
            f"the condition uses {category!r} data; declare it in data_categories",
        )
    if not found and never_true(rule.when, fields):
        report(["when"], "never_true", "no input can make this condition true")
    _check_examples(rule, fields, report)


def _parts(node: AllOf | AnyOf) -> list[Condition]:
    return node.all if isinstance(node, AllOf) else node.any


def _walk(node: Condition, loc: list[Any]) -> Iterator[tuple[list[Any], Any]]:
    yield loc, node
    if isinstance(node, NotOf):
        yield from _walk(node.not_, [*loc, "not"])
    elif isinstance(node, AllOf | AnyOf):
        key = "all" if isinstance(node, AllOf) else "any"
        for i, part in enumerate(_parts(node)):
            yield from _walk(part, [*loc, key, i])


def _check_compare(
    node: Compare, loc: list[Any], fields: dict[str, FieldSpec], report: Report
) -> None:
    spec = fields.get(node.field)
    if spec is None:
        if node.field in FIELDS:
            report(
                [*loc, "field"],
                "group_field",
                f"{node.field!r} is a group "
                "attribute, kept for fairness analysis only; rules may not use it",
            )
        else:
            report(
                [*loc, "field"],
                "unknown_field",
                f"{node.field!r} is not a field of the data contract",
            )
        return
    where = [*loc, "value"]
    if node.op in ("is_missing", "is_present"):
        if node.value is not None:
            report(where, "value_type", f"'{node.op}' takes no value")
        return
    if node.op in ("in", "not_in"):
        if not isinstance(node.value, list) or not node.value:
            report(where, "value_type", f"'{node.op}' takes a non-empty list")
            return
        values = list(node.value)
    elif isinstance(node.value, list) or node.value is None:
        report(where, "value_type", f"'{node.op}' takes a single value")
        return
    else:
        values = [node.value]
    if node.op in _ORDERING and not spec.numeric:
        report(
            [*loc, "op"],
            "value_type",
            f"'{node.op}' orders values; field {spec.name!r} is {spec.kind.value}",
        )
        return
    for value in values:
        problem = check_value(spec, value)
        if problem:
            report(where, "value_type", problem)


def _check_examples(rule: Rule, fields: dict[str, FieldSpec], report: Report) -> None:
    for i, example in enumerate(rule.examples):
        for name, value in example.facts.items():
            loc: list[str | int] = ["examples", i, "facts", name]
            spec = fields.get(name)
            if spec is None:
                report(
                    loc,
                    "example",
                    f"example {example.name!r}: {name!r} is not "
                    "an input or context field of the data contract",
                )
            elif value is not None and (problem := check_value(spec, value)):
                report(loc, "example", f"example {example.name!r}: {problem}")


# -- never-true conditions -----------------------------------------------------


@dataclass
class _Domain:
    """What one conjunction allows for one field."""

    spec: FieldSpec
    missing: bool = False
    present: bool = False
    low: float = -math.inf
    low_open: bool = False
    high: float = math.inf
    high_open: bool = False
    allowed: set[Any] | None = None
    excluded: set[Any] = field(default_factory=set)

    def add(self, leaf: Leaf) -> None:
        op, value = leaf.op, leaf.value
        if op == "is_missing":
            self.missing = True
            return
        self.present = True
        if op in ("eq", "in"):
            values = set(value) if op == "in" else {value}
            self.allowed = values if self.allowed is None else self.allowed & values
        elif op in ("ne", "not_in"):
            self.excluded |= set(value) if op == "not_in" else {value}
        elif op in ("gt", "ge") and (value, op == "gt") > (self.low, self.low_open):
            self.low, self.low_open = value, op == "gt"
        elif op in ("lt", "le") and (value, op != "lt") < (
            self.high,
            not self.high_open,
        ):
            self.high, self.high_open = value, op == "lt"

    def possible(self) -> bool:
        if self.missing:
            return not self.present
        candidates = self._candidates()
        if candidates is not None:
            return any(self._inside(v) for v in candidates - self.excluded)
        spec = self.spec
        assert spec.low is not None
        assert spec.high is not None
        low, high = max(self.low, spec.low), min(self.high, spec.high)
        low_open = self.low_open and low == self.low
        high_open = self.high_open and high == self.high
        if spec.kind is FieldKind.INT:
            first = math.floor(low) + 1 if low_open or low != math.floor(low) else low
            last = math.ceil(high) - 1 if high_open or high != math.ceil(high) else high
            return first <= last and not (first == last and first in self.excluded)
        if low_open or high_open:
            return low < high
        return low < high or (low == high and low not in self.excluded)

    def _candidates(self) -> set[Any] | None:
        spec = self.spec
        if spec.kind is FieldKind.BOOL:
            domain: set[Any] = {True, False}
        elif spec.kind is FieldKind.CATEGORY:
            domain = set(spec.categories)
        else:
            return self.allowed
        return domain if self.allowed is None else domain & self.allowed

    def _inside(self, value: Any) -> bool:
        if not self.spec.numeric:
            return True
        spec = self.spec
        assert spec.low is not None
        assert spec.high is not None
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below and spec.low <= value <= spec.high


def never_true(condition: Condition, fields: dict[str, FieldSpec]) -> bool:
    """Whether no input can make ``condition`` true.

    Returns ``False`` when the condition is too large to decide or names an
    unknown field (those are reported on their own).
    """
    conjunctions = _dnf(to_nnf(condition))
    if conjunctions is None:
        return False
    for leaves in conjunctions:
        domains: dict[str, _Domain] = {}
        if any(leaf.field not in fields for leaf in leaves):
            return False
        for leaf in leaves:
            domains.setdefault(leaf.field, _Domain(fields[leaf.field])).add(leaf)
        if all(d.possible() for d in domains.values()):
            return False
    return True


def _dnf(node: Nnf) -> list[list[Leaf]] | None:
    if isinstance(node, Leaf):
        return [[node]]
    kind, parts = node
    branches = [_dnf(part) for part in parts]
    if any(b is None for b in branches):
        return None
    if kind == "or":
        out = [conj for b in branches for conj in b or []]
        return out if len(out) <= _MAX_CONJUNCTIONS else None
    product: list[list[Leaf]] = [[]]
    for branch in branches:
        assert branch is not None
        product = [left + right for left in product for right in branch]
        if len(product) > _MAX_CONJUNCTIONS:
            return None
    return product
