"""Answers over a sample of subscribers, for the policy report.

:func:`answer_table` evaluates every policy on every certificate of a sample
and keeps, per subscriber and scenario, the answer, its meaning, the
certificate's status and grade, and the subscriber's group attributes (age
band, region, migrant status), which the report measures outcomes by and
which no policy reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from credcert.policies._evaluate import decide, facts_of
from credcert.policies._load import PolicySet
from credcert.policies._schema import Policy

__all__ = ["answer_table", "policy_summary"]


def policy_summary(policy: Policy) -> dict[str, Any]:
    """A plain description of a policy: what the report prints about it."""
    return {
        "scenario": policy.scenario,
        "version": policy.version,
        "title": policy.title.model_dump(),
        "question": policy.question.model_dump(),
        "answers": [
            {
                "name": name,
                "label": option.label.model_dump(),
                "meaning": option.meaning,
            }
            for name, option in policy.answers.items()
        ],
    }


def answer_table(
    policies: PolicySet,
    certificates: Sequence[Mapping[str, Any]],
    groups: pd.DataFrame,
    *,
    on: dt.date,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Every scenario's answer for every certificate, with the subscriber's groups.

    Parameters
    ----------
    policies : PolicySet
    certificates : sequence of mapping
        Certificate documents, in the order of ``groups``' rows.
    groups : pandas.DataFrame
        The group columns of the same subscribers (one row each).
    on : date
        The day the policies in force are taken from and answers are given.

    Returns
    -------
    (DataFrame, list of dict)
        The answer table (``scenario, answer, meaning, status, grade`` and
        the group columns) and :func:`policy_summary` of each policy used.

    Raises
    ------
    ValueError
        If ``certificates`` and ``groups`` differ in length.
    """
    if len(certificates) != len(groups):
        raise ValueError(
            f"certificates and groups: expected one group row per certificate; "
            f"got {len(certificates)} certificates and {len(groups)} rows"
        )
    chosen = [policies.policy(name, on) for name in policies.scenarios]
    facts = [facts_of(c, on=on) for c in certificates]
    frames = []
    for policy in chosen:
        decisions = [decide(policy, f) for f in facts]
        frame = groups.reset_index(drop=True).copy()
        frame.insert(0, "scenario", policy.scenario)
        frame.insert(1, "answer", [d.answer for d in decisions])
        frame.insert(2, "meaning", [d.option.meaning for d in decisions])
        frame.insert(3, "status", [f.status for f in facts])
        frame.insert(4, "grade", [f.grade for f in facts])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), [policy_summary(p) for p in chosen]
