"""The scenario-policy report: who gets which answer, by grade and by group.

Before a scenario policy ships, a risk or compliance reader sees, per
scenario, how many subscribers of a sample get each answer, the answers by
certificate grade, and the share of positive answers ("yes-rate") by age
band, region and migrant status. A group whose yes-rate is under 0.8 of the
best group's of the same attribute (the four-fifths rule) is flagged, so a
policy that shuts a group out is visible before it ships.

The reports layer does not evaluate policies: it is given a table with one
row per subscriber and scenario (the answer, its meaning, the certificate's
status and grade, the group columns) and a plain description of each
scenario. :func:`credcert.policies.answer_table` makes both.

Known shortcoming: a flag compares sample rates without a significance test
or interval, so small groups flag (or escape a flag) by chance; remove once
the report gives each yes-rate a confidence interval and flags only when the
interval lies under four-fifths of the best group's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reports._charts import Chart, grouped_bars
from reports._env import render_page
from reports._errors import ReportInputError
from reports._fairness import DEFAULT_GROUPS, FOUR_FIFTHS, _group_labels, _order

__all__ = [
    "TABLE_COLUMNS",
    "GroupAnswers",
    "ScenarioAnswers",
    "analyse_policies",
    "render_policy_report",
]

#: Columns the answer table must have besides the group columns.
TABLE_COLUMNS = ("scenario", "answer", "meaning", "status", "grade")
_NO_GRADE = "none"


@dataclass(frozen=True)
class GroupAnswers:
    """Answers by the groups of one attribute in one scenario.

    Attributes
    ----------
    name : str
        The attribute (``age_band``).
    table : pandas.DataFrame
        Per group (index): ``count``, one share column per answer,
        ``yes_rate`` (share of positive answers) and ``ratio`` (yes-rate over
        the best group's).
    below : list of str
        Groups whose ``ratio`` is under :data:`FOUR_FIFTHS`.
    """

    name: str
    table: pd.DataFrame
    below: list[str]


@dataclass(frozen=True)
class ScenarioAnswers:
    """One scenario's answers over the sample."""

    info: Mapping[str, Any]
    counts: pd.Series
    by_grade: pd.DataFrame
    groups: list[GroupAnswers]

    @property
    def flagged(self) -> list[tuple[str, str]]:
        """Every ``(attribute, group)`` under four-fifths of the best group."""
        return [(g.name, group) for g in self.groups for group in g.below]


def _check(table: pd.DataFrame, groups: Sequence[str]) -> None:
    absent = [c for c in (*TABLE_COLUMNS, *groups) if c not in table.columns]
    if absent:
        raise ReportInputError(
            f"answer table: expected the columns {[*TABLE_COLUMNS, *groups]}; "
            f"{absent} are absent"
        )
    if table.empty:
        raise ReportInputError("answer table: expected at least one row; got none")


def _by_group(rows: pd.DataFrame, name: str, answers: list[str]) -> GroupAnswers:
    labels = _group_labels(rows[name]).to_numpy()
    counts = pd.crosstab(labels, rows["answer"].to_numpy()).reindex(
        columns=answers, fill_value=0
    )
    total = counts.sum(axis=1)
    table = counts.div(total, axis=0)
    positive = rows["meaning"].eq("positive").groupby(labels).mean()
    table.insert(0, "count", total)
    table["yes_rate"] = positive.reindex(table.index)
    best = float(table["yes_rate"].max())
    table["ratio"] = table["yes_rate"] / best if best > 0 else 1.0
    order = _order(name, list(table.index))
    table = table.loc[order]
    below = [str(g) for g in order if table.loc[g, "ratio"] < FOUR_FIFTHS]
    return GroupAnswers(name, table, below)


def analyse_policies(
    table: pd.DataFrame,
    scenarios: Sequence[Mapping[str, Any]],
    *,
    groups: Sequence[str] = DEFAULT_GROUPS,
) -> list[ScenarioAnswers]:
    """Answer counts per scenario, by grade and by group.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per subscriber and scenario with :data:`TABLE_COLUMNS` and
        the ``groups`` columns.
    scenarios : sequence of mapping
        Per scenario: ``scenario``, ``version``, ``title`` and ``question``
        (``{zh, en}``), ``answers`` (list of ``{name, label, meaning}``).
    groups : sequence of str
        Group attribute columns.

    Raises
    ------
    ReportInputError
        If a column is absent, the table is empty, or a scenario has no rows.
    """
    _check(table, groups)
    out = []
    for info in scenarios:
        rows = table[table["scenario"] == info["scenario"]]
        if rows.empty:
            raise ReportInputError(
                f"answer table: no rows for scenario {info['scenario']!r}"
            )
        answers = [a["name"] for a in info["answers"]]
        counts = rows["answer"].value_counts().reindex(answers, fill_value=0)
        grade = rows["grade"].fillna(_NO_GRADE).astype(str)
        by_grade = pd.crosstab(grade.to_numpy(), rows["answer"].to_numpy()).reindex(
            columns=answers, fill_value=0
        )
        by_grade.index.name = "grade"
        out.append(
            ScenarioAnswers(
                info, counts, by_grade, [_by_group(rows, g, answers) for g in groups]
            )
        )
    return out


def render_policy_report(
    table: pd.DataFrame,
    scenarios: Sequence[Mapping[str, Any]],
    *,
    groups: Sequence[str] = DEFAULT_GROUPS,
    data_label: str = "",
) -> str:
    """The policy report as a self-contained HTML page.

    Parameters are those of :func:`analyse_policies`; ``data_label`` names
    the sample on the page.
    """
    analysed = analyse_policies(table, scenarios, groups=groups)
    subscribers = int(len(table) / max(len(scenarios), 1))
    context = {
        "scenarios": [_view(s) for s in analysed],
        "subscribers": subscribers,
        "data_label": data_label or f"{subscribers:,} subscribers",
        "four_fifths": FOUR_FIFTHS,
        "groups": list(groups),
        "statuses": table.groupby("status").size().to_dict(),
    }
    return render_page("policy.html.j2", context)


def _view(s: ScenarioAnswers) -> dict[str, Any]:
    answers = list(s.info["answers"])
    return {
        "s": s,
        "answers": answers,
        "total": int(s.counts.sum()),
        "chart": _chart(s),
    }


def _chart(s: ScenarioAnswers) -> Chart:
    categories: list[str] = []
    rates: list[float] = []
    for g in s.groups:
        for group, row in g.table.iterrows():
            categories.append(f"{g.name}={group}")
            rates.append(float(row["yes_rate"]))
    best = max((float(g.table["yes_rate"].max()) for g in s.groups), default=0.0)
    name = s.info["scenario"]
    return grouped_bars(
        categories,
        {"positive answers": rates},
        title=f"{name}: share of positive answers by group",
        ylabel="yes-rate",
        alt=f"Bar chart of the yes-rate of {name} by group",
        percent=True,
        reference=(FOUR_FIFTHS * best, f"0.8 × best group ({best:.1%})"),
        size=(7.6, 3.0),
    )
