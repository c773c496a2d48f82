"""Where the service calls the domain's checks and logs around its routes.

Two call sites, kept in one place so that every route applies them alike:

* :func:`before_issue`: what must hold before a certificate is issued (the
  consent ledger, the admin switch that stops automated issuing);
* :func:`record_read`: the query log of reads of a subject's certificate by
  anyone but the subject, which the subject can see.

Both call the domain modules ``credcert.consent``, ``credcert.review`` and
``credcert.access`` when they exist.
"""

from __future__ import annotations

import logging
from typing import Any

from credcert.service.deps import Caller, Services
from credcert.store import StoredCertificate

__all__ = ["before_issue", "record_read"]

logger = logging.getLogger(__name__)


def before_issue(services: Services, record: Any, caller: Caller) -> Any:
    """The record to issue from, after the consent ledger and admin switch.

    Known shortcoming: until ``credcert.consent`` and ``credcert.review``
    provide the ledger and the switch, the record is issued as given.
    """
    return record


def record_read(
    services: Services, caller: Caller, stored: StoredCertificate, *, purpose: str
) -> None:
    """Log that ``caller`` read ``stored`` (a subject's certificate).

    Known shortcoming: until ``credcert.access.record_query`` exists, the read
    goes to the service log only (key id and certificate id, no personal data).
    """
    logger.info(
        "certificate %s read by %s key %s (%s)",
        stored.id,
        caller.role,
        caller.key_id,
        purpose,
    )
