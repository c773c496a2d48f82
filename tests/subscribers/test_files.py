"""Subscriber files: whole-table validation with row numbers, atomic writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from subscribers import (
    RecordError,
    iter_records,
    read_subscribers,
    validate_frame,
    write_subscribers,
)
from subscribers.synth import ORACLE, TARGET

OUTCOMES = (TARGET, ORACLE)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_round_trip_keeps_every_value(
    subscribers_frame: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    frame = subscribers_frame.head(300)
    path = write_subscribers(frame, tmp_path / f"s{suffix}")
    back = read_subscribers(path, allow=OUTCOMES)
    pd.testing.assert_frame_equal(
        back.astype(str).reset_index(drop=True),
        frame.astype(str).reset_index(drop=True),
        check_dtype=False,
    )


def broken(frame: pd.DataFrame) -> pd.DataFrame:
    bad = frame.head(50).copy()
    for name in ("late_payments_12m", "tenure_months", "msisdn", "id_check_result"):
        bad[name] = bad[name].astype(object)
    bad.loc[3, "late_payments_12m"] = 40
    bad.loc[5, "tenure_months"] = "abc"
    bad.loc[7, "msisdn"] = "12345"
    bad.loc[9, "id_check_result"] = "maybe"
    bad.loc[11, "billing_as_of"] = pd.Timestamp("2027-01-01")
    return bad


def test_file_with_bad_rows_reports_every_one_with_its_row(
    subscribers_frame: pd.DataFrame, tmp_path: Path
) -> None:
    path = write_subscribers(broken(subscribers_frame), tmp_path / "bad.csv")
    with pytest.raises(RecordError, match=r"bad.csv: 5 problems in 5 rows") as caught:
        read_subscribers(path, allow=OUTCOMES)
    found = {(p.row, p.field, p.code) for p in caught.value.problems}
    assert found == {
        (4, "late_payments_12m", "range"),
        (6, "tenure_months", "type"),
        (8, "msisdn", "format"),
        (10, "id_check_result", "category"),
        (12, "billing_as_of", "future_date"),
    }


def test_file_errors_never_show_a_phone_number(
    subscribers_frame: pd.DataFrame,
) -> None:
    bad = broken(subscribers_frame)
    with pytest.raises(RecordError, match="problems") as caught:
        validate_frame(bad, allow=OUTCOMES)
    message = str(caught.value)
    assert not any(str(number) in message for number in bad["msisdn"])


def test_unknown_column_is_reported_before_any_row(
    subscribers_frame: pd.DataFrame,
) -> None:
    frame = subscribers_frame.head(5).assign(religion="x")
    with pytest.raises(RecordError, match="'religion': expected only fields"):
        validate_frame(frame, allow=OUTCOMES)


def test_missing_required_column_is_reported(subscribers_frame: pd.DataFrame) -> None:
    frame = subscribers_frame.head(5).drop(columns=["evaluation_date"])
    with pytest.raises(RecordError, match="'evaluation_date': expected a column"):
        validate_frame(frame, allow=OUTCOMES)


def test_duplicate_subscription_is_reported(subscribers_frame: pd.DataFrame) -> None:
    frame = pd.concat([subscribers_frame.head(3), subscribers_frame.head(1)])
    with pytest.raises(RecordError, match="row 4, field 'subscription_id'"):
        validate_frame(frame, allow=OUTCOMES)


def test_optional_columns_may_be_absent(subscribers_frame: pd.DataFrame) -> None:
    frame = subscribers_frame.head(5).drop(columns=["platform_credit_level"])
    typed = validate_frame(frame, allow=OUTCOMES)
    assert typed["platform_credit_level"].isna().all()


def test_frame_validation_agrees_with_the_record_model(
    subscribers_frame: pd.DataFrame,
) -> None:
    typed = validate_frame(subscribers_frame.head(500), allow=OUTCOMES)
    records = list(iter_records(typed))
    assert len(records) == 500
    assert records[0].subscription_id == typed["subscription_id"].iloc[0]


def test_failed_write_leaves_no_file(
    subscribers_frame: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail_halfway(self: pd.DataFrame, path: str, **kwargs: object) -> None:
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_halfway)
    with pytest.raises(OSError, match="disk full"):
        write_subscribers(subscribers_frame.head(5), tmp_path / "s.parquet")
    assert list(tmp_path.iterdir()) == []


def test_unknown_file_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"expected a .parquet or .csv file"):
        read_subscribers(tmp_path / "s.xlsx")
