"""What the console reads from the database besides one certificate.

Reads only: a subject's certificates, disputes (open ones, or those of one
certificate) and certificates waiting for review. Writes (opening a dispute,
the query log) go through the domain's own functions in the router.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from credcert.store import Store
from credcert.store._tables import certificates, disputes, reviews

__all__ = [
    "DisputeRow",
    "HistoryRow",
    "ReviewRow",
    "certificate_disputes",
    "open_disputes",
    "subject_history",
    "waiting_reviews",
]

#: Most rows a queue page lists; the oldest deadlines come first.
QUEUE_LIMIT = 500
#: Most certificates of one subject listed in the history.
HISTORY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: str
    issued_at: str
    status: str
    score: float | None
    grade: str | None


@dataclass(frozen=True, slots=True)
class DisputeRow:
    id: int
    certificate_id: str
    field: str | None
    opened_at: str
    due_on: Any
    reason: str
    status: str


@dataclass(frozen=True, slots=True)
class ReviewRow:
    certificate_id: str
    cause: str
    proposed_status: str
    queued_at: str


def subject_history(store: Store, subject: str) -> list[HistoryRow]:
    """The subject's certificates, newest first."""
    query = (
        select(
            certificates.c.id,
            certificates.c.issued_at,
            certificates.c.status,
            certificates.c.score,
            certificates.c.grade,
        )
        .where(certificates.c.subject == subject)
        .order_by(certificates.c.issued_at.desc(), certificates.c.id.desc())
        .limit(HISTORY_LIMIT)
    )
    with store.engine.connect() as conn:
        return [HistoryRow(*row) for row in conn.execute(query)]


def _dispute_query() -> Any:
    return select(
        disputes.c.id,
        disputes.c.certificate_id,
        disputes.c.field,
        disputes.c.opened_at,
        disputes.c.due_on,
        disputes.c.reason,
        disputes.c.status,
    )


def open_disputes(store: Store) -> list[DisputeRow]:
    """Open disputes, earliest deadline first."""
    query = (
        _dispute_query()
        .where(disputes.c.status == "open")
        .order_by(disputes.c.due_on, disputes.c.id)
        .limit(QUEUE_LIMIT)
    )
    with store.engine.connect() as conn:
        return [DisputeRow(*row) for row in conn.execute(query)]


def certificate_disputes(store: Store, certificate_id: str) -> list[DisputeRow]:
    """Every dispute of one certificate, newest first."""
    query = (
        _dispute_query()
        .where(disputes.c.certificate_id == certificate_id)
        .order_by(disputes.c.id.desc())
    )
    with store.engine.connect() as conn:
        return [DisputeRow(*row) for row in conn.execute(query)]


def waiting_reviews(store: Store) -> list[ReviewRow]:
    """Certificates held for review and not yet decided, oldest first."""
    query = (
        select(
            reviews.c.certificate_id,
            reviews.c.cause,
            reviews.c.proposed_status,
            reviews.c.queued_at,
        )
        .where(reviews.c.decision.is_(None))
        .order_by(reviews.c.queued_at, reviews.c.certificate_id)
        .limit(QUEUE_LIMIT)
    )
    with store.engine.connect() as conn:
        return [ReviewRow(*row) for row in conn.execute(query)]
