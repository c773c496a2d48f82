"""The data contract's public surface is exactly what is intended."""

from __future__ import annotations

import subscribers


def test_public_names_are_pinned() -> None:
    assert sorted(subscribers.__all__) == sorted(
        [
            "BANNED_ATTRIBUTES",
            "CATEGORY_SOURCE",
            "FIELDS",
            "IDENTITY_COLUMNS",
            "NEGATIVE_AGE_COLUMN",
            "NEGATIVE_INFO_MAX_DAYS",
            "PERSONAL_COLUMNS",
            "BannedAttributeError",
            "Catalogue",
            "ContractError",
            "DataCategory",
            "Dimension",
            "FieldKind",
            "FieldSpec",
            "FieldSummary",
            "Problem",
            "RecordError",
            "Role",
            "Source",
            "SubscriberRecord",
            "age_column",
            "as_of_column",
            "build_catalogue",
            "consent_column",
            "context_columns",
            "iter_records",
            "read_subscribers",
            "record_columns",
            "summarize",
            "validate_frame",
            "validate_record",
            "write_subscribers",
        ]
    )


def test_every_public_name_exists() -> None:
    for name in subscribers.__all__:
        assert hasattr(subscribers, name), name
