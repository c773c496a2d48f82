"""``check_policies``: every kind of bad policy file is named with file:line and code.

Each case edits the shipped deposit-free-rental policy in one place; the
expected line is found in the edited text by the test itself (the line that
holds ``marker``), independently of the loader's line tracking.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from credcert.policies import (
    PROBLEM_CODES,
    PolicyFileError,
    check_policies,
    default_policy_path,
    load_policies,
)

SHIPPED = default_policy_path() / "deposit_free_rental.yaml"
SHIPPED_DAY = dt.date(2026, 3, 1)
LATER_DAY = dt.date(2026, 9, 1)


def edited(tmp_path: Path, old: str, new: str, name: str = "rental.yaml") -> Path:
    text = SHIPPED.read_text("utf-8")
    assert text.count(old) == 1, f"the shipped file no longer holds {old!r} once"
    path = tmp_path / name
    path.write_text(text.replace(old, new), "utf-8")
    return path


def line_of(path: Path, marker: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    found = [n for n, line in enumerate(lines, start=1) if marker in line]
    assert len(found) == 1, f"{marker!r} is on lines {found}"
    return found[0]


CASES = {
    "unknown field": (
        "answer_valid_days: 7\n",
        "answer_valid_days: 7\nvalid_for: 3\n",
        "valid_for: 3",
        "schema",
        "valid_for: unknown field",
    ),
    "unknown field in a condition": (
        "      grade: [A, B, C]\n",
        "      grades: [A, B, C]\n",
        "grades: [A, B, C]",
        "schema",
        "decide.2.when.grades",
    ),
    "grade both required and excluded": (
        "    when: {grade: [E]}\n",
        "    when: {grade: [E], grade_not: [E]}\n",
        "grade_not: [E]",
        "never_true",
        "no grade is both required",
    ),
    "subscore bound outside its range": (
        "subscores: {compliance: {at_most: 40}}",
        "subscores: {compliance: {at_most: 140}}",
        "at_most: 140",
        "out_of_range",
        "at_most 140",
    ),
    "lower bound above the upper": (
        "subscores: {compliance: {at_most: 40}}",
        "subscores: {compliance: {at_least: 60, at_most: 40}}",
        "at_least: 60",
        "never_true",
        "at_least 60 is above at_most 40",
    ),
    "unknown dimension": (
        "subscores: {fulfilment: {at_least: 50}}",
        "subscores: {honesty: {at_least: 50}}",
        "honesty",
        "unknown_dimension",
        "dimension 'honesty'",
    ),
    "unknown consent purpose": (
        "consent_purpose: deposit_free_rental",
        "consent_purpose: marketing",
        "consent_purpose: marketing",
        "unknown_purpose",
        "consent_purpose 'marketing': expected one of",
    ),
    "unknown rule id": (
        "not_flagged: {rule_id: [CMP-004]}",
        "not_flagged: {rule_id: [CMP-404]}",
        "CMP-404",
        "unknown_rule",
        "rule id 'CMP-404' is not in the rule set",
    ),
    "flag an issued certificate cannot carry": (
        "    when: {grade: [E]}\n",
        "    when: {flagged: {effect: [deny]}}\n",
        "flagged: {effect: [deny]}",
        "never_true",
        "no rule that an issued certificate can carry",
    ),
    "flag both required and excluded": (
        "    when: {grade: [E]}\n",
        "    when: {flagged: {rule_id: [CMP-004]}, not_flagged: {effect: [flag]}}\n",
        "not_flagged: {effect: [flag]}",
        "never_true",
        "every flag that meets 'flagged' is excluded",
    ),
    "unknown answer": (
        "  - answer: refer\n    when: {grade: [A, B, C, D]}",
        "  - answer: maybe\n    when: {grade: [A, B, C, D]}",
        "answer: maybe",
        "unknown_answer",
        "answer 'maybe'",
    ),
    "positive answer for a denied certificate": (
        "  denied: no\n",
        "  denied: yes\n",
        "denied: yes",
        "positive_not_issued",
        "a denied certificate gets 'yes'",
    ),
    "an entry after the catch-all": (
        "  - answer: refer\n    when: {grade: [A, B, C, D]}",
        "  - answer: refer\n  - answer: refer\n    when: {grade: [A, B, C, D]}",
        None,
        "unreachable",
        "always matches",
    ),
    "a non-status answer missing": (
        "  expired: refer\n",
        "",
        "not_issued:",
        "schema",
        "not_issued.expired: Field required",
    ),
    "not YAML": (
        "disclose: []\n",
        "disclose: [\n",
        None,
        "yaml",
        "",
    ),
    "a duplicated key": (
        "answer_valid_days: 7\n",
        "answer_valid_days: 7\nanswer_valid_days: 8\n",
        "answer_valid_days: 8",
        "yaml",
        "duplicate key 'answer_valid_days'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_named_with_line_and_code(tmp_path: Path, case: str) -> None:
    old, new, marker, code, words = CASES[case]
    path = edited(tmp_path, old, new)
    problems = check_policies(path)
    found = [p for p in problems if p.code == code]
    assert found, f"expected a {code} problem; got {[str(p) for p in problems]}"
    problem = found[0]
    assert problem.file == str(path)
    assert words in problem.message
    if marker is not None:
        assert problem.line == line_of(path, marker)


def test_unreachable_entry_points_at_the_entry_after_the_catch_all(
    tmp_path: Path,
) -> None:
    path = edited(
        tmp_path,
        "  - answer: refer\n    when: {grade: [A, B, C, D]}",
        "  - answer: refer\n  - answer: no\n    when: {grade: [A, B, C, D]}",
    )
    (problem,) = [p for p in check_policies(path) if p.code == "unreachable"]
    assert problem.line == line_of(path, "when: {grade: [A, B, C, D]}") - 1


def test_last_entry_needs_no_condition(tmp_path: Path) -> None:
    path = edited(tmp_path, "  - answer: no\n\nexamples:", "\nexamples:")
    (problem,) = check_policies(path)
    assert (problem.code, problem.line) == (
        "schema",
        line_of(path, "when: {grade: [A, B, C, D]}") - 1,
    )
    assert "the last decide entry has no 'when'" in problem.message


def test_overlapping_versions_are_named(tmp_path: Path) -> None:
    edited(tmp_path, "version: 1\n", "version: 1\n", name="a.yaml")
    second = edited(tmp_path, "version: 1\n", "version: 2\n", name="b.yaml")
    (problem,) = check_policies(tmp_path)
    assert problem.code == "overlapping_versions"
    assert (problem.file, problem.line) == (str(second), line_of(second, "scenario:"))
    assert "versions 1" in problem.message
    assert "both in force on 2026-01-01" in problem.message


def test_consecutive_versions_load(tmp_path: Path) -> None:
    edited(
        tmp_path, "effective_to: null\n", "effective_to: 2026-06-30\n", name="a.yaml"
    )
    text = (tmp_path / "a.yaml").read_text("utf-8")
    (tmp_path / "b.yaml").write_text(
        text.replace("version: 1\n", "version: 2\n")
        .replace("effective_from: 2026-01-01", "effective_from: 2026-07-01")
        .replace("effective_to: 2026-06-30", "effective_to: null"),
        "utf-8",
    )
    policies = load_policies(tmp_path)
    assert policies.policy("deposit_free_rental", on=SHIPPED_DAY).version == 1
    assert policies.policy("deposit_free_rental", on=LATER_DAY).version == 2


def test_duplicate_version_is_named(tmp_path: Path) -> None:
    edited(tmp_path, "version: 1\n", "version: 1\n", name="a.yaml")
    edited(tmp_path, "effective_to: null\n", "effective_to: null\n", name="b.yaml")
    codes = {p.code for p in check_policies(tmp_path)}
    assert "duplicate_version" in codes


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    edited(
        tmp_path,
        "not_flagged: {rule_id: [CMP-004]}",
        "not_flagged: {rule_id: [X-1]}",
        "a.yaml",
    )
    edited(tmp_path, "  denied: no\n", "  denied: yes\n", "b.yaml")
    with pytest.raises(PolicyFileError, match=r"2 problems in policy files") as raised:
        load_policies(tmp_path)
    assert {p.code for p in raised.value.problems} == {
        "unknown_rule",
        "positive_not_issued",
    }


def test_every_problem_code_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    assert [code for code in PROBLEM_CODES if f"`{code}`" not in docs] == []


def test_shipped_policies_have_no_problem() -> None:
    assert check_policies() == []
