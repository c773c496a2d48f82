"""Batch evaluation across processes, and facts taken from a frame of records."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rules import (
    RuleEngine,
    RuleInputError,
    RuleSet,
    evaluate_batch,
    facts_frame,
    facts_records,
)
from subscribers.synth import generate
from tests.rules.helpers import DAY


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate(3_000, seed=5)


def test_batch_on_two_processes_equals_the_engine_with_traces(
    ruleset: RuleSet, engine: RuleEngine, frame: pd.DataFrame
) -> None:
    subjects = list(facts_records(frame))
    batch = list(evaluate_batch(ruleset, subjects, on=DAY, processes=2, chunk_size=500))
    assert batch == [engine.evaluate(subject) for subject in subjects]


def test_batch_in_one_process_keeps_input_order(
    ruleset: RuleSet, engine: RuleEngine, frame: pd.DataFrame
) -> None:
    batch = list(evaluate_batch(ruleset, frame, on=DAY, processes=1, chunk_size=700))
    assert batch == [engine.evaluate(s) for s in facts_records(frame)]


def test_batch_raises_the_input_error_of_a_bad_subject(ruleset: RuleSet) -> None:
    subjects = [{"arrears_days": 3}, {"arrears_days": "3"}]
    with pytest.raises(RuleInputError, match="arrears_days"):
        list(evaluate_batch(ruleset, subjects, on=DAY, processes=2))


def test_data_ages_come_from_as_of_and_evaluation_dates() -> None:
    records = pd.DataFrame(
        {
            "evaluation_date": pd.to_datetime(["2026-11-30", "2026-11-30"]),
            "billing_as_of": pd.to_datetime(["2026-11-20", None]),
            "earliest_negative_on": pd.to_datetime([None, "2021-11-29"]),
        }
    )
    facts = facts_frame(records)
    assert facts["billing_age_days"].tolist() == [10, pd.NA]
    assert facts["negative_info_age_days"].tolist() == [pd.NA, 1827]
    assert facts["arrears_days"].isna().all()


def test_records_give_plain_python_facts(frame: pd.DataFrame) -> None:
    first = next(facts_records(frame))
    kinds = {type(value) for value in first.values()}
    assert kinds <= {bool, int, float, str, type(None)}


def test_record_frame_and_its_facts_give_the_same_outcomes(
    ruleset: RuleSet, frame: pd.DataFrame
) -> None:
    day = dt.date(2026, 12, 1)
    batch_records = list(evaluate_batch(ruleset, frame, on=day, processes=1))
    batch_facts = list(evaluate_batch(ruleset, facts_frame(frame), on=day, processes=1))
    assert batch_records == batch_facts
