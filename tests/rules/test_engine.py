"""The durable_rules engine: outcomes, traces, and the measured pitfalls it handles."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import durable_rules_engine
import pytest

from rules import RuleEngine, RuleEngineError, RuleInputError, RuleSet, load_ruleset
from rules import _engine as engine_module
from rules._compile import CATCH_ALL, compile_rules
from rules._schema import Rule
from tests.rules.helpers import DAY, EARLY_DAY, rule_yaml, write_rules

VERIFIED = {"real_name_verified": True}


def test_fired_rule_carries_id_version_effect_and_trace(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        {**VERIFIED, "arrears_amount_cny": 800.0, "arrears_days": 120}
    )
    fired = {f.rule_id: f for f in outcome.fired}
    serious = fired["FUL-001"]
    assert (serious.version, serious.effect, serious.grade_cap) == (2, "cap_grade", "E")
    assert [(c.field, c.op, c.value, c.input, c.result) for c in serious.trace] == [
        ("arrears_amount_cny", "ge", 500, 800.0, True),
        ("arrears_days", "gt", 90, 120, True),
    ]


def test_trace_shows_unknown_for_a_missing_input(engine: RuleEngine) -> None:
    outcome = engine.evaluate({"real_name_verified": None})
    (check_eq, check_missing) = outcome.fired[0].trace
    assert (check_eq.input, check_eq.result) == (None, None)
    assert (check_missing.op, check_missing.result) == ("is_missing", True)


def test_rules_in_force_follow_the_evaluation_day(ruleset: RuleSet) -> None:
    facts = {**VERIFIED, "arrears_amount_cny": 400.0, "arrears_days": 100}
    with (
        RuleEngine(ruleset, on=EARLY_DAY) as early,
        RuleEngine(ruleset, on=DAY) as late,
    ):
        assert "FUL-001" in early.evaluate(facts).rule_ids
        assert "FUL-001" not in late.evaluate(facts).rule_ids


def test_subject_matching_two_rules_gets_both(engine: RuleEngine) -> None:
    # post() would let only one rule consume the event; facts let every rule see it.
    outcome = engine.evaluate(
        {"fraud_sms_confirmed": True, "real_name_verified": False}
    )
    assert set(outcome.rule_ids) == {"CMP-001", "IDN-003"}


def test_or_with_two_true_branches_fires_once(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        {**VERIFIED, "fake_registrations_12m": 2, "order_brushing_12m": 3}
    )
    assert outcome.rule_ids == ("CMP-004",)


def test_stale_sources_fire_the_stale_data_rule_once(engine: RuleEngine) -> None:
    facts = {
        **VERIFIED,
        "network_age_days": 60,
        "billing_age_days": 60,
        "security_age_days": 60,
    }
    assert engine.evaluate(facts).rule_ids == ("DAT-001",)


def test_identical_subjects_evaluate_identically(engine: RuleEngine) -> None:
    # durable_rules raises when an identical fact is asserted twice in a session.
    facts = {"fraud_sms_confirmed": True, **VERIFIED}
    assert engine.evaluate(facts) == engine.evaluate(facts)


def test_no_state_leaks_from_one_subject_to_the_next(engine: RuleEngine) -> None:
    engine.evaluate({"fraud_sms_confirmed": True, **VERIFIED})
    assert engine.evaluate(VERIFIED).status == "pass"


def test_session_of_each_subject_is_deleted(engine: RuleEngine) -> None:
    engine.evaluate({"fraud_sms_confirmed": True, **VERIFIED})
    last_sid = str(next(engine._sids) - 1)
    with pytest.raises(durable_rules_engine.error, match="Could not get state"):
        durable_rules_engine.get_state(engine._handle, last_sid)


def test_many_subjects_matching_nothing_run_safely(engine: RuleEngine) -> None:
    # Deleting the state of a subject that matched nothing can crash
    # durable_rules; the catch-all rule makes every subject match.
    outcomes = {engine.evaluate(VERIFIED).status for _ in range(2000)}
    assert outcomes == {"pass"}


def test_compiled_ruleset_has_a_catch_all_rule(ruleset: RuleSet) -> None:
    compiled = compile_rules(ruleset.rules_on(DAY))
    assert CATCH_ALL in compiled.definition


def test_rule_testing_only_a_missing_field_fires_once(tmp_path: Path) -> None:
    when = "{field: arrears_days, op: is_missing}"
    ruleset = load_ruleset(write_rules(tmp_path, rule_yaml("TST-001", when)))
    with RuleEngine(ruleset, on=DAY) as engine:
        outcome = engine.evaluate({})
    assert outcome.rule_ids == ("TST-001",)


def test_empty_condition_group_is_refused_before_it_reaches_the_engine(
    ruleset: RuleSet,
) -> None:
    data = ruleset.get("CMP-001").model_dump(by_alias=True)
    data["when"] = {"all": []}
    with pytest.raises(RuleEngineError, match="'all' has no conditions"):
        compile_rules([Rule.model_validate(data)])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("arrears_days", "120"),  # durable_rules would coerce "120" > 90
        ("arrears_days", True),
        ("arrears_days", 12.0),
        ("fraud_sms_confirmed", 1),  # durable_rules would treat 1 as true
        ("fraud_sms_confirmed", "true"),
        ("id_check_result", "forged"),
        ("arrears_days", -1),
    ],
)
def test_mistyped_fact_is_refused(engine: RuleEngine, field: str, value: Any) -> None:
    with pytest.raises(RuleInputError, match=field):
        engine.evaluate({field: value})


def test_unknown_field_is_refused_without_echoing_its_value(engine: RuleEngine) -> None:
    with pytest.raises(RuleInputError, match="'msisdn' is not") as caught:
        engine.evaluate({"msisdn": "13800138000"})
    assert "13800138000" not in str(caught.value)


def test_group_attribute_is_not_a_rule_fact(engine: RuleEngine) -> None:
    with pytest.raises(RuleInputError, match="'age_band' is not"):
        engine.evaluate({"age_band": "18-24"})


def test_nan_counts_as_missing(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        {**VERIFIED, "arrears_amount_cny": math.nan, "arrears_days": 400}
    )
    assert outcome.status == "pass"


def test_validated_record_is_evaluated_through_its_facts(engine: RuleEngine) -> None:
    from subscribers import validate_record
    from subscribers.synth import generate

    frame = generate(3, seed=3)
    row = frame.iloc[0].to_dict()
    record = validate_record(_plain(row))
    assert engine.evaluate(record) == engine.evaluate(record.facts())


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    from subscribers import record_columns

    out: dict[str, Any] = {}
    for name in record_columns():
        value = row[name]
        if value is pd.NA or value is pd.NaT or value is None:
            out[name] = None
        elif isinstance(value, pd.Timestamp):
            out[name] = value.date()
        elif hasattr(value, "item"):
            out[name] = value.item()
        else:
            out[name] = value
    return out


def test_error_while_building_the_outcome_is_raised(
    engine: RuleEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Host swallows exceptions raised in actions; this engine raises them.
    def broken(*args: object) -> bool:
        raise ZeroDivisionError("trace failed")

    monkeypatch.setattr(engine_module, "evaluate", broken)
    with pytest.raises(ZeroDivisionError, match="trace failed"):
        engine.evaluate({"fraud_sms_confirmed": True})


def test_engine_keeps_working_after_an_error(
    engine: RuleEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(engine_module, "evaluate", lambda *a: 1 / 0)
        with pytest.raises(ZeroDivisionError, match="division"):
            engine.evaluate({"fraud_sms_confirmed": True})
    assert engine.evaluate({"fraud_sms_confirmed": True, **VERIFIED}).status == "deny"


def test_fired_rule_whose_condition_is_not_true_is_an_engine_error(
    engine: RuleEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "evaluate", lambda *a: None)
    with pytest.raises(RuleEngineError, match="CMP-001@1 but its condition"):
        engine.evaluate({"fraud_sms_confirmed": True})


def test_subject_of_the_wrong_kind_is_refused(engine: RuleEngine) -> None:
    with pytest.raises(RuleInputError, match="got list"):
        engine.evaluate([1, 2, 3])


def test_closed_engine_refuses_to_evaluate(ruleset: RuleSet) -> None:
    engine = RuleEngine(ruleset, on=DAY)
    engine.close()
    with pytest.raises(RuleEngineError, match="engine is closed"):
        engine.evaluate(VERIFIED)


class _FailingOnce:
    """durable_rules_engine, except that the first action completion fails."""

    def __init__(self) -> None:
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(durable_rules_engine, name)

    def complete_and_start_action(self, *args: Any) -> Any:
        if not self.failed:
            self.failed = True
            raise RuntimeError("action failed")
        return durable_rules_engine.complete_and_start_action(*args)


def test_error_while_taking_actions_still_closes_the_session(
    engine: RuleEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Deleting a session with actions not taken aborts durable_rules 2.0.28.
    monkeypatch.setattr(engine_module, "_dre", _FailingOnce())
    with pytest.raises(RuntimeError, match="action failed"):
        engine.evaluate({"fraud_sms_confirmed": True})
    last_sid = str(next(engine._sids) - 1)
    with pytest.raises(durable_rules_engine.error, match="Could not get state"):
        durable_rules_engine.get_state(engine._handle, last_sid)
    assert engine.evaluate({"fraud_sms_confirmed": True, **VERIFIED}).status == "deny"


def test_mistyped_constant_is_refused_before_it_reaches_the_engine(
    ruleset: RuleSet,
) -> None:
    # durable_rules aborts the process when it compares 7 with "90".
    data = ruleset.get("FUL-003").model_dump(by_alias=True)
    data["when"] = {"field": "arrears_days", "op": "gt", "value": "90"}
    with pytest.raises(RuleEngineError, match="FUL-003@1 cannot run"):
        compile_rules([Rule.model_validate(data)])
