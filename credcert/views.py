"""Disclosure views: what a partner sees of a certificate, per scenario, signed.

The scenarios (lending, deposit-free rental, tenancy, government service) and
the fields each one discloses are data, in ``credcert/scenarios/disclosure.yaml``.
A partner view holds only those fields, the scenario's question with its
yes/no answer, and the digest of the certificate it came from; it is signed
like a certificate and verifies on its own, offline, with the public key ring.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from credcert._errors import DisclosureError, VerificationError
from credcert.certificate import FIELDS, Text
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
    "Scenario",
    "default_disclosure_path",
    "load_disclosure",
    "partner_view",
    "verify_view",
]

logger = logging.getLogger(__name__)

VIEW_SCHEMA = "credcert.partner-view/1"
_NESTED = {"subscores": "dimension"}


def default_disclosure_path() -> Path:
    """The disclosure file shipped with credcert."""
    return Path(__file__).with_name("scenarios") / "disclosure.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class YesWhen(_Model):
    """When the scenario's question is answered yes."""

    status: tuple[str, ...]
    grades: tuple[str, ...]


class Question(_Model):
    text: Text
    yes_when: YesWhen


class Scenario(_Model):
    """One scenario: its title, the fields it discloses and its question."""

    title: Text
    fields: tuple[str, ...] = Field(min_length=1)
    question: Question

    @model_validator(mode="after")
    def _known_fields(self) -> Scenario:
        for name in self.fields:
            top, _, _sub = name.partition(".")
            if top not in FIELDS or (_sub and top not in _NESTED):
                raise ValueError(
                    f"field {name!r}: expected a certificate field "
                    f"({', '.join(FIELDS)}) or subscores.<dimension>"
                )
            if top in ("subject", "signature"):
                raise ValueError(f"field {name!r} is never disclosed to a partner")
        return self


class Disclosure(_Model):
    """Every scenario of a disclosure file, with the file's version."""

    version: str
    scenarios: dict[str, Scenario]

    def scenario(self, name: str) -> Scenario:
        try:
            return self.scenarios[name]
        except KeyError:
            raise DisclosureError(
                f"scenario {name!r}: expected one of {', '.join(self.scenarios)}"
            ) from None


def load_disclosure(path: str | os.PathLike[str] | None = None) -> Disclosure:
    """Read and validate a disclosure file (the shipped one by default).

    Raises
    ------
    DisclosureError
        Naming the file, the scenario and the field that is wrong.
    """
    source = Path(path) if path is not None else default_disclosure_path()
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        return Disclosure.model_validate(data)
    except OSError as exc:
        raise DisclosureError(f"{source}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise DisclosureError(f"{source}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise DisclosureError(f"{source}: {problems}") from None


def _select(certificate: Mapping[str, Any], name: str) -> Any:
    top, _, sub = name.partition(".")
    value = certificate.get(top)
    if not sub:
        return value
    key = _NESTED[top]
    return next((item for item in value or () if item.get(key) == sub), None)


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
        caller; the view names the certificate's content digest).
    scenario : str
        A scenario of the disclosure file.
    partner : str
        Who asks; the answer is bound to it.
    key : SigningKey
    at : datetime
        When the view is made (aware).
    """
    rules = disclosure or load_disclosure()
    chosen = rules.scenario(scenario)
    when = chosen.question.yes_when
    answer = certificate.get("status") in when.status and (
        certificate.get("grade") in when.grades
    )
    signature = certificate.get("signature") or {}
    content = {
        "schema": VIEW_SCHEMA,
        "scenario": scenario,
        "partner": partner,
        "disclosure_version": rules.version,
        "viewed_at": format_time(at),
        "certificate_id": certificate.get("id"),
        "certificate_digest": signature.get("content_digest"),
        "fields": {name: _select(certificate, name) for name in chosen.fields},
        "question": chosen.question.text.model_dump(),
        "answer": bool(answer),
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
