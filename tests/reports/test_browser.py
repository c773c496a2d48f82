"""Every report opened in headless Chromium: painted, complete, its figures shown.

Set ``CREDCERT_UPDATE_SCREENSHOTS=1`` to also write each page's screenshot to
``docs/screenshots/`` (the committed ones are made this way).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from reports import FairnessAnalysis
from tests.reports.conftest import Fitted

REPORTS = (
    "scorecard",
    "monitor",
    "fairness",
    "certificate-zh",
    "certificate-en",
    "rulebook",
    "rule-diff",
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: Height cap of a committed screenshot, in CSS pixels.
SCREENSHOT_MAX_HEIGHT = 6000


def expected_text(name: str, fitted: Fitted, analysis: FairnessAnalysis) -> list[str]:
    """Figures and words each report must show, computed from the fitted objects."""
    card = fitted.artifact
    certificate = fitted.certificates["noticed"]
    if name == "scorecard":
        return [
            f"{card.metrics['test'].auc:.4f}",
            f"{card.metrics['train'].ks:.4f}",
            f"{card.data.rows:,}",
            *(f.name for f in card.features),
            *(f"{g.bad_rate:.2%}" for g in card.grades if g.bad_rate is not None),
            "评分卡开发报告",
        ]
    if name == "monitor":
        return [
            f"{fitted.stability.score_psi:.4f}",
            *fitted.stability.flagged,
            "shift 显著偏移",
        ]
    if name == "fairness":
        return [
            f"{analysis.overall['approval_rate'] * 100:.1f}%",
            *(f"{a.demographic_parity_ratio:.3f}" for a in analysis.attributes),
            *(f"{a.equalized_odds_difference:.3f}" for a in analysis.attributes),
            "公平性报告",
        ]
    if name.startswith("certificate"):
        zh = name.endswith("zh")
        return [
            f"{certificate['score']:.0f}",
            certificate["id"],
            certificate["signature"]["kid"],
            *(f["rule_id"] for f in certificate["flags"]),
            "手机信用证书" if zh else "Mobile credit certificate",
            "20日内" if zh else "within 20 days",
        ]
    if name == "rule-diff":
        return ["IDN-004", "1.0.0", "1.1.0"]
    return [rule.id for rule in fitted.ruleset.rules]


@pytest.fixture(scope="module")
def pages(browser: Any, report_dir: Path) -> Iterator[dict[str, Any]]:
    """Each report loaded once in its own page of the session's browser."""
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    opened = {}
    for name in REPORTS:
        page = context.new_page()
        page.goto((report_dir / f"{name}.html").as_uri(), wait_until="load")
        opened[name] = page
        if os.environ.get("CREDCERT_UPDATE_SCREENSHOTS") == "1":
            _write_screenshot(page, name)
    yield opened
    context.close()


def _write_screenshot(page: Any, name: str) -> None:
    bottom = page.evaluate(
        "Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY)"
    )
    height = min(bottom + 40, SCREENSHOT_MAX_HEIGHT)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    png = page.screenshot(
        clip={"x": 0, "y": 0, "width": 1100, "height": height}, full_page=True
    )
    # A 256-colour palette keeps the committed files small and the text sharp.
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    image.save(SCREENSHOTS / f"{name}.png", optimize=True)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


@pytest.mark.parametrize("name", REPORTS)
def test_screenshot_is_not_blank(pages: dict[str, Any], name: str) -> None:
    pixels = _pixels(pages[name].screenshot())
    # A blank page has no variance at all; the shortest report (a rule diff
    # of one change) still has a few lines of text.
    assert pixels.std() > 3, f"{name}: the first screen is nearly uniform"
    assert (pixels < 200).mean() > 0.002, f"{name}: the first screen has no ink"


@pytest.mark.parametrize("name", REPORTS)
def test_page_shows_the_expected_figures(
    pages: dict[str, Any], fitted: Fitted, analysis: FairnessAnalysis, name: str
) -> None:
    text = pages[name].inner_text("body")
    expected = expected_text(name, fitted, analysis)
    missing = [item for item in expected if item not in text]
    assert not missing, f"{name}: the page does not show {missing}"


@pytest.mark.parametrize("name", REPORTS)
def test_every_image_is_decoded(pages: dict[str, Any], name: str) -> None:
    images = pages[name].evaluate(
        """() => Array.from(document.images).map(i => ({
             alt: i.alt, complete: i.complete, width: i.naturalWidth,
             height: i.naturalHeight}))"""
    )
    broken = [i["alt"] for i in images if not i["complete"] or i["width"] == 0]
    assert not broken, f"{name}: images not decoded: {broken}"
    if not name.startswith("rule"):
        assert images, f"{name}: expected charts; the page has no image"


@pytest.mark.parametrize("name", REPORTS)
def test_no_external_resources(pages: dict[str, Any], name: str) -> None:
    sources = pages[name].evaluate(
        """() => Array.from(document.querySelectorAll('[src],[href]'))
             .map(e => e.getAttribute('src') || e.getAttribute('href'))"""
    )
    outside = [s for s in sources if not s.startswith(("data:", "#"))]
    assert not outside, f"{name}: the page loads {outside[:3]}"


def _glyph(page: Any, char: str) -> np.ndarray:
    page.evaluate(
        """(c) => { const s = document.createElement('span');
             s.id = 'glyph-probe'; s.textContent = c;
             s.style.fontSize = '64px'; s.style.display = 'inline-block';
             document.body.prepend(s); }""",
        char,
    )
    try:
        return _pixels(page.locator("#glyph-probe").screenshot())
    finally:
        page.evaluate("() => document.getElementById('glyph-probe').remove()")


def _differ(a: np.ndarray, b: np.ndarray) -> bool:
    height, width = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return bool(np.abs(a[:height, :width] - b[:height, :width]).mean() > 5)


@pytest.mark.parametrize("name", ["scorecard", "certificate-zh", "rulebook"])
def test_chinese_glyphs_render(pages: dict[str, Any], name: str) -> None:
    """Two Chinese characters in the page's font differ from each other and
    from the missing-glyph box; without a CJK font all three look alike."""
    page = pages[name]
    first, second, missing = (_glyph(page, c) for c in ("信", "证", "\ue000"))
    assert (first < 128).mean() > 0.02, f"{name}: '信' left no ink"
    assert _differ(first, second), f"{name}: '信' and '证' render the same box"
    assert _differ(first, missing), f"{name}: '信' renders as a missing glyph"


@pytest.mark.parametrize("name", ["scorecard", "certificate-zh", "fairness"])
def test_page_prints_to_a4(pages: dict[str, Any], name: str) -> None:
    pdf = pages[name].pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF"), f"{name}: printing gave no PDF"
    assert b"/Type /Page" in pdf, f"{name}: the PDF has no page"
