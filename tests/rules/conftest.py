"""Fixtures of the rule-layer tests: the default rule set and an engine on one day."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rules import RuleEngine, RuleSet, load_ruleset
from tests.rules.helpers import DAY


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset()


@pytest.fixture(scope="module")
def engine(ruleset: RuleSet) -> Iterator[RuleEngine]:
    with RuleEngine(ruleset, on=DAY) as engine:
        yield engine
