"""The public surface of the rule layer is exactly what is intended."""

from __future__ import annotations

import rules

INTENDED = {
    "DURABLE_RULES_VERSION",
    "EFFECTS",
    "GRADES",
    "OPERATORS",
    "PROBLEM_CODES",
    "STATUSES",
    "Check",
    "ExampleResult",
    "Family",
    "FiredRule",
    "Rule",
    "RuleChange",
    "RuleEngine",
    "RuleEngineError",
    "RuleError",
    "RuleFileError",
    "RuleInputError",
    "RuleOutcome",
    "RuleProblem",
    "RuleSet",
    "RuleSetDiff",
    "check_rules",
    "combine",
    "default_path",
    "describe_condition",
    "describe_value",
    "diff_rulesets",
    "evaluate_batch",
    "evaluate_frame",
    "facts_frame",
    "facts_records",
    "load_ruleset",
    "run_examples",
}


def test_exported_names_are_the_intended_ones() -> None:
    assert set(rules.__all__) == INTENDED


def test_every_exported_name_exists() -> None:
    for name in rules.__all__:
        assert hasattr(rules, name), name


def test_errors_inherit_the_builtin_they_mean() -> None:
    assert issubclass(rules.RuleFileError, ValueError)
    assert issubclass(rules.RuleInputError, ValueError)
    assert issubclass(rules.RuleEngineError, RuntimeError)


def test_pinned_durable_rules_is_the_installed_one() -> None:
    from importlib.metadata import version

    assert version("durable-rules") == rules.DURABLE_RULES_VERSION


def test_docstring_examples_run() -> None:
    import doctest
    import importlib

    names = ["_engine", "_load", "_diff", "_words"]
    for name in names:
        module = importlib.import_module(f"rules.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
        assert result.attempted > 0, name
