"""Disputes over HTTP: open (subject or agent), list and read, resolve (risk).

A subject opens a dispute only on their own certificate; an agent on any.
The certificate's status becomes ``disputed`` (reads show "under dispute");
the answer is due in 20 days. Agents and risk list open and overdue
disputes; risk resolves them: ``upheld_corrected`` with the corrected value
re-issues the certificate from its sealed inputs, ``rejected`` and
``withdrawn`` restore its status. Bad requests are 422 with the field named
and nothing changed (:mod:`credcert.disputes` checks them).

This module also holds what the domain's other route modules share: strict
bodies, id and pseudonym patterns, and the subject-ownership check.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from credcert import disputes
from credcert.service.auth import allow
from credcert.service.deps import Caller, ServicesDep
from credcert.service.errors import ApiError

__all__ = ["CertificateId", "Pseudonym", "Strict", "own_subject", "router"]

router = APIRouter(tags=["disputes"])

CertificateId = Annotated[
    str,
    Field(
        pattern=r"^cc-[0-9a-f]{24}$",
        description="A certificate id: cc- and 24 hex digits.",
    ),
]
Pseudonym = Annotated[
    str,
    Field(
        pattern=r"^sp1_[0-9a-f]{32}$",
        description="A subject pseudonym: sp1_ and 32 hex digits.",
    ),
]
_FIELDS = ", ".join(disputes.DISPUTE_FIELDS)
DisputeId = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The dispute's id, from opening it.")
]


class Strict(BaseModel):
    """A request body: unknown members refused, inputs never echoed."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


def not_yours(what: str, loc: list[str | int]) -> ApiError:
    """404 for a subject key asking about someone else's data (nothing revealed)."""
    return ApiError(
        "not_found",
        f"no {what} that this key may see",
        [{"loc": loc, "type": "not_found", "expected": f"a {what} of this subject"}],
    )


def own_subject(caller: Caller, subject: str, loc: list[str | int]) -> str:
    """``subject``, if the caller may act on it (a subject key: its own only)."""
    if caller.role == "subject" and subject != caller.subject:
        raise not_yours("subject data", loc)
    return subject


class DisputeRequest(Strict):
    """Open a dispute on one data item of a certificate."""

    certificate_id: CertificateId
    field: str = Field(
        max_length=64, description=f"The disputed data item, one of: {_FIELDS}."
    )
    reason: str = Field(
        max_length=2000,
        description="What is wrong, in the subscriber's words (no phone or ID "
        "numbers).",
    )


class ResolutionRequest(Strict):
    """Resolve a dispute: outcome, written reason, and a corrected value if upheld."""

    outcome: Literal["upheld_corrected", "rejected", "withdrawn"]
    reason: str = Field(max_length=2000)
    corrected_value: bool | int | float | str | None = Field(
        None,
        description="The corrected value of the disputed item (upheld_corrected "
        "only); null means the item is missing.",
    )


class Dispute(BaseModel):
    """A dispute and where it stands."""

    id: int
    certificate_id: str
    subject: str
    field: str | None
    reason: str
    opened_at: str
    opened_by: str | None
    due_on: str
    status: str
    overdue: bool | None = None
    outcome: str | None = None
    resolution: str | None = None
    resolved_by: str | None = None
    closed_at: str | None = None
    replacement_id: str | None = None


def _out(row: dict[str, Any]) -> Dispute:
    return Dispute(**{k: v for k, v in row.items() if k in Dispute.model_fields})


@router.post(
    "/v1/disputes",
    status_code=201,
    response_model=Dispute,
    responses={201: {"description": "opened; the certificate is under dispute"}},
)
def open_dispute(
    body: DisputeRequest,
    services: ServicesDep,
    caller: Annotated[Caller, allow("agent", "subject")],
) -> Dispute:
    """Open a dispute on a data item of a certificate (a subject: their own only)."""
    row = disputes.open_dispute(
        services.store,
        certificate_id=body.certificate_id,
        field=body.field,
        reason=body.reason,
        by=caller.key_id,
        at=services.now(),
        subject=caller.subject if caller.role == "subject" else None,
    )
    return _out(row)


@router.get("/v1/disputes", response_model=list[Dispute])
def list_disputes(
    services: ServicesDep,
    caller: Annotated[Caller, allow("agent", "risk")],
    status: Annotated[
        Literal["open", "closed", "all"], Query(description="Which disputes.")
    ] = "open",
    overdue: Annotated[
        bool, Query(description="Only open disputes past their due date.")
    ] = False,
    as_of: Annotated[
        dt.date | None,
        Query(description="The day overdue is judged on (default: today)."),
    ] = None,
) -> list[Dispute]:
    """Disputes, oldest first, each saying whether it is overdue."""
    day = as_of or services.now().date()
    rows = disputes.list_disputes(
        services.store,
        as_of=day,
        status=None if status == "all" else status,
        overdue=overdue,
    )
    return [_out(r) for r in rows]


@router.get("/v1/disputes/{dispute_id}", response_model=Dispute)
def read_dispute(
    dispute_id: DisputeId,
    services: ServicesDep,
    caller: Annotated[Caller, allow("agent", "risk", "subject")],
) -> Dispute:
    """One dispute (a subject: their own only)."""
    row = disputes.dispute(services.store, dispute_id)
    if caller.role == "subject" and row["subject"] != caller.subject:
        raise not_yours("dispute", ["path", "dispute_id"])
    row["overdue"] = row["status"] == "open" and row["due_on"] < str(
        services.now().date()
    )
    return _out(row)


@router.post(
    "/v1/disputes/{dispute_id}/resolution",
    response_model=Dispute,
    responses={200: {"description": "closed; replacement_id names a re-issue"}},
)
def resolve_dispute(
    dispute_id: DisputeId,
    body: ResolutionRequest,
    services: ServicesDep,
    caller: Annotated[Caller, allow("risk")],
) -> Dispute:
    """Resolve a dispute; an upheld correction re-issues the certificate."""
    at = services.now()
    extra: dict[str, Any] = {}
    if "corrected_value" in body.model_fields_set:
        extra["corrected_value"] = body.corrected_value
    row = disputes.resolve_dispute(
        services.store,
        dispute_id,
        outcome=body.outcome,
        reason=body.reason,
        by=caller.key_id,
        at=at,
        issuer=services.issuer(at.date()),
        **extra,
    )
    return _out(row)
