"""Fixtures of the policy tests: real certificates, issued once per session.

The certificates come from the issuing package (rules, the test scorecard,
the explanation layer) so the policies are tested on the documents partners
really ask about, not on hand-made dictionaries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from credcert.issue import Issuer
from credcert.policies import PolicySet, load_policies
from credcert.pseudonym import Pseudonymizer
from credcert.signing import PublicKey, PublicKeyRing, SigningKey
from rules import RuleEngine, load_ruleset
from scorecard import load_artifact
from subscribers import iter_records
from subscribers.synth import ORACLE, TARGET
from tests.certificates.fixtures import (  # noqa: F401 - fixtures are found by name
    SCORECARD,
    T0,
    credcert_home,
    keyring,
)

#: How many certificates the session issues.
SAMPLE = 400


@dataclass(frozen=True)
class Issued:
    """Certificates signed by one key, with the ring that verifies them."""

    documents: list[dict[str, Any]]
    key: SigningKey
    ring: PublicKeyRing
    frame: pd.DataFrame


def _ring(key: SigningKey) -> PublicKeyRing:
    public = key.private.public_key().public_bytes_raw()
    start = T0 - dt.timedelta(days=30)
    return PublicKeyRing([PublicKey(key.kid, public, start, None, "active")])


@pytest.fixture(scope="session")
def issued(subscribers_frame: pd.DataFrame) -> Issued:
    """:data:`SAMPLE` certificates issued at ``T0`` from the shared frame."""
    key = SigningKey.generate()
    frame = subscribers_frame.iloc[:SAMPLE].drop(columns=[TARGET, ORACLE])
    with RuleEngine(load_ruleset(), on=T0.date()) as engine:
        issuer = Issuer(
            rules=engine,
            scorecard=load_artifact(SCORECARD),
            pseudonymizer=Pseudonymizer(b"policy-tests-key-0123456789abcdef"),
            keys=key,
        )
        documents = [issuer.issue(r, at=T0).document for r in iter_records(frame)]
    return Issued(documents, key, _ring(key), subscribers_frame.iloc[:SAMPLE])


@pytest.fixture(scope="session")
def policies() -> PolicySet:
    """The shipped policies."""
    return load_policies()


def first(issued: Issued, **wanted: Any) -> dict[str, Any]:
    """The first issued certificate whose members equal ``wanted``."""
    for document in issued.documents:
        if all(document.get(k) == v for k, v in wanted.items()):
            return document
    raise LookupError(f"no certificate in the sample with {wanted}")
