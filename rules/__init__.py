"""The rule layer: regulator-readable compliance rules executed by durable_rules."""

from rules._errors import (
    PROBLEM_CODES,
    RuleEngineError,
    RuleError,
    RuleFileError,
    RuleInputError,
    RuleProblem,
)
from rules._load import RuleSet, check_rules, default_path, load_ruleset
from rules._schema import EFFECTS, GRADES, Rule

__all__ = [
    "EFFECTS",
    "GRADES",
    "PROBLEM_CODES",
    "Rule",
    "RuleEngineError",
    "RuleError",
    "RuleFileError",
    "RuleInputError",
    "RuleProblem",
    "RuleSet",
    "check_rules",
    "default_path",
    "load_ruleset",
]
