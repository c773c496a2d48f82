"""Test helpers: certificates issued by the issuing package from fitted objects.

The reports layer cannot import the issuing package, but its tests can: the
documents they render are the JSON objects ``credcert.issue`` signs, so the
certificate page is tested against the shape issuing really produces.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from credcert.issue import issue_certificate
from credcert.pseudonym import Pseudonymizer
from credcert.signing import SigningKey
from rules import RuleEngine, RuleSet
from scorecard import ScorecardArtifact
from subscribers import iter_records
from subscribers.synth import ORACLE, TARGET

EVALUATION_DATE = dt.date(2026, 11, 30)
ISSUED_AT = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def issue_certificates(
    artifact: ScorecardArtifact,
    ruleset: RuleSet,
    frame: pd.DataFrame,
    rows: dict[str, int],
) -> dict[str, dict[str, Any]]:
    """Issue and sign one certificate per named row of ``frame``."""
    key = SigningKey.generate()
    pseudonymizer = Pseudonymizer(b"reports-test-key-" * 2)
    records = frame.drop(columns=[TARGET, ORACLE], errors="ignore")
    out = {}
    with RuleEngine(ruleset, on=EVALUATION_DATE) as engine:
        for number, (name, row) in enumerate(rows.items(), start=1):
            (record,) = iter_records(records.iloc[[row]])
            certificate = issue_certificate(
                record,
                rules=engine,
                scorecard=artifact,
                keys=key,
                pseudonymizer=pseudonymizer,
                at=ISSUED_AT,
                certificate_id=f"CC-20261130-{number:06d}",
            )
            out[name] = certificate.to_json()
    return out
