"""The examples embedded in rule files, run through durable_rules."""

from __future__ import annotations

from pathlib import Path

from rules import RuleSet, load_ruleset, run_examples
from rules._logic import leaves
from subscribers import CATEGORY_SOURCE, NEGATIVE_INFO_MAX_DAYS, consent_column
from tests.rules.helpers import rule_yaml, write_rules


def test_every_embedded_example_of_the_default_rule_set_holds(ruleset: RuleSet) -> None:
    results = run_examples(ruleset)
    failed = [str(r) for r in results if not r.passed]
    assert failed == []
    assert len(results) == sum(len(rule.examples) for rule in ruleset.rules)


def test_every_rule_has_a_firing_and_a_silent_example(ruleset: RuleSet) -> None:
    for rule in ruleset.rules:
        assert {e.fires for e in rule.examples} == {True, False}, rule.key


def test_example_that_does_not_hold_is_reported(tmp_path: Path) -> None:
    text = rule_yaml("TST-001", "{field: arrears_days, op: gt, value: 90}")
    text = text.replace(
        "facts: {}, fires: false", "facts: {arrears_days: 10}, fires: true"
    )
    (result,) = run_examples(load_ruleset(write_rules(tmp_path, text)))
    assert not result.passed
    assert "expected to fire, did not fire" in str(result)


def test_five_year_rule_uses_the_contract_limit(ruleset: RuleSet) -> None:
    (comparison,) = leaves(ruleset.get("DAT-003").when)
    assert (comparison.field, comparison.op) == ("negative_info_age_days", "gt")
    assert comparison.value == NEGATIVE_INFO_MAX_DAYS


def test_consent_rule_covers_every_data_category_with_a_source(
    ruleset: RuleSet,
) -> None:
    fields = {c.field for c in leaves(ruleset.get("DAT-002").when)}
    for category, source in CATEGORY_SOURCE.items():
        assert {consent_column(category), f"{source.value}_age_days"} <= fields
