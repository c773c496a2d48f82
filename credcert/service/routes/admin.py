"""Operator switches over HTTP (role ``admin``): automated issuing, retention.

Switching automated issuing off sends every new certificate to human review
until it is switched on again; reads keep working. The retention job removes
negative information over 5 years old from the held inputs
(:mod:`credcert.retention`) and reports the fields removed with counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from credcert import retention, review
from credcert.service.auth import allow
from credcert.service.deps import Caller, ServicesDep
from credcert.service.routes.disputes import Strict

__all__ = ["router"]

router = APIRouter(tags=["admin"])


class Switch(BaseModel):
    """Whether certificates are issued automatically."""

    automated_issuing: bool


class SwitchRequest(Strict):
    on: bool = Field(strict=True, description="true: automated; false: all to review")
    reason: str = Field(max_length=2000, description="Why (kept and logged).")


class RetentionRequest(Strict):
    as_of: dt.date | None = Field(
        None,
        ge=dt.date(2000, 1, 1),
        le=dt.date(2199, 12, 31),
        description="The day ages are judged on (default: today).",
    )


class RetentionReport(BaseModel):
    as_of: str
    subjects_checked: int
    subjects_cleaned: int
    certificates_cleaned: int
    removed: dict[str, int]


@router.get("/v1/admin/automated-issuing", response_model=Switch)
def read_switch(
    services: ServicesDep, caller: Annotated[Caller, allow("admin", "risk")]
) -> Switch:
    """Whether automated issuing is on."""
    return Switch(automated_issuing=review.automated_issuing(services.store))


@router.put("/v1/admin/automated-issuing", response_model=Switch)
def set_switch(
    body: SwitchRequest,
    services: ServicesDep,
    caller: Annotated[Caller, allow("admin")],
) -> Switch:
    """Switch automated issuing on or off, with a reason."""
    review.set_automated_issuing(
        services.store,
        on=body.on,
        by=caller.key_id,
        reason=body.reason,
        at=services.now(),
    )
    return Switch(automated_issuing=review.automated_issuing(services.store))


@router.post("/v1/admin/retention", response_model=RetentionReport)
def run_retention(
    body: RetentionRequest,
    services: ServicesDep,
    caller: Annotated[Caller, allow("admin")],
) -> RetentionReport:
    """Run the retention job now; what it removed (field names and counts)."""
    at = services.now()
    report = retention.run_retention(
        services.store, as_of=body.as_of or at.date(), at=at, by=caller.key_id
    )
    return RetentionReport(**report.to_json())
