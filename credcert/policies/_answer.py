"""Signed answers: a partner's scenario question answered in a small signed document.

An answer (schema ``credcert.scenario-answer/1``) holds the scenario, the
policy version, the question, the answer with its reason (and credit line,
for lending), the certificate's id and content digest, the partner it is
bound to, when it was given and until when it holds, and ``disclosed``: the
certificate members the policy discloses, nothing else. It is signed like a
certificate (:mod:`credcert.signing`) and verifies offline with the public
key ring; :func:`verify_answer` also checks its time window, the partner and
the scenarios the verifying partner is bound to, and, given the verifier's
policy set, that the policy version and the answer it names are known.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from credcert._errors import VerificationError
from credcert.policies._evaluate import Decision, decide, facts_of
from credcert.policies._load import PolicySet
from credcert.policies._schema import Policy
from credcert.signing import (
    FAILURE_CODES,
    PublicKeyRing,
    SigningKey,
    Verified,
    format_time,
    parse_time,
    sign_document,
    unsigned,
    verify_document,
)

__all__ = [
    "ANSWER_FAILURE_CODES",
    "ANSWER_MEMBERS",
    "ANSWER_SCHEMA",
    "AnswerCheck",
    "answer",
    "answer_content",
    "verify_answer",
]

logger = logging.getLogger(__name__)

ANSWER_SCHEMA = "credcert.scenario-answer/1"
#: Every member of an answer besides its signature; ``disclosed`` holds only
#: what the policy discloses.
ANSWER_MEMBERS: tuple[str, ...] = (
    "schema",
    "scenario",
    "policy_version",
    "question",
    "answer",
    "reason",
    "credit_line",
    "certificate_id",
    "certificate_digest",
    "partner",
    "answered_at",
    "valid_until",
    "disclosed",
)
#: Why verifying an answer can fail: the signature's reasons, then these.
ANSWER_FAILURE_CODES: tuple[str, ...] = (
    *FAILURE_CODES,
    "not_an_answer",
    "wrong_scenario",
    "wrong_partner",
    "unknown_policy_version",
    "unknown_answer",
    "not_yet_valid",
    "expired",
)


def _valid_until(
    policy: Policy, at: dt.datetime, expires_on: dt.date, status: str
) -> dt.datetime:
    """The policy's validity, cut at the certificate's expiry if that comes first."""
    until = at + dt.timedelta(days=policy.answer_valid_days)
    if status == "issued":
        end = dt.datetime.combine(
            expires_on + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
        ) - dt.timedelta(seconds=1)
        until = min(until, end)
    return until


def _disclosed(policy: Policy, certificate: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in policy.disclose:
        top, _, dimension = name.partition(".")
        if not dimension:
            out[name] = certificate.get(top)
            continue
        found = next(
            (
                s
                for s in certificate.get("subscores") or ()
                if s["dimension"] == dimension
            ),
            None,
        )
        out[name] = None if found is None else found["percent"]
    return out


def answer_content(
    policy: Policy,
    certificate: Mapping[str, Any],
    *,
    at: dt.datetime,
    partner: str,
    status: str | None = None,
) -> tuple[dict[str, Any], Decision]:
    """The unsigned answer and the decision behind it (see :func:`answer`)."""
    moment = at.replace(microsecond=0)
    facts = facts_of(certificate, on=moment.date(), status=status)
    decision = decide(policy, facts)
    option = decision.option
    signature = certificate.get("signature") or {}
    until = _valid_until(
        policy,
        moment,
        dt.date.fromisoformat(str(certificate["expires_on"])),
        decision.status,
    )
    content = {
        "schema": ANSWER_SCHEMA,
        "scenario": policy.scenario,
        "policy_version": policy.version,
        "question": {"zh": policy.question.zh, "en": policy.question.en},
        "answer": decision.answer,
        "reason": {"zh": option.reason.zh, "en": option.reason.en},
        "credit_line": (
            None if option.credit_line is None else option.credit_line.model_dump()
        ),
        "certificate_id": facts.certificate_id,
        "certificate_digest": signature.get("content_digest"),
        "partner": partner,
        "answered_at": format_time(moment),
        "valid_until": format_time(until),
        "disclosed": _disclosed(policy, certificate),
    }
    return content, decision


def answer(
    policy: Policy,
    certificate: Mapping[str, Any],
    *,
    at: dt.datetime,
    key: SigningKey,
    partner: str,
    status: str | None = None,
) -> dict[str, Any]:
    """The signed answer of ``policy`` about one certificate, bound to ``partner``.

    Parameters
    ----------
    policy : Policy
        The scenario's policy in force (``PolicySet.policy(scenario, on)``).
    certificate : mapping
        A certificate document as signed; the caller checks its signature.
    at : datetime
        When the answer is given (aware); its validity starts here.
    key : SigningKey
    partner : str
        Who asks; the answer names it and verifies only for it.
    status : str, optional
        The certificate's current status when it differs from the signed
        one (``disputed``, ``superseded``, ``revoked``); such a certificate
        gets the policy's ``not_issued`` answer, never a ``decide`` one.

    Returns
    -------
    dict
        The answer document with its ``signature`` member.

    Raises
    ------
    AnswerInputError
        If the document is not a certificate the policy can read.

    Examples
    --------
    >>> policy = load_policies().policy("deposit_free_rental", on=now.date())
    >>> answer(policy, certificate, at=now, key=ring.active(),
    ...        partner="bike-share-01")["answer"]  # doctest: +SKIP
    'yes'
    """
    content, _ = answer_content(
        policy, certificate, at=at, partner=partner, status=status
    )
    document = sign_document(content, key, at)
    logger.info(
        "answer %s for %s (%s@%d) on certificate %s",
        content["answer"],
        partner,
        policy.scenario,
        policy.version,
        content["certificate_id"],
    )
    return document


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    """The outcome of verifying an answer.

    Attributes
    ----------
    valid : bool
    code : str or None
        One of :data:`ANSWER_FAILURE_CODES` when not valid.
    reason : str
        What was checked, or exactly why it failed.
    verified : Verified or None
        The signature's key, time and digest, once the signature held.
    """

    valid: bool
    code: str | None
    reason: str
    verified: Verified | None = None

    def __bool__(self) -> bool:
        return self.valid


def verify_answer(
    document: Any,
    keys: PublicKeyRing,
    *,
    at: dt.datetime,
    partner_scenarios: Collection[str] | None = None,
    partner: str | None = None,
    policies: PolicySet | None = None,
) -> AnswerCheck:
    """Verify an answer offline: signature, form, binding, policy, time window.

    Checked in this order; the first failure is named by its code in
    :data:`ANSWER_FAILURE_CODES`.

    Parameters
    ----------
    document : object
        The answer as parsed from JSON.
    keys : PublicKeyRing
    at : datetime
        When it is checked (aware): the answer must hold then.
    partner_scenarios : collection of str, optional
        The scenarios the verifying partner's key is bound to; an answer for
        any other scenario is rejected (``wrong_scenario``).
    partner : str, optional
        The verifying partner; an answer bound to another is rejected.
    policies : PolicySet, optional
        The policies the verifier knows (every version, in force or not). An
        answer naming a version of its scenario that is not among them is
        rejected (``unknown_policy_version``), and so is an answer that
        version does not declare (``unknown_answer``). Not checked if omitted.

    Returns
    -------
    AnswerCheck
        Never raises for a bad answer; ``code`` and ``reason`` say why.
    """
    try:
        verified = verify_document(document, keys)
    except VerificationError as exc:
        return AnswerCheck(False, exc.code, str(exc))
    content = unsigned(document)
    problem = _form_problem(content)
    if problem:
        return AnswerCheck(
            False, "not_an_answer", f"not_an_answer: {problem}", verified
        )
    scenario = content["scenario"]
    if partner_scenarios is not None and scenario not in partner_scenarios:
        bound = ", ".join(sorted(partner_scenarios)) or "none"
        return AnswerCheck(
            False,
            "wrong_scenario",
            f"wrong_scenario: the answer is for scenario {scenario!r}; this partner "
            f"key is bound to {bound}",
            verified,
        )
    if partner is not None and content["partner"] != partner:
        return AnswerCheck(
            False,
            "wrong_partner",
            f"wrong_partner: the answer was given to {content['partner']!r}, not to "
            f"{partner!r}",
            verified,
        )
    if policies is not None:
        refused = _policy_problem(content, policies, verified)
        if refused is not None:
            return refused
    return _window(content, at, verified)


def _policy_problem(
    content: Mapping[str, Any], policies: PolicySet, verified: Verified
) -> AnswerCheck | None:
    """The answer's policy version and answer, against the verifier's policy set."""
    scenario, version = content["scenario"], content["policy_version"]
    known = policies.versions(scenario)
    policy = next((p for p in known if p.version == version), None)
    if policy is None:
        have = (
            f"version{'s' * (len(known) != 1)} "
            f"{', '.join(str(p.version) for p in known)}"
            if known
            else "no policy for that scenario"
        )
        return AnswerCheck(
            False,
            "unknown_policy_version",
            f"unknown_policy_version: the answer names version {version} of "
            f"scenario {scenario!r}; this verifier knows {have}",
            verified,
        )
    if content["answer"] not in policy.answers:
        return AnswerCheck(
            False,
            "unknown_answer",
            f"unknown_answer: {content['answer']!r} is not an answer that version "
            f"{version} of {scenario!r} declares ({', '.join(policy.answers)})",
            verified,
        )
    return None


def _window(
    content: Mapping[str, Any], at: dt.datetime, verified: Verified
) -> AnswerCheck:
    start = parse_time(content["answered_at"])
    until = parse_time(content["valid_until"])
    when = format_time(at)
    if at < start:
        return AnswerCheck(
            False,
            "not_yet_valid",
            f"not_yet_valid: the answer holds from {content['answered_at']}; "
            f"checked at {when}",
            verified,
        )
    if at > until:
        return AnswerCheck(
            False,
            "expired",
            f"expired: the answer held until {content['valid_until']}; checked "
            f"at {when}; ask again",
            verified,
        )
    return AnswerCheck(
        True,
        None,
        f"valid answer {content['answer']!r} to {content['scenario']} "
        f"(policy version {content['policy_version']}) for {content['partner']}, "
        f"certificate {content['certificate_id']}, until {content['valid_until']}; "
        f"signed by {verified.kid}",
        verified,
    )


def _form_problem(content: Mapping[str, Any]) -> str | None:
    if content.get("schema") != ANSWER_SCHEMA:
        return f"expected schema {ANSWER_SCHEMA}; got {content.get('schema')!r}"
    missing = [m for m in ANSWER_MEMBERS if m not in content]
    extra = sorted(set(content) - set(ANSWER_MEMBERS))
    if missing or extra:
        return (
            f"expected the members {', '.join(ANSWER_MEMBERS)}; missing "
            f"{missing}, extra {extra}"
        )
    for name in ("scenario", "answer", "partner", "certificate_id"):
        if not isinstance(content[name], str):
            return f"member {name!r}: expected a string"
    version = content["policy_version"]
    if not isinstance(version, int) or isinstance(version, bool):
        return "member 'policy_version': expected an integer"
    if not isinstance(content["disclosed"], dict):
        return "member 'disclosed': expected an object"
    for name in ("answered_at", "valid_until"):
        try:
            parse_time(str(content[name]))
        except ValueError:
            return f"member {name!r}: expected YYYY-MM-DDTHH:MM:SSZ"
    return None
