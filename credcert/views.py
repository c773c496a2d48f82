"""Disclosure views: what a partner sees of a certificate, per scenario, signed.

Each scenario's policy file (``credcert/scenarios/policies/*.yaml``, see
:mod:`credcert.policies`) names the certificate members its partner view
shows (``view_fields``) and the question it answers. A partner view holds
only those members, the policy's answer to the question, and the digest of
the certificate it came from; it is signed like a certificate and verifies
on its own, offline, with the public key ring. A partner that needs no
profile asks for a signed answer instead (:func:`credcert.policies.answer`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credcert._errors import DisclosureError, VerificationError
from credcert.policies import (
    Policy,
    PolicyNotFoundError,
    PolicySet,
    decide,
    default_policies,
    default_policy_path,
    facts_of,
    load_policies,
)
from credcert.signing import (
    PublicKeyRing,
    SigningKey,
    Verified,
    format_time,
    sign_document,
    unsigned,
    verify_document,
)

__all__ = [
    "VIEW_SCHEMA",
    "Disclosure",
    "default_disclosure_path",
    "load_disclosure",
    "partner_view",
    "verify_view",
]

logger = logging.getLogger(__name__)

VIEW_SCHEMA = "credcert.partner-view/2"


def default_disclosure_path() -> Path:
    """The folder of the shipped scenario policies, which name each view's fields."""
    return default_policy_path()


@dataclass(frozen=True, slots=True)
class Disclosure:
    """The scenarios partners may see, read from the scenario policies.

    Attributes
    ----------
    policies : PolicySet
    """

    policies: PolicySet

    @property
    def scenarios(self) -> tuple[str, ...]:
        """Scenario names."""
        return self.policies.scenarios

    @property
    def version(self) -> str:
        """The policy files' checksum, short."""
        return self.policies.checksum[:12]

    def scenario(self, name: str, on: dt.date) -> Policy:
        """The policy of scenario ``name`` in force on ``on``.

        Raises
        ------
        DisclosureError
            If there is no such scenario, or no version in force that day.
        """
        try:
            return self.policies.policy(name, on)
        except PolicyNotFoundError as exc:
            raise DisclosureError(str(exc)) from None


def load_disclosure(path: str | os.PathLike[str] | None = None) -> Disclosure:
    """The scenarios of a policy folder (the shipped one by default).

    Raises
    ------
    PolicyFileError
        With every problem of the policy files, each with ``file:line``.
    """
    if path is None:
        return Disclosure(default_policies())
    return Disclosure(load_policies(Path(path)))


def _select(certificate: Mapping[str, Any], name: str) -> Any:
    top, _, dimension = name.partition(".")
    value = certificate.get(top)
    if not dimension:
        return value
    return next(
        (item for item in value or () if item.get("dimension") == dimension), None
    )


def partner_view(
    certificate: Mapping[str, Any],
    scenario: str,
    partner: str,
    key: SigningKey,
    at: dt.datetime,
    *,
    disclosure: Disclosure | None = None,
) -> dict[str, Any]:
    """The signed view of a certificate for one partner in one scenario.

    Parameters
    ----------
    certificate : mapping
        A signed certificate document (its signature is checked by the
        caller; the view names the certificate's content digest). Its
        ``status`` may be replaced by the current one (``revoked``...),
        which the answer then follows.
    scenario : str
        A scenario with a policy in force at ``at``.
    partner : str
        Who asks; the view is bound to it.
    key : SigningKey
    at : datetime
        When the view is made (aware).

    Raises
    ------
    DisclosureError
        If the scenario is unknown or has no policy in force at ``at``.
    """
    policy = (disclosure or load_disclosure()).scenario(scenario, at.date())
    decision = decide(policy, facts_of(certificate, on=at.date()))
    signature = certificate.get("signature") or {}
    content = {
        "schema": VIEW_SCHEMA,
        "scenario": scenario,
        "partner": partner,
        "policy_version": policy.version,
        "viewed_at": format_time(at),
        "certificate_id": certificate.get("id"),
        "certificate_digest": signature.get("content_digest"),
        "fields": {name: _select(certificate, name) for name in policy.view_fields},
        "question": policy.question.model_dump(),
        "answer": decision.answer,
    }
    view = sign_document(content, key, at)
    logger.info(
        "partner view of certificate %s for %s (%s)",
        content["certificate_id"],
        partner,
        scenario,
    )
    return view


def verify_view(view: Any, keys: PublicKeyRing) -> Verified:
    """Verify a partner view on its own; raises VerificationError if it fails."""
    result = verify_document(view, keys)
    if unsigned(view).get("schema") != VIEW_SCHEMA:
        raise VerificationError("malformed", f"expected schema {VIEW_SCHEMA}")
    return result
