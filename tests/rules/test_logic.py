"""Three-valued logic: a comparison with a missing value is unknown, so is its not."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rules import RuleEngine, evaluate_frame, load_ruleset
from tests.rules.helpers import DAY, rule_yaml, write_rules

# Each case: condition, facts, whether it is true.
CASES = [
    ("{field: arrears_days, op: gt, value: 90}", {}, False),
    ("{not: {field: arrears_days, op: gt, value: 90}}", {}, False),
    ("{not: {field: arrears_days, op: gt, value: 90}}", {"arrears_days": 10}, True),
    ("{field: arrears_days, op: ne, value: 5}", {}, False),
    ("{field: arrears_days, op: not_in, value: [1, 2]}", {}, False),
    ("{field: arrears_days, op: not_in, value: [1, 2]}", {"arrears_days": 3}, True),
    ("{field: arrears_days, op: in, value: [1, 2]}", {"arrears_days": 2}, True),
    ("{field: arrears_days, op: is_missing}", {}, True),
    ("{not: {field: arrears_days, op: is_missing}}", {"arrears_days": 0}, True),
    ("{field: arrears_days, op: is_present}", {}, False),
    (
        "{any: [{field: arrears_days, op: gt, value: 90}, "
        "{field: late_payments_12m, op: ge, value: 1}]}",
        {"late_payments_12m": 2},
        True,
    ),
    (
        "{all: [{field: arrears_days, op: gt, value: 90}, "
        "{field: late_payments_12m, op: ge, value: 1}]}",
        {"late_payments_12m": 2},
        False,
    ),
    (
        "{not: {all: [{field: arrears_days, op: gt, value: 90}, "
        "{field: late_payments_12m, op: ge, value: 1}]}}",
        {"late_payments_12m": 0},
        True,
    ),
    (
        "{not: {any: [{field: arrears_days, op: gt, value: 90}, "
        "{field: late_payments_12m, op: ge, value: 1}]}}",
        {"late_payments_12m": 0},
        False,
    ),
    (
        "{field: id_check_result, op: ne, value: match}",
        {"id_check_result": "mismatch"},
        True,
    ),
    (
        "{field: fraud_sms_confirmed, op: eq, value: false}",
        {"fraud_sms_confirmed": False},
        True,
    ),
]


@pytest.mark.parametrize(("when", "facts", "expected"), CASES)
def test_engine_follows_three_valued_logic(
    tmp_path: Path, when: str, facts: dict[str, object], expected: bool
) -> None:
    ruleset = load_ruleset(write_rules(tmp_path, rule_yaml("TST-001", when)))
    with RuleEngine(ruleset, on=DAY) as engine:
        assert (engine.evaluate(facts).rule_ids == ("TST-001",)) is expected


@pytest.mark.parametrize(("when", "facts", "expected"), CASES)
def test_vectorised_check_follows_three_valued_logic(
    tmp_path: Path, when: str, facts: dict[str, object], expected: bool
) -> None:
    ruleset = load_ruleset(write_rules(tmp_path, rule_yaml("TST-001", when)))
    frame = pd.DataFrame([facts]) if facts else pd.DataFrame(index=[0])
    assert bool(evaluate_frame(ruleset, frame, on=DAY)["TST-001"].iat[0]) is expected
