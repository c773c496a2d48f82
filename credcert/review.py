"""Human review: the queue of held certificates, reviewers' decisions, the switch.

A certificate is held (status ``review``) when a rule says so, or when an
admin has switched automated issuing off (:func:`set_automated_issuing`), in
which case every new certificate is held whatever the rules say; reads keep
working. A reviewer (role ``risk``) then decides (:func:`decide_review`):

* ``approve``: the automated outcome stands: ``issued`` when a rule asked
  for review, otherwise the status the rules gave (``issued`` or ``denied``);
* ``override``: the reviewer sets the other final status, with a written
  reason (required).

Either way a new certificate is signed from the held one's content with the
final status and a ``review`` member (decision, reviewer, reason, time),
superseding the held one; a final ``denied`` has no score, grade, subscores,
points or suggestions, as every denial. The decision is logged: the new
certificate's entry carries the reviewer, a digest of the reason and the
held certificate's sealed inputs, and the ``reviews`` table keeps the
reason's text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from credcert._errors import NotFoundError, ReviewError
from credcert._reasons import check_reason
from credcert.decision_log import ENTRY_SCHEMA, LogEntry
from credcert.signing import (
    SigningKey,
    canonical_json,
    format_time,
    sign_document,
    unsigned,
)

if TYPE_CHECKING:
    from credcert.issue import Issued
    from credcert.store import Store

__all__ = [
    "AUTOMATED_ISSUING",
    "DECISIONS",
    "FINAL_STATUSES",
    "automated_issuing",
    "decide_review",
    "enqueue",
    "held_cause",
    "review_queue",
    "reviewed_content",
    "reviews_of",
    "set_automated_issuing",
]

logger = logging.getLogger(__name__)

#: The setting that switches automated issuing on (true) or off (false).
AUTOMATED_ISSUING = "automated_issuing"
#: What a reviewer can decide.
DECISIONS = ("approve", "override")
#: Statuses a reviewed certificate can end with.
FINAL_STATUSES = ("issued", "denied")
_NOTE = {"approve": "approved", "override": "overridden"}


# --- the switch --------------------------------------------------------------------


def automated_issuing(store: Store, *, conn: Connection | None = None) -> bool:
    """Whether certificates are issued automatically (true unless switched off)."""
    from credcert.store._tables import settings

    query = (
        select(settings.c.value)
        .where(settings.c.name == AUTOMATED_ISSUING)
        .order_by(settings.c.id.desc())
        .limit(1)
    )
    if conn is None:
        with store.engine.connect() as own:
            row = own.execute(query).first()
    else:
        row = conn.execute(query).first()
    return True if row is None else bool(json.loads(row[0]))


def set_automated_issuing(
    store: Store, *, on: bool, by: str, reason: str, at: dt.datetime
) -> None:
    """Switch automated issuing on or off, with the reason; logged.

    Raises
    ------
    ReviewError
        ``on`` is not a boolean or the reason is missing (nothing changes).
    """
    from credcert.store._tables import settings

    if not isinstance(on, bool):
        raise ReviewError("type", f"on: expected true or false; got {on!r}", field="on")
    text = check_reason(reason, error=ReviewError)
    stamp = format_time(at)
    body = _text(
        {
            "schema": ENTRY_SCHEMA,
            "setting": AUTOMATED_ISSUING,
            "value": on,
            "by": by,
            "reason": text,
        }
    )
    with store.begin() as conn:
        conn.execute(
            insert(settings).values(
                name=AUTOMATED_ISSUING,
                value=json.dumps(on),
                at=stamp,
                changed_by=by,
                reason=text,
            )
        )
        entry = LogEntry(stamp, "setting_changed", None, None, body)
        store.append_log([entry], conn=conn)
    logger.info("automated issuing switched %s", "on" if on else "off")


# --- the queue -----------------------------------------------------------------------


def enqueue(store: Store, issued: Issued, *, at: dt.datetime, conn: Connection) -> None:
    """Record why a just-issued certificate is held (called inside its transaction)."""
    from credcert.store._tables import reviews

    automated = issued.automated_status or "review"
    conn.execute(
        insert(reviews).values(
            certificate_id=issued.entry.certificate_id,
            subject=issued.entry.subject,
            cause="rule" if automated == "review" else "automated_issuing_off",
            proposed_status="issued" if automated == "review" else automated,
            queued_at=format_time(at),
        )
    )


def review_queue(store: Store, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Certificates waiting for a person, oldest first.

    Every stored certificate whose current status is ``review`` is in the
    queue, whether issued alone or in a batch; ``cause`` says why it was held
    (``rule`` when no queue row was written, as in batch issuing).
    """
    from credcert.store._tables import certificates, reviews

    query = (
        select(
            certificates.c.id,
            certificates.c.subject,
            certificates.c.issued_at,
            certificates.c.score,
            certificates.c.grade,
            certificates.c.document,
            reviews.c.cause,
            reviews.c.proposed_status,
        )
        .select_from(certificates.outerjoin(reviews))
        .where(certificates.c.status == "review")
        .order_by(certificates.c.issued_at, certificates.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        document = json.loads(r.document)
        cause, proposed = held_cause(document)
        out.append(
            {
                "certificate_id": r.id,
                "subject": r.subject,
                "issued_at": r.issued_at,
                "score": r.score,
                "grade": r.grade,
                "cause": r.cause or cause,
                "proposed_status": r.proposed_status or proposed,
                "rules": [
                    f["rule_id"]
                    for f in document.get("flags", [])
                    if f["effect"] == "review"
                ],
            }
        )
    return out


def held_cause(document: Mapping[str, Any]) -> tuple[str, str]:
    """Why a certificate is held, and what approving it gives, from its flags.

    A ``deny`` rule fired: only automated issuing being off holds a denial;
    approval gives ``denied``. A ``review`` rule fired: cause ``rule``,
    approval gives ``issued``. Neither: automated issuing was off, approval
    gives ``issued``.
    """
    effects = {f["effect"] for f in document.get("flags", [])}
    if "deny" in effects:
        return "automated_issuing_off", "denied"
    if "review" in effects:
        return "rule", "issued"
    return "automated_issuing_off", "issued"


def reviews_of(store: Store, subject: str) -> list[dict[str, Any]]:
    """Every review of a subject's certificates (for the subject's export)."""
    from credcert.store._tables import reviews

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(reviews)
            .where(reviews.c.subject == subject)
            .order_by(reviews.c.queued_at)
        ).all()
    return [{k: v for k, v in r._mapping.items() if k != "subject"} for r in rows]


# --- decisions -------------------------------------------------------------------


def _final_status(
    decision: str, final_status: str | None, proposed: str
) -> tuple[str, bool]:
    """The final status and whether a reason is required."""
    if decision not in DECISIONS:
        raise ReviewError(
            "unknown_decision",
            f"decision: expected one of {', '.join(DECISIONS)}; got {decision!r}",
            field="decision",
        )
    approved = proposed if proposed in FINAL_STATUSES else "issued"
    if decision == "approve":
        if final_status not in (None, approved):
            raise ReviewError(
                "conflicting_status",
                f"final_status: approving gives {approved!r}; got {final_status!r} "
                "(use decision 'override' to change the outcome)",
                field="final_status",
            )
        return approved, False
    if final_status not in FINAL_STATUSES:
        raise ReviewError(
            "missing_final_status",
            f"final_status: an override needs one of {', '.join(FINAL_STATUSES)}; "
            f"got {final_status!r}",
            field="final_status",
        )
    if final_status == approved:
        raise ReviewError(
            "not_an_override",
            f"final_status: {final_status!r} is what approving gives; use decision "
            "'approve'",
            field="final_status",
        )
    return final_status, True


def reviewed_content(
    held: Mapping[str, Any],
    *,
    final_status: str,
    note: Mapping[str, Any],
    certificate_id: str,
    at: dt.datetime,
) -> dict[str, Any]:
    """The content (unsigned) of the certificate a review decision produces."""
    content = unsigned(held)
    issued_on = dt.date.fromisoformat(held["issued_at"][:10])
    valid = dt.date.fromisoformat(held["expires_on"]) - issued_on
    content.update(
        id=certificate_id,
        issued_at=format_time(at),
        expires_on=(at.date() + valid).isoformat(),
        status=final_status,
        review=dict(note),
    )
    if final_status == "denied":
        content.update(score=None, grade=None, subscores=[], points=[], suggestions=[])
    return content


def decide_review(
    store: Store,
    certificate_id: str,
    *,
    decision: str,
    reviewer: str,
    at: dt.datetime,
    key: SigningKey,
    reason: str | None = None,
    final_status: str | None = None,
) -> dict[str, Any]:
    """Decide a held certificate; returns the newly signed certificate.

    Raises
    ------
    CertificateNotFoundError
        No certificate with that id.
    ReviewError
        The certificate is not held, the decision or final status is wrong,
        or an override has no reason. Nothing is changed.
    """
    from credcert.issue import certificate_id as make_id
    from credcert.issue import certificate_row
    from credcert.store._tables import reviews

    held = store.certificate(certificate_id)
    if held.status != "review":
        raise ReviewError(
            "not_held",
            f"certificate {certificate_id}: status is {held.status!r}, not "
            "'review'; only held certificates are decided",
            field="certificate_id",
        )
    queued = _queue_row(store, certificate_id)
    cause, proposed = held_cause(held.document)
    final, needs_reason = _final_status(decision, final_status, proposed)
    if needs_reason or reason is not None:
        text = check_reason(reason, error=ReviewError)
    else:
        text = ""
    stamp = format_time(at)
    note = {
        "decision": _NOTE[decision],
        "held_certificate": certificate_id,
        "reviewer": reviewer,
        "reason": text,
        "at": stamp,
    }
    new_id = make_id(f"review:{certificate_id}:{stamp}", 0)
    content = reviewed_content(
        held.document, final_status=final, note=note, certificate_id=new_id, at=at
    )
    document = sign_document(content, key, at)
    with store.begin() as conn:
        current = store.certificate(certificate_id)
        if current.status != "review":  # decided meanwhile by someone else
            raise ReviewError(
                "not_held",
                f"certificate {certificate_id}: already decided",
                field="certificate_id",
            )
        body = _reviewed_body(conn, held.document, document, note)
        entry = LogEntry(stamp, final, new_id, held.subject, body)
        row = certificate_row(document, text=_text(document))
        store.save_certificates([row], [entry], conn=conn)
        values = {
            "decision": decision,
            "final_status": final,
            "reason": text,
            "reviewer": reviewer,
            "decided_at": stamp,
            "replacement_id": new_id,
        }
        if queued:
            conn.execute(
                update(reviews)
                .where(reviews.c.certificate_id == certificate_id)
                .values(**values)
            )
        else:
            conn.execute(
                insert(reviews).values(
                    certificate_id=certificate_id,
                    subject=held.subject,
                    cause=cause,
                    proposed_status=proposed,
                    queued_at=held.document["issued_at"],
                    **values,
                )
            )
    logger.info("review of %s: %s -> %s", certificate_id, decision, final)
    return document


def _queue_row(store: Store, certificate_id: str) -> dict[str, Any] | None:
    from credcert.store._tables import reviews

    with store.engine.connect() as conn:
        row = conn.execute(
            select(reviews).where(reviews.c.certificate_id == certificate_id)
        ).first()
    return None if row is None else dict(row._mapping)


def _reviewed_body(
    conn: Connection,
    held: Mapping[str, Any],
    document: Mapping[str, Any],
    note: Mapping[str, Any],
) -> str:
    """The log body of a reviewed certificate: the held one's, updated."""
    from credcert.store._tables import decision_log

    row = conn.execute(
        select(decision_log.c.body)
        .where(decision_log.c.certificate_id == held["id"])
        .where(decision_log.c.kind == "review")
        .order_by(decision_log.c.seq)
        .limit(1)
    ).first()
    if row is None:
        raise NotFoundError(f"no decision-log entry for certificate {held['id']}")
    body = json.loads(row[0])
    denied = document["status"] == "denied"
    body.update(
        content_digest=document["signature"]["content_digest"],
        status=document["status"],
        grade=document["grade"],
        score=document["score"],
        review={
            "decision": note["decision"],
            "held_certificate": note["held_certificate"],
            "reviewer": note["reviewer"],
            "reason_digest": "sha256:"
            + hashlib.sha256(str(note["reason"]).encode()).hexdigest(),
        },
    )
    if denied:
        body["points"] = {}
    return _text(body)


def _text(value: Mapping[str, Any]) -> str:
    return canonical_json(dict(value)).decode("utf-8")
