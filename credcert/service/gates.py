"""The query log call every reader of a subject's certificate makes.

:func:`record_read` is called by each route or page that shows a subject's
certificate (the API's reads, the agent console's pages), so that every
read by someone other than the subject lands in the query log the subject
can see (:mod:`credcert.access`).
"""

from __future__ import annotations

from credcert import access
from credcert.service.deps import Caller, Services
from credcert.store import StoredCertificate

__all__ = ["record_read"]


def record_read(
    services: Services, caller: Caller, stored: StoredCertificate, *, purpose: str
) -> None:
    """Log that ``caller`` read ``stored``; a subject's own reads are not logged."""
    access.record_query(
        services.store,
        certificate_id=stored.id,
        subject=stored.subject,
        role=caller.role,
        key_id=caller.key_id,
        purpose=purpose,
        at=services.now(),
    )
