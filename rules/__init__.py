"""The rule layer: regulator-readable compliance rules executed by durable_rules.

Rule files (YAML, one per rule family) are validated by a pydantic schema and
static checks, compiled into durable_rules rulesets, and evaluated subject by
subject with a trace of every comparison. A vectorised evaluator over
DataFrames is the independent check. See ``docs/rules.md``.
"""

from rules._batch import evaluate_batch, facts_records
from rules._diff import RuleChange, RuleSetDiff, diff_rulesets
from rules._engine import DURABLE_RULES_VERSION, RuleEngine
from rules._errors import (
    PROBLEM_CODES,
    RuleEngineError,
    RuleError,
    RuleFileError,
    RuleInputError,
    RuleProblem,
)
from rules._examples import ExampleResult, run_examples
from rules._load import Family, RuleSet, check_rules, default_path, load_ruleset
from rules._outcome import STATUSES, Check, FiredRule, RuleOutcome, combine
from rules._schema import EFFECTS, GRADES, OPERATORS, Rule
from rules._vector import evaluate_frame, facts_frame
from rules._words import describe_condition, describe_value

__all__ = [
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
]
