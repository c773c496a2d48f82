"""The agent console end to end in headless Chromium, served by uvicorn.

The app runs with uvicorn on a free loopback port in a background thread,
over a SQLite database seeded by ``helpers.seed``; Debian's Chromium (driven
by Playwright) signs in, searches, reads, switches language, opens a
dispute and signs out. Everything the server logs meanwhile is captured, to
check that a phone number typed into the console never reaches a log.

Set ``CREDCERT_UPDATE_SCREENSHOTS=1`` to also write the console's screenshots
to ``docs/screenshots/console-*.png`` (the committed ones are made this way).
"""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvicorn
from PIL import Image
from sqlalchemy import inspect, text

from credcert.service import create_app
from tests.service.console.conftest import (  # noqa: F401 - fixtures found by name
    pseudonymizer,
    records,
    scorecard,
)
from tests.service.console.helpers import RECORD_OF, Built, build

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
#: Height cap of a committed screenshot, in CSS pixels.
SCREENSHOT_MAX_HEIGHT = 4000


@dataclass
class Served:
    """The seeded app served by uvicorn, and what its loggers wrote."""

    built: Built
    url: str
    log: io.StringIO
    database: Path


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
    scorecard: Any,  # noqa: F811
    pseudonymizer: Any,  # noqa: F811
    records: list[Any],  # noqa: F811
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("console-browser")
    database = folder / "credcert.db"
    built = build(
        f"sqlite:///{database}", None, folder, scorecard, pseudonymizer, records
    )
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sock = _free_socket()
    config = uvicorn.Config(
        create_app(built.services), log_config=None, access_log=True, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("uvicorn did not start serving the console", pytrace=False)
            time.sleep(0.05)
        host, port = sock.getsockname()
        yield Served(built, f"http://{host}:{port}", log, database)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        root.removeHandler(handler)
        root.setLevel(previous_level)
        built.services.store.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh page (no cookies) at the console's base URL."""
    context = browser.new_context(
        viewport=VIEWPORT, base_url=served.url, locale="zh-CN"
    )
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def sign_in(page: Any, served: Served, role: str = "agent") -> None:
    page.goto("/console/sign-in")
    page.fill("#api_key", served.built.tokens[role])
    page.click("button[type=submit]")
    page.wait_for_url("**/console/search")


def find_by_id(page: Any, certificate_id: str) -> None:
    page.fill("#certificate_id", certificate_id)
    page.click("form[action='/console/find'] >> nth=0 >> button")
    page.wait_for_url(f"**/console/certificates/{certificate_id}")


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


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


# --- signing in and finding --------------------------------------------------------


def test_sign_in_then_find_by_id(page: Any, served: Served) -> None:
    sign_in(page, served)
    document = served.built.seeded.documents["denied"]
    find_by_id(page, document["id"])
    assert page.inner_text("#certificate-id") == document["id"]
    assert page.inner_text("#status") == "不予出具"
    assert "不予出具证书" in page.inner_text("#banner")


def test_find_by_pseudonym(page: Any, served: Served) -> None:
    sign_in(page, served)
    document = served.built.seeded.documents["issued"]
    page.fill("#subject", document["subject"])
    page.click("form[action='/console/find'] >> nth=1 >> button")
    page.wait_for_url(f"**/console/certificates/{document['id']}")
    assert page.inner_text("#status") == "已签发"


def test_find_by_phone_never_shows_or_keeps_the_number(
    page: Any, served: Served
) -> None:
    record = served.built.records[RECORD_OF["review"]]
    sign_in(page, served)
    page.fill("#msisdn", record.msisdn)
    page.fill("#activated_on", record.activated_on.isoformat())
    page.click("form[action='/console/find/phone'] button")
    document = served.built.seeded.documents["review"]
    page.wait_for_url(f"**/console/certificates/{document['id']}")
    assert "等待人工复核" in page.inner_text("#banner")
    assert record.msisdn not in page.content()
    assert record.msisdn not in page.url
    # A wrong number is refused without being written back into the page.
    page.goto("/console/search")
    page.fill("#msisdn", "1380013800")
    page.fill("#activated_on", "2019-05-01")
    page.click("form[action='/console/find/phone'] button")
    assert "手机号码格式不对" in page.inner_text("#search-error")
    assert "1380013800" not in page.content()
    assert page.input_value("#msisdn") == ""
    # Neither the logs nor the database hold the number.
    assert record.msisdn not in served.log.getvalue()
    assert "1380013800" not in served.log.getvalue()
    assert "/console/find/phone" in served.log.getvalue(), "no access log captured"
    for table, rows in _all_rows(served).items():
        for row in rows:
            assert record.msisdn not in str(row), f"table {table} holds the number"
    for path in served.database.parent.glob("credcert.db*"):
        assert record.msisdn.encode() not in path.read_bytes(), path.name


def _all_rows(served: Served) -> dict[str, list[Any]]:
    engine = served.built.services.store.engine
    out = {}
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            out[table] = list(conn.execute(text(f'SELECT * FROM "{table}"')))
    return out


def test_a_wrong_key_and_another_role_are_refused(page: Any, served: Served) -> None:
    page.goto("/console/sign-in")
    page.fill("#api_key", "cck_wrong")
    page.click("button[type=submit]")
    assert "密钥无效或已被吊销" in page.inner_text(".error")
    page.fill("#api_key", served.built.tokens["partner"])
    page.click("button[type=submit]")
    assert "partner" in page.inner_text(".error")
    page.goto("/console/search")
    assert "/console/sign-in" in page.url


def test_a_post_without_the_form_token_is_refused(page: Any, served: Served) -> None:
    sign_in(page, served)
    document = served.built.seeded.documents["issued"]
    response = page.request.post(
        f"/console/certificates/{document['id']}/dispute",
        form={"field": "tenure_months", "reason": "forged by another site"},
    )
    assert response.status == 403
    assert "表单已过期或来源不明" in response.text()
    find_by_id(page, document["id"])
    assert page.inner_text("#status") == "已签发"


# --- reading a certificate -------------------------------------------------------


def test_chinese_page_shows_figures_sentences_and_cjk_glyphs(
    page: Any, served: Served
) -> None:
    sign_in(page, served)
    document = served.built.seeded.documents["review"]
    find_by_id(page, document["id"])
    assert page.inner_text("#score") == f"{document['score']:,.0f}"
    assert page.inner_text("#grade") == document["grade"]
    reasons = page.inner_text("#reasons")
    for reason in document["reasons"]:
        assert reason["code"] in reasons
    assert re.search(r"最常见的是.+；这一项比平均水平少约\d+分。", reasons)
    bars = page.locator("#subscores .fill")
    assert bars.count() == len(document["subscores"])
    width = bars.first.evaluate("e => e.getBoundingClientRect().width")
    assert width > 10, "the dimension chart's bars are not drawn"
    assert "DAT-001" in page.inner_text("#flags")
    assert "个人信息保护法" in page.inner_text("#flags")
    assert "个月内" in page.inner_text("#suggestions")
    assert page.locator("#scenarios tr[data-scenario]").count() >= 1
    pixels = _pixels(page.screenshot())
    assert pixels.std() > 3, "the page is blank"
    first, second, missing = (_glyph(page, c) for c in ("信", "证", "\ue000"))
    assert (first < 128).mean() > 0.02, "'信' left no ink"
    assert _differ(first, second), "'信' and '证' render the same box"
    assert _differ(first, missing), "'信' renders as a missing glyph"


def test_switching_to_english(page: Any, served: Served) -> None:
    sign_in(page, served)
    document = served.built.seeded.documents["review"]
    find_by_id(page, document["id"])
    page.click("a.lang")
    page.wait_for_url("**lang=en")
    assert page.inner_text("#status") == "under human review"
    assert "This costs about" in page.inner_text("#reasons")
    assert "Awaiting review" in page.inner_text("#banner")
    page.goto("/console/disputes")
    assert "Dispute queue" in page.inner_text("h1")


# --- disputes ----------------------------------------------------------------------


def test_open_a_dispute_and_see_it_queued(page: Any, served: Served) -> None:
    sign_in(page, served)
    document = served.built.seeded.documents["to_dispute_in_browser"]
    find_by_id(page, document["id"])
    page.click("#open-dispute")
    page.select_option("#field", "on_time_payment_ratio_12m")
    page.fill("#reason", "Paid; call back on 13912345678")
    page.click("#submit-dispute")
    assert "不要填写手机号码" in page.inner_text("#form-errors")
    assert "13912345678" not in page.content()
    assert page.input_value("#field") == "on_time_payment_ratio_12m"
    page.fill("#reason", "The October bill was paid on time; bank receipt kept")
    page.click("#submit-dispute")
    page.wait_for_url(f"**/console/certificates/{document['id']}?opened=*")
    assert page.inner_text("#status") == "异议处理中"
    assert "答复期限" in page.inner_text(".notice")
    page.click("nav >> text=异议队列")
    page.wait_for_url("**/console/disputes")
    link = f"a[href='/console/certificates/{document['id']}']"
    row = page.locator(f"tr.dispute:has({link})")
    assert row.count() == 1
    assert "近12个月按时缴费比例" in row.inner_text()


def test_overdue_dispute_is_highlighted(page: Any, served: Served) -> None:
    sign_in(page, served)
    page.goto("/console/disputes")
    seeded = served.built.seeded
    overdue = page.locator(f"tr[data-dispute='{seeded.overdue_dispute}']")
    in_time = page.locator(f"tr[data-dispute='{seeded.in_time_dispute}']")
    colour = "e => getComputedStyle(e).backgroundColor"
    assert overdue.evaluate(colour) != in_time.evaluate(colour)
    assert "已超期" in overdue.inner_text()
    assert "还剩" in in_time.inner_text()


def test_sign_out_ends_the_session(page: Any, served: Served) -> None:
    sign_in(page, served)
    page.click("header button[type=submit]")
    page.wait_for_url("**/console/sign-in?out=1")
    assert "您已退出" in page.inner_text(".notice")
    page.goto("/console/disputes")
    assert "/console/sign-in" in page.url


# --- screenshots, taken last ----------------------------------------------------------


def _shot(page: Any, name: str) -> None:
    bottom = page.evaluate(
        "Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY)"
    )
    height = min(bottom + 24, SCREENSHOT_MAX_HEIGHT)
    png = page.screenshot(
        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
        full_page=True,
    )
    assert _pixels(png).std() > 3, f"{name}: blank"
    if os.environ.get("CREDCERT_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
        image.save(SCREENSHOTS / f"console-{name}.png", optimize=True)


def test_every_page_renders_for_screenshots(page: Any, served: Served) -> None:
    page.goto("/console/sign-in")
    _shot(page, "sign-in")
    sign_in(page, served)
    _shot(page, "search")
    issued = served.built.seeded.documents["issued"]["id"]
    page.goto(f"/console/certificates/{issued}")
    _shot(page, "certificate-zh")
    review = served.built.seeded.documents["review"]["id"]
    page.goto(f"/console/certificates/{review}?lang=en")
    _shot(page, "certificate-en")
    denied = served.built.seeded.documents["denied"]["id"]
    page.goto(f"/console/certificates/{denied}")
    _shot(page, "denied-en")
    page.goto(f"/console/certificates/{review}/dispute?lang=zh")
    _shot(page, "dispute")
    page.goto("/console/disputes")
    _shot(page, "disputes")
    page.goto("/console/reviews")
    _shot(page, "reviews")
    page.goto("/console/certificates/cc-no-such-certificate")
    _shot(page, "not-found")
    page.click("header button[type=submit]")
    page.wait_for_url("**/console/sign-in?out=1")
    sign_in(page, served, "risk")
    page.goto(f"/console/certificates/{review}/review")
    _shot(page, "review-decision")
