"""Verify a signed certificate or partner view, as a partner would offline.

The answer is always 200 for a JSON object: ``valid`` true or false, and for
false the exact failure ``code`` of :data:`credcert.signing.FAILURE_CODES`
with its reason. For a certificate held in this service's database the
answer also gives its current status, so a partner learns of a revocation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from credcert._errors import CertificateNotFoundError, VerificationError
from credcert.service.auth import ROLES, allow
from credcert.service.deps import Caller, ServicesDep
from credcert.signing import Verified, format_time, unsigned, verify_document
from credcert.views import VIEW_SCHEMA, verify_view

__all__ = ["router"]

router = APIRouter(tags=["verification"])


class Verification(BaseModel):
    """The outcome of a verification."""

    valid: bool
    kind: str
    code: str | None = None
    reason: str | None = None
    kid: str | None = None
    signed_at: str | None = None
    certificate_id: str | None = None
    current_status: str | None = None


@router.post("/v1/verify", response_model=Verification)
def verify(
    document: Annotated[
        dict[str, Any],
        Body(description="A signed certificate or partner view, as JSON."),
    ],
    services: ServicesDep,
    caller: Annotated[Caller, allow(*ROLES)],
) -> Verification:
    """Check a document's signature with the service's public keys."""
    content = unsigned(document)
    is_view = content.get("schema") == VIEW_SCHEMA
    kind = "partner_view" if is_view else str(content.get("schema") or "unknown")
    certificate_id = content.get("certificate_id" if is_view else "id")
    out = Verification(
        valid=False,
        kind=kind,
        certificate_id=certificate_id if isinstance(certificate_id, str) else None,
    )
    try:
        checked: Verified = (verify_view if is_view else verify_document)(
            document, services.public_keys
        )
    except VerificationError as exc:
        out.code = exc.code
        out.reason = str(exc).removeprefix(f"{exc.code}: ")
        return out
    out.valid = True
    out.kid = checked.kid
    out.signed_at = format_time(checked.signed_at)
    if out.certificate_id is not None:
        try:
            out.current_status = services.store.certificate(out.certificate_id).status
        except CertificateNotFoundError:
            out.current_status = None
    return out
