"""The consent ledger over HTTP: grants and withdrawals, and a subject's ledger.

A subject records their own consents; an agent records them for a
subscriber (e.g. at a service desk). Each row is one grant or withdrawal for
a data category and purpose, with its time; the next certificate issued for
that purpose applies the ledger (:mod:`credcert.consent`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from credcert import consent
from credcert.service.auth import allow
from credcert.service.deps import Caller, ServicesDep
from credcert.service.routes.disputes import Pseudonym, Strict, own_subject

__all__ = ["router"]

SubjectPath = Annotated[
    str,
    Path(
        pattern=r"^sp1_[0-9a-f]{32}$",
        description="A subject pseudonym: sp1_ and 32 hex digits.",
    ),
]

router = APIRouter(tags=["consent"])

Category = cast(Any, Literal)[consent.CATEGORIES]
Purpose = cast(Any, Literal)[consent.PURPOSES]


class ConsentRequest(Strict):
    """Grant (``granted: true``) or withdraw consent for a category and purpose."""

    subject: Pseudonym
    category: Category  # type: ignore[valid-type]
    purpose: Purpose  # type: ignore[valid-type]
    granted: bool = Field(strict=True)


class ConsentRow(BaseModel):
    """One row of the ledger."""

    category: str
    purpose: str
    granted: bool
    at: str
    recorded_by: str | None


class Ledger(BaseModel):
    subject: str
    consents: list[ConsentRow]


@router.post("/v1/consents", status_code=201, response_model=Ledger)
def record_consent(
    body: ConsentRequest,
    services: ServicesDep,
    caller: Annotated[Caller, allow("subject", "agent")],
) -> Ledger:
    """Record a grant or withdrawal (a subject: their own only); the ledger after."""
    subject = own_subject(caller, body.subject, ["body", "subject"])
    consent.record_consent(
        services.store,
        subject=subject,
        category=body.category,
        purpose=body.purpose,
        granted=body.granted,
        by=caller.key_id,
        at=services.now(),
    )
    return _ledger(services, subject)


@router.get("/v1/subjects/{subject}/consents", response_model=Ledger)
def read_ledger(
    subject: SubjectPath,
    services: ServicesDep,
    caller: Annotated[Caller, allow("subject", "agent")],
) -> Ledger:
    """A subject's consent ledger, oldest first (a subject: their own only)."""
    own_subject(caller, subject, ["path", "subject"])
    return _ledger(services, subject)


def _ledger(services: ServicesDep, subject: str) -> Ledger:
    rows = consent.consent_history(services.store, subject)
    return Ledger(subject=subject, consents=[ConsentRow(**r) for r in rows])
