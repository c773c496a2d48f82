"""Access to a subject's data: the query log they can read, and their export.

Query log. Every read of a subject's certificate by someone other than the
subject (an agent, a risk analyst, a regulator, a partner) is recorded by
:func:`record_query` with the caller's role, API key id, purpose (the
partner's scenario, or the role's own purpose) and time; :func:`queries_for`
shows the subject who looked.

Export. :func:`export_subject` gathers everything held about a pseudonym
into one JSON document (:data:`EXPORT_SCHEMA`): certificates as signed with
their current status, the status history from the decision log, disputes,
consents, review decisions, corrections, queries of their certificates,
their decision-log entries, and their held inputs unsealed while the
subject's key exists (after erasure the export says so instead).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import insert, select

from credcert._errors import RequestError
from credcert.decision_log import unseal
from credcert.signing import format_time

if TYPE_CHECKING:
    from credcert.store import Store

__all__ = ["EXPORT_SCHEMA", "export_subject", "queries_for", "record_query"]

logger = logging.getLogger(__name__)

#: Schema of a subject's export document.
EXPORT_SCHEMA = "credcert.subject-export/1"
_READERS = ("agent", "risk", "regulator", "partner", "admin")


def record_query(
    store: Store,
    *,
    certificate_id: str,
    subject: str,
    role: str,
    key_id: str,
    purpose: str,
    at: dt.datetime,
    outcome: str = "shown",
) -> bool:
    """Log that a caller read a subject's certificate; False if not logged.

    A subject reading their own certificate is not a query by someone else
    and is not logged (returns False).

    Raises
    ------
    RequestError
        ``role`` is not a known reader role.
    """
    from credcert.store._tables import queries

    if role == "subject":
        return False
    if role not in _READERS:
        raise RequestError(
            "unknown_role",
            f"role: expected one of {', '.join(_READERS)}; got {role!r}",
            field="role",
        )
    with store.engine.begin() as conn:
        conn.execute(
            insert(queries).values(
                at=format_time(at),
                partner=key_id,
                scenario=purpose[:32],
                certificate_id=certificate_id,
                outcome=outcome[:32],
                subject=subject,
                role=role,
            )
        )
    return True


def queries_for(store: Store, subject: str) -> list[dict[str, Any]]:
    """Every logged read of the subject's certificates, newest first."""
    from credcert.store._tables import certificates, queries

    mine = select(certificates.c.id).where(certificates.c.subject == subject)
    query = (
        select(queries)
        .where(
            (queries.c.subject == subject)
            | (queries.c.subject.is_(None) & queries.c.certificate_id.in_(mine))
        )
        .order_by(queries.c.at.desc(), queries.c.id.desc())
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "at": r.at,
            "role": r.role or "partner",
            "key_id": r.partner,
            "purpose": r.scenario,
            "certificate_id": r.certificate_id,
            "outcome": r.outcome,
        }
        for r in rows
    ]


def export_subject(store: Store, subject: str, at: dt.datetime) -> dict[str, Any]:
    """Everything held about ``subject`` as one JSON-ready document.

    Raises
    ------
    NotFoundError
        Nothing at all is held about the subject.
    """
    from credcert._errors import NotFoundError
    from credcert.consent import consent_history
    from credcert.disputes import disputes_of
    from credcert.retention import held_inputs_of_subject
    from credcert.review import reviews_of

    certificates = _certificates(store, subject)
    log = _log(store, subject)
    if not certificates and not log:
        raise NotFoundError(f"nothing is held about subject {subject!r}")
    key = store.stored_subject_key(subject)
    held = held_inputs_of_subject(store, subject)
    return {
        "schema": EXPORT_SCHEMA,
        "subject": subject,
        "exported_at": format_time(at),
        "certificates": certificates,
        "status_history": [
            {"at": e["at"], "kind": e["kind"], "certificate_id": e["certificate_id"]}
            for e in log
        ],
        "disputes": disputes_of(store, subject, at.date()),
        "consents": consent_history(store, subject),
        "reviews": reviews_of(store, subject),
        "corrections": _corrections(store, subject, key),
        "queries": queries_for(store, subject),
        "decision_log": log,
        "inputs": {
            "state": "held" if key is not None else "erased",
            "certificates": {
                cid: (payload if payload is not None else "unreadable")
                for cid, payload in sorted(held.items())
            },
        },
    }


def _certificates(store: Store, subject: str) -> list[dict[str, Any]]:
    from credcert.store._tables import certificates

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(certificates)
            .where(certificates.c.subject == subject)
            .order_by(certificates.c.issued_at, certificates.c.id)
        ).all()
    return [
        {
            "id": r.id,
            "status": r.status,
            "superseded_by": r.superseded_by,
            "status_changed_at": r.status_changed_at,
            "document": json.loads(r.document),
        }
        for r in rows
    ]


def _log(store: Store, subject: str) -> list[dict[str, Any]]:
    from credcert.store._tables import certificates, decision_log

    mine = select(certificates.c.id).where(certificates.c.subject == subject)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(decision_log)
            .where(
                (decision_log.c.subject == subject)
                | decision_log.c.certificate_id.in_(mine)
            )
            .order_by(decision_log.c.seq)
        ).all()
    return [
        {
            "seq": r.seq,
            "at": r.at,
            "kind": r.kind,
            "certificate_id": r.certificate_id,
            "body": json.loads(r.body),
            "entry_hash": r.entry_hash,
        }
        for r in rows
    ]


def _corrections(store: Store, subject: str, key: bytes | None) -> list[dict[str, Any]]:
    from credcert.store._tables import corrections

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(corrections)
            .where(corrections.c.subject == subject)
            .order_by(corrections.c.id)
        ).all()
    out = []
    for r in rows:
        values: dict[str, Any] | str = "unreadable"
        if key is not None:
            try:
                values = unseal(r.sealed, key, subject)
            except (InvalidTag, ValueError):  # sealed under a replaced key
                values = "unreadable"
        out.append(
            {
                "id": r.id,
                "field": r.field,
                "dispute_id": r.dispute_id,
                "at": r.at,
                "retired_at": r.retired_at,
                "values": values,
            }
        )
    return out
