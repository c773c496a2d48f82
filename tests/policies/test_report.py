"""The policy report: counts by grade and group, four-fifths flags, in a browser.

Set ``CREDCERT_UPDATE_SCREENSHOTS=1`` to also write the page's screenshot to
``docs/screenshots/policy.png``.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from credcert.policies import PolicySet, answer_table
from reports import ReportInputError
from reports.policy import analyse_policies, render_policy_report
from tests.policies.conftest import T0, Issued

GROUPS = ["age_band", "region", "migrant"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "policy.png"


@pytest.fixture(scope="module")
def table(
    issued: Issued, policies: PolicySet
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    return answer_table(policies, issued.documents, issued.frame[GROUPS], on=T0.date())


def test_counts_cover_every_subscriber_once_per_scenario(
    issued: Issued, table: tuple[pd.DataFrame, list[dict[str, Any]]]
) -> None:
    frame, infos = table
    grades = Counter(d["grade"] or "none" for d in issued.documents)
    for scenario in analyse_policies(frame, infos):
        assert int(scenario.counts.sum()) == len(issued.documents)
        assert scenario.by_grade.sum(axis=1).to_dict() == dict(grades)
        for group in scenario.groups:
            assert int(group.table["count"].sum()) == len(issued.documents)


def test_a_policy_that_shuts_out_a_group_is_flagged(
    table: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> None:
    frame, infos = table
    shut = frame.copy()
    migrants = shut["migrant"].fillna(False).astype(bool)
    rental = shut["scenario"] == "deposit_free_rental"
    shut.loc[rental & migrants, ["answer", "meaning"]] = ["no", "negative"]
    (rental_result,) = [
        s
        for s in analyse_policies(shut, infos)
        if s.info["scenario"] == "deposit_free_rental"
    ]
    assert ("migrant", "migrant") in rental_result.flagged
    (migrant,) = [g for g in rental_result.groups if g.name == "migrant"]
    assert migrant.table.loc["migrant", "yes_rate"] == 0.0


def test_equal_rates_flag_nothing(
    table: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> None:
    frame, infos = table
    even = frame.assign(answer="refer", meaning="refer")
    even.loc[even.index % 2 == 0, ["answer", "meaning"]] = ["yes", "positive"]
    even["migrant"] = np.resize([True, True, False, False], len(even))
    (first,) = [s for s in analyse_policies(even, infos[:1], groups=["migrant"])]
    assert first.flagged == []


def test_missing_group_column_is_named(
    table: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> None:
    frame, infos = table
    with pytest.raises(ReportInputError, match=r"\['region'\] are absent"):
        analyse_policies(frame.drop(columns=["region"]), infos)


@pytest.fixture(scope="module")
def page(
    browser: Any,
    tmp_path_factory: pytest.TempPathFactory,
    table: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> Any:
    frame, infos = table
    out = tmp_path_factory.mktemp("policy") / "policy.html"
    out.write_text(
        render_policy_report(frame, infos, data_label="400 synthetic subscribers")
    )
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    opened = context.new_page()
    opened.goto(out.as_uri(), wait_until="load")
    if os.environ.get("CREDCERT_UPDATE_SCREENSHOTS") == "1":
        png = opened.screenshot(
            clip={"x": 0, "y": 0, "width": 1100, "height": 2400}, full_page=True
        )
        image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
        image.save(SCREENSHOT, optimize=True)
    yield opened
    context.close()


def test_page_shows_every_scenario_and_its_counts(
    page: Any, table: tuple[pd.DataFrame, list[dict[str, Any]]]
) -> None:
    frame, infos = table
    text = page.inner_text("body")
    for info in infos:
        assert info["question"]["zh"] in text
        assert info["question"]["en"] in text
    rental = frame[frame["scenario"] == "deposit_free_rental"]
    yes_rate = (rental["meaning"] == "positive").mean()
    assert f"{yes_rate * 100:.1f}%" in text
    assert "场景策略报告" in text


def test_page_is_painted_with_decoded_charts_and_nothing_external(page: Any) -> None:
    pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("L"), float)
    assert pixels.std() > 3
    images = page.evaluate(
        "() => Array.from(document.images).map(i => [i.complete, i.naturalWidth])"
    )
    assert len(images) == 4
    assert all(done and width > 0 for done, width in images)
    sources = page.evaluate(
        """() => Array.from(document.querySelectorAll('[src],[href]'))
             .map(e => e.getAttribute('src') || e.getAttribute('href'))"""
    )
    assert [s for s in sources if not s.startswith(("data:", "#"))] == []
