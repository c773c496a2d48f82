"""The regulator's rulebook: every rule in plain Chinese and English, as one HTML page.

The page is self-contained (inline CSS, no scripts, no external files) so it
can be archived with the rule set version it describes. It also renders the
change report between two rule-set versions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from rules import (
    EFFECTS,
    ExampleResult,
    Rule,
    RuleSet,
    RuleSetDiff,
    describe_condition,
    describe_value,
)
from subscribers import FIELDS

__all__ = ["EFFECT_WORDS", "render_rule_diff", "render_rulebook"]

#: Each effect in Chinese and English, as the rulebook names it.
EFFECT_WORDS: dict[str, tuple[str, str]] = {
    "deny": ("拒绝出具证书", "deny the certificate"),
    "review": ("转人工复核", "send to human review"),
    "cap_grade": ("限制最高等级", "cap the grade"),
    "flag": ("风险提示", "flag on the certificate"),
}

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_rulebook(
    ruleset: RuleSet,
    *,
    examples: Sequence[ExampleResult] = (),
    diff: RuleSetDiff | None = None,
    generated_on: dt.date | None = None,
) -> str:
    """The rulebook of a rule set as a self-contained HTML page.

    Parameters
    ----------
    ruleset : RuleSet
    examples : sequence of ExampleResult
        Results of :func:`rules.run_examples`; each example shows whether it
        passed. Without them examples are listed without a result.
    diff : RuleSetDiff, optional
        Changes from the previous version, shown as a section of its own.
    generated_on : datetime.date, optional
        The date printed on the page; today if omitted.
    """
    results = {(r.rule.key, r.example.name): r for r in examples}
    families = [
        {
            "family": family.header.family,
            "owner": family.header.owner,
            # The file's name only: a local folder says nothing to a reader
            # and may name a person's home directory.
            "file": Path(family.file).name,
            "rules": [
                _rule_view(rule, results)
                for rule in ruleset.rules
                if rule.file == family.file
            ],
        }
        for family in ruleset.families
    ]
    template = _ENV.get_template("rulebook.html.j2")
    return template.render(
        ruleset=ruleset,
        families=families,
        effects=[(e, *EFFECT_WORDS[e]) for e in EFFECTS],
        diff=_diff_view(diff),
        examples_run=bool(examples),
        failed=sum(not r.passed for r in examples),
        generated_on=(generated_on or dt.date.today()).isoformat(),
    )


def render_rule_diff(diff: RuleSetDiff) -> str:
    """The change report between two rule-set versions as an HTML page."""
    template = _ENV.get_template("rulebook.html.j2")
    return template.render(
        ruleset=None,
        families=[],
        effects=[(e, *EFFECT_WORDS[e]) for e in EFFECTS],
        diff=_diff_view(diff),
        examples_run=False,
        failed=0,
        generated_on=dt.date.today().isoformat(),
    )


def _rule_view(
    rule: Rule, results: dict[tuple[str, str], ExampleResult]
) -> dict[str, Any]:
    zh, en = EFFECT_WORDS[rule.effect]
    if rule.grade_cap:
        zh, en = f"{zh}：最高{rule.grade_cap}级", f"{en} at {rule.grade_cap}"
    return {
        "rule": rule,
        "effect_zh": zh,
        "effect_en": en,
        "when_zh": describe_condition(rule.when, "zh"),
        "when_en": describe_condition(rule.when, "en"),
        "examples": [
            {
                "name": example.name,
                "facts_zh": _facts(example.facts, "zh"),
                "facts_en": _facts(example.facts, "en"),
                "fires": example.fires,
                "result": results.get((rule.key, example.name)),
            }
            for example in rule.examples
        ],
    }


def _facts(facts: dict[str, Any], lang: str) -> str:
    parts = []
    for name, value in facts.items():
        spec = FIELDS.get(name)
        label = name if spec is None else (spec.zh if lang == "zh" else spec.en)
        if value is None:
            shown = "缺失" if lang == "zh" else "missing"
        else:
            shown = describe_value(name, value, "zh" if lang == "zh" else "en")
        parts.append(f"{label}: {shown}")
    return "; ".join(parts) or ("（全部缺失）" if lang == "zh" else "(all missing)")


def _diff_view(diff: RuleSetDiff | None) -> dict[str, Any] | None:
    if diff is None:
        return None
    return {
        "old": diff.old_version,
        "new": diff.new_version,
        "header": list(diff.header),
        "changes": [
            {"change": change, "head": str(change).splitlines()[0]}
            for change in diff.changes
        ],
    }
