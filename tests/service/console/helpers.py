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
from pathlib import Path
from typing import Any

from credcert.disputes import open_dispute
from credcert.issue import certificate_row
from credcert.pseudonym import Pseudonymizer
from credcert.service import ApiKeys, Services
from credcert.signing import KeyRing
from credcert.store import Store
from rules import load_ruleset
from tests.certificates.fixtures import T0

#: Which test record gives which certificate (found by issuing the records of
#: the shared synthetic frame on T0's rules): 0, 1, 4, 5 and 6 are issued, 2
#: is denied, 3 and 38 are held for review.
RECORD_OF = {
    "issued": 0,
    "disputed": 1,
    "denied": 2,
    "review": 3,
    "in_time": 4,
    # Only the tests that open a dispute through the console use these.
    "to_dispute": 5,
    "to_dispute_in_browser": 6,
    # Held for review; only the test that decides it through the console.
    "to_review": 38,
}
#: Roles with a key in every test app; the partner key's scenario.
ROLES = ("agent", "risk", "regulator", "partner", "subject", "admin")
PARTNER_SCENARIO = "lending"
#: What the "issued" subscriber's older, superseded certificate was issued from.
EARLIER_VALUES = {"on_time_payment_ratio_12m": 0.7, "abnormal_logins_90d": 3}
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
    # Forty days ago the subscriber paid fewer bills on time and had abnormal logins.
    before = records[RECORD_OF["issued"]].model_copy(update=EARLIER_VALUES)
    superseded = _issue(services, before, earlier)
    documents = {
        name: _issue(services, records[index], now - dt.timedelta(hours=1))
        for name, index in RECORD_OF.items()
    }
    for name, document in documents.items():
        expected = {"denied": "denied", "review": "review", "to_review": "review"}
        expected = expected.get(name, "issued")
        assert document["status"] == expected, (name, document["status"])
    overdue = open_dispute(
        services.store,
        certificate_id=documents["disputed"]["id"],
        field="late_payments_12m",
        reason="The May bill was paid on time",
        by="seed",
        at=now - dt.timedelta(days=OVERDUE_OPENED_DAYS_AGO),
    )
    in_time = open_dispute(
        services.store,
        certificate_id=documents["in_time"]["id"],
        field="tenure_months",
        reason="The number is older than shown",
        by="seed",
        at=now - dt.timedelta(days=2),
    )
    return Seeded(documents, superseded["id"], overdue["id"], in_time["id"])


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF token"
    return found.group(1)


class Clock:
    """A settable clock for the services; starts at ``T0``."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


@dataclass
class Built:
    """Seeded services with a clock and a key per role."""

    services: Services
    clock: Clock
    tokens: dict[str, str]
    key_ids: dict[str, str]
    records: list[Any]
    seeded: Seeded


def build(
    url: str,
    schema: str | None,
    folder: Path,
    scorecard: Any,
    pseudonymizer: Pseudonymizer,
    records: list[Any],
) -> Built:
    """Services over a new database, a key per role, and the seeded data."""
    clock = Clock()
    services = Services(
        store=Store(url, schema=schema),
        keyring=KeyRing.open(folder / "keys", now=T0 - dt.timedelta(days=60)),
        pseudonymizer=pseudonymizer,
        ruleset=load_ruleset(),
        scorecard=scorecard,
        clock=clock,
    )
    tokens, key_ids = {}, {}
    first = records[RECORD_OF["issued"]]
    for role in ROLES:
        key, token = ApiKeys(services.store).create(
            role=role,
            label=f"test {role}",
            at=clock(),
            subject=(
                pseudonymizer.subject(first.msisdn, first.activated_on)
                if role == "subject"
                else None
            ),
            scenarios=[PARTNER_SCENARIO] if role == "partner" else [],
        )
        tokens[role], key_ids[role] = token, key.id
    seeded = seed(services, records, clock())
    return Built(services, clock, tokens, key_ids, records, seeded)
