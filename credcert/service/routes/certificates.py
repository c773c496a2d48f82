"""Certificates over HTTP: issue from a record, read by role, list and look up.

Issuing pseudonymises the phone number at the edge (the Issuer does it; the
number is never stored or logged), signs, and hands the certificate to the
group-commit writer; the answer comes only after the certificate and its
decision-log entry are committed.

Reading shows each role its view: agent, risk and subject (their own only)
get the signed document and its current status; a regulator also gets the
certificate's decision-log entries; a partner gets only its scenario's signed
disclosure view, made with the certificate's *current* status so that a
revoked, superseded or disputed certificate never answers yes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select

from credcert import access, review
from credcert._errors import CertificateNotFoundError, DisclosureError
from credcert.consent import PURPOSES
from credcert.issue import Issued as IssuedCertificate
from credcert.issue import certificate_row, issue_prepared
from credcert.service import gates
from credcert.service.auth import allow
from credcert.service.deps import Caller, Services, ServicesDep
from credcert.service.errors import ApiError
from credcert.service.writer import Prepared, WriterStoppedError
from credcert.store import StoredCertificate
from credcert.store._tables import certificates, decision_log
from credcert.views import partner_view
from subscribers import RecordError, SubscriberRecord
from subscribers._record import MSISDN_PATTERN, check_dates

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["certificates"])

_ID = r"^cc-[0-9a-f]{24}$"
_PSEUDONYM = r"^sp1_[0-9a-f]{32}$"
CertificateId = Annotated[
    str, Field(pattern=_ID, description="A certificate id: cc- and 24 hex digits.")
]


#: Purposes of the consent ledger (written once, in credcert.consent).
Purpose = cast(Any, Literal)[PURPOSES]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class IssueRequest(_Strict):
    """A subscriber record of the data contract, to certify."""

    record: SubscriberRecord  # type: ignore[valid-type]
    purpose: Purpose = Field(  # type: ignore[valid-type]
        "credit_certificate",
        description="The purpose whose consents the ledger applies.",
    )


class Issued(BaseModel):
    """An issued certificate: committed, with its signed document."""

    id: str
    status: str
    certificate: dict[str, Any]


class LogEntryOut(BaseModel):
    """A decision-log entry (regulators only)."""

    seq: int
    at: str
    kind: str
    certificate_id: str | None
    subject: str | None
    body: dict[str, Any]
    prev_hash: str
    entry_hash: str


class CertificateRead(BaseModel):
    """A stored certificate as the caller's role may see it.

    ``certificate`` (the signed document) for agent, risk, regulator and the
    subject; ``view`` (the signed scenario view) instead for a partner;
    ``decision_log`` for a regulator.
    """

    id: str
    status: str
    under_dispute: bool
    superseded_by: str | None
    status_changed_at: str
    certificate: dict[str, Any] | None = None
    view: dict[str, Any] | None = None
    decision_log: list[LogEntryOut] | None = None


class CertificateSummary(BaseModel):
    """One certificate of a subject, in a listing."""

    id: str
    status: str
    issued_status: str
    grade: str | None
    score: float | None
    issued_at: str
    expires_on: dt.date
    superseded_by: str | None


class SubjectCertificates(BaseModel):
    subject: str
    certificates: list[CertificateSummary]


class Lookup(_Strict):
    """A subscription to find: phone number and activation date.

    The number is hashed on the server and never stored, logged or echoed.
    """

    msisdn: str = Field(
        pattern=MSISDN_PATTERN,
        description="11-digit mobile number starting with 13-19",
    )
    activated_on: dt.date


# --- issue ---------------------------------------------------------------------


@router.post(
    "/v1/certificates",
    status_code=201,
    response_class=Response,
    responses={201: {"model": Issued, "description": "issued and committed"}},
)
async def issue(
    body: IssueRequest,
    services: ServicesDep,
    caller: Annotated[Caller, allow("agent", "risk")],
) -> Response:
    """Issue a certificate for a subscriber record; answer once it is committed.

    The consent ledger for ``purpose``, the subject's standing corrections and
    the automated-issuing switch apply (a held certificate has status
    ``review`` and waits in the review queue).
    """
    record = cast(Any, body.record)  # typed and ranged by the body's model
    problems = check_dates(record)  # the contract's checks across fields
    if problems:
        raise _record_error(RecordError(problems))
    at = services.now()
    job = _issue_job(services, record, at, body.purpose)
    writer = services.writer
    try:
        if writer is None:
            raise WriterStoppedError("no certificate writer")
        waiting = writer.submit(job)
    except WriterStoppedError:
        raise ApiError(
            "unavailable", "the service is stopping; nothing was issued"
        ) from None
    prepared = await asyncio.wrap_future(waiting)
    issued: IssuedCertificate = prepared.result
    content = (
        f'{{"id":"{prepared.row["id"]}","status":"{prepared.row["status"]}",'
        f'"certificate":{issued.text}}}'
    )
    logger.info(
        "certificate %s issued by %s key %s",
        prepared.row["id"],
        caller.role,
        caller.key_id,
    )
    return Response(content, status_code=201, media_type="application/json")


def _issue_job(
    services: Services, record: Any, at: dt.datetime, purpose: str
) -> Callable[[Connection], Prepared]:
    """What the writer thread runs for one certificate, in its transaction."""
    store = services.store
    issuer = services.issuer(at.date())

    def job(conn: Connection) -> Prepared:
        issued = issue_prepared(
            issuer,
            store,
            record,
            at=at,
            purpose=purpose,
            certificate_id=_new_id(),
            conn=conn,
        )
        row = certificate_row(issued.document, text=issued.text)
        hold = None
        if row["status"] == "review":

            def hold(conn: Connection) -> None:
                review.enqueue(store, issued, at=at, conn=conn)

        return Prepared(row, issued.entry, hold, issued)

    return job


def _new_id() -> str:
    return "cc-" + secrets.token_hex(12)


def _record_error(exc: RecordError) -> ApiError:
    where = [
        {"loc": ["body", "record", p.field], "type": p.code, "expected": p.expected}
        for p in exc.problems
    ]
    return ApiError(
        "validation",
        f"the record breaks the data contract in {len(where)} place(s)",
        where,
    )


# --- read ---------------------------------------------------------------------------


@router.get(
    "/v1/certificates/{certificate_id}",
    response_model=CertificateRead,
    response_model_exclude_none=True,
)
def read_certificate(
    certificate_id: str,
    services: ServicesDep,
    caller: Annotated[
        Caller, allow("agent", "risk", "regulator", "partner", "subject")
    ],
    scenario: Annotated[
        str | None,
        Query(description="Partners: the scenario whose view to return."),
    ] = None,
) -> CertificateRead:
    """A certificate in the view the caller's role allows."""
    stored = _visible(services, caller, certificate_id)
    out = CertificateRead(
        id=stored.id,
        status=stored.status,
        under_dispute=stored.status == "disputed",
        superseded_by=stored.superseded_by,
        status_changed_at=stored.status_changed_at,
    )
    if caller.role == "partner":
        chosen = _scenario(caller, scenario)
        current = {**stored.document, "status": stored.status}
        try:
            out.view = partner_view(
                current,
                chosen,
                caller.label,
                services.signing_key,
                services.now(),
                disclosure=services.disclosure,
            )
        except DisclosureError as exc:
            raise ApiError("not_found", str(exc)) from None
        gates.record_read(services, caller, stored, purpose=chosen)
        return out
    if scenario is not None:
        raise ApiError(
            "validation",
            "scenario: only partner keys ask for a scenario view",
            [{"loc": ["query", "scenario"], "type": "not_allowed", "expected": "none"}],
        )
    out.certificate = stored.document
    if caller.role == "regulator":
        out.decision_log = _log_entries(services, stored.id)
    gates.record_read(services, caller, stored, purpose=caller.role)
    return out


def _visible(
    services: Services, caller: Caller, certificate_id: str
) -> StoredCertificate:
    not_found = ApiError(
        "not_found",
        f"no certificate with id {certificate_id!r} that this key may see",
        [
            {
                "loc": ["path", "certificate_id"],
                "type": "not_found",
                "expected": "the id of a certificate this key may see",
            }
        ],
    )
    try:
        stored = services.store.certificate(certificate_id)
    except CertificateNotFoundError:
        raise not_found from None
    if caller.role == "subject" and stored.subject != caller.subject:
        raise not_found
    return stored


def _scenario(caller: Caller, asked: str | None) -> str:
    if asked is None:
        if len(caller.scenarios) == 1:
            return caller.scenarios[0]
        raise ApiError(
            "validation",
            "scenario: this partner key is bound to several scenarios; name one",
            [
                {
                    "loc": ["query", "scenario"],
                    "type": "missing",
                    "expected": f"one of {', '.join(caller.scenarios)}",
                }
            ],
        )
    if asked not in caller.scenarios:
        raise ApiError(
            "forbidden",
            f"this partner key is not bound to scenario {asked!r}; "
            f"it is bound to {', '.join(caller.scenarios)}",
        )
    return asked


def _log_entries(services: Services, certificate_id: str) -> list[LogEntryOut]:
    query = (
        select(decision_log)
        .where(decision_log.c.certificate_id == certificate_id)
        .order_by(decision_log.c.seq)
    )
    with services.store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return [LogEntryOut(**{**r, "body": json.loads(r["body"])}) for r in rows]


# --- list and look up ----------------------------------------------------------


@router.get("/v1/subjects/{subject}/certificates", response_model=SubjectCertificates)
def subject_certificates(
    subject: str,
    services: ServicesDep,
    caller: Annotated[Caller, allow("agent", "risk", "regulator", "subject")],
) -> SubjectCertificates:
    """Every certificate of a subject (by pseudonym), newest first."""
    if caller.role == "subject" and subject != caller.subject:
        raise ApiError(
            "not_found",
            "no certificates of this subject that this key may see",
            [
                {
                    "loc": ["path", "subject"],
                    "type": "not_found",
                    "expected": "the pseudonym this subject key is bound to",
                }
            ],
        )
    listing = _listing(services, subject)
    _log_listing(services, caller, subject, listing, "listing")
    return SubjectCertificates(subject=subject, certificates=listing)


@router.post("/v1/subjects/lookup", response_model=SubjectCertificates)
def lookup(
    body: Lookup,
    services: ServicesDep,
    caller: Annotated[Caller, allow("agent")],
) -> SubjectCertificates:
    """Find a subscription's certificates by phone number and activation date.

    The number is hashed with the service's pseudonym key and forgotten; the
    answer names the pseudonym only.
    """
    subject = services.pseudonymizer.subject(body.msisdn, body.activated_on)
    listing = _listing(services, subject)
    _log_listing(services, caller, subject, listing, "lookup")
    return SubjectCertificates(subject=subject, certificates=listing)


def _log_listing(
    services: Services,
    caller: Caller,
    subject: str,
    listing: list[CertificateSummary],
    purpose: str,
) -> None:
    """A listing shows each certificate's grade and score: each is a query."""
    for item in listing:
        access.record_query(
            services.store,
            certificate_id=item.id,
            subject=subject,
            role=caller.role,
            key_id=caller.key_id,
            purpose=purpose,
            at=services.now(),
        )


def _listing(services: Services, subject: str) -> list[CertificateSummary]:
    c = certificates.c
    query = (
        select(
            c.id,
            c.status,
            c.issued_status,
            c.grade,
            c.score,
            c.issued_at,
            c.expires_on,
            c.superseded_by,
        )
        .where(c.subject == subject)
        .order_by(c.issued_at.desc(), c.id)
    )
    with services.store.engine.connect() as conn:
        return [CertificateSummary(**dict(r._mapping)) for r in conn.execute(query)]
