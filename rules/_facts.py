"""Checking, typing and encoding the facts of one subject for durable_rules.

durable_rules 2.0.28 coerces silently (the string ``"17"`` passes ``< 18``;
``1`` equals ``true``), so the engine only ever sees values that passed the
data contract: every key a rule field, every value of its field's type and
range, missing values left out of the fact. Checking and encoding are one
pass over the facts, written out by hand because it runs once per subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rules._check import check_value, rule_fields
from rules._errors import RuleInputError
from subscribers import FieldKind

__all__ = ["as_mapping", "encode_subject", "field_specs", "subject_facts"]

_FIELDS = rule_fields()
_BOOL, _INT, _FLOAT, _CAT = range(4)
_KINDS = {
    FieldKind.BOOL: _BOOL,
    FieldKind.INT: _INT,
    FieldKind.FLOAT: _FLOAT,
    FieldKind.CATEGORY: _CAT,
}
Spec = tuple[int, Any, Any, frozenset[str], str]


def field_specs(used: set[str]) -> dict[str, Spec]:
    """Per field: kind code, range, categories and the JSON key to write.

    Fields outside ``used`` (no rule tests them) are checked but not sent:
    their key is empty.
    """
    return {
        name: (
            _KINDS[s.kind],
            s.low,
            s.high,
            frozenset(s.categories),
            f',"{name}":' if name in used else "",
        )
        for name, s in _FIELDS.items()
    }


_ALL_SPECS = field_specs(set(_FIELDS))


def subject_facts(subject: Any) -> Mapping[str, Any]:
    """The facts of a subject, a record or a mapping of rule fields, checked.

    Fields left out count as missing, as do ``None`` and float NaN.

    Raises
    ------
    RuleInputError
        Naming every field that is unknown or has a value of the wrong type
        or range. Values of unknown fields are never shown.
    """
    facts = as_mapping(subject)
    encode_subject(facts, "0", "", _ALL_SPECS)
    return facts


def as_mapping(subject: Any) -> Mapping[str, Any]:
    facts_method = getattr(subject, "facts", None)
    if callable(facts_method) and not isinstance(subject, Mapping):
        subject = facts_method()
    if not isinstance(subject, Mapping):
        raise RuleInputError(
            "expected a subscriber record or a mapping of facts; "
            f"got {type(subject).__name__}"
        )
    return subject


def encode_subject(
    facts: Mapping[str, Any], sid: str, marker: str, specs: dict[str, Spec]
) -> str:
    """Check the facts and return the JSON text of the subject fact.

    Raises
    ------
    RuleInputError
        As :func:`subject_facts`.
    """
    parts = [f'{{"sid":"{sid}","{marker}":1']
    append = parts.append
    bad = []
    for name, value in facts.items():
        spec = specs.get(name)
        if spec is None:
            bad.append(name)
            continue
        if value is None:
            continue
        kind, low, high, categories, key = spec
        kind_of = type(value)
        if kind == _INT:
            if kind_of is int and low <= value <= high:
                if key:
                    append(key + str(value))
                continue
        elif kind == _BOOL:
            if kind_of is bool:
                if key:
                    append(key + ("true" if value else "false"))
                continue
        elif kind == _FLOAT:
            if kind_of is float and value != value:  # NaN: missing
                continue
            if (kind_of is float or kind_of is int) and low <= value <= high:
                if key:
                    append(key + repr(value))
                continue
        elif kind_of is str and value in categories:
            if key:
                append(f'{key}"{value}"')
            continue
        bad.append(name)
    if bad:
        raise RuleInputError(_describe(facts, bad))
    return "".join(parts) + "}"


def _describe(facts: Mapping[str, Any], names: list[str]) -> str:
    problems = []
    for name in names:
        spec = _FIELDS.get(name)
        if spec is None:
            problems.append(
                f"{name!r} is not an input or context field of the data contract"
            )
        else:
            problems.append(check_value(spec, facts[name]) or name)
    return "facts break the data contract: " + "; ".join(problems)
