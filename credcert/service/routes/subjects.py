"""A subject's own data over HTTP: the export, and who read their certificates.

A subject key reads only its own pseudonym; any other is 404. The export is
everything held about the subject as one JSON document
(:func:`credcert.access.export_subject`); the query log lists each read of
their certificates by someone else, with role, key id, purpose and time.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from credcert import access
from credcert.service.auth import allow
from credcert.service.deps import Caller, ServicesDep
from credcert.service.routes.disputes import own_subject

__all__ = ["router"]

SubjectPath = Annotated[
    str,
    Path(
        pattern=r"^sp1_[0-9a-f]{32}$",
        description="A subject pseudonym: sp1_ and 32 hex digits.",
    ),
]

router = APIRouter(tags=["subjects"])


class Query(BaseModel):
    """One read of the subject's certificate by someone else."""

    at: str
    role: str
    key_id: str
    purpose: str
    certificate_id: str
    outcome: str


class Queries(BaseModel):
    subject: str
    queries: list[Query]


@router.get("/v1/subjects/{subject}/export", response_model=dict[str, Any])
def export(
    subject: SubjectPath,
    services: ServicesDep,
    caller: Annotated[Caller, allow("subject")],
) -> dict[str, Any]:
    """Everything held about the subject, as one JSON document."""
    own_subject(caller, subject, ["path", "subject"])
    return access.export_subject(services.store, subject, services.now())


@router.get("/v1/subjects/{subject}/queries", response_model=Queries)
def queries(
    subject: SubjectPath,
    services: ServicesDep,
    caller: Annotated[Caller, allow("subject")],
) -> Queries:
    """Who read the subject's certificates, newest first."""
    own_subject(caller, subject, ["path", "subject"])
    rows = access.queries_for(services.store, subject)
    return Queries(subject=subject, queries=[Query(**r) for r in rows])
