"""The policy report from a subscriber sample: issue in memory, answer, render.

:func:`policy_report` issues certificates for the sample with a throwaway
signing key and pseudonym secret (nothing is stored, nothing leaves the
process); :func:`policy_page` takes certificates already issued (the
demo's). Every policy in force answers each one, and :mod:`reports.policy`
renders the counts by grade and by group.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from credcert.issue import Issuer
from credcert.policies._load import PolicySet
from credcert.policies._sample import answer_table
from credcert.pseudonym import Pseudonymizer
from credcert.signing import SigningKey
from reports._fairness import DEFAULT_GROUPS
from reports.policy import analyse_policies, render_policy_report
from rules import RuleEngine, RuleSet
from scorecard import load_artifact
from subscribers import iter_records, read_subscribers

__all__ = ["policy_page", "policy_report"]

_OUTCOMES = ("default_12m", "oracle_logodds")


def policy_report(
    source: str | os.PathLike[str],
    scorecard: str | os.PathLike[str],
    policies: PolicySet,
    ruleset: RuleSet,
    *,
    at: dt.datetime,
    rows: int = 5000,
) -> tuple[str, list[tuple[str, str, str]]]:
    """The report page and every flagged ``(scenario, attribute, group)``.

    Raises
    ------
    RecordError
        If the sample breaks the data contract.
    """
    frame = read_subscribers(Path(source), allow=_OUTCOMES).iloc[:rows]
    records = frame.drop(columns=[c for c in _OUTCOMES if c in frame.columns])
    with RuleEngine(ruleset, on=at.date()) as engine:
        issuer = Issuer(
            rules=engine,
            scorecard=load_artifact(scorecard),
            pseudonymizer=Pseudonymizer(os.urandom(32)),
            keys=SigningKey.generate(),
        )
        documents = [issuer.issue(r, at=at).document for r in iter_records(records)]
    label = f"{len(frame):,} subscribers of {Path(source).name}, on {at.date()}"
    return policy_page(documents, frame, policies, on=at.date(), data_label=label)


def policy_page(
    certificates: Sequence[Mapping[str, Any]],
    subscribers: pd.DataFrame,
    policies: PolicySet,
    *,
    on: dt.date,
    data_label: str,
) -> tuple[str, list[tuple[str, str, str]]]:
    """The report page for certificates already issued, and what it flags.

    Parameters
    ----------
    certificates : sequence of mapping
        Certificate documents, in the order of ``subscribers``' rows.
    subscribers : pandas.DataFrame
        The same subscribers; only their group columns are read.
    policies : PolicySet
    on : date
        The day the policies in force answer.
    data_label : str
        Names the sample on the page.
    """
    table, infos = answer_table(
        policies, certificates, subscribers[list(DEFAULT_GROUPS)], on=on
    )
    page = render_policy_report(table, infos, data_label=data_label)
    flagged = [
        (s.info["scenario"], attribute, group)
        for s in analyse_policies(table, infos)
        for attribute, group in s.flagged
    ]
    return page, flagged
