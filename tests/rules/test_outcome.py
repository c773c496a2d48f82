"""Combining fired rules: deny > review > cap_grade > flag, worst cap, every flag."""

from __future__ import annotations

from rules import RuleEngine, RuleSet, combine

VERIFIED = {"real_name_verified": True}


def test_no_fired_rule_passes() -> None:
    outcome = combine((), "1.0.0")
    assert (outcome.status, outcome.grade_cap, outcome.fired) == ("pass", None, ())


def test_deny_wins_and_keeps_the_grade_cap_and_flags(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        {
            **VERIFIED,
            "fraud_sms_confirmed": True,
            "arrears_amount_cny": 600.0,
            "arrears_days": 100,
            "order_brushing_12m": 1,
        }
    )
    assert outcome.status == "deny"
    assert outcome.grade_cap == "E"
    assert [f.rule_id for f in outcome.flags] == ["CMP-004"]


def test_review_beats_cap_grade(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        {**VERIFIED, "arrears_suspensions_24m": 3, "negative_info_age_days": 2000}
    )
    assert (outcome.status, outcome.grade_cap) == ("review", "D")


def test_cap_grade_beats_flag(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        {**VERIFIED, "arrears_suspensions_24m": 3, "numbers_under_same_id": 8}
    )
    assert outcome.status == "cap_grade"


def test_the_lowest_grade_cap_is_kept(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        {
            **VERIFIED,
            "arrears_amount_cny": 600.0,
            "arrears_days": 100,
            "arrears_suspensions_24m": 3,
        }
    )
    assert set(outcome.rule_ids) == {"FUL-001", "FUL-002", "FUL-003"}
    assert outcome.grade_cap == "E"


def test_flag_alone_is_the_status(engine: RuleEngine) -> None:
    outcome = engine.evaluate({**VERIFIED, "numbers_under_same_id": 8})
    assert (outcome.status, outcome.grade_cap) == ("flag", None)


def test_outcome_names_the_rule_set_version(
    engine: RuleEngine, ruleset: RuleSet
) -> None:
    assert engine.evaluate(VERIFIED).ruleset_version == ruleset.version
