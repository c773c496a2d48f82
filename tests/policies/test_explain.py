"""Explanations for "no" and "refer": which condition failed, what would change it."""

from __future__ import annotations

from typing import Any

import pytest

from credcert.policies import PolicySet, explain_answer
from subscribers import FIELDS
from tests.policies.conftest import T0, Issued, first


def _explain(policies: PolicySet, scenario: str, document: dict[str, Any], **kw: Any):  # type: ignore[no-untyped-def]
    return explain_answer(policies.policy(scenario, T0.date()), document, at=T0, **kw)


def test_grade_below_the_policy_names_the_grade_and_every_suggestion(
    issued: Issued, policies: PolicySet
) -> None:
    document = first(issued, status="issued", grade="D")
    explanation = _explain(policies, "deposit_free_rental", document)
    assert (explanation.answer, explanation.better_answer) == ("refer", "yes")
    (grade,) = [c for c in explanation.unmet if c.test == "grade"]
    assert grade.text["en"] == "the grade is D; this needs grade A, B or C"
    assert grade.text["zh"] == "证书等级为D，需要A、B、C级"
    codes = [s["code"] for s in grade.suggestions]
    assert sorted(codes) == sorted(s["code"] for s in document["suggestions"])


def test_suggestions_are_the_certificates_own_text(
    issued: Issued, policies: PolicySet
) -> None:
    for document in issued.documents:
        if document["status"] != "issued":
            continue
        explanation = _explain(policies, "tenancy", document)
        own = [s["text"] for s in document["suggestions"]]
        for condition in (*explanation.unmet, *explanation.given_by):
            assert all(s["text"] in own for s in condition.suggestions)


def test_subscore_condition_offers_only_that_dimension(
    issued: Issued, policies: PolicySet
) -> None:
    found = 0
    for document in issued.documents:
        if document["status"] != "issued" or document["grade"] not in "ABC":
            continue
        explanation = _explain(policies, "tenancy", document)
        for condition in explanation.unmet:
            if condition.test != "subscores":
                continue
            found += 1
            dimension = (
                "fulfilment" if "fulfilment" in condition.text["en"] else "stability"
            )
            assert all(
                FIELDS[s["feature"]].dimension.value == dimension  # type: ignore[union-attr]
                for s in condition.suggestions
            )
            assert f"the {dimension} subscore is" in condition.text["en"]
    assert found, "the sample has no tenancy answer held back by a subscore"


def test_matched_entry_is_explained_when_it_comes_first(
    issued: Issued, policies: PolicySet
) -> None:
    document = first(issued, status="issued", grade="E")
    explanation = _explain(policies, "lending", document)
    assert explanation.answer == "no"
    assert [c.text["en"] for c in explanation.given_by] == ["the grade is E"]
    assert explanation.better_answer == "line_high"


def test_flag_condition_offers_suggestions_on_the_flagged_fields(
    issued: Issued, policies: PolicySet
) -> None:
    document = next(
        d
        for d in issued.documents
        if d["status"] == "issued"
        and d["grade"] in "AB"
        and any(f["rule_id"] == "CMP-004" for f in d["flags"])
    )
    explanation = _explain(policies, "deposit_free_rental", document)
    (flag,) = [c for c in explanation.unmet if c.test == "not_flagged"]
    assert "(CMP-004)" in flag.text["en"]
    fired = {
        step["field"]
        for f in document["flags"]
        if f["rule_id"] == "CMP-004"
        for step in f["trace"]
        if step["result"]
    }
    assert {s["feature"] for s in flag.suggestions} <= fired


@pytest.mark.parametrize(
    "status", ["review", "disputed", "superseded", "revoked", "denied"]
)
def test_status_explanation_says_what_the_status_means(
    issued: Issued, policies: PolicySet, status: str
) -> None:
    document = (
        first(issued, status="denied") if status == "denied" else issued.documents[0]
    )
    explanation = _explain(policies, "lending", document, status=status)
    assert explanation.status == status
    assert explanation.status_text is not None
    lines = explanation.lines("en")
    assert explanation.status_text["en"] in lines[1]
    if status == "denied":
        assert explanation.certificate_reasons
        assert all(f"- {r['en']}" in lines for r in explanation.certificate_reasons)


def test_lines_read_in_both_languages(issued: Issued, policies: PolicySet) -> None:
    document = first(issued, status="issued", grade="D")
    explanation = _explain(policies, "deposit_free_rental", document)
    zh, en = explanation.lines("zh"), explanation.lines("en")
    assert zh[0].startswith("“是否可以免除押金？”的答复为“待定”")
    assert en[0].startswith('The answer to "May the deposit be waived?" is "referred"')
    assert any(
        line.startswith('To get "deposit waived": the grade is D') for line in en
    )
    with pytest.raises(ValueError, match="lang: expected one of"):
        explanation.lines("fr")


def test_positive_answer_has_nothing_to_improve(
    issued: Issued, policies: PolicySet
) -> None:
    document = first(issued, status="issued", grade="A")
    explanation = _explain(policies, "government_service", document)
    if explanation.answer == "yes":
        assert (explanation.unmet, explanation.better_answer) == ((), None)
    assert explanation.to_json()["scenario"] == "government_service"
