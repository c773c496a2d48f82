"""Subscriber files: vectorised validation of a whole table, Parquet and CSV I/O.

A file is checked column by column with numpy, so a million rows validate in
seconds, and every problem in every row is reported at once with its row
number (1 is the first data row). The checks are the ones the record model
makes, derived from the same catalogue.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from subscribers._catalogue import (
    CATEGORY_SOURCE,
    FIELDS,
    NEGATIVE_AGE_COLUMN,
    FieldKind,
    FieldSpec,
    age_column,
)
from subscribers._errors import Problem, RecordError
from subscribers._record import (
    _EXPECTED_FORM,
    _SUBSCRIPTION_PATTERN,
    MSISDN_PATTERN,
    PERSONAL_COLUMNS,
    as_of_column,
    consent_column,
    record_columns,
    validate_record,
)

__all__ = [
    "context_columns",
    "iter_records",
    "read_subscribers",
    "validate_frame",
    "write_subscribers",
]

#: Keep at most this many problems in one error; the count covers them all.
MAX_PROBLEMS = 10_000

_REQUIRED = (
    "subscription_id",
    "msisdn",
    "activated_on",
    "evaluation_date",
    *(consent_column(c) for c in CATEGORY_SOURCE),
)
_DATE_COLUMNS = (
    "activated_on",
    "evaluation_date",
    *(as_of_column(s) for s in CATEGORY_SOURCE.values()),
    "earliest_negative_on",
)
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


class _Collector:
    """Gathers problems from vectorised checks, bounded in memory."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0

    def rows(
        self, name: str, code: str, expected: str, bad: np.ndarray, values: Any
    ) -> None:
        """Record a problem for every row where ``bad`` is true."""
        index = np.flatnonzero(bad)
        self.total += len(index)
        room = MAX_PROBLEMS - len(self.problems)
        personal = name in PERSONAL_COLUMNS
        for i in index[: max(room, 0)]:
            got = None if personal or values is None else _describe(values[i])
            self.problems.append(Problem(name, code, expected, got, int(i) + 1))

    def column(self, name: str, code: str, expected: str, got: str | None) -> None:
        self.total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(name, code, expected, got))


def validate_frame(
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    allow: Iterable[str] = (),
) -> pd.DataFrame:
    """Check a table of subscriber records and return it with contract dtypes.

    Parameters
    ----------
    frame : pandas.DataFrame
        One record per row, columns named as in :func:`record_columns`.
        Optional columns (inputs, group attributes, as-of dates) may be
        absent and are then missing for every row.
    source : str, optional
        Where the table came from, for the error message.
    allow : iterable of str
        Extra columns to keep unchecked (an outcome, a score).

    Raises
    ------
    RecordError
        Listing every problem of every row: unknown or missing columns,
        wrong types, values out of range, unknown categories, malformed
        identifiers (named without their value), dates after the
        evaluation date, values from a source with no as-of date,
        duplicate subscriptions.
    """
    found = _Collector()
    allowed = set(allow)
    known = set(record_columns())
    for name in frame.columns:
        if name not in known and name not in allowed:
            found.column(
                str(name),
                "unknown_field",
                "only fields of the data contract",
                "an unknown column",
            )
    for name in _REQUIRED:
        if name not in frame.columns:
            found.column(name, "missing", "a column", None)
    if found.total:
        raise RecordError(found.problems, source)

    n = len(frame)
    out: dict[str, Any] = {}
    for name in record_columns():
        column = frame[name] if name in frame.columns else pd.Series([None] * n)
        out[name] = _check_column(name, column.reset_index(drop=True), found)
    _check_rows(out, found)
    if found.total:
        _raise(found, source)
    typed = pd.DataFrame(out)
    for name in frame.columns:
        if name in allowed:
            typed[name] = frame[name].to_numpy()
    return typed


def _raise(found: _Collector, source: str | None) -> None:
    order = {name: i for i, name in enumerate(record_columns())}
    found.problems.sort(key=lambda p: (p.row or 0, order.get(p.field, -1)))
    error = RecordError(found.problems, source)
    if found.total > len(found.problems):
        error.args = (
            f"{error.args[0]}\n  ({found.total} problems in all; the first "
            f"{len(found.problems)} are listed)",
        )
    raise error


def _check_column(name: str, column: pd.Series, found: _Collector) -> Any:
    spec = FIELDS.get(name)
    if name in PERSONAL_COLUMNS:
        return _check_identifier(name, column, found)
    if name in _DATE_COLUMNS:
        return _check_dates(name, column, found, required=name in _REQUIRED)
    if name.startswith("consent_"):
        return _check_bool(name, column, found, required=True)
    assert spec is not None, name
    if spec.kind is FieldKind.BOOL:
        return _check_bool(name, column, found, required=False)
    if spec.kind is FieldKind.CATEGORY:
        return _check_category(spec, column, found)
    return _check_number(spec, column, found)


def _check_identifier(name: str, column: pd.Series, found: _Collector) -> Any:
    pattern = MSISDN_PATTERN if name == "msisdn" else _SUBSCRIPTION_PATTERN
    text = column.astype("string")
    ok = text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    found.rows(name, "format", _EXPECTED_FORM[name], ~ok, None)
    return text.array


def _check_dates(
    name: str, column: pd.Series, found: _Collector, *, required: bool
) -> Any:
    parsed = pd.to_datetime(column, errors="coerce", format="mixed")
    given = column.notna().to_numpy()
    bad = given & parsed.isna().to_numpy()
    found.rows(name, "type", "a date (YYYY-MM-DD)", bad, column.to_numpy())
    if required:
        found.rows(name, "missing", "a date", ~given, None)
    return parsed.dt.normalize().astype("datetime64[s]").array


def _check_bool(
    name: str, column: pd.Series, found: _Collector, *, required: bool
) -> Any:
    values = column.to_numpy(dtype=object)
    given = column.notna().to_numpy()
    if pd.api.types.is_bool_dtype(column.dtype):
        result = column.astype("boolean").array
    else:
        text = column.astype("string").str.strip().str.lower()
        is_true = text.isin(_TRUE).fillna(False).to_numpy(dtype=bool)
        is_false = text.isin(_FALSE).fillna(False).to_numpy(dtype=bool)
        bad = given & ~(is_true | is_false)
        is_bool = _is_bool(values)
        found.rows(name, "type", "true or false", bad & ~is_bool, values)
        result = pd.arrays.BooleanArray(is_true | (is_bool & (values == True)), ~given)  # noqa: E712
    if required:
        found.rows(name, "missing", "true or false", ~given, None)
    return result


def _check_category(spec: FieldSpec, column: pd.Series, found: _Collector) -> Any:
    given = column.notna().to_numpy()
    text = column.astype("string")
    known = text.isin(spec.categories).fillna(False).to_numpy(dtype=bool)
    found.rows(
        spec.name,
        "category",
        spec.describe_range(),
        given & ~known,
        column.to_numpy(dtype=object),
    )
    return pd.Categorical(text.where(known, None), categories=spec.categories)


def _check_number(spec: FieldSpec, column: pd.Series, found: _Collector) -> Any:
    given = column.notna().to_numpy()
    raw = column.to_numpy(dtype=object)
    if pd.api.types.is_bool_dtype(column.dtype):
        found.rows(spec.name, "type", spec.describe_range(), given, raw)
        return pd.array([None] * len(column), dtype="Float64")
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    bad_type = given & np.isnan(numbers)
    if column.dtype == object:  # True and False are numbers to pandas, not to us
        bad_type |= _is_bool(raw)
    found.rows(spec.name, "type", spec.describe_range(), bad_type, raw)
    ok = given & ~bad_type
    assert spec.low is not None
    assert spec.high is not None
    with np.errstate(invalid="ignore"):
        outside = ok & ((numbers < spec.low) | (numbers > spec.high))
    found.rows(spec.name, "range", spec.describe_range(), outside, raw)
    if spec.kind is FieldKind.INT:
        fraction = ok & ~outside & (np.floor(numbers) != numbers)
        found.rows(spec.name, "integer", spec.describe_range(), fraction, raw)
        ints = np.where(ok, numbers, 0).astype(np.int64)
        return pd.arrays.IntegerArray(ints, ~ok)
    return pd.arrays.FloatingArray(np.where(ok, numbers, 0.0), ~ok)


def _is_bool(values: np.ndarray) -> np.ndarray:
    return np.fromiter(
        (isinstance(v, bool | np.bool_) for v in values), bool, count=len(values)
    )


def _check_rows(out: dict[str, Any], found: _Collector) -> None:
    """Cross-column checks, as the record model makes them."""
    evaluation = np.asarray(out["evaluation_date"], dtype="datetime64[s]")
    for name in _DATE_COLUMNS:
        if name == "evaluation_date":
            continue
        dates = np.asarray(out[name], dtype="datetime64[s]")
        with np.errstate(invalid="ignore"):
            late = ~np.isnat(dates) & (dates > evaluation)
        found.rows(
            name,
            "future_date",
            "a date on or before the evaluation date",
            late,
            dates.astype("datetime64[D]"),
        )
    activated = np.asarray(out["activated_on"], dtype="datetime64[M]")
    months = (evaluation.astype("datetime64[M]") - activated).astype(np.int64)
    tenure = out["tenure_months"]
    too_long = ~tenure.isna() & (tenure.fillna(0).to_numpy() > np.maximum(months, 0))
    found.rows(
        "tenure_months",
        "inconsistent",
        "at most the months since activated_on",
        too_long,
        tenure.to_numpy(dtype=object),
    )
    for category, source in CATEGORY_SOURCE.items():
        absent = np.isnat(np.asarray(out[as_of_column(source)], "datetime64[s]"))
        for spec in FIELDS.inputs:
            if spec.category is category:
                has_value = ~pd.isna(np.asarray(out[spec.name], dtype=object))
                found.rows(
                    spec.name,
                    "inconsistent",
                    f"no value while {as_of_column(source)} is empty",
                    absent & has_value,
                    None,
                )
    keys = (
        pd.DataFrame({"s": out["subscription_id"], "d": out["evaluation_date"]})
        .duplicated(keep="first")
        .to_numpy()
    )
    found.rows(
        "subscription_id",
        "duplicate",
        "one record per subscription and evaluation date",
        keys,
        None,
    )


def _describe(value: Any) -> str:
    if isinstance(value, np.datetime64 | pd.Timestamp | dt.date):
        return str(value)[:10]
    text = repr(value.item() if isinstance(value, np.generic) else value)
    if len(text) > 40:
        text = text[:37] + "..."
    return text


def context_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The data-age context fields of a table of records, vectorised.

    The same values as :meth:`SubscriberRecord.facts` gives one record: for
    each source with an as-of column, its age in days at the evaluation date,
    and the age of the oldest negative information. Columns the table lacks
    are left out.
    """
    if "evaluation_date" not in frame:
        return {}
    evaluation = pd.to_datetime(frame["evaluation_date"])
    dated = {age_column(s): as_of_column(s) for s in CATEGORY_SOURCE.values()}
    dated[NEGATIVE_AGE_COLUMN] = "earliest_negative_on"
    return {
        age: (evaluation - pd.to_datetime(frame[since])).dt.days.astype("Int64")
        for age, since in dated.items()
        if since in frame
    }


def read_subscribers(
    path: str | os.PathLike[str], *, allow: Iterable[str] = ()
) -> pd.DataFrame:
    """Read and validate a Parquet or CSV file of subscriber records.

    Raises
    ------
    RecordError
        Naming every problem with its row number; see :func:`validate_frame`.
    ValueError
        If the file type is neither ``.parquet`` nor ``.csv``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix == ".csv":
        frame = pd.read_csv(
            path, dtype={"msisdn": "string", "subscription_id": "string"}
        )
    else:
        raise ValueError(
            f"{path}: expected a .parquet or .csv file; got {suffix or 'no suffix'!r}"
        )
    return validate_frame(frame, source=str(path), allow=allow)


def write_subscribers(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write records to Parquet or CSV atomically: all of it, or nothing.

    Dates are written as dates. The file appears under its name only once it
    is complete, so a crash never leaves a half-written file behind.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(
            f"{path}: expected a .parquet or .csv file name; got "
            f"{suffix or 'no suffix'!r}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = frame.copy()
    for name in _DATE_COLUMNS:
        if name in frame:
            frame[name] = pd.to_datetime(frame[name]).dt.date
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def iter_records(frame: pd.DataFrame) -> Iterator[Any]:
    """Yield each row of a validated table as a :class:`SubscriberRecord`."""
    columns = [c for c in record_columns() if c in frame.columns]
    for row, values in enumerate(frame[columns].itertuples(index=False), start=1):
        data = {
            name: _plain(value) for name, value in zip(columns, values, strict=True)
        }
        yield validate_record(data, row=row)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        return value.item()
    return value
