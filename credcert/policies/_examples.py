"""Running the examples each policy ships: this certificate gets this answer.

An example sets only what the policy reads (status, grade, subscores, rule
flags, whether the certificate has expired); :func:`example_certificate`
fills in the rest so the example runs through the same :func:`decide` as a
real certificate. The flags' effects come from the rule set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from credcert.policies._evaluate import decide, facts_of
from credcert.policies._load import PolicySet
from credcert.policies._schema import Example, Policy
from rules import RuleSet, load_ruleset

__all__ = ["ExampleResult", "example_certificate", "run_examples"]


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """One example's outcome: what was expected and what the policy answered."""

    scenario: str
    version: int
    name: str
    expected: str
    got: str
    file: str

    @property
    def passed(self) -> bool:
        return self.expected == self.got


def _day(policy: Policy) -> dt.date:
    return policy.effective_from


def example_certificate(
    policy: Policy, example: Example, ruleset: RuleSet
) -> dict[str, Any]:
    """A certificate document with what ``example`` sets, dated for ``policy``."""
    cert = example.certificate
    day = _day(policy)
    expires = (
        day - dt.timedelta(days=1) if cert.expired else day + dt.timedelta(days=90)
    )
    effects = {rule.id: rule.effect for rule in ruleset.rules_on(day)}
    effects.update(
        {rule.id: rule.effect for rule in ruleset.rules if rule.id not in effects}
    )
    return {
        "id": f"example:{policy.key}:{example.name}",
        "status": cert.status,
        "grade": cert.grade,
        "expires_on": expires.isoformat(),
        "subscores": [
            {"dimension": name, "percent": float(value), "points": 0.0}
            for name, value in cert.subscores.items()
        ],
        "flags": [
            {"rule_id": rule_id, "effect": effects[rule_id]} for rule_id in cert.flags
        ],
    }


def run_examples(
    policies: PolicySet, *, ruleset: RuleSet | None = None
) -> list[ExampleResult]:
    """Every example of every policy, run on the policy's first effective day."""
    rules = ruleset if ruleset is not None else load_ruleset()
    out = []
    for policy in policies.policies:
        for example in policy.examples:
            document = example_certificate(policy, example, rules)
            decision = decide(policy, facts_of(document, on=_day(policy)))
            out.append(
                ExampleResult(
                    policy.scenario,
                    policy.version,
                    example.name,
                    example.answer,
                    decision.answer,
                    policy.file,
                )
            )
    return out
