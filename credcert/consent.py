"""The consent ledger: grants and withdrawals per subject, data category and purpose.

The ledger is append-only: each row is one grant or one withdrawal with its
time, and the state at a moment is the newest row at or before it. Before a
certificate is issued through the store, :func:`apply_consents` applies the
ledger to the record:

* a category whose consent is **withdrawn** for the purpose is left out:
  its input fields become missing (scored as missing), its source's as-of
  date is dropped, its ``consent_<category>`` flag is false, and the
  certificate's ``data_sources`` entry says ``excluded: consent_withdrawn``
  with the withdrawal date;
* a category that needs **separate consent** (:attr:`DataCategory.
  separate_consent`, partner-platform credit, 个人信息保护法 第二十三条) is
  refused unless the ledger holds a grant for the purpose: it is left out the
  same way, marked ``excluded: separate_consent_missing``;
* a recorded grant sets the record's ``consent_<category>`` flag to true;
* with no ledger row, the record's own consent flag (from the operator's
  systems) stands, and the data-governance rules judge it.

Known shortcoming: ``earliest_negative_on`` is one date for the whole record,
so when a category with negative fields is left out it is kept as it was,
and may still count an event of the left-out category. Remove once the data
contract carries the oldest negative event per category.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, insert, select

from credcert._errors import ConsentError
from credcert.signing import format_time
from subscribers import (
    CATEGORY_SOURCE,
    FIELDS,
    DataCategory,
    as_of_column,
    consent_column,
)

if TYPE_CHECKING:
    from credcert.store import Store

__all__ = [
    "CATEGORIES",
    "PURPOSES",
    "ConsentState",
    "apply_consents",
    "check_purpose",
    "consent_history",
    "consent_states",
    "record_consent",
]

logger = logging.getLogger(__name__)

#: Purposes a consent is given for: issuing the certificate itself, and
#: each scenario in which a partner reads it.
PURPOSES = (
    "credit_certificate",
    "lending",
    "deposit_free_rental",
    "tenancy",
    "government_service",
)
#: Data categories a consent can cover (those with personal data sources).
CATEGORIES = tuple(c.value for c in CATEGORY_SOURCE)
_FIELDS_OF = {
    category: tuple(s.name for s in FIELDS.inputs if s.category is category)
    for category in CATEGORY_SOURCE
}


@dataclass(frozen=True, slots=True)
class ConsentState:
    """The ledger's state for one category and purpose at a moment."""

    category: str
    purpose: str
    granted: bool | None
    """True granted, False withdrawn, None never recorded."""
    since: str | None
    """Time of the row that set the state."""
    separate_consent: bool


def check_purpose(purpose: str) -> str:
    """``purpose`` if it is one of :data:`PURPOSES`; else a :class:`ConsentError`."""
    if purpose not in PURPOSES:
        raise ConsentError(
            "unknown_purpose",
            f"purpose: expected one of {', '.join(PURPOSES)}; got {purpose!r}",
            field="purpose",
        )
    return purpose


def _check_category(category: str) -> DataCategory:
    if category not in CATEGORIES:
        raise ConsentError(
            "unknown_category",
            f"category: expected one of {', '.join(CATEGORIES)}; got {category!r}",
            field="category",
        )
    return DataCategory(category)


def record_consent(
    store: Store,
    *,
    subject: str,
    category: str,
    purpose: str,
    granted: bool,
    by: str,
    at: dt.datetime,
) -> int:
    """Append a grant (``granted=True``) or withdrawal to the ledger; its row id.

    ``by`` names who recorded it (the subject's or an agent's key id). The
    change is also a decision-log entry (``consent_granted`` or
    ``consent_withdrawn``).

    Raises
    ------
    ConsentError
        Unknown category or purpose (nothing is recorded).
    """
    from credcert.decision_log import ENTRY_SCHEMA, LogEntry
    from credcert.store._tables import consents

    _check_category(category)
    check_purpose(purpose)
    stamp = format_time(at)
    kind = "consent_granted" if granted else "consent_withdrawn"
    body = _canonical(
        {"schema": ENTRY_SCHEMA, "category": category, "purpose": purpose, "by": by}
    )
    with store.begin() as conn:
        result = conn.execute(
            insert(consents).values(
                subject=subject,
                category=category,
                purpose=purpose,
                granted=granted,
                at=stamp,
                recorded_by=by,
            )
        )
        store.append_log([LogEntry(stamp, kind, None, subject, body)], conn=conn)
    logger.info("%s for %s/%s", kind, category, purpose)
    key = result.inserted_primary_key
    return int(key[0]) if key else 0


def consent_states(
    store: Store,
    subject: str,
    purpose: str,
    at: dt.datetime,
    *,
    conn: Connection | None = None,
) -> dict[str, ConsentState]:
    """The ledger's state of every category for a purpose at ``at``."""
    check_purpose(purpose)
    query = _states_query()
    values = {"subject": subject, "purpose": purpose, "at": format_time(at)}
    latest: dict[str, tuple[bool, str]] = {}
    if conn is None:
        with store.engine.connect() as own:
            rows = own.execute(query, values).all()
    else:
        rows = conn.execute(query, values).all()
    for category, granted, when in rows:
        latest[category] = (bool(granted), when)
    states = {}
    for category in CATEGORY_SOURCE:
        granted, since = latest.get(category.value, (None, None))
        states[category.value] = ConsentState(
            category.value, purpose, granted, since, category.separate_consent
        )
    return states


@functools.cache
def _states_query() -> Any:
    """Built once (on the issuing path; see ``credcert.store``'s statements)."""
    from credcert.store._tables import consents

    return (
        select(consents.c.category, consents.c.granted, consents.c.at)
        .where(consents.c.subject == bindparam("subject"))
        .where(consents.c.purpose == bindparam("purpose"))
        .where(consents.c.at <= bindparam("at"))
        .order_by(consents.c.at, consents.c.id)
    )


def apply_consents(
    store: Store,
    record: Any,
    subject: str,
    purpose: str,
    at: dt.datetime,
    *,
    conn: Connection | None = None,
) -> tuple[Any, dict[str, dict[str, Any]]]:
    """The record as the ledger allows it to be used, and the sources left out.

    Returns ``(record, excluded)``: a copy of the validated record with
    left-out categories emptied, and ``source -> {"reason", "since"}`` for
    the certificate's ``data_sources``. See the module docstring for the
    rules.
    """
    states = consent_states(store, subject, purpose, at, conn=conn)
    update: dict[str, Any] = {}
    excluded: dict[str, dict[str, Any]] = {}
    for category, source in CATEGORY_SOURCE.items():
        state = states[category.value]
        reason = _exclusion(state)
        if reason is None:
            if state.granted:
                update[consent_column(category)] = True
            continue
        update.update(dict.fromkeys(_FIELDS_OF[category]))
        update[as_of_column(source)] = None
        update[consent_column(category)] = False
        since = state.since[:10] if state.since and state.granted is False else None
        excluded[source.value] = {"reason": reason, "since": since}
    if not update:
        return record, excluded
    return record.model_copy(update=update), excluded


def _exclusion(state: ConsentState) -> str | None:
    if state.granted is False:
        return "consent_withdrawn"
    if state.separate_consent and state.granted is None:
        return "separate_consent_missing"
    return None


def consent_history(store: Store, subject: str) -> list[dict[str, Any]]:
    """Every ledger row of a subject, oldest first (for the subject's export)."""
    from credcert.store._tables import consents

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(consents)
            .where(consents.c.subject == subject)
            .order_by(consents.c.at, consents.c.id)
        ).all()
    return [
        {
            "category": r.category,
            "purpose": r.purpose,
            "granted": bool(r.granted),
            "at": r.at,
            "recorded_by": r.recorded_by,
        }
        for r in rows
    ]


def _canonical(value: Mapping[str, Any]) -> str:
    from credcert.signing import canonical_json

    return canonical_json(dict(value)).decode("utf-8")
