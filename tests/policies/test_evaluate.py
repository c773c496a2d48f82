"""Evaluation: status first, then the first matching entry; missing is not true."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from credcert.policies import (
    AnswerInputError,
    PolicyNotFoundError,
    PolicySet,
    decide,
    facts_of,
    run_examples,
)
from tests.policies.conftest import T0, Issued

DAY = T0.date()


def _cert(**members: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "cc-x",
        "status": "issued",
        "grade": "B",
        "expires_on": "2027-03-01",
        "subscores": [],
        "flags": [],
    }
    return {**base, **members}


def _subscores(**percent: float) -> list[dict[str, Any]]:
    return [{"dimension": d, "percent": p, "points": 0.0} for d, p in percent.items()]


def _answer(
    policies: PolicySet, scenario: str, **members: Any
) -> tuple[str, int | None]:
    decision = decide(
        policies.policy(scenario, DAY), facts_of(_cert(**members), on=DAY)
    )
    return decision.answer, decision.entry


def test_first_matching_entry_wins(policies: PolicySet) -> None:
    # Grade E matches entry 0 ("no") before anything else is looked at.
    assert _answer(
        policies, "deposit_free_rental", grade="E", subscores=_subscores(fulfilment=99)
    ) == ("no", 0)


def test_later_entry_answers_when_earlier_ones_fail(policies: PolicySet) -> None:
    assert _answer(
        policies,
        "deposit_free_rental",
        grade="C",
        subscores=_subscores(fulfilment=50, compliance=41),
    ) == ("yes", 2)


def test_bounds_are_inclusive(policies: PolicySet) -> None:
    at_bound = _subscores(fulfilment=50.0, compliance=40.0)
    assert _answer(policies, "deposit_free_rental", subscores=at_bound) == ("no", 1)


def test_missing_subscore_does_not_meet_a_lower_bound(policies: PolicySet) -> None:
    assert _answer(policies, "deposit_free_rental", subscores=[]) == ("refer", 3)


def test_missing_grade_meets_neither_grade_nor_grade_not(policies: PolicySet) -> None:
    # tenancy: entry 2 is refer when grade_not [E]; no grade falls through to no.
    assert _answer(policies, "tenancy", grade=None) == ("no", 3)


def test_catch_all_answers_when_nothing_else_matches(policies: PolicySet) -> None:
    weak_identity = _subscores(identity=10.0)
    assert _answer(policies, "government_service", subscores=weak_identity) == ("no", 3)


def test_a_flag_test_matches_by_rule_id(policies: PolicySet) -> None:
    flags = [{"rule_id": "FUL-002", "effect": "cap_grade"}]
    high = _subscores(fulfilment=95)
    assert _answer(policies, "lending", grade="A", subscores=high, flags=flags) == (
        "refer",
        1,
    )


@pytest.mark.parametrize(
    "status", ["denied", "review", "disputed", "superseded", "revoked"]
)
def test_status_decides_before_any_entry(policies: PolicySet, status: str) -> None:
    name, entry = _answer(policies, "lending", status=status, grade="A")
    assert entry is None
    assert name == getattr(policies.policy("lending", DAY).not_issued, status)


def test_expiry_is_read_from_expires_on(policies: PolicySet) -> None:
    facts = facts_of(_cert(expires_on="2026-11-30"), on=DAY)
    assert facts.status == "expired"
    assert facts_of(_cert(expires_on="2026-12-01"), on=DAY).status == "issued"


def test_unknown_status_is_named(policies: PolicySet) -> None:
    with pytest.raises(AnswerInputError, match="got 'paused'"):
        _answer(policies, "lending", status="paused")


def test_not_a_certificate_is_named() -> None:
    with pytest.raises(AnswerInputError, match="expected a JSON object; got list"):
        facts_of([], on=DAY)  # type: ignore[arg-type]


def test_unknown_scenario_is_named(policies: PolicySet) -> None:
    with pytest.raises(PolicyNotFoundError, match="scenario 'casino': expected one of"):
        policies.policy("casino", DAY)


def test_no_version_in_force_is_named(policies: PolicySet) -> None:
    with pytest.raises(
        PolicyNotFoundError, match="no version is in force on 2025-06-01"
    ):
        policies.policy("lending", dt.date(2025, 6, 1))


def test_shipped_examples_pass(policies: PolicySet) -> None:
    results = run_examples(policies)
    assert len(results) >= 4 * 5
    assert [r for r in results if not r.passed] == []


def test_a_wrong_example_fails(tmp_path: Path, policies: PolicySet) -> None:
    from credcert.policies import default_policy_path, load_policies

    text = (default_policy_path() / "tenancy.yaml").read_text("utf-8")
    old = (
        "    certificate: {grade: D, subscores: {fulfilment: 65, stability: 60}}\n"
        "    answer: refer"
    )
    assert old in text
    (tmp_path / "t.yaml").write_text(text.replace(old, old[:-5] + "yes"), "utf-8")
    (failed,) = [r for r in run_examples(load_policies(tmp_path)) if not r.passed]
    assert (failed.name, failed.expected, failed.got) == (
        "grade D is referred",
        "yes",
        "refer",
    )


@pytest.mark.parametrize(
    "scenario", ["deposit_free_rental", "government_service", "lending", "tenancy"]
)
def test_every_answer_of_a_policy_is_reached_on_real_certificates_or_examples(
    issued: Issued, policies: PolicySet, scenario: str
) -> None:
    """No declared answer is dead: the sample or the examples reach each."""
    policy = policies.policy(scenario, DAY)
    reached = {decide(policy, facts_of(d, on=DAY)).answer for d in issued.documents} | {
        e.answer for e in policy.examples
    }
    assert reached == set(policy.answers)


def test_fast_path_agrees_with_the_failures_the_explanation_lists(
    issued: Issued, policies: PolicySet
) -> None:
    from credcert.policies._evaluate import _holds, failures

    for policy in policies.policies:
        for document in issued.documents:
            facts = facts_of(document, on=DAY)
            for entry in policy.decide:
                if entry.when is not None:
                    assert _holds(entry.when, facts) == (
                        not failures(entry.when, facts)
                    )
