"""Human review over HTTP: the queue of held certificates and reviewers' decisions.

Role ``risk`` only. Approving keeps the automated outcome; overriding sets
the other final status and needs a written reason. Either way a newly signed
certificate with the final status supersedes the held one
(:mod:`credcert.review`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from credcert import review
from credcert.service.auth import allow
from credcert.service.deps import Caller, ServicesDep
from credcert.service.routes.disputes import CertificateId, Strict

__all__ = ["router"]

router = APIRouter(tags=["review"])


class Held(BaseModel):
    """A certificate waiting for a person."""

    certificate_id: str
    subject: str
    issued_at: str
    score: float | None
    grade: str | None
    cause: str
    proposed_status: str
    rules: list[str]


class DecisionRequest(Strict):
    """Approve the held certificate, or override it with a reason."""

    decision: Literal["approve", "override"]
    final_status: Literal["issued", "denied"] | None = Field(
        None, description="Required to override: the status the reviewer sets."
    )
    reason: str | None = Field(
        None, max_length=2000, description="Required to override."
    )


class Decided(BaseModel):
    """The newly signed certificate that replaces the held one."""

    id: str
    status: str
    certificate: dict[str, Any]


@router.get("/v1/reviews", response_model=list[Held])
def review_queue(
    services: ServicesDep,
    caller: Annotated[Caller, allow("risk")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Held]:
    """Held certificates, oldest first."""
    return [Held(**row) for row in review.review_queue(services.store, limit=limit)]


@router.post("/v1/reviews/{certificate_id}/decision", response_model=Decided)
def decide(
    certificate_id: CertificateId,
    body: DecisionRequest,
    services: ServicesDep,
    caller: Annotated[Caller, allow("risk")],
) -> Decided:
    """Decide a held certificate; returns the certificate that replaces it."""
    document = review.decide_review(
        services.store,
        certificate_id,
        decision=body.decision,
        final_status=body.final_status,
        reason=body.reason,
        reviewer=caller.key_id,
        at=services.now(),
        key=services.signing_key,
    )
    return Decided(id=document["id"], status=document["status"], certificate=document)
