"""Random condition trees agree across durable_rules, numpy and the trace logic.

Hypothesis draws nested ``all``/``any``/``not`` trees over a few fields of
every kind, with constants on and around their boundaries, and facts with
values missing; the engine (negation normal form on durable_rules), the
vectorised evaluator (pairs of masks) and the three-valued evaluation that
writes traces must fire on exactly the same inputs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import RuleEngine, RuleSet, evaluate_frame
from rules._logic import evaluate
from rules._schema import Rule
from tests.rules.helpers import DAY

DOMAINS: dict[str, list[Any]] = {
    "arrears_days": [0, 29, 30, 31, 90, 3650],
    "arrears_amount_cny": [0.0, 99.99, 100.0, 100.01, 500],
    "fraud_sms_confirmed": [True, False],
    "id_check_result": ["match", "not_checked", "mismatch"],
}
ORDERED = ("lt", "le", "gt", "ge")


@st.composite
def comparisons(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(sorted(DOMAINS)))
    values = DOMAINS[field]
    numeric = isinstance(values[0], int | float) and not isinstance(values[0], bool)
    ops = ["eq", "ne", "in", "not_in", "is_missing", "is_present"]
    op = draw(st.sampled_from(ops + list(ORDERED) if numeric else ops))
    if op in ("is_missing", "is_present"):
        return {"field": field, "op": op}
    if op in ("in", "not_in"):
        chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
        return {"field": field, "op": op, "value": chosen}
    return {"field": field, "op": op, "value": draw(st.sampled_from(values))}


conditions = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"all": parts}),
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"any": parts}),
        inner.map(lambda part: {"not": part}),
    ),
    max_leaves=6,
)
facts = st.fixed_dictionaries(
    {name: st.sampled_from([None, *values]) for name, values in DOMAINS.items()}
)


def _ruleset(when: dict[str, Any], template: Rule) -> RuleSet:
    data = template.model_dump(by_alias=True)
    data.update(
        id="TST-001", when=when, data_categories=["billing", "identity", "security"]
    )
    rule = Rule.model_validate(data)
    return RuleSet("random", "0.0.1", (), (rule,), "")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(when=conditions, subjects=st.lists(facts, min_size=1, max_size=8))
def test_engine_vector_and_trace_logic_agree(
    ruleset: RuleSet, when: dict[str, Any], subjects: list[dict[str, Any]]
) -> None:
    random_set = _ruleset(when, ruleset.get("FUL-003"))
    rule = random_set.rules[0]
    frame = pd.DataFrame(subjects).astype(object)
    vector = evaluate_frame(random_set, frame, on=DAY)["TST-001"].tolist()
    with RuleEngine(random_set, on=DAY) as engine:
        fired = [engine.fired_ids(s) == ["TST-001"] for s in subjects]
    logic = [evaluate(rule.when, s) is True for s in subjects]
    assert fired == logic
    assert vector == logic
