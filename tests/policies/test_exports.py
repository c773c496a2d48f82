"""The public surface of :mod:`credcert.policies` is what is intended."""

from __future__ import annotations

import credcert.policies as policies

PUBLIC = {
    "ANSWER_FAILURE_CODES", "ANSWER_MEMBERS", "ANSWER_SCHEMA", "DISCLOSABLE",
    "MEANINGS", "NOT_ISSUED", "PROBLEM_CODES", "AnswerCheck", "AnswerExplanation",
    "AnswerInputError", "Condition", "Decision", "ExampleResult", "Policy",
    "PolicyError", "PolicyFileError", "PolicyNotFoundError", "PolicyProblem",
    "PolicySet", "answer", "answer_content", "answer_table", "check_policies", "decide",
    "default_policies", "default_policy_path", "example_certificate",
    "explain_answer", "facts_of", "load_policies", "policy_summary", "run_examples",
    "verify_answer",
}  # fmt: skip


def test_exports_exactly_the_public_names() -> None:
    assert set(policies.__all__) == PUBLIC


def test_every_error_is_also_a_builtin_error() -> None:
    assert issubclass(policies.PolicyFileError, ValueError)
    assert issubclass(policies.PolicyNotFoundError, KeyError)
    assert issubclass(policies.AnswerInputError, ValueError)
