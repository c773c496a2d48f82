"""The regulator's rulebook: every rule in plain words, examples and their results."""

from __future__ import annotations

import re

from reports.rulebook import render_rule_diff, render_rulebook
from rules import RuleSet, diff_rulesets, run_examples


def test_rulebook_shows_every_rule_with_zh_and_en_titles(ruleset: RuleSet) -> None:
    html = render_rulebook(ruleset)
    for rule in ruleset.rules:
        assert f'id="{rule.key}"' in html
        assert rule.title.zh in html
        assert rule.title.en in html


def test_rulebook_states_conditions_effects_and_legal_basis(ruleset: RuleSet) -> None:
    html = render_rulebook(ruleset)
    assert "当前欠费金额不少于500元且当前欠费天数大于90天" in html
    assert "current arrears amount is at least 500 CNY" in html
    assert "限制最高等级：最高E级" in html
    assert "征信业管理条例 第十六条" in html


def test_rulebook_marks_examples_that_pass(ruleset: RuleSet) -> None:
    html = render_rulebook(ruleset, examples=run_examples(ruleset))
    passed = html.count('<span class="pass">通过 pass</span>')
    assert passed == sum(len(rule.examples) for rule in ruleset.rules)
    assert "全部通过 all pass" in html


def test_rulebook_is_self_contained(ruleset: RuleSet) -> None:
    html = render_rulebook(ruleset)
    assert not re.search(r"<(script|link)\b", html)
    assert "src=" not in html


def test_rulebook_escapes_text_from_rule_files(ruleset: RuleSet) -> None:
    rule = ruleset.get("IDN-001")
    title = rule.title.model_copy(update={"en": "<b>bold</b>"})
    patched = rule.model_copy(update={"title": title})
    patched._file, patched._line = rule.file, rule.line
    rules = tuple(patched if r is rule else r for r in ruleset.rules)
    html = render_rulebook(
        type(ruleset)(
            ruleset.name, ruleset.version, ruleset.families, rules, ruleset.checksum
        )
    )
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html


def test_change_report_renders_without_a_rule_set(ruleset: RuleSet) -> None:
    html = render_rule_diff(diff_rulesets(ruleset, ruleset))
    assert "无变更 No differences." in html
