"""The subscriber data contract: field catalogue, record model, files, synthesis.

Every other layer reads subscriber fields from :data:`FIELDS`; none declares
its own.
"""

from subscribers._catalogue import (
    BANNED_ATTRIBUTES,
    CATEGORY_SOURCE,
    FIELDS,
    NEGATIVE_AGE_COLUMN,
    NEGATIVE_INFO_MAX_DAYS,
    Catalogue,
    DataCategory,
    Dimension,
    FieldKind,
    FieldSpec,
    Role,
    Source,
    age_column,
    build_catalogue,
)
from subscribers._errors import (
    BannedAttributeError,
    ContractError,
    Problem,
    RecordError,
)
from subscribers._files import (
    context_columns,
    iter_records,
    read_subscribers,
    validate_frame,
    write_subscribers,
)
from subscribers._record import (
    IDENTITY_COLUMNS,
    PERSONAL_COLUMNS,
    SubscriberRecord,
    as_of_column,
    consent_column,
    record_columns,
    validate_record,
)
from subscribers._summary import FieldSummary, summarize

__all__ = [
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
