"""Helpers of the rule-layer tests: constants and rule files written on the fly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

#: A day on which version 2 of FUL-001 is in force.
DAY = dt.date(2026, 12, 1)
#: A day on which version 1 of FUL-001 is in force.
EARLY_DAY = dt.date(2026, 3, 1)
DATA = Path(__file__).parent / "data"


def write_rules(directory: Path, rules_yaml: str, name: str = "custom") -> Path:
    """Write a one-file rule set whose ``rules:`` list is ``rules_yaml``."""
    path = directory / f"{name}.yaml"
    header = (
        "ruleset: {name: custom, version: 0.1.0, family: custom, owner: tests, "
        "effective_from: 2026-01-01}\nrules:\n"
    )
    path.write_text(header + rules_yaml, encoding="utf-8")
    return path


def rule_yaml(rule_id: str, when: str, effect: str = "flag", extra: str = "") -> str:
    """One rule in YAML with a given condition (a flow mapping)."""
    return f"""
  - id: {rule_id}
    version: 1
    effective_from: 2026-01-01
    title: {{zh: 测试, en: test}}
    description: {{zh: 测试, en: test}}
    legal_basis: []
    data_categories: [identity, billing, security, record_metadata]
    effect: {effect}
    {extra}
    when: {when}
    examples:
      - {{name: x, facts: {{}}, fires: false}}
"""
