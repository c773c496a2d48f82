"""The certificate database: tables, migrations and the :class:`Store` over them."""

from credcert.store._store import (
    DISPUTE_DAYS,
    HEAD_REVISION,
    LOG_GUARD_TRIGGERS,
    Store,
    StoredCertificate,
)
from credcert.store._tables import CERTIFICATE_STATUSES, metadata

__all__ = [
    "CERTIFICATE_STATUSES",
    "DISPUTE_DAYS",
    "HEAD_REVISION",
    "LOG_GUARD_TRIGGERS",
    "Store",
    "StoredCertificate",
    "metadata",
]
