"""Scenario policies: a partner's question answered from a certificate, signed.

A partner in a scenario (lending, deposit-free rental, tenancy, government
service) needs an answer, not a profile. Each scenario's policy is a data
file (``credcert/scenarios/policies/*.yaml``): the question, the possible
answers with their reasons, the answer for a certificate that is not
issued, ordered conditions on grade, subscores and rule flags (first match
wins), what the answer discloses, how long it holds, and examples.

- :func:`load_policies` reads and checks the files (``file:line`` problems);
- :func:`answer` gives the signed answer for one certificate and partner;
- :func:`verify_answer` checks one offline, with a reason when it fails;
- :func:`explain_answer` says why, and what would change it, for the
  subscriber and the agent.

See ``docs/scenarios.md``.
"""

from credcert.policies._answer import (
    ANSWER_FAILURE_CODES,
    ANSWER_MEMBERS,
    ANSWER_SCHEMA,
    AnswerCheck,
    answer,
    answer_content,
    verify_answer,
)
from credcert.policies._errors import (
    PROBLEM_CODES,
    AnswerInputError,
    PolicyError,
    PolicyFileError,
    PolicyNotFoundError,
    PolicyProblem,
)
from credcert.policies._evaluate import Decision, decide, facts_of
from credcert.policies._examples import ExampleResult, example_certificate, run_examples
from credcert.policies._explain import AnswerExplanation, Condition, explain_answer
from credcert.policies._load import (
    PolicySet,
    check_policies,
    default_policies,
    default_policy_path,
    load_policies,
)
from credcert.policies._sample import answer_table, policy_summary
from credcert.policies._schema import DISCLOSABLE, MEANINGS, NOT_ISSUED, Policy

__all__ = [
    "ANSWER_FAILURE_CODES",
    "ANSWER_MEMBERS",
    "ANSWER_SCHEMA",
    "DISCLOSABLE",
    "MEANINGS",
    "NOT_ISSUED",
    "PROBLEM_CODES",
    "AnswerCheck",
    "AnswerExplanation",
    "AnswerInputError",
    "Condition",
    "Decision",
    "ExampleResult",
    "Policy",
    "PolicyError",
    "PolicyFileError",
    "PolicyNotFoundError",
    "PolicyProblem",
    "PolicySet",
    "answer",
    "answer_content",
    "answer_table",
    "check_policies",
    "decide",
    "default_policies",
    "default_policy_path",
    "example_certificate",
    "explain_answer",
    "facts_of",
    "load_policies",
    "policy_summary",
    "run_examples",
    "verify_answer",
]
