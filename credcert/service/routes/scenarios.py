"""Scenario answers: a partner asks its scenario's question and gets a signed answer.

``POST /v1/scenarios/{scenario}/answers`` with ``{"certificate_id": ...}``:

* only a ``partner`` key bound to the scenario may ask (403 ``forbidden``
  otherwise); a partner never gets the certificate itself here;
* the subject's consent for the scenario's purpose must be in the consent
  ledger (:mod:`credcert.consent`): a recorded grant for the purpose and no
  category withdrawn; otherwise 403 ``forbidden`` with ``where`` type
  ``consent_missing`` or ``consent_withdrawn``, and no answer is made;
* every question, answered or refused for consent, goes to the query log the
  subject can read (:mod:`credcert.access`);
* the answer follows the certificate's current status (a revoked or
  superseded certificate gets the policy's answer for that status).

Also: the scenarios and their questions (any key), the explanation of an
answer for the subject and agents, and verification of an answer against
the asking partner's binding.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, ConfigDict, Field

from credcert import access
from credcert._errors import CertificateNotFoundError
from credcert.consent import consent_states
from credcert.policies import (
    Policy,
    PolicyNotFoundError,
    answer,
    explain_answer,
)
from credcert.service.auth import ROLES, allow
from credcert.service.deps import Caller, Services, ServicesDep
from credcert.service.errors import ApiError
from credcert.service.routes.verify import check_answer
from credcert.store import StoredCertificate

__all__ = ["router"]

router = APIRouter(tags=["scenarios"])

_ScenarioPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z][a-z0-9_]{0,31}$",
        description="lending, deposit_free_rental, tenancy, government_service",
    ),
]


class AnswerRequest(BaseModel):
    """Which certificate the partner asks about."""

    model_config = ConfigDict(extra="forbid")

    certificate_id: str = Field(min_length=1, max_length=64)


class AnswerOptionOut(BaseModel):
    name: str
    label: dict[str, str]
    meaning: str
    credit_line: dict[str, Any] | None


class ScenarioOut(BaseModel):
    """A scenario's policy in force: its question and possible answers."""

    scenario: str
    version: int
    title: dict[str, str]
    question: dict[str, str]
    answers: list[AnswerOptionOut]
    discloses: list[str]
    answer_valid_days: int
    consent_purpose: str


class AnswerVerification(BaseModel):
    """The outcome of verifying an answer for the asking partner."""

    valid: bool
    code: str | None
    reason: str


def _policy(services: Services, scenario: str) -> Policy:
    try:
        return services.disclosure.policies.policy(scenario, services.now().date())
    except PolicyNotFoundError as exc:
        raise ApiError(
            "not_found",
            str(exc),
            [{"loc": ["path", "scenario"], "type": "unknown_scenario",
              "expected": f"one of {', '.join(services.disclosure.scenarios)}"}],
        ) from None  # fmt: skip


def _scenario_out(policy: Policy) -> ScenarioOut:
    return ScenarioOut(
        scenario=policy.scenario,
        version=policy.version,
        title=policy.title.model_dump(),
        question=policy.question.model_dump(),
        answers=[
            AnswerOptionOut(
                name=name,
                label=option.label.model_dump(),
                meaning=option.meaning,
                credit_line=(
                    None
                    if option.credit_line is None
                    else option.credit_line.model_dump()
                ),
            )
            for name, option in policy.answers.items()
        ],
        discloses=list(policy.disclose),
        answer_valid_days=policy.answer_valid_days,
        consent_purpose=policy.consent_purpose,
    )


@router.get("/v1/scenarios", response_model=list[ScenarioOut])
def list_scenarios(
    services: ServicesDep, caller: Annotated[Caller, allow(*ROLES)]
) -> list[ScenarioOut]:
    """Every scenario's policy in force today: question, answers, what it discloses."""
    return [_scenario_out(_policy(services, s)) for s in services.disclosure.scenarios]


def _bound(caller: Caller, scenario: str) -> None:
    if scenario not in caller.scenarios:
        raise ApiError(
            "forbidden",
            f"this partner key may not ask the {scenario!r} question; it is bound "
            f"to {', '.join(caller.scenarios) or 'no scenario'}",
            [{"loc": ["path", "scenario"], "type": "scenario_not_bound",
              "expected": f"one of {', '.join(caller.scenarios)}"}],
        )  # fmt: skip


def _stored(services: Services, certificate_id: str) -> StoredCertificate:
    try:
        return services.store.certificate(certificate_id)
    except CertificateNotFoundError:
        raise ApiError(
            "not_found",
            f"no certificate with id {certificate_id!r}",
            [{"loc": ["body", "certificate_id"], "type": "not_found",
              "expected": "the id of a stored certificate"}],
        ) from None  # fmt: skip


def _consent_problem(services: Services, subject: str, purpose: str) -> str | None:
    """Why the ledger does not allow sharing for ``purpose``; None if it does."""
    states = consent_states(services.store, subject, purpose, services.now())
    withdrawn = sorted(c for c, s in states.items() if s.granted is False)
    if withdrawn:
        return "consent_withdrawn"
    if not any(s.granted for s in states.values()):
        return "consent_missing"
    return None


@router.post("/v1/scenarios/{scenario}/answers", response_model=dict[str, Any])
def ask(
    scenario: _ScenarioPath,
    request: Annotated[AnswerRequest, Body()],
    services: ServicesDep,
    caller: Annotated[Caller, allow("partner")],
) -> dict[str, Any]:
    """Answer the scenario's question about a certificate: a signed answer.

    The answer holds the scenario, the policy version, the answer and its
    reason, its validity and what the policy discloses; nothing else of the
    certificate. Verify it offline with the published keys.
    """
    _bound(caller, scenario)
    policy = _policy(services, scenario)
    stored = _stored(services, request.certificate_id)
    now = services.now()
    problem = _consent_problem(services, stored.subject, policy.consent_purpose)
    if problem is not None:
        _log(services, caller, stored, scenario, f"refused: {problem}")
        raise ApiError(
            "forbidden",
            f"the subject's consent for purpose {policy.consent_purpose!r} is not "
            f"recorded ({problem.replace('_', ' ')}); no answer is given",
            [{"loc": ["body", "certificate_id"], "type": problem,
              "expected": f"a recorded consent for {policy.consent_purpose}"}],
        )  # fmt: skip
    signed = answer(
        policy,
        stored.document,
        at=now,
        key=services.signing_key,
        partner=caller.label,
        status=stored.status,
    )
    _log(services, caller, stored, scenario, f"answered: {signed['answer']}")
    return signed


def _log(
    services: Services,
    caller: Caller,
    stored: StoredCertificate,
    scenario: str,
    outcome: str,
) -> None:
    access.record_query(
        services.store,
        certificate_id=stored.id,
        subject=stored.subject,
        role=caller.role,
        key_id=caller.key_id,
        purpose=scenario,
        at=services.now(),
        outcome=outcome,
    )


@router.get(
    "/v1/certificates/{certificate_id}/scenarios/{scenario}/explanation",
    response_model=dict[str, Any],
)
def explain(
    certificate_id: str,
    scenario: _ScenarioPath,
    services: ServicesDep,
    caller: Annotated[Caller, allow("agent", "risk", "regulator", "subject")],
) -> dict[str, Any]:
    """Why the certificate gets its answer in a scenario, and what would change it."""
    try:
        stored = services.store.certificate(certificate_id)
    except CertificateNotFoundError:
        stored = None
    if stored is None or (
        caller.role == "subject" and stored.subject != caller.subject
    ):
        raise ApiError(
            "not_found",
            f"no certificate with id {certificate_id!r} that this key may see",
        )
    policy = _policy(services, scenario)
    explanation = explain_answer(
        policy, stored.document, at=services.now(), status=stored.status
    )
    if caller.role != "subject":
        _log(services, caller, stored, caller.role, f"explained: {scenario}")
    return {
        **explanation.to_json(),
        "lines": {lang: explanation.lines(lang) for lang in ("zh", "en")},
    }


@router.post("/v1/scenarios/answers/verify", response_model=AnswerVerification)
def verify(
    document: Annotated[dict[str, Any], Body(description="A signed answer (JSON).")],
    services: ServicesDep,
    caller: Annotated[Caller, allow("partner")],
) -> AnswerVerification:
    """Verify an answer for the asking partner: signature, binding, policy, validity.

    The same check as ``POST /v1/verify`` makes of an answer for a partner key.
    """
    check = check_answer(document, services, caller)
    return AnswerVerification(valid=check.valid, code=check.code, reason=check.reason)
