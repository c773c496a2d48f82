"""Vectorised evaluation of the same rule files over a DataFrame.

This is the independent check of the durable_rules engine: it reads the same
:class:`~rules._schema.Rule` objects but evaluates their condition trees with
numpy, in Kleene's three-valued logic, as a pair of masks per node (where
the node is true, where it is false; elsewhere it is unknown). It shares no
code with the engine path beyond the schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rules._check import rule_fields
from rules._load import RuleSet
from rules._schema import EFFECTS, GRADES, AllOf, AnyOf, Compare, Condition, NotOf
from subscribers import FieldKind, context_columns

__all__ = ["evaluate_frame", "facts_frame"]

Masks = tuple[np.ndarray, np.ndarray]
_NUMERIC_OPS = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}


def facts_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The rule fields of a frame of records (or of facts), one column each.

    Data ages are derived from the as-of dates and the evaluation date when
    the frame holds records; a field the frame lacks is all missing.
    """
    fields = rule_fields()
    derived = context_columns(frame)
    out: dict[str, Any] = {k: v for k, v in derived.items() if k not in frame}
    for name in fields:
        if name in frame:
            out[name] = frame[name]
        elif name not in out:
            out[name] = pd.Series(pd.NA, index=frame.index, dtype="object")
    return pd.DataFrame(out, index=frame.index)


def evaluate_frame(
    ruleset: RuleSet, frame: pd.DataFrame, *, on: dt.date | None = None
) -> pd.DataFrame:
    """Evaluate the rules in force on ``on`` for every row of ``frame``.

    Parameters
    ----------
    ruleset : RuleSet
    frame : pandas.DataFrame
        Records of the data contract, or facts (one column per rule field).
    on : datetime.date, optional
        The day whose rules apply; today if omitted.

    Returns
    -------
    pandas.DataFrame
        Same index as ``frame``: one boolean column per rule id (whether it
        fired), then ``status`` and ``grade_cap`` combined by the same
        precedence as :func:`rules.RuleEngine.evaluate`.
    """
    day = on if on is not None else dt.date.today()
    facts = facts_frame(frame)
    columns = {}
    for rule in ruleset.rules_on(day):
        columns[rule.id] = _masks(rule.when, facts)[0]
    out = pd.DataFrame(columns, index=frame.index)
    rules = ruleset.rules_on(day)
    status = np.full(len(frame), "pass", dtype=object)
    for effect in reversed(EFFECTS):
        for rule in rules:
            if rule.effect == effect:
                status[columns[rule.id]] = effect
    cap = np.full(len(frame), None, dtype=object)
    for grade in GRADES:
        for rule in rules:
            if rule.grade_cap == grade:
                cap[columns[rule.id]] = grade
    out["status"] = pd.Series(status, index=frame.index, dtype=object)
    out["grade_cap"] = pd.Series(cap, index=frame.index, dtype=object)
    return out


def _masks(condition: Condition, facts: pd.DataFrame) -> Masks:
    """Where the condition is true and where it is false."""
    if isinstance(condition, Compare):
        return _compare(condition, facts)
    if isinstance(condition, NotOf):
        true, false = _masks(condition.not_, facts)
        return false, true
    parts = condition.all if isinstance(condition, AllOf) else condition.any
    masks = [_masks(part, facts) for part in parts]
    trues = np.array([m[0] for m in masks])
    falses = np.array([m[1] for m in masks])
    if isinstance(condition, AnyOf):
        return np.asarray(trues.any(axis=0)), np.asarray(falses.all(axis=0))
    return np.asarray(trues.all(axis=0)), np.asarray(falses.any(axis=0))


def _compare(leaf: Compare, facts: pd.DataFrame) -> Masks:
    column = facts[leaf.field]
    present = column.notna().to_numpy()
    if leaf.op == "is_missing":
        return ~present, present
    if leaf.op == "is_present":
        return present, ~present
    holds = _holds(leaf, column, rule_fields()[leaf.field].kind)
    return present & holds, present & ~holds


def _holds(leaf: Compare, column: pd.Series, kind: FieldKind) -> np.ndarray:
    """Where the comparison holds among present values (missing rows: any)."""
    values: Sequence[Any] = leaf.value if isinstance(leaf.value, list) else [leaf.value]
    if kind in (FieldKind.INT, FieldKind.FLOAT):
        data = column.to_numpy(dtype=float, na_value=np.nan)
    else:
        data = column.astype(object).where(column.notna(), None).to_numpy()
    if leaf.op in ("in", "not_in"):
        member = np.zeros(len(data), dtype=bool)
        for value in values:
            member |= _equal(data, value)
        return member if leaf.op == "in" else ~member
    if leaf.op == "eq":
        return _equal(data, values[0])
    if leaf.op == "ne":
        return ~_equal(data, values[0])
    with np.errstate(invalid="ignore"):
        return np.asarray(_NUMERIC_OPS[leaf.op](data, values[0]), dtype=bool)


def _equal(data: np.ndarray, value: Any) -> np.ndarray:
    if data.dtype == object:
        return np.fromiter((v == value for v in data), dtype=bool, count=len(data))
    return np.asarray(data == value, dtype=bool)
