"""Rendering without a browser: inputs, escaping, privacy, fonts and the figures."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from jinja2 import UndefinedError
from matplotlib import ft2font

import reports
from reports import (
    FOUR_FIFTHS,
    FairnessAnalysis,
    FontMissingError,
    PrivacyError,
    ReportInputError,
    _charts,
    analyse_fairness,
    cjk_font,
    environment,
    render_certificate,
    render_fairness_report,
    render_monitoring_report,
    render_scorecard_report,
)
from scorecard import load_spec, monitor, train
from tests.reports.conftest import Fitted


def _with(certificate: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**certificate, **changes}


def test_exported_names_are_the_intended_ones() -> None:
    assert set(reports.__all__) == {
        "CJK_FONT_ENV", "CJK_FONT_PACKAGE", "DEFAULT_GROUPS", "FLAG_WORDS",
        "FOUR_FIFTHS", "IV_STRENGTH", "LANGUAGES", "AttributeFairness",
        "CertificateDocument", "FairnessAnalysis", "FontMissingError",
        "PrivacyError", "ReportError", "ReportInputError", "analyse_fairness",
        "cjk_font", "environment", "iv_strength", "labels", "render_certificate",
        "render_fairness_report", "render_monitoring_report", "render_page",
        "render_rule_diff", "render_rulebook", "render_scorecard_report",
        "write_page",
    }  # fmt: skip


def test_every_label_exists_in_both_languages() -> None:
    zh, en = reports.labels("zh"), reports.labels("en")
    assert zh.keys() == en.keys()
    assert all(zh.values())
    assert all(en.values())


def test_unknown_language_is_refused(fitted: Fitted) -> None:
    with pytest.raises(ReportInputError, match="lang: expected one of"):
        render_certificate(fitted.certificates["issued"], lang="fr")


def test_certificate_without_a_needed_member_names_it(fitted: Fitted) -> None:
    broken = dict(fitted.certificates["issued"])
    del broken["versions"]
    with pytest.raises(ReportInputError, match="certificate: versions"):
        render_certificate(broken)


def test_templates_refuse_undefined_names() -> None:
    with pytest.raises(UndefinedError, match="nothing"):
        environment().from_string("{{ nothing }}").render()


def test_certificate_text_is_escaped(fitted: Fitted) -> None:
    certificate = fitted.certificates["issued"]
    reason = {**certificate["reasons"][0], "text": {"zh": "<b>x</b>", "en": "<b>x</b>"}}
    page = render_certificate(_with(certificate, reasons=[reason]), lang="en")
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page


def test_page_with_a_phone_number_is_refused(fitted: Fitted) -> None:
    certificate = fitted.certificates["issued"]
    reason = {
        **certificate["reasons"][0],
        "text": {"zh": "请致电 13912345678", "en": "call 13912345678"},
    }
    with pytest.raises(PrivacyError, match="phone number"):
        render_certificate(_with(certificate, reasons=[reason]), lang="zh")


def test_no_report_shows_a_number_or_subscription_of_the_data(
    fitted: Fitted, report_dir: Path
) -> None:
    numbers = set(fitted.training["msisdn"].astype(str))
    subscriptions = set(fitted.training["subscription_id"].astype(str))
    for page in report_dir.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not numbers & set(re.findall(r"\d{11}", text)), page.name
        assert not subscriptions & set(re.findall(r"S\d+-\d{9}", text)), page.name


def test_chart_font_has_chinese_glyphs() -> None:
    font = ft2font.FT2Font(str(cjk_font().path))
    assert all(font.get_char_index(ord(c)) for c in "信用证书身份稳定履约合规平台")


def test_missing_font_error_names_the_debian_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(_charts.CJK_FONT_ENV, raising=False)
    monkeypatch.setattr(_charts, "_CANDIDATES", ())
    monkeypatch.setattr(_charts.font_manager, "findSystemFonts", lambda: [])
    with pytest.raises(FontMissingError, match="fonts-wqy-microhei"):
        _charts._find_font_file()


def test_font_named_by_the_environment_must_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(_charts.CJK_FONT_ENV, str(tmp_path / "absent.ttf"))
    with pytest.raises(FontMissingError, match="does not exist"):
        _charts._find_font_file()


def test_same_chart_gives_the_same_bytes() -> None:
    def draw() -> str:
        return _charts.horizontal_bars(
            ["甲", "乙"], [0.1, -0.2], title="t", xlabel="x", alt="a"
        ).uri

    assert draw() == draw()


def test_scorecard_report_without_data_says_what_is_missing(fitted: Fitted) -> None:
    page = render_scorecard_report(fitted.artifact)
    assert "No labelled rows were given" in page
    assert page.count("<img") == 3 + len(fitted.artifact.features)


def test_scorecard_report_needs_the_target_in_its_data(fitted: Fitted) -> None:
    data = fitted.training.drop(columns=[fitted.artifact.data.target])
    with pytest.raises(ReportInputError, match="default_12m"):
        render_scorecard_report(fitted.artifact, data=data)


def test_monitoring_report_of_a_stable_batch_flags_nothing(fitted: Fitted) -> None:
    stability = monitor(fitted.artifact, fitted.training.iloc[:4000])
    page = render_monitoring_report(fitted.artifact, stability)
    assert "No feature reaches the watch level" in page
    assert "● stable 稳定" in page


def test_fairness_rates_match_a_direct_count(
    fitted: Fitted, analysis: FairnessAnalysis
) -> None:
    card, data = fitted.artifact, fitted.training
    approved = card.score(data).score >= card.cutoff_score
    for attribute in analysis.attributes:
        if attribute.name != "age_band":
            continue
        direct = data.assign(approved=approved).groupby("age_band")["approved"].mean()
        got = attribute.table["approval_rate"]
        np.testing.assert_allclose(got.to_numpy(), direct.loc[got.index].to_numpy())
        ratio = got.min() / got.max()
        assert attribute.demographic_parity_ratio == pytest.approx(ratio)
        below = [str(g) for g in got.index if got[g] / got.max() < FOUR_FIFTHS]
        assert attribute.below == below


def test_fairness_needs_the_group_columns(fitted: Fitted) -> None:
    data = fitted.training.drop(columns=["region"])
    with pytest.raises(ReportInputError, match="region"):
        analyse_fairness(fitted.artifact, data)


def test_gap_drivers_cost_the_group_points(analysis: FairnessAnalysis) -> None:
    age = next(a for a in analysis.attributes if a.name == "age_band")
    drivers = age.drivers("18-24")
    assert len(drivers) >= 1
    assert (drivers < 0).all()
    assert list(drivers) == sorted(drivers)


def test_denied_certificate_shows_no_score(fitted: Fitted) -> None:
    page = render_certificate(fitted.certificates["denied"], lang="en")
    assert "carries no score" in page
    assert "Why no certificate was issued" in page
    assert "Where the score lies" not in page


def test_fairness_report_names_groups_below_four_fifths(fitted: Fitted) -> None:
    """At a stricter cutoff the youngest band falls below 0.8 of the best
    band; the page says so and names tenure as what drives the gap."""
    analysis = analyse_fairness(fitted.artifact, fitted.training, cutoff=640)
    age = next(a for a in analysis.attributes if a.name == "age_band")
    assert "18-24" in age.below
    assert age.drivers("18-24").index[0] == "tenure_months"
    page = render_fairness_report(fitted.artifact, fitted.training, cutoff=640)
    assert "below 0.8 of the highest approval rate" in page
    assert "The gap of 18-24 is driven most by" in page


def test_scorecard_report_works_for_any_spec_dataset() -> None:
    """The German credit data (no subscriber fields, no Chinese names)."""
    data = Path(__file__).parents[1] / "scorecard" / "data"
    frame = pd.read_csv(data / "german_credit.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train(load_spec(data / "german_credit.yaml"), frame)
    page = render_scorecard_report(result.artifact, data=frame, roc=result.roc)
    assert "creditability" in page
    assert "<th>feature</th><th>dimension</th>" in page  # no empty 中文 column


def test_fairness_on_weighted_cells_equals_fairlearn_row_by_row(
    fitted: Fitted,
) -> None:
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_ratio,
        equalized_odds_difference,
        false_negative_rate,
        selection_rate,
    )

    card, data = fitted.artifact, fitted.training.iloc[:3000]
    region = next(
        a for a in analyse_fairness(card, data).attributes if a.name == "region"
    )
    good = 1 - data["default_12m"].to_numpy()
    approved = (card.score(data).score >= card.cutoff_score).astype(int)
    groups = data["region"].astype(str)
    rows = MetricFrame(
        metrics={
            "approval_rate": selection_rate,
            "false_refusal_rate": false_negative_rate,
        },
        y_true=good,
        y_pred=approved,
        sensitive_features=groups,
    ).by_group
    for column in ("approval_rate", "false_refusal_rate"):
        np.testing.assert_allclose(
            region.table[column].to_numpy(), rows.loc[region.table.index, column]
        )
    assert region.demographic_parity_ratio == pytest.approx(
        demographic_parity_ratio(good, approved, sensitive_features=groups)
    )
    assert region.equalized_odds_difference == pytest.approx(
        equalized_odds_difference(good, approved, sensitive_features=groups)
    )
