"""Static checks: every problem of a bad rule file, each with file:line and rule id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules import (
    PROBLEM_CODES,
    RuleEngine,
    RuleEngineError,
    RuleFileError,
    RuleSet,
    check_rules,
    load_ruleset,
)
from rules._schema import Rule
from rules._yaml import load_yaml
from tests.rules.helpers import DATA, DAY, rule_yaml, write_rules

BAD_FILES = [
    "bad_conditions.yaml",
    "bad_duplicate_key.yaml",
    "bad_schema.yaml",
    "bad_yaml.yaml",
    "mismatch",
]


def _expected(name: str) -> list[list[object]]:
    stem = name.removesuffix(".yaml")
    return json.loads((DATA / f"{stem}.expected.json").read_text())


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_rule_file_reports_every_problem_with_line_and_rule(name: str) -> None:
    problems = check_rules(DATA / name)
    got = sorted([p.line, p.code, p.rule_id] for p in problems)
    assert got == sorted(_expected(name), key=lambda e: (e[0], e[1], str(e[2])))


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_rule_file_problems_name_the_file(name: str) -> None:
    for problem in check_rules(DATA / name):
        assert Path(problem.file).parent in (DATA, DATA / name)
        assert str(problem).startswith(f"{problem.file}:{problem.line}:")


@pytest.mark.parametrize("name", BAD_FILES)
def test_loading_a_bad_rule_file_raises_with_every_problem(name: str) -> None:
    with pytest.raises(RuleFileError, match="problem") as caught:
        load_ruleset(DATA / name)
    assert len(caught.value.problems) == len(_expected(name))


def test_problem_codes_are_all_documented() -> None:
    for name in BAD_FILES:
        for problem in check_rules(DATA / name):
            assert problem.code in PROBLEM_CODES


def test_default_rule_set_has_no_problems() -> None:
    assert check_rules() == []


def test_value_outside_the_field_range_is_a_value_type_problem(tmp_path: Path) -> None:
    when = "{field: arrears_days, op: gt, value: 4000}"
    path = write_rules(tmp_path, rule_yaml("TST-001", when))
    assert [p.code for p in check_rules(path)] == ["value_type"]


def test_integer_bounds_that_leave_no_integer_are_never_true(tmp_path: Path) -> None:
    when = (
        "{all: [{field: arrears_days, op: gt, value: 3}, "
        "{field: arrears_days, op: lt, value: 4}]}"
    )
    path = write_rules(tmp_path, rule_yaml("TST-001", when))
    assert [p.code for p in check_rules(path)] == ["never_true"]


def test_float_bounds_with_room_between_are_satisfiable(tmp_path: Path) -> None:
    when = (
        "{all: [{field: arrears_amount_cny, op: gt, value: 3}, "
        "{field: arrears_amount_cny, op: lt, value: 4}]}"
    )
    path = write_rules(tmp_path, rule_yaml("TST-001", when))
    assert check_rules(path) == []


def test_contradictory_booleans_are_never_true(tmp_path: Path) -> None:
    when = (
        "{all: [{field: fraud_sms_confirmed, op: eq, value: true}, "
        "{not: {field: fraud_sms_confirmed, op: ne, value: false}}]}"
    )
    path = write_rules(tmp_path, rule_yaml("TST-001", when))
    assert [p.code for p in check_rules(path)] == ["never_true"]


def test_one_satisfiable_branch_keeps_an_any_reachable(tmp_path: Path) -> None:
    when = (
        "{any: [{all: [{field: arrears_days, op: gt, value: 10}, "
        "{field: arrears_days, op: lt, value: 5}]}, "
        "{field: arrears_days, op: eq, value: 7}]}"
    )
    path = write_rules(tmp_path, rule_yaml("TST-001", when))
    assert check_rules(path) == []


def test_empty_directory_is_a_problem(tmp_path: Path) -> None:
    assert [p.code for p in check_rules(tmp_path)] == ["schema"]


def test_bad_rules_forced_past_the_checks_never_hang_the_engine() -> None:
    data = load_yaml((DATA / "bad_conditions.yaml").read_text("utf-8"))
    refused, ran = 0, 0
    for item in data["rules"]:
        rule = Rule.model_validate(item)
        ruleset = RuleSet("bad", "0.1.0", (), (rule,), "")
        try:
            engine = RuleEngine(ruleset, on=DAY)
        except RuleEngineError:
            refused += 1
            continue
        with engine:
            assert engine.evaluate({"arrears_days": 7}).status == "pass"
        ran += 1
    # Empty groups and mistyped constants are refused (an integer compared with
    # the string "90" aborts durable_rules); never-true conditions run.
    assert (refused, ran) == (4, 2)
