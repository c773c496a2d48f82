"""Disputes about a certificate's data, answered within 20 days, and their corrections.

A subject (on their own certificate) or an agent opens a dispute on one data
item of a live certificate: a field of the data contract
(:data:`DISPUTE_FIELDS`), with a reason. The certificate's stored status
becomes ``disputed`` (the signed document keeps its issued status; the
service and console show "under dispute"); the answer is due 20 days after
receipt (征信业管理条例). :func:`list_disputes` lists open ones, and those
overdue on a given date.

A person with role ``risk`` resolves it (:func:`resolve_dispute`):

* ``upheld_corrected`` with the corrected value: the subject's current
  certificate is re-issued from its sealed inputs with the correction, which
  supersedes it;
* ``rejected`` or ``withdrawn``: the certificate gets back the status it had
  before the dispute, once no other dispute on it is open.

Corrections survive the next issue (DESIGN 6a). A correction is kept (sealed
under the subject's key, so erasure covers it) with the value the source
had and the corrected one, and :func:`apply_corrections` applies it to each
later record of the subject **while the data source still reports the
disputed value** for that field. When the source reports anything else, the
source itself has changed (fixed, or new facts), its value is used and the
correction is retired (logged ``correction_retired``).

Every step is a decision-log entry: ``disputed``, ``dispute_resolved`` (with
the outcome, the resolver and a digest of the reason; the reason's text is in
the ``disputes`` table) and, for a correction, the new certificate's own
entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import Connection, insert, select, update

from credcert._errors import CertificateNotFoundError, DisputeError, NotFoundError
from credcert._reasons import check_reason
from credcert.decision_log import ENTRY_SCHEMA, LogEntry, seal, unseal
from credcert.signing import canonical_json, format_time
from subscribers import FIELDS, RecordError, validate_record

if TYPE_CHECKING:
    from credcert.issue import Issuer
    from credcert.store import Store

__all__ = [
    "DISPUTE_FIELDS",
    "OUTCOMES",
    "apply_corrections",
    "dispute",
    "disputes_of",
    "list_disputes",
    "open_dispute",
    "resolve_dispute",
]

logger = logging.getLogger(__name__)

#: Data items a dispute can name: the contract's input fields and the date
#: of the oldest negative event.
DISPUTE_FIELDS = (*(s.name for s in FIELDS.inputs), "earliest_negative_on")
#: How a dispute can end.
OUTCOMES = ("upheld_corrected", "rejected", "withdrawn")
#: Statuses of a certificate that can be disputed.
_DISPUTABLE = ("issued", "denied", "review", "disputed")
_DATE_FIELDS = frozenset({"earliest_negative_on"})


def _check_field(field: object) -> str:
    if field not in DISPUTE_FIELDS:
        raise DisputeError(
            "unknown_field",
            f"field: expected a data item of the contract (an input field or "
            f"earliest_negative_on); got {field!r}",
            field="field",
        )
    return str(field)


def open_dispute(
    store: Store,
    *,
    certificate_id: str,
    field: str,
    reason: str,
    by: str,
    at: dt.datetime,
    subject: str | None = None,
) -> dict[str, Any]:
    """Open a dispute on one data item of a live certificate; returns it.

    ``subject``, when given (a subject's own request), must be the
    certificate's subject. ``by`` names who opened it (a key id).

    Raises
    ------
    CertificateNotFoundError
        No certificate with that id (or, for a subject, not theirs).
    DisputeError
        Unknown field, missing reason, or a certificate that is no longer
        live. Nothing is changed.
    """
    from credcert.store import DISPUTE_DAYS
    from credcert.store._tables import certificates, disputes

    name = _check_field(field)
    text = check_reason(reason, error=DisputeError)
    stamp = format_time(at)
    with store.begin() as conn:
        stored = store.certificate(certificate_id)
        if subject is not None and stored.subject != subject:
            # a subject learns nothing about other subjects' certificates
            raise CertificateNotFoundError(
                f"no certificate with id {certificate_id!r} in {store!r}"
            )
        if stored.status not in _DISPUTABLE:
            raise DisputeError(
                "not_live",
                f"certificate {certificate_id}: status {stored.status!r}; only "
                f"a live certificate ({', '.join(_DISPUTABLE)}) can be disputed"
                + (
                    f"; its replacement is {stored.superseded_by}"
                    if stored.superseded_by
                    else ""
                ),
                field="certificate_id",
            )
        previous = stored.status
        if previous == "disputed":
            previous = _previous_status(conn, certificate_id)
        result = conn.execute(
            insert(disputes).values(
                certificate_id=certificate_id,
                subject=stored.subject,
                opened_at=stamp,
                due_on=at.date() + dt.timedelta(days=DISPUTE_DAYS),
                reason=text,
                status="open",
                field=name,
                opened_by=by,
                previous_status=previous,
            )
        )
        dispute_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        conn.execute(
            update(certificates)
            .where(certificates.c.id == certificate_id)
            .values(status="disputed", status_changed_at=stamp)
        )
        body = {
            "schema": ENTRY_SCHEMA,
            "dispute": dispute_id,
            "field": name,
            "previous": stored.status,
            "by": by,
            "due_on": (at.date() + dt.timedelta(days=DISPUTE_DAYS)).isoformat(),
        }
        entry = LogEntry(stamp, "disputed", certificate_id, stored.subject, _text(body))
        store.append_log([entry], conn=conn)
    logger.info("dispute %d opened on certificate %s", dispute_id, certificate_id)
    return dispute(store, dispute_id)


def _previous_status(conn: Connection, certificate_id: str) -> str:
    from credcert.store._tables import disputes

    row = conn.execute(
        select(disputes.c.previous_status)
        .where(disputes.c.certificate_id == certificate_id)
        .where(disputes.c.previous_status.is_not(None))
        .order_by(disputes.c.id.desc())
        .limit(1)
    ).first()
    return "issued" if row is None else str(row[0])


def _row(row: Any, as_of: dt.date | None = None) -> dict[str, Any]:
    out = dict(row._mapping)
    out["due_on"] = out["due_on"].isoformat()
    if as_of is not None:
        out["overdue"] = out["status"] == "open" and out["due_on"] < as_of.isoformat()
    return out


def dispute(store: Store, dispute_id: int) -> dict[str, Any]:
    """One dispute by id.

    Raises
    ------
    NotFoundError
    """
    from credcert.store._tables import disputes

    with store.engine.connect() as conn:
        row = conn.execute(select(disputes).where(disputes.c.id == dispute_id)).first()
    if row is None:
        raise NotFoundError(f"no dispute with id {dispute_id!r}")
    return _row(row)


def list_disputes(
    store: Store,
    *,
    as_of: dt.date,
    status: str | None = "open",
    overdue: bool = False,
    subject: str | None = None,
) -> list[dict[str, Any]]:
    """Disputes (open by default), oldest first, each with ``overdue`` on ``as_of``.

    With ``overdue=True`` only open disputes whose due date is before
    ``as_of`` are listed.
    """
    from credcert.store._tables import disputes

    query = select(disputes).order_by(disputes.c.opened_at, disputes.c.id)
    if status is not None:
        query = query.where(disputes.c.status == status)
    if subject is not None:
        query = query.where(disputes.c.subject == subject)
    if overdue:
        query = query.where(disputes.c.status == "open").where(
            disputes.c.due_on < as_of
        )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [_row(r, as_of) for r in rows]


def disputes_of(store: Store, subject: str, as_of: dt.date) -> list[dict[str, Any]]:
    """Every dispute of a subject, open or closed (for the subject's export)."""
    return list_disputes(store, as_of=as_of, status=None, subject=subject)


def _check_outcome(outcome: object) -> str:
    if outcome not in OUTCOMES:
        raise DisputeError(
            "unknown_outcome",
            f"outcome: expected one of {', '.join(OUTCOMES)}; got {outcome!r}",
            field="outcome",
        )
    return str(outcome)


_UNSET: Any = object()


def resolve_dispute(
    store: Store,
    dispute_id: int,
    *,
    outcome: str,
    reason: str,
    by: str,
    at: dt.datetime,
    corrected_value: Any = _UNSET,
    issuer: Issuer | None = None,
) -> dict[str, Any]:
    """Close a dispute with an outcome and reason; returns the closed dispute.

    ``upheld_corrected`` needs ``corrected_value`` (checked against the data
    contract) and an ``issuer``: the subject's current certificate is
    re-issued from its sealed inputs with the correction applied; the
    dispute's ``replacement_id`` names the new certificate.

    Raises
    ------
    NotFoundError
        No dispute with that id.
    DisputeError
        Closed already, unknown outcome, missing reason or value, a value the
        contract refuses, or no sealed inputs to re-issue from. Nothing is
        changed.
    """
    current = dispute(store, dispute_id)
    if current["status"] != "open":
        raise DisputeError(
            "closed",
            f"dispute {dispute_id}: already closed ({current['outcome']})",
            field="dispute_id",
        )
    name = _check_outcome(outcome)
    text = check_reason(reason, error=DisputeError)
    if name == "upheld_corrected":
        if corrected_value is _UNSET:
            raise DisputeError(
                "missing_value",
                "corrected_value: an upheld correction needs the corrected value",
                field="corrected_value",
            )
        if issuer is None:
            raise DisputeError(
                "no_issuer",
                "issuer: re-issuing a corrected certificate needs an issuer",
                field="issuer",
            )
    elif corrected_value is not _UNSET:
        raise DisputeError(
            "unexpected_value",
            f"corrected_value: only outcome 'upheld_corrected' takes one; "
            f"got outcome {name!r}",
            field="corrected_value",
        )
    with store.begin() as conn:
        replacement = None
        if name == "upheld_corrected":
            assert issuer is not None
            replacement = _correct(
                store, conn, current, corrected_value, issuer=issuer, at=at
            )
        _close(store, conn, current, name, text, by, at, replacement)
    logger.info("dispute %d resolved: %s", dispute_id, name)
    return dispute(store, dispute_id)


def _close(
    store: Store,
    conn: Connection,
    current: Mapping[str, Any],
    outcome: str,
    reason: str,
    by: str,
    at: dt.datetime,
    replacement: str | None,
) -> None:
    from credcert.store._tables import certificates, disputes

    stamp = format_time(at)
    conn.execute(
        update(disputes)
        .where(disputes.c.id == current["id"])
        .values(
            status="closed",
            outcome=outcome,
            resolution=reason,
            resolved_by=by,
            closed_at=stamp,
            replacement_id=replacement,
        )
    )
    cid = current["certificate_id"]
    restored = None
    still_open = conn.execute(
        select(disputes.c.id)
        .where(disputes.c.certificate_id == cid)
        .where(disputes.c.status == "open")
    ).first()
    if replacement is None and still_open is None:
        result = conn.execute(
            update(certificates)
            .where(certificates.c.id == cid)
            .where(certificates.c.status == "disputed")
            .values(status=current["previous_status"], status_changed_at=stamp)
        )
        restored = current["previous_status"] if result.rowcount else None
    body = {
        "schema": ENTRY_SCHEMA,
        "dispute": current["id"],
        "field": current["field"],
        "outcome": outcome,
        "by": by,
        "reason_digest": "sha256:" + hashlib.sha256(reason.encode()).hexdigest(),
        "replacement": replacement,
        "restored_status": restored,
    }
    entry = LogEntry(stamp, "dispute_resolved", cid, current["subject"], _text(body))
    store.append_log([entry], conn=conn)


def _correct(
    store: Store,
    conn: Connection,
    current: Mapping[str, Any],
    value: Any,
    *,
    issuer: Issuer,
    at: dt.datetime,
) -> str:
    """Store the correction and re-issue the subject's certificate; the new id."""
    from credcert import review
    from credcert.issue import (
        IssueContext,
        certificate_id,
        certificate_row,
        record_from_sealed,
    )
    from credcert.retention import held_inputs
    from credcert.store._tables import corrections

    subject, name = current["subject"], current["field"]
    live = store.current(subject)
    base = live.id if live is not None else current["certificate_id"]
    payload = held_inputs(store, base, subject, conn=conn)
    if payload is None:
        raise DisputeError(
            "no_sealed_inputs",
            f"certificate {base}: its inputs are not held (issued in a batch, or "
            "erased), so it cannot be re-issued with a correction; issue the "
            "subject afresh from a corrected record",
            field="dispute_id",
        )
    values = dict(payload["record"])
    original = values.get(name)
    corrected = _checked_value(values, name, value)
    if corrected == original:
        raise DisputeError(
            "unchanged",
            f"corrected_value: equals the value the certificate used for {name}",
            field="corrected_value",
        )
    key = store.subject_key(subject, at, conn=conn)
    stamp = format_time(at)
    result = conn.execute(
        insert(corrections).values(
            subject=subject,
            field=name,
            dispute_id=current["id"],
            sealed=seal({"original": original, "corrected": corrected}, key, subject),
            at=stamp,
        )
    )
    correction_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    record, context = record_from_sealed(
        {**payload, "record": {**values, name: corrected}}
    )
    context = IssueContext(
        excluded=context.excluded,
        hold=not review.automated_issuing(store, conn=conn),
        corrections=(*context.corrections, correction_id),
    )
    new_id = certificate_id(f"corrected:{current['id']}:{stamp}", 0)
    issued = issuer.issue_for(
        record,
        subject=subject,
        at=at,
        certificate_id=new_id,
        context=context,
        sealing_key=key,
    )
    row = certificate_row(issued.document, text=issued.text)
    store.save_certificates([row], [issued.entry], conn=conn)
    if issued.document["status"] == "review":
        review.enqueue(store, issued, at=at, conn=conn)
    return new_id


def _checked_value(values: Mapping[str, Any], name: str, value: Any) -> Any:
    """The corrected value in JSON form, if the contract accepts it."""
    from credcert.issue import _STAND_IN

    try:
        record = validate_record({**values, name: value, **_STAND_IN})
    except RecordError as exc:
        problems = [p for p in exc.problems if p.field == name] or exc.problems
        raise DisputeError(
            "invalid_value",
            f"corrected_value: {problems[0].field}: expected {problems[0].expected}",
            field="corrected_value",
        ) from None
    checked = getattr(record, name)
    return checked.isoformat() if isinstance(checked, dt.date) else checked


def apply_corrections(
    store: Store,
    record: Any,
    subject: str,
    at: dt.datetime,
    *,
    key: bytes,
    conn: Connection,
) -> tuple[Any, tuple[int, ...]]:
    """The record with the subject's standing corrections, and their ids.

    A correction applies while the record's value for its field is the one
    disputed; a record already carrying the corrected value keeps it; any
    other value retires the correction (the source changed). Runs inside
    the issuing transaction.
    """
    from credcert.store._tables import corrections

    rows = conn.execute(
        select(corrections.c.id, corrections.c.field, corrections.c.sealed)
        .where(corrections.c.subject == subject)
        .where(corrections.c.retired_at.is_(None))
        .order_by(corrections.c.id)
    ).all()
    if not rows:
        return record, ()
    stamp = format_time(at)
    changes: dict[str, Any] = {}
    applied: list[int] = []
    for row_id, name, token in rows:
        try:
            sealed = unseal(token, key, subject)
        except (InvalidTag, ValueError):  # sealed under a replaced key
            continue
        value = getattr(record, name)
        seen = value.isoformat() if isinstance(value, dt.date) else value
        if seen == sealed["original"]:
            corrected = sealed["corrected"]
            if name in _DATE_FIELDS and corrected is not None:
                corrected = dt.date.fromisoformat(corrected)
            changes[name] = corrected
            applied.append(row_id)
        elif seen == sealed["corrected"]:
            applied.append(row_id)
        else:
            conn.execute(
                update(corrections)
                .where(corrections.c.id == row_id)
                .values(retired_at=stamp)
            )
            body = {"schema": ENTRY_SCHEMA, "correction": row_id, "field": name}
            entry = LogEntry(stamp, "correction_retired", None, subject, _text(body))
            store.append_log([entry], conn=conn)
    if changes:
        record = record.model_copy(update=changes)
    return record, tuple(applied)


def _text(value: Mapping[str, Any]) -> str:
    return canonical_json(dict(value)).decode("utf-8")
