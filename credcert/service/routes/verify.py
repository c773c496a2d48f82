"""Verify a signed certificate, partner view or scenario answer, as offline.

The answer is always 200 for a JSON object: ``valid`` true or false, and for
false the exact failure ``code`` with its reason. A certificate or partner
view is checked by its signature (:data:`credcert.signing.FAILURE_CODES`);
for one held in this service's database the answer also gives its current
status, so a partner learns of a revocation.

A scenario answer (``credcert.scenario-answer/1``) is checked as
``credcert verify`` checks one, by :func:`credcert.policies.verify_answer`
(:data:`credcert.policies.ANSWER_FAILURE_CODES`): signature, form, and for a
partner key its scenarios and label, then the policy version and answer
against the service's policy set, then the time window at the service's
clock. No current status is given for an answer: it would tell a partner
more than the answer does; a partner asks again for a fresh answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from credcert._errors import CertificateNotFoundError, VerificationError
from credcert.policies import ANSWER_SCHEMA, AnswerCheck, verify_answer
from credcert.service.auth import ROLES, allow
from credcert.service.deps import Caller, Services, ServicesDep
from credcert.signing import Verified, format_time, unsigned, verify_document
from credcert.views import VIEW_SCHEMA, verify_view

__all__ = ["check_answer", "router"]

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
        Body(
            description="A signed certificate, partner view or scenario answer, "
            "as JSON."
        ),
    ],
    services: ServicesDep,
    caller: Annotated[Caller, allow(*ROLES)],
) -> Verification:
    """Check a document's signature with the service's public keys.

    A scenario answer is also checked for its validity window, its binding
    (for a partner key: the key's scenarios and label) and its policy version.
    """
    content = unsigned(document)
    if content.get("schema") == ANSWER_SCHEMA:
        return _answer_verification(document, content, services, caller)
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


def check_answer(document: Any, services: Services, caller: Caller) -> AnswerCheck:
    """:func:`~credcert.policies.verify_answer` as the service verifies for ``caller``.

    With the service's public keys, clock and policy set; a partner key is
    held to its scenarios and its label (the partner an answer is bound to).
    Other roles check an answer without a partner binding.
    """
    is_partner = caller.role == "partner"
    return verify_answer(
        document,
        services.public_keys,
        at=services.now(),
        partner_scenarios=caller.scenarios if is_partner else None,
        partner=caller.label if is_partner else None,
        policies=services.disclosure.policies,
    )


def _answer_verification(
    document: dict[str, Any],
    content: dict[str, Any],
    services: Services,
    caller: Caller,
) -> Verification:
    certificate_id = content.get("certificate_id")
    check = check_answer(document, services, caller)
    out = Verification(
        valid=check.valid,
        kind="scenario_answer",
        certificate_id=certificate_id if isinstance(certificate_id, str) else None,
    )
    if not check.valid or check.verified is None:
        out.code = check.code
        out.reason = check.reason.removeprefix(f"{check.code}: ")
        return out
    out.kid = check.verified.kid
    out.signed_at = format_time(check.verified.signed_at)
    return out
