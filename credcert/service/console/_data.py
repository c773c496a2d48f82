"""A subject's certificate history, as the console lists it.

Disputes, reviews and the query log come from the domain's own modules
(:mod:`credcert.disputes`, :mod:`credcert.review`, :mod:`credcert.access`);
this module only lists a subject's certificates, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from credcert.store import Store
from credcert.store._tables import certificates

__all__ = ["HistoryRow", "subject_history"]

#: Most certificates of one subject listed in the history.
HISTORY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: str
    issued_at: str
    status: str
    score: float | None
    grade: str | None


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
