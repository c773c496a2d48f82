"""Compiling rules into a durable_rules ruleset definition.

Each rule becomes one durable_rules rule over one fact, the subject, whose
condition is the rule's condition in negation normal form (so ``not`` keeps
its three-valued meaning on missing values) joined with a marker test that
only subject facts pass. Two guards answer measured behaviour of
durable_rules 2.0.28:

* every condition carries the marker, so a rule whose only test is "field
  is missing" matches the subject fact, never the engine's own state fact
  (which would make it fire again and again);
* a catch-all rule fires for every subject, so deleting the state of a
  subject that matched no rule is always safe.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rules._check import check_rule
from rules._errors import RuleEngineError
from rules._logic import Leaf, Nnf, to_nnf
from rules._schema import Rule

__all__ = ["CATCH_ALL", "MARKER", "CompiledRules", "compile_rules"]

#: Field set on every subject fact and tested by every rule.
MARKER = "credcert_subject"
#: Name of the rule that fires for every subject.
CATCH_ALL = "catch_all"

_ORDER_OPS = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
#: Problem codes of rules that must not reach durable_rules.
_UNSAFE = frozenset({"unknown_field", "group_field", "value_type", "empty_group"})


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """A durable_rules ruleset definition and the rule behind each of its names.

    Attributes
    ----------
    definition : str
        The JSON text ``durable_rules_engine.create_ruleset`` takes.
    rules : dict
        durable_rules rule name (``r0``, ``r1``, ...) to the :class:`Rule`.
    """

    definition: str
    rules: dict[str, Rule]


def compile_rules(rules: Sequence[Rule]) -> CompiledRules:
    """Compile rules (at most one version of each id) for durable_rules.

    Raises
    ------
    RuleEngineError
        If two versions of one rule are given, a condition has an empty
        ``all``/``any`` group (durable_rules 2.0.28 loops forever on one), or
        a comparison names an unknown field or a constant of the wrong type.
    """
    ids = [rule.id for rule in rules]
    if len(ids) != len(set(ids)):
        raise RuleEngineError("compile the rules of one day: one version per rule id")
    for rule in rules:
        _refuse_unsafe(rule)
    definition: dict[str, Any] = {}
    names: dict[str, Rule] = {}
    for index, rule in enumerate(rules):
        name = f"r{index}"
        test = {"$and": [{MARKER: 1}, _expression(to_nnf(rule.when), rule.id)]}
        definition[name] = {"all": [{"m": test}]}
        names[name] = rule
    definition[CATCH_ALL] = {"all": [{"m": {MARKER: 1}}]}
    return CompiledRules(json.dumps(definition, ensure_ascii=False), names)


def _refuse_unsafe(rule: Rule) -> None:
    """Refuse a rule that would misbehave inside durable_rules.

    Rules from :func:`rules.load_ruleset` have passed these checks already;
    this guards rules built by hand. A constant of the wrong type is not
    harmless there: comparing an integer with the string ``"90"`` corrupts
    memory in durable_rules 2.0.28 and aborts the process when the session
    is deleted.
    """
    problems: list[str] = []

    def report(loc: Sequence[str | int], code: str, message: str) -> None:
        if code in _UNSAFE:
            problems.append(message)

    check_rule(rule, report)
    if problems:
        raise RuleEngineError(f"rule {rule.key} cannot run: " + "; ".join(problems))


def _expression(node: Nnf, rule_id: str) -> dict[str, Any]:
    if isinstance(node, Leaf):
        return _leaf(node)
    kind, parts = node
    if not parts:
        raise RuleEngineError(f"rule {rule_id}: an empty condition group cannot run")
    compiled = [_expression(part, rule_id) for part in parts]
    if len(compiled) == 1:
        return compiled[0]
    return {"$and" if kind == "and" else "$or": compiled}


def _leaf(leaf: Leaf) -> dict[str, Any]:
    name, op, value = leaf.field, leaf.op, leaf.value
    if op == "is_missing":
        return {"$nex": {name: 1}}
    present = {"$ex": {name: 1}}
    if op == "is_present":
        return present
    if op == "eq":
        return {name: value}
    if op in _ORDER_OPS:
        return {_ORDER_OPS[op]: {name: value}}
    if op == "in":
        tests: list[dict[str, Any]] = [{name: v} for v in value]
        return tests[0] if len(tests) == 1 else {"$or": tests}
    excluded = [value] if op == "ne" else list(value)
    # A missing value must not pass "not equal": test presence explicitly.
    return {"$and": [present, *({"$neq": {name: v}} for v in excluded)]}
