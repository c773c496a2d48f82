"""The subscriber record: one validated row of the data contract.

The pydantic model is generated from the field catalogue, so the catalogue
stays the only list of fields. Beside the catalogue's fields a record carries
who it is about (a subscription, never a bare number), the evaluation date,
the as-of date of each data source, the consent state of each data category
and the date of the oldest negative event its inputs count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from subscribers._catalogue import (
    CATEGORY_SOURCE,
    FIELDS,
    NEGATIVE_AGE_COLUMN,
    FieldKind,
    FieldSpec,
    Role,
    Source,
    age_column,
)
from subscribers._errors import Problem, RecordError

__all__ = [
    "IDENTITY_COLUMNS",
    "MSISDN_PATTERN",
    "PERSONAL_COLUMNS",
    "SubscriberRecord",
    "as_of_column",
    "consent_column",
    "record_columns",
    "validate_record",
]

#: Mainland-China mobile number: 11 digits starting with 1[3-9].
MSISDN_PATTERN = r"^1[3-9][0-9]{9}$"
_SUBSCRIPTION_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

#: Columns that identify a subscription and its evaluation.
IDENTITY_COLUMNS = ("subscription_id", "msisdn", "activated_on", "evaluation_date")
#: Columns holding personal identifiers: never echoed in errors or logs.
PERSONAL_COLUMNS = frozenset({"subscription_id", "msisdn"})
_EXPECTED_FORM = {
    "msisdn": "an 11-digit mobile number starting with 13-19",
    "subscription_id": "1 to 64 letters, digits, '_' or '-'",
}


def as_of_column(source: Source) -> str:
    """Name of the column with the as-of date of ``source``."""
    return f"{source.value}_as_of"


def consent_column(category: Any) -> str:
    """Name of the column with the consent state of a data category."""
    return f"consent_{category.value}"


def record_columns() -> tuple[str, ...]:
    """Every column of a subscriber record, in file order."""
    return tuple(SubscriberRecord.model_fields)


def _annotation(spec: FieldSpec) -> tuple[Any, Any]:
    """The pydantic type and field of a catalogue field (all may be missing)."""
    description = f"{spec.en} / {spec.zh}"
    if spec.kind is FieldKind.BOOL:
        return bool | None, Field(None, strict=True, description=description)
    if spec.kind is FieldKind.CATEGORY:
        choices = cast(Any, Literal)[spec.categories]
        return choices | None, Field(None, description=description)
    py_type = int if spec.kind is FieldKind.INT else float
    field = Field(None, strict=True, ge=spec.low, le=spec.high, description=description)
    return py_type | None, field


def _model_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for source in Source:
        fields[as_of_column(source)] = (dt.date | None, None)
    for category in CATEGORY_SOURCE:
        fields[consent_column(category)] = (bool, Field(strict=True))
    for spec in FIELDS.with_role(Role.INPUT, Role.GROUP):
        fields[spec.name] = _annotation(spec)
    return fields


class _RecordBase(BaseModel):
    """Who and when: the fields of a record that the catalogue does not list."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    subscription_id: str = Field(pattern=_SUBSCRIPTION_PATTERN)
    """The operator's subscription id: a number plus its activation, never a
    bare number, so that a recycled number starts with no history."""
    msisdn: str = Field(pattern=MSISDN_PATTERN)
    """The phone number; personal, pseudonymised at the edge."""
    activated_on: dt.date
    evaluation_date: dt.date
    earliest_negative_on: dt.date | None = None
    """Date of the oldest negative event the inputs count, if any."""

    def facts(self) -> dict[str, Any]:
        """Inputs and context (consents, data ages) as one flat dict.

        This is what the rule layer sees. Missing values are ``None``; group
        attributes and identifiers are left out.
        """
        values = self.__dict__
        out = {s.name: values[s.name] for s in FIELDS.inputs}
        for category, source in CATEGORY_SOURCE.items():
            out[consent_column(category)] = values[consent_column(category)]
            out[age_column(source)] = self.source_age_days(source)
        earliest = self.earliest_negative_on
        out[NEGATIVE_AGE_COLUMN] = (
            None if earliest is None else (self.evaluation_date - earliest).days
        )
        return out

    def source_age_days(self, source: Source) -> int | None:
        """Days between the source's as-of date and the evaluation date."""
        as_of = self.__dict__[as_of_column(source)]
        return None if as_of is None else (self.evaluation_date - as_of).days


SubscriberRecord: type[_RecordBase] = create_model(
    "SubscriberRecord",
    __base__=_RecordBase,
    __doc__="One subscriber record, validated against the data contract.",
    **_model_fields(),
)


def validate_record(data: Mapping[str, Any], row: int | None = None) -> Any:
    """Validate one record given as a mapping and return a SubscriberRecord.

    Raises
    ------
    RecordError
        With every problem found: wrong types, values out of range, unknown
        fields, as-of dates after the evaluation date. Personal fields are
        named with their expected form; their values never appear.
    """
    try:
        record = SubscriberRecord.model_validate(dict(data))
    except ValidationError as exc:
        raise RecordError([_problem(e, data, row) for e in exc.errors()]) from None
    problems = check_dates(record, row)
    if problems:
        raise RecordError(problems)
    return record


def check_dates(record: Any, row: int | None = None) -> list[Problem]:
    """Cross-field checks of a record's dates and counts."""
    problems = []
    evaluation = record.evaluation_date
    dated = [("activated_on", record.activated_on)]
    dated += [(as_of_column(s), getattr(record, as_of_column(s))) for s in Source]
    dated.append(("earliest_negative_on", record.earliest_negative_on))
    for name, value in dated:
        if value is not None and value > evaluation:
            problems.append(
                Problem(
                    name,
                    "future_date",
                    f"a date on or before the evaluation date {evaluation}",
                    str(value),
                    row,
                )
            )
    months = _months_between(record.activated_on, evaluation)
    if record.tenure_months is not None and record.tenure_months > months:
        problems.append(
            Problem(
                "tenure_months",
                "inconsistent",
                f"at most {months} (months since activation)",
                str(record.tenure_months),
                row,
            )
        )
    for category, source in CATEGORY_SOURCE.items():
        if getattr(record, as_of_column(source)) is not None:
            continue
        present = [
            s.name
            for s in FIELDS.inputs
            if s.category is category and getattr(record, s.name) is not None
        ]
        if present:
            problems.append(
                Problem(
                    present[0],
                    "inconsistent",
                    f"no value while {as_of_column(source)} is empty",
                    "a value",
                    row,
                )
            )
    return problems


def _months_between(start: dt.date, end: dt.date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


def _problem(error: Any, data: Mapping[str, Any], row: int | None) -> Problem:
    name = str(error["loc"][0]) if error["loc"] else "<record>"
    kind = error["type"]
    if kind == "extra_forbidden":
        return Problem(
            name,
            "unknown_field",
            "only fields of the data contract",
            "an unknown field",
            row,
        )
    if kind == "missing":
        return Problem(name, "missing", "a value", None, row)
    if name in PERSONAL_COLUMNS:
        return Problem(name, "format", _EXPECTED_FORM[name], None, row)
    spec = FIELDS.get(name)
    got = _describe(data.get(name))
    if spec is None:
        return Problem(name, _code(kind), error["msg"].lower(), got, row)
    return Problem(name, _code(kind), spec.describe_range(), got, row)


def _code(pydantic_type: str) -> str:
    if pydantic_type in ("greater_than_equal", "less_than_equal"):
        return "range"
    if pydantic_type == "literal_error":
        return "category"
    if pydantic_type.startswith("int_from_float"):
        return "integer"
    return "type"


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({type(value).__name__})"
