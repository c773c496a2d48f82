"""Signed answers: only what the policy discloses, and verification with reasons.

The must-show cases of the scenario-policy issue: for every shipped policy a
partner's verified answer holds no member the policy does not disclose; an
altered, expired or other-scenario answer is rejected with a reason code.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from credcert.policies import (
    ANSWER_FAILURE_CODES,
    ANSWER_MEMBERS,
    AnswerInputError,
    PolicySet,
    answer,
    verify_answer,
)
from credcert.signing import PublicKeyRing, SigningKey, sign_document
from tests.policies.conftest import T0, Issued, first

SCENARIOS = ("deposit_free_rental", "government_service", "lending", "tenancy")
LATER = T0 + dt.timedelta(hours=1)


def _answer(
    issued: Issued,
    policies: PolicySet,
    scenario: str,
    document: dict[str, Any],
    **kw: Any,
) -> dict[str, Any]:
    policy = policies.policy(scenario, T0.date())
    return answer(policy, document, at=T0, key=issued.key, partner="p-01", **kw)


def _values(document: dict[str, Any]) -> dict[str, Any]:
    """Certificate values a partner must not learn unless disclosed."""
    out: dict[str, Any] = {
        "subject": document["subject"],
        "score": document["score"],
        "points": document["points"],
        "reasons": document["reasons"],
        "suggestions": document["suggestions"],
        "flags": document["flags"],
        "data_sources": document["data_sources"],
    }
    for item in document["subscores"]:
        out[f"subscores.{item['dimension']}"] = item["percent"]
    return out


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_answer_holds_no_member_the_policy_does_not_disclose(
    issued: Issued, policies: PolicySet, scenario: str
) -> None:
    policy = policies.policy(scenario, T0.date())
    for document in issued.documents[:120]:
        signed = _answer(issued, policies, scenario, document)
        assert verify_answer(signed, issued.ring, at=LATER).valid
        assert set(signed) == {*ANSWER_MEMBERS, "signature"}
        assert list(signed["disclosed"]) == policy.disclose
        shown = {
            name: value
            for name, value in _values(document).items()
            if name not in policy.disclose
        }
        body = {k: v for k, v in signed.items() if k not in ("disclosed", "signature")}
        # No undisclosed value of the certificate appears anywhere in the answer
        # (numbers are compared as numbers, texts as texts).
        for name, value in shown.items():
            for leaf in _leaves(value):
                if isinstance(leaf, float) or (isinstance(leaf, str) and len(leaf) > 3):
                    assert leaf not in _leaves(body), f"{scenario}: {name} leaks"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_undisclosed_values_do_not_change_the_answer_document(
    issued: Issued, policies: PolicySet, scenario: str
) -> None:
    """Two certificates that differ only in what is not disclosed (and does not
    change the decision) give answers with the same content."""
    document = first(issued, status="issued", grade="B")
    other = copy.deepcopy(document)
    other["score"] = document["score"] + 1.5
    other["subject"] = "sp1_" + "0" * 32
    other["points"] = []
    other["reasons"] = []
    other["suggestions"] = []
    for item in other["subscores"]:
        if (
            f"subscores.{item['dimension']}"
            not in policies.policy(scenario, T0.date()).disclose
        ):
            item["points"] = 0.0
    one = _answer(issued, policies, scenario, document)
    two = _answer(issued, policies, scenario, other)
    assert {k: v for k, v in one.items() if k != "signature"} == {
        k: v for k, v in two.items() if k != "signature"
    }


def test_lending_discloses_the_grade_and_a_credit_line(
    issued: Issued, policies: PolicySet
) -> None:
    document = first(issued, status="issued", grade="B")
    signed = _answer(issued, policies, "lending", document)
    assert signed["disclosed"] == {"grade": "B"}
    assert signed["answer"].startswith("line_")
    assert signed["credit_line"]["currency"] == "CNY"


def test_tenancy_discloses_only_the_fulfilment_subscore(
    issued: Issued, policies: PolicySet
) -> None:
    document = first(issued, status="issued")
    percent = {s["dimension"]: s["percent"] for s in document["subscores"]}
    signed = _answer(issued, policies, "tenancy", document)
    assert signed["disclosed"] == {"subscores.fulfilment": percent["fulfilment"]}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize(
    "status", ["denied", "review", "disputed", "superseded", "revoked"]
)
def test_a_certificate_not_issued_gets_the_policy_answer_never_a_yes(
    issued: Issued, policies: PolicySet, scenario: str, status: str
) -> None:
    policy = policies.policy(scenario, T0.date())
    best = first(issued, status="issued", grade="A")
    signed = _answer(issued, policies, scenario, best, status=status)
    assert signed["answer"] == getattr(policy.not_issued, status)
    assert policy.answers[signed["answer"]].meaning != "positive"


def test_signed_denied_status_is_read_from_the_certificate(
    issued: Issued, policies: PolicySet
) -> None:
    denied = first(issued, status="denied")
    assert _answer(issued, policies, "deposit_free_rental", denied)["answer"] == "no"


def test_expired_certificate_gets_the_expired_answer(
    issued: Issued, policies: PolicySet
) -> None:
    document = first(issued, status="issued", grade="A")
    late = dt.datetime.combine(
        dt.date.fromisoformat(document["expires_on"]) + dt.timedelta(days=1),
        dt.time(9),
        tzinfo=dt.UTC,
    )
    policy = policies.policy("lending", late.date())
    signed = answer(policy, document, at=late, key=issued.key, partner="bank")
    assert signed["answer"] == policy.not_issued.expired


def test_answer_never_outlives_the_certificate(
    issued: Issued, policies: PolicySet
) -> None:
    document = first(issued, status="issued", grade="B")
    ends = dt.date.fromisoformat(document["expires_on"])
    near_end = dt.datetime.combine(
        ends - dt.timedelta(days=2), dt.time(12), tzinfo=dt.UTC
    )
    policy = policies.policy("lending", near_end.date())
    signed = answer(policy, document, at=near_end, key=issued.key, partner="bank")
    assert signed["valid_until"] == f"{ends.isoformat()}T23:59:59Z"


def test_answer_holds_for_the_policy_validity(
    issued: Issued, policies: PolicySet
) -> None:
    signed = _answer(
        issued, policies, "deposit_free_rental", first(issued, status="issued")
    )
    assert (signed["answered_at"], signed["valid_until"]) == (
        "2026-12-01T08:00:00Z",
        "2026-12-08T08:00:00Z",
    )


# --- verification -------------------------------------------------------------


@pytest.fixture
def rental(issued: Issued, policies: PolicySet) -> dict[str, Any]:
    return _answer(
        issued,
        policies,
        "deposit_free_rental",
        first(issued, status="issued", grade="B"),
    )


def test_valid_answer_verifies_for_its_partner_and_scenario(
    issued: Issued, rental: dict[str, Any]
) -> None:
    check = verify_answer(
        rental,
        issued.ring,
        at=LATER,
        partner_scenarios=["deposit_free_rental"],
        partner="p-01",
    )
    assert (check.valid, check.code) == (True, None)
    assert "deposit_free_rental" in check.reason


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("answer", "yes"),
        ("answer", "no"),
        ("disclosed", {"grade": "A"}),
        ("valid_until", "2030-01-01T00:00:00Z"),
    ],
)
def test_tampered_answer_is_rejected(
    issued: Issued, rental: dict[str, Any], member: str, value: Any
) -> None:
    changed = {**rental, member: value}
    if changed[member] == rental[member]:
        changed[member] = "refer"
    check = verify_answer(changed, issued.ring, at=LATER)
    assert (check.valid, check.code) == (False, "content_altered")
    assert "changed after signing" in check.reason


def test_expired_answer_is_rejected(issued: Issued, rental: dict[str, Any]) -> None:
    check = verify_answer(rental, issued.ring, at=T0 + dt.timedelta(days=7, seconds=1))
    assert (check.valid, check.code) == (False, "expired")
    assert "held until 2026-12-08T08:00:00Z" in check.reason


def test_answer_from_the_future_is_rejected(
    issued: Issued, rental: dict[str, Any]
) -> None:
    check = verify_answer(rental, issued.ring, at=T0 - dt.timedelta(seconds=1))
    assert (check.valid, check.code) == (False, "not_yet_valid")


def test_answer_for_a_scenario_the_key_is_not_bound_to_is_rejected(
    issued: Issued, rental: dict[str, Any]
) -> None:
    check = verify_answer(rental, issued.ring, at=LATER, partner_scenarios=["lending"])
    assert (check.valid, check.code) == (False, "wrong_scenario")
    assert "'deposit_free_rental'; this partner key is bound to lending" in check.reason


def test_answer_given_to_another_partner_is_rejected(
    issued: Issued, rental: dict[str, Any]
) -> None:
    check = verify_answer(rental, issued.ring, at=LATER, partner="p-02")
    assert (check.valid, check.code) == (False, "wrong_partner")


def test_answer_signed_by_an_unknown_key_is_rejected(rental: dict[str, Any]) -> None:
    other = SigningKey.generate()
    ring = PublicKeyRing([])
    check = verify_answer(rental, ring, at=LATER)
    assert (check.valid, check.code) == (False, "unknown_key")
    assert other.kid not in check.reason


def test_a_certificate_is_not_an_answer(issued: Issued) -> None:
    check = verify_answer(issued.documents[0], issued.ring, at=LATER)
    assert (check.valid, check.code) == (False, "not_an_answer")
    assert "expected schema credcert.scenario-answer/1" in check.reason


def test_every_failure_code_is_listed() -> None:
    assert set(ANSWER_FAILURE_CODES) >= {
        "content_altered",
        "expired",
        "wrong_scenario",
        "wrong_partner",
        "not_an_answer",
        "unknown_policy_version",
        "unknown_answer",
    }


def _resigned(issued: Issued, signed: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The answer with ``changes``, signed again with the issuing key."""
    content = {k: v for k, v in signed.items() if k != "signature"}
    return sign_document({**content, **changes}, issued.key, T0)


def test_an_answer_of_a_known_policy_version_verifies_against_the_set(
    issued: Issued, policies: PolicySet, rental: dict[str, Any]
) -> None:
    check = verify_answer(rental, issued.ring, at=LATER, policies=policies)
    assert (check.valid, check.code) == (True, None)


def test_an_unknown_policy_version_is_rejected(
    issued: Issued, policies: PolicySet, rental: dict[str, Any]
) -> None:
    forged = _resigned(issued, rental, policy_version=2)
    check = verify_answer(forged, issued.ring, at=LATER, policies=policies)
    assert (check.valid, check.code) == (False, "unknown_policy_version")
    assert check.reason == (
        "unknown_policy_version: the answer names version 2 of scenario "
        "'deposit_free_rental'; this verifier knows version 1"
    )
    assert verify_answer(forged, issued.ring, at=LATER).valid  # not asked: not checked


def test_an_answer_of_an_unknown_scenario_names_it(
    issued: Issued, policies: PolicySet, rental: dict[str, Any]
) -> None:
    forged = _resigned(issued, rental, scenario="parking")
    check = verify_answer(forged, issued.ring, at=LATER, policies=policies)
    assert check.code == "unknown_policy_version"
    assert "this verifier knows no policy for that scenario" in check.reason


def test_an_answer_the_policy_version_does_not_declare_is_rejected(
    issued: Issued, policies: PolicySet, rental: dict[str, Any]
) -> None:
    forged = _resigned(issued, rental, answer="line_high")
    check = verify_answer(forged, issued.ring, at=LATER, policies=policies)
    assert (check.valid, check.code) == (False, "unknown_answer")
    assert "(yes, refer, no)" in check.reason


def test_a_policy_version_that_is_not_an_integer_is_not_an_answer(
    issued: Issued, rental: dict[str, Any]
) -> None:
    check = verify_answer(
        _resigned(issued, rental, policy_version="1"), issued.ring, at=LATER
    )
    assert (check.valid, check.code) == (False, "not_an_answer")


def test_a_document_without_an_expiry_is_refused(
    issued: Issued, policies: PolicySet
) -> None:
    broken = {k: v for k, v in issued.documents[0].items() if k != "expires_on"}
    with pytest.raises(AnswerInputError, match="expected a member 'expires_on'"):
        _answer(issued, policies, "lending", broken)


def test_every_failure_code_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    assert [c for c in ANSWER_FAILURE_CODES if f"`{c}`" not in docs] == []
