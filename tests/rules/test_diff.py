"""Differences between rule-set versions, matched by rule id and version."""

from __future__ import annotations

import shutil
from pathlib import Path

from rules import RuleSet, default_path, diff_rulesets, load_ruleset


def _edited(tmp_path: Path, file: str, old: str, new: str) -> RuleSet:
    directory = tmp_path / "new"
    shutil.copytree(default_path(), directory)
    for path in directory.glob("*.yaml"):
        text = path.read_text("utf-8").replace("version: 1.0.0", "version: 1.1.0")
        if path.name == file:
            assert old in text
            text = text.replace(old, new)
        path.write_text(text, "utf-8")
    return load_ruleset(directory)


def test_same_rule_set_has_no_differences(ruleset: RuleSet) -> None:
    diff = diff_rulesets(ruleset, ruleset)
    assert not diff
    assert "No differences." in str(diff)


def test_changed_effect_is_reported_in_words(ruleset: RuleSet, tmp_path: Path) -> None:
    new = _edited(tmp_path, "identity.yaml", "effect: flag", "effect: review")
    diff = diff_rulesets(ruleset, new)
    (change,) = diff.changes
    assert (change.kind, change.rule_id) == ("changed", "IDN-004")
    assert change.details == ("effect: flag -> review",)
    assert diff.header == ("version 1.0.0 -> 1.1.0",)


def test_removed_rule_is_reported(ruleset: RuleSet, tmp_path: Path) -> None:
    text = (default_path() / "identity.yaml").read_text("utf-8")
    start = text.index("  - id: IDN-004")
    new = _edited(tmp_path, "identity.yaml", text[start:], "")
    assert [(c.kind, c.rule_id) for c in diff_rulesets(ruleset, new).changes] == [
        ("removed", "IDN-004")
    ]


def test_added_rule_is_summarised(ruleset: RuleSet, tmp_path: Path) -> None:
    text = (default_path() / "identity.yaml").read_text("utf-8")
    start = text.index("  - id: IDN-004")
    added = text[start:].replace("IDN-004", "IDN-005")
    new = _edited(tmp_path, "identity.yaml", text[start:], text[start:] + added)
    (change,) = diff_rulesets(ruleset, new).changes
    assert (change.kind, change.rule_id) == ("added", "IDN-005")
    assert change.details[0].startswith("flag when phone numbers registered")


def test_new_version_is_compared_with_the_previous_one(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    old = load_ruleset(default_path() / "fulfilment.yaml")
    text = (default_path() / "fulfilment.yaml").read_text("utf-8")
    start = text.index("  - id: FUL-001\n    version: 2")
    end = text.index("  - id: FUL-002")
    without_v2 = tmp_path / "fulfilment.yaml"
    without_v2.write_text(text[:start] + text[end:], "utf-8")
    diff = diff_rulesets(load_ruleset(without_v2), old)
    (change,) = diff.changes
    assert (change.kind, change.previous_version) == ("new_version", 1)
    assert "at least 300 CNY" in change.details[0]
    assert "at least 500 CNY" in change.details[0]
