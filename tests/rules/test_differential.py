"""durable_rules against the vectorised evaluator on 100k generated subjects.

The subjects are synthetic records pushed onto every rule's boundaries
(constant minus a step, the constant, plus a step), with values knocked out
at random, data sources missing and consent withdrawn while data is kept.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rules import RuleSet, evaluate_batch, evaluate_frame, facts_frame
from rules._logic import leaves
from subscribers import CATEGORY_SOURCE, FIELDS, FieldKind, consent_column
from subscribers.synth import generate
from tests.rules.helpers import DAY, EARLY_DAY

SUBJECTS = 100_000


def _boundaries(
    frame: pd.DataFrame, ruleset: RuleSet, rng: np.random.Generator
) -> None:
    for rule in ruleset.rules:
        for leaf in leaves(rule.when):
            spec = FIELDS[leaf.field]
            if not spec.numeric or leaf.value is None:
                continue
            step = 1 if spec.kind is FieldKind.INT else 0.01
            for constant in np.atleast_1d(np.asarray(leaf.value, dtype=float)):
                rows = rng.choice(len(frame), size=len(frame) // 100, replace=False)
                values = constant + rng.choice([-step, 0.0, step], size=len(rows))
                values = np.clip(values, spec.low, spec.high)
                if spec.kind is FieldKind.INT:
                    values = values.round().astype("int64")
                frame.loc[frame.index[rows], leaf.field] = values


def _knock_out(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    for name in frame.columns:
        rows = rng.random(len(frame)) < 0.03
        frame.loc[rows, name] = pd.NA
    for category, source in CATEGORY_SOURCE.items():
        withdrawn = rng.random(len(frame)) < 0.03
        frame.loc[withdrawn, consent_column(category)] = False
        gone = rng.random(len(frame)) < 0.02
        frame.loc[gone, f"{source.value}_age_days"] = pd.NA


@pytest.fixture(scope="module")
def subjects(ruleset: RuleSet) -> pd.DataFrame:
    rng = np.random.default_rng(20261201)
    frame = facts_frame(generate(SUBJECTS, seed=20261201))
    _boundaries(frame, ruleset, rng)
    _knock_out(frame, rng)
    return frame


def _disagreements(ruleset: RuleSet, frame: pd.DataFrame, day: dt.date) -> list[str]:
    expected = evaluate_frame(ruleset, frame, on=day)
    ids = [rule.id for rule in ruleset.rules_on(day)]
    fired = expected[ids].to_numpy()
    statuses = expected["status"].tolist()
    caps = expected["grade_cap"].tolist()
    outcomes = evaluate_batch(ruleset, frame, on=day, processes=2)
    found = []
    for row, outcome in enumerate(outcomes):
        want = {rule_id for rule_id, hit in zip(ids, fired[row], strict=True) if hit}
        got = (set(outcome.rule_ids), outcome.status, outcome.grade_cap)
        if got != (want, statuses[row], caps[row]):
            found.append(f"row {row}: engine {got}, vectorised {want}")
    assert row == len(frame) - 1
    return found


def test_subjects_cover_boundaries_missing_values_and_withdrawn_consent(
    subjects: pd.DataFrame,
) -> None:
    assert len(subjects) == SUBJECTS
    assert (subjects["arrears_days"] == 90).sum() > 100
    assert subjects["platform_age_days"].isna().sum() > 1000
    withdrawn = (subjects["consent_billing"] == False) & subjects[  # noqa: E712
        "billing_age_days"
    ].notna()
    assert withdrawn.sum() > 1000


def test_engine_and_vectorised_check_agree_on_every_subject(
    ruleset: RuleSet, subjects: pd.DataFrame
) -> None:
    assert _disagreements(ruleset, subjects, DAY) == []


def test_they_agree_under_the_rules_of_an_earlier_day(
    ruleset: RuleSet, subjects: pd.DataFrame
) -> None:
    assert _disagreements(ruleset, subjects.iloc[:20_000], EARLY_DAY) == []


def test_every_rule_fires_somewhere_in_the_subjects(
    ruleset: RuleSet, subjects: pd.DataFrame
) -> None:
    fired = evaluate_frame(ruleset, subjects, on=DAY)
    ids = [rule.id for rule in ruleset.rules_on(DAY)]
    assert all(fired[ids].any())
