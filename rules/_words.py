"""Conditions and values in plain words, Chinese and English, for people.

Field names become the catalogue's descriptions and units, operators become
words ("at least", "不少于"), so a regulator reads a condition as a sentence.
"""

from __future__ import annotations

from typing import Any, Literal

from rules._schema import AllOf, AnyOf, Compare, Condition, NotOf
from subscribers import FIELDS, FieldKind

__all__ = ["Language", "describe_condition", "describe_value"]

Language = Literal["zh", "en"]

_OPS: dict[str, tuple[str, str]] = {
    "eq": ("为", "is"),
    "ne": ("不为", "is not"),
    "lt": ("小于", "is below"),
    "le": ("不超过", "is at most"),
    "gt": ("大于", "is above"),
    "ge": ("不少于", "is at least"),
    "in": ("属于", "is one of"),
    "not_in": ("不属于", "is none of"),
    "is_missing": ("缺失", "is missing"),
    "is_present": ("有值", "is known"),
}
_JOIN = {"all": ("且", " and "), "any": ("或", " or ")}


def describe_value(field: str, value: Any, lang: Language = "en") -> str:
    """A constant of a field in words, with its unit."""
    spec = FIELDS.get(field)
    zh = lang == "zh"
    if isinstance(value, list | tuple):
        return ("、" if zh else ", ").join(
            describe_value(field, v, lang) for v in value
        )
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if spec is None or spec.kind is FieldKind.CATEGORY:
        return f"“{value}”" if zh else f"'{value}'"
    unit = spec.unit_zh if zh else spec.unit
    number = f"{value:g}" if isinstance(value, float) else str(value)
    if not unit or unit == "ratio":
        return number
    return f"{number}{unit}" if zh else f"{number} {unit}"


def describe_condition(condition: Condition, lang: Language = "en") -> str:
    """A condition as one sentence in ``lang``.

    Examples
    --------
    >>> from rules import load_ruleset
    >>> describe_condition(load_ruleset().get("CMP-001").when)
    'confirmed involvement in fraud SMS is yes'
    """
    return _words(condition, lang, top=True)


def _words(condition: Condition, lang: Language, top: bool = False) -> str:
    zh = lang == "zh"
    if isinstance(condition, Compare):
        spec = FIELDS.get(condition.field)
        name = condition.field if spec is None else (spec.zh if zh else spec.en)
        op = _OPS[condition.op][0 if zh else 1]
        if condition.op in ("is_missing", "is_present"):
            return f"{name}{op}" if zh else f"{name} {op}"
        value = describe_value(condition.field, condition.value, lang)
        return f"{name}{op}{value}" if zh else f"{name} {op} {value}"
    if isinstance(condition, NotOf):
        inner = _words(condition.not_, lang)
        return f"并非（{inner}）" if zh else f"not ({inner})"
    key = "all" if isinstance(condition, AllOf) else "any"
    assert isinstance(condition, AllOf | AnyOf)
    parts = condition.all if isinstance(condition, AllOf) else condition.any
    text = _JOIN[key][0 if zh else 1].join(_words(part, lang) for part in parts)
    if top or len(parts) == 1:
        return text
    return f"（{text}）" if zh else f"({text})"
