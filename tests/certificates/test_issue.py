"""Issuing one certificate: precedence of rule effects, contents, signature, store."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from credcert._errors import IssueError
from credcert.certificate import Certificate
from credcert.issue import Issuer, issue_certificate
from credcert.signing import KeyRing, canonical_json, verify_document
from credcert.store import Store
from rules import GRADES
from scorecard import score_subject
from tests.certificates.fixtures import T0


def _first(issuer: Issuer, records: list[Any], status: str) -> Any:
    return next(r for r in records if issuer.rules.evaluate(r).status == status)


def test_certificate_matches_the_schema(issuer: Issuer, records: list[Any]) -> None:
    document = issuer.issue(records[5], at=T0).document
    assert Certificate.model_validate(document).id == document["id"]


def test_certificate_verifies_offline(
    issuer: Issuer, records: list[Any], keyring: KeyRing
) -> None:
    document = issuer.issue(records[5], at=T0).document
    assert verify_document(document, keyring.public()).tree_size == 1


def test_text_is_the_canonical_json_of_the_document(
    issuer: Issuer, records: list[Any]
) -> None:
    issued = [issuer.issue(r, at=T0) for r in records[:300]]
    assert all(canonical_json(i.document).decode() == i.text for i in issued)


def test_log_body_is_canonical_json(issuer: Issuer, records: list[Any]) -> None:
    body = issuer.issue(records[0], at=T0).entry.body
    assert canonical_json(json.loads(body)).decode() == body


def test_same_inputs_and_time_give_identical_bytes(
    issuer: Issuer, records: list[Any]
) -> None:
    assert issuer.issue(records[7], at=T0).text == issuer.issue(records[7], at=T0).text


def test_deny_issues_no_score(issuer: Issuer, records: list[Any]) -> None:
    document = issuer.issue(_first(issuer, records, "deny"), at=T0).document
    assert (document["status"], document["score"], document["grade"]) == (
        "denied",
        None,
        None,
    )


def test_deny_states_its_rule_reasons(issuer: Issuer, records: list[Any]) -> None:
    document = issuer.issue(_first(issuer, records, "deny"), at=T0).document
    deny_rules = {f["rule_id"] for f in document["flags"] if f["effect"] == "deny"}
    assert {r["code"] for r in document["reasons"]} >= {
        f"RULE-{rule}" for rule in deny_rules
    }


def test_deny_has_no_points_table(issuer: Issuer, records: list[Any]) -> None:
    document = issuer.issue(_first(issuer, records, "deny"), at=T0).document
    assert (document["points"], document["subscores"]) == ([], [])


def test_review_holds_the_certificate_with_its_score(
    issuer: Issuer, records: list[Any]
) -> None:
    document = issuer.issue(_first(issuer, records, "review"), at=T0).document
    assert document["status"] == "review"
    assert document["score"] is not None


def test_cap_grade_caps_the_grade(issuer: Issuer, records: list[Any]) -> None:
    record = _first(issuer, records, "cap_grade")
    outcome = issuer.rules.evaluate(record)
    scored = score_subject(issuer.scorecard, record.__dict__).grade
    expected = max(scored, outcome.grade_cap, key=GRADES.index)
    assert issuer.issue(record, at=T0).document["grade"] == expected


def test_flag_only_issues(issuer: Issuer, records: list[Any]) -> None:
    document = issuer.issue(_first(issuer, records, "flag"), at=T0).document
    assert document["status"] == "issued"


def test_every_fired_rule_is_listed_with_its_trace(
    issuer: Issuer, records: list[Any]
) -> None:
    record = _first(issuer, records, "review")
    fired = issuer.rules.evaluate(record).rule_ids
    flags = issuer.issue(record, at=T0).document["flags"]
    assert [f["rule_id"] for f in flags] == list(fired)
    assert all(f["trace"] for f in flags)


def test_at_most_four_score_reasons(issuer: Issuer, records: list[Any]) -> None:
    docs = [issuer.issue(r, at=T0).document for r in records[:200]]
    assert max(sum(r["kind"] == "score" for r in d["reasons"]) for d in docs) <= 4


def test_data_sources_carry_as_of_dates(issuer: Issuer, records: list[Any]) -> None:
    record = records[5]
    sources = issuer.issue(record, at=T0).document["data_sources"]
    billing = next(s for s in sources if s["source"] == "billing")
    assert billing["as_of"] == record.billing_as_of.isoformat()


def test_versions_name_rules_scorecard_and_templates(
    issuer: Issuer, records: list[Any]
) -> None:
    versions = issuer.issue(records[5], at=T0).document["versions"]
    assert set(versions) == {"certificate_schema", "ruleset", "scorecard", "templates"}


def test_expiry_is_ninety_days_after_issue(issuer: Issuer, records: list[Any]) -> None:
    document = issuer.issue(records[5], at=T0).document
    assert document["expires_on"] == (T0.date() + dt.timedelta(days=90)).isoformat()


def test_invalid_record_names_the_field_not_the_number(
    issuer: Issuer, records: list[Any]
) -> None:
    data = records[5].model_dump()
    data["msisdn"] = "12345"
    with pytest.raises(
        IssueError, match="field 'msisdn': expected an 11-digit"
    ) as info:
        issuer.issue(data, at=T0)
    assert "12345" not in str(info.value)


def test_reissue_supersedes_in_the_store(
    issuer: Issuer, records: list[Any], keyring: KeyRing, store: Store
) -> None:
    kwargs = {
        "rules": issuer.rules,
        "scorecard": issuer.scorecard,
        "keys": keyring,
        "pseudonymizer": issuer.pseudonymizer,
        "store": store,
    }
    first = issue_certificate(records[5], at=T0, **kwargs)
    second = issue_certificate(records[5], at=T0 + dt.timedelta(days=7), **kwargs)
    assert store.certificate(first.id).superseded_by == second.id


def test_new_deny_revokes_the_valid_certificate(
    issuer: Issuer, records: list[Any], keyring: KeyRing, store: Store
) -> None:
    record = _first(issuer, records, "pass")
    kwargs = {
        "rules": issuer.rules,
        "scorecard": issuer.scorecard,
        "keys": keyring,
        "pseudonymizer": issuer.pseudonymizer,
        "store": store,
    }
    first = issue_certificate(record, at=T0, **kwargs)
    fraud = record.model_copy(update={"fraud_sms_confirmed": True})
    issue_certificate(fraud, at=T0 + dt.timedelta(days=7), **kwargs)
    assert store.certificate(first.id).status == "revoked"
