"""Helpers of the console tests: a seeded database, forms, tokens.

:func:`seed` issues certificates through the services' own issuer and saves
them with the domain's store calls, so the console reads what the service
really holds: one issued certificate that an older one of the same
subscriber was superseded by, one denied, one held for review, one with an
overdue dispute and one with a dispute still in time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from credcert.issue import certificate_row
from credcert.service import Services

#: Which test record gives which certificate (found by issuing the records of
#: the shared synthetic frame on T0's rules): 0, 1 and 4 are issued, 2 is
#: denied, 3 is held for review.
RECORD_OF = {"issued": 0, "disputed": 1, "denied": 2, "review": 3, "in_time": 4}
#: Days before the clock's time that the overdue dispute was opened.
OVERDUE_OPENED_DAYS_AGO = 25
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Seeded:
    """The certificates the seed stored, by role in the tests."""

    documents: dict[str, dict[str, Any]]
    superseded_id: str
    overdue_dispute: int
    in_time_dispute: int


def _issue(services: Services, record: Any, at: dt.datetime) -> dict[str, Any]:
    issued = services.issuer(at.date()).issue(record, at=at)
    services.store.save_certificates(
        [certificate_row(issued.document, text=issued.text)], [issued.entry]
    )
    return issued.document


def seed(services: Services, records: list[Any], now: dt.datetime) -> Seeded:
    """Store the test certificates and disputes (see the module docstring)."""
    earlier = now - dt.timedelta(days=40)
    superseded = _issue(services, records[RECORD_OF["issued"]], earlier)
    documents = {
        name: _issue(services, records[index], now - dt.timedelta(hours=1))
        for name, index in RECORD_OF.items()
    }
    for name, status in (("issued", "issued"), ("denied", "denied")):
        assert documents[name]["status"] == status, (name, documents[name]["status"])
    assert documents["review"]["status"] == "review"
    overdue = services.store.open_dispute(
        documents["disputed"]["id"],
        "billing: the May bill was paid on time",
        now - dt.timedelta(days=OVERDUE_OPENED_DAYS_AGO),
    )
    in_time = services.store.open_dispute(
        documents["in_time"]["id"],
        "tenure: the number is older than shown",
        now - dt.timedelta(days=2),
    )
    return Seeded(documents, superseded["id"], overdue, in_time)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF token"
    return found.group(1)
