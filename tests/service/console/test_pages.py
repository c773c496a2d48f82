"""The console over HTTP (no browser): sessions, CSRF, search, pages, disputes.

Each test runs on SQLite and PostgreSQL with the seeded certificates of
``helpers.seed``. The browser tests (``test_browser.py``) walk the same pages
in Chromium.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from credcert.access import queries_for
from credcert.service import ApiKeys
from credcert.store._tables import disputes
from tests.service.console.conftest import Console
from tests.service.console.helpers import OVERDUE_OPENED_DAYS_AGO, RECORD_OF, csrf_of

PAGES = ("/console/search", "/console/disputes", "/console/reviews")


def _text(html: str) -> str:
    """A page's visible text, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- signing in and out --------------------------------------------------------------


def test_sign_in_sets_a_strict_http_only_session_cookie(console: Console) -> None:
    form = console.client.get("/console/sign-in")
    response = console.client.post(
        "/console/sign-in",
        data={"api_key": console.tokens["agent"], "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/search"
    cookie = next(
        c
        for c in response.headers.get_list("set-cookie")
        if c.startswith("credcert_console=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/console" in cookie
    assert console.tokens["agent"] not in cookie
    assert console.tokens["agent"] not in response.headers["location"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_session(console: Console, path: str) -> None:
    response = console.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/sign-in")


def test_a_bearer_key_is_not_a_console_session(console: Console) -> None:
    response = console.client.get(
        "/console/search",
        headers={"Authorization": f"Bearer {console.tokens['agent']}"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_a_wrong_key_is_refused_with_a_page(console: Console) -> None:
    form = console.client.get("/console/sign-in")
    response = console.client.post(
        "/console/sign-in",
        data={"api_key": "cck_not-a-key", "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 401
    assert "密钥无效或已被吊销" in response.text
    assert "cck_not-a-key" not in response.text
    assert "credcert_console=" not in ";".join(response.headers.get_list("set-cookie"))


@pytest.mark.parametrize("role", ["partner", "subject", "regulator"])
def test_other_roles_cannot_sign_in(console: Console, role: str) -> None:
    form = console.client.get("/console/sign-in?lang=en")
    response = console.client.post(
        "/console/sign-in?lang=en",
        data={"api_key": console.tokens[role], "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 403
    assert f"Keys of role {role} cannot use the agent console" in response.text
    assert console.client.get("/console/search", follow_redirects=False).is_redirect


@pytest.mark.parametrize("role", ["risk", "admin"])
def test_risk_and_admin_keys_can_sign_in(console: Console, role: str) -> None:
    console.sign_in(role)
    assert console.page("issued").status_code == 200


def test_sign_in_without_the_form_token_is_refused(console: Console) -> None:
    console.client.get("/console/sign-in")
    response = console.client.post(
        "/console/sign-in", data={"api_key": console.tokens["agent"]}
    )
    assert response.status_code == 403
    assert "表单已过期或来源不明" in response.text
    assert console.client.get("/console/search", follow_redirects=False).is_redirect


def test_a_post_from_another_origin_is_refused(console: Console) -> None:
    csrf = console.sign_in()
    response = console.client.post(
        "/console/sign-out",
        data={"csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert console.client.get("/console/search").status_code == 200


def test_sign_out_ends_the_session(console: Console) -> None:
    csrf = console.sign_in()
    cookie = console.client.cookies.get("credcert_console")
    response = console.client.post(
        "/console/sign-out", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    console.client.cookies.set("credcert_console", cookie or "", path="/console")
    again = console.client.get("/console/search", follow_redirects=False)
    assert again.status_code == 303, "the old session cookie still works"


def test_revoking_the_key_ends_its_sessions(console: Console) -> None:
    keys = ApiKeys(console.services.store)
    key, token = keys.create(role="agent", label="leaving agent", at=console.clock())
    console.sign_in_with(token)
    keys.revoke(key.id, console.clock())
    response = console.client.get("/console/search", follow_redirects=False)
    assert response.status_code == 303


def test_an_idle_session_expires(console: Console) -> None:
    console.sign_in()
    console.clock.advance(minutes=31)
    response = console.client.get("/console/search", follow_redirects=False)
    assert response.status_code == 303


# --- finding a certificate ----------------------------------------------------------


def test_find_by_id_goes_to_the_certificate(console: Console) -> None:
    console.sign_in()
    cid = console.built.seeded.documents["denied"]["id"]
    response = console.client.get(f"/console/find?id={cid}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/certificates/{cid}"


def test_find_by_pseudonym_goes_to_the_live_certificate(console: Console) -> None:
    console.sign_in()
    document = console.built.seeded.documents["issued"]
    response = console.client.get(
        f"/console/find?subject={document['subject']}", follow_redirects=False
    )
    assert response.headers["location"] == f"/console/certificates/{document['id']}"


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("id=not%20an%20id", 422, "证书编号格式不对"),
        ("id=cc-000000000000000000000000", 404, "没有找到这张证书"),
        ("subject=sp1_xyz", 422, "用户标识格式不对"),
        (f"subject=sp1_{'0' * 32}", 404, "没有找到该用户的证书"),
        ("", 422, "证书编号格式不对"),
    ],
)
def test_bad_searches_say_what_was_wrong(
    console: Console, query: str, status: int, words: str
) -> None:
    console.sign_in()
    response = console.client.get(f"/console/find?{query}")
    assert response.status_code == status
    assert words in response.text


def test_find_by_phone_hashes_the_number_and_goes_to_the_certificate(
    console: Console, caplog: pytest.LogCaptureFixture
) -> None:
    csrf = console.sign_in()
    record = console.records[RECORD_OF["review"]]
    with caplog.at_level(logging.DEBUG):
        response = console.client.post(
            "/console/find/phone",
            data={
                "msisdn": record.msisdn,
                "activated_on": record.activated_on.isoformat(),
                "csrf_token": csrf,
            },
            follow_redirects=False,
        )
    assert response.status_code == 303
    cid = console.built.seeded.documents["review"]["id"]
    assert response.headers["location"] == f"/console/certificates/{cid}"
    assert record.msisdn not in response.headers["location"]
    assert record.msisdn not in caplog.text
    engine = console.services.store.engine
    tables = inspect(engine).get_table_names()
    assert {"certificates", "decision_log", "queries", "disputes"} <= set(tables)
    with engine.connect() as conn:
        for table in tables:
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                assert record.msisdn not in str(row), f"table {table} holds it"


@pytest.mark.parametrize(
    ("msisdn", "activated", "status", "words"),
    [
        ("12345", "2019-05-01", 422, "手机号码格式不对"),
        ("23800138000", "2019-05-01", 422, "手机号码格式不对"),
        ("13800138000", "2019-13-01", 422, "入网日期格式不对"),
        ("13800138000", "2099-01-01", 422, "入网日期格式不对"),
        ("13800138000", "2019-05-01", 404, "没有找到该用户的证书"),
    ],
)
def test_bad_phone_searches_never_echo_the_number(
    console: Console,
    caplog: pytest.LogCaptureFixture,
    msisdn: str,
    activated: str,
    status: int,
    words: str,
) -> None:
    csrf = console.sign_in()
    with caplog.at_level(logging.DEBUG):
        response = console.client.post(
            "/console/find/phone",
            data={"msisdn": msisdn, "activated_on": activated, "csrf_token": csrf},
        )
    assert response.status_code == status
    assert words in response.text
    assert msisdn not in response.text
    assert msisdn not in caplog.text


def test_phone_search_without_the_form_token_is_refused(console: Console) -> None:
    console.sign_in()
    record = console.records[0]
    response = console.client.post(
        "/console/find/phone",
        data={"msisdn": record.msisdn, "activated_on": "2019-05-01"},
    )
    assert response.status_code == 403
    assert record.msisdn not in response.text


# --- the certificate page ----------------------------------------------------------


def test_page_shows_the_figures_and_sentences_of_the_certificate(
    console: Console,
) -> None:
    console.sign_in()
    document = console.built.seeded.documents["review"]
    text = _text(console.page("review").text)
    assert f"{document['score']:,.0f}" in text
    assert f"{document['grade']} 等级 · " in text
    for subscore in document["subscores"]:
        assert f"{subscore['percent']:.0f}%" in text
    scored = [r for r in document["reasons"] if r["kind"] == "score"]
    assert scored, "the review certificate has score reasons"
    for reason in scored:
        assert reason["code"] in text
        # The whole sentence says what it cost against the average.
        assert re.search(r"这一项比平均水平少约\d+分", text)
    for flag in document["flags"]:
        assert flag["rule_id"] in text
        for basis in flag["legal_basis"]:
            assert basis in text
    for tip in document["suggestions"]:
        assert tip["text"]["zh"] in text
        assert f"{tip['months']}个月内" in text
    assert "等待人工复核" in text
    assert document["versions"]["scorecard"] in text


def test_each_page_read_is_in_the_subjects_query_log(console: Console) -> None:
    console.sign_in()
    document = console.built.seeded.documents["denied"]
    before = len(queries_for(console.services.store, document["subject"]))
    assert console.page("denied").status_code == 200
    log = queries_for(console.services.store, document["subject"])
    assert len(log) == before + 1
    assert log[0]["certificate_id"] == document["id"]
    assert log[0]["role"] == "agent"
    assert log[0]["key_id"] == console.key_ids["agent"]
    assert log[0]["purpose"] == "console"


def test_english_page_uses_english_sentences(console: Console) -> None:
    console.sign_in()
    cid = console.built.seeded.documents["review"]["id"]
    text = _text(console.client.get(f"/console/certificates/{cid}?lang=en").text)
    assert "Awaiting review" in text
    assert "This costs about" in text
    assert "against the average" in text
    # The choice stays with the session.
    assert "Find a certificate" in console.client.get("/console/search").text


@pytest.mark.parametrize(
    ("name", "banner"),
    [
        ("denied", "不予出具证书"),
        ("disputed", "异议处理中"),
        ("review", "等待人工复核"),
    ],
)
def test_status_banner(console: Console, name: str, banner: str) -> None:
    console.sign_in()
    assert banner in console.page(name).text


def test_superseded_certificate_points_to_its_successor(console: Console) -> None:
    console.sign_in()
    old = console.built.seeded.superseded_id
    html = console.client.get(f"/console/certificates/{old}").text
    assert "已被新证书取代" in html
    assert (
        f'href="/console/certificates/{console.built.seeded.documents["issued"]["id"]}"'
        in html
    )


def test_page_says_what_changed_since_the_previous_certificate(
    console: Console,
) -> None:
    console.sign_in()
    current = console.built.seeded.documents["issued"]
    html = console.page("issued").text
    section = html[html.index('id="changes"') : html.index('id="history"')]
    assert console.built.seeded.superseded_id in section
    old = console.client.get(
        f"/console/certificates/{console.built.seeded.superseded_id}"
    )
    assert "与上一张证书相比" not in old.text
    rows = dict(
        re.findall(
            r'<tr class="(?:up|down)"><td>([^<]+)</td><td class="num">([^<]+) 分',
            section,
        )
    )
    # More bills paid on time and no abnormal logins now: both earn points.
    for name in ("近12个月按时缴费比例", "近90天异常登录次数"):
        assert name in rows, f"{name} not listed as changed: {rows}"
        assert rows[name].startswith("+")
    before = re.search(r"(\d[\d,]*) → " + f"{current['score']:,.0f}", section)
    assert before is not None


def test_history_lists_every_certificate_of_the_subject(console: Console) -> None:
    console.sign_in()
    html = console.page("issued").text
    assert console.built.seeded.superseded_id in html
    assert "（本证书）" in html


def test_unknown_certificate_is_a_page_not_a_trace(console: Console) -> None:
    console.sign_in()
    response = console.client.get("/console/certificates/cc-nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "没有找到这张证书" in response.text
    assert "Traceback" not in response.text


def test_unknown_console_path_is_a_page(console: Console) -> None:
    response = console.client.get("/console/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_an_oversized_post_is_refused_with_a_page(console: Console) -> None:
    csrf = console.sign_in()
    limit = console.services.settings.max_body_bytes
    response = console.client.post(
        "/console/find/phone",
        data={"csrf_token": csrf, "msisdn": "1" * (limit + 10)},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "提交的内容太长" in response.text


def test_an_oversized_post_without_a_length_is_refused_with_a_page(
    console: Console,
) -> None:
    csrf = console.sign_in()
    limit = console.services.settings.max_body_bytes
    chunks = [f"csrf_token={csrf}&msisdn=".encode(), b"1" * (limit + 10)]
    response = console.client.post(
        "/console/find/phone",
        content=iter(chunks),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "提交的内容太长" in response.text


def test_pages_carry_security_headers(console: Console) -> None:
    console.sign_in()
    response = console.page("issued")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


# --- disputes ------------------------------------------------------------------------


def _dispute(console: Console, csrf: str, name: str, **data: str) -> Any:
    cid = console.built.seeded.documents[name]["id"]
    return console.client.post(
        f"/console/certificates/{cid}/dispute",
        data={"csrf_token": csrf, **data},
        follow_redirects=False,
    )


def _dispute_count(console: Console) -> int:
    with console.services.store.engine.connect() as conn:
        return len(conn.execute(select(disputes.c.id)).all())


def test_opening_a_dispute_marks_the_certificate_and_queues_it(
    console: Console,
) -> None:
    csrf = console.sign_in()
    response = _dispute(
        console,
        csrf,
        "to_dispute",
        field="late_payments_12m",
        reason="The March payment was made on time",
    )
    assert response.status_code == 303
    page = console.client.get(response.headers["location"])
    assert "异议处理中" in page.text
    due = (console.clock().date() + dt.timedelta(days=20)).isoformat()
    assert f"答复期限：{due}" in page.text
    queue = console.client.get("/console/disputes").text
    cid = console.built.seeded.documents["to_dispute"]["id"]
    row = re.search(
        rf'<tr class="dispute"[^>]*>(?:(?!</tr>).)*{cid}(?:(?!</tr>).)*</tr>',
        queue,
        re.S,
    )
    assert row is not None, "the new dispute is not in the queue"
    assert "近12个月逾期缴费次数" in row.group(0)
    assert "The March payment was made on time" in row.group(0)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"field": "", "reason": "The bill was paid on time"}, "请从列表中选择"),
        ({"field": "msisdn", "reason": "The bill was paid on time"}, "请从列表中选择"),
        ({"field": "tenure_months", "reason": "  "}, "请写明异议理由"),
        ({"field": "tenure_months", "reason": "x" * 2001}, "异议理由太长"),
        ({"field": "tenure_months", "reason": "paid\x07 on time"}, "不可打印的字符"),
        (
            {"field": "tenure_months", "reason": "call me on 13800138000"},
            "不要填写手机号码",
        ),
    ],
)
def test_bad_disputes_are_refused_and_change_nothing(
    console: Console, data: dict[str, str], words: str
) -> None:
    csrf = console.sign_in()
    before = _dispute_count(console)
    response = _dispute(console, csrf, "issued", **data)
    assert response.status_code == 422
    assert words in response.text
    assert "13800138000" not in response.text
    assert _dispute_count(console) == before
    assert "已签发" in console.page("issued").text


def test_dispute_without_the_form_token_changes_nothing(console: Console) -> None:
    console.sign_in()
    before = _dispute_count(console)
    cid = console.built.seeded.documents["issued"]["id"]
    response = console.client.post(
        f"/console/certificates/{cid}/dispute",
        data={"field": "tenure_months", "reason": "The number is older"},
    )
    assert response.status_code == 403
    assert _dispute_count(console) == before


def test_superseded_certificate_cannot_be_disputed(console: Console) -> None:
    csrf = console.sign_in()
    old = console.built.seeded.superseded_id
    response = console.client.post(
        f"/console/certificates/{old}/dispute",
        data={"csrf_token": csrf, "field": "tenure_months", "reason": "It is wrong"},
    )
    assert response.status_code == 409
    assert "不能再提出异议" in response.text


def _overdue_marks(html: str) -> dict[int, bool]:
    rows = re.findall(r'<tr class="dispute( overdue)?" data-dispute="(\d+)"', html)
    return {int(number): bool(overdue) for overdue, number in rows}


def test_overdue_dispute_is_highlighted_by_the_app_clock(console: Console) -> None:
    seeded = console.built.seeded
    console.sign_in()
    html = console.client.get("/console/disputes").text
    marks = _overdue_marks(html)
    assert marks[seeded.overdue_dispute] is True
    assert marks[seeded.in_time_dispute] is False
    assert f"已超期 {OVERDUE_OPENED_DAYS_AGO - 20} 天" in html
    # Nineteen days on, the one opened two days before T0 is overdue too.
    console.clock.advance(days=19)
    console.sign_in()
    marks = _overdue_marks(console.client.get("/console/disputes").text)
    assert marks[seeded.in_time_dispute] is True


# --- review decisions --------------------------------------------------------------


def test_a_reviewer_approves_a_held_certificate(console: Console) -> None:
    csrf = console.sign_in("risk")
    held = console.built.seeded.documents["to_review"]["id"]
    page = console.client.get(f"/console/certificates/{held}").text
    assert f'href="/console/certificates/{held}/review"' in page
    form = console.client.get(f"/console/certificates/{held}/review")
    assert form.status_code == 200
    assert "批准（已签发）" in form.text
    response = console.client.post(
        f"/console/certificates/{held}/review",
        data={"csrf_token": csrf, "decision": "approve", "reason": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303
    new = console.client.get(response.headers["location"])
    assert f"复核已完成：本证书取代了待复核的证书 {held}" in new.text
    assert '<span class="status status-issued" id="status">已签发</span>' in new.text
    old = console.client.get(f"/console/certificates/{held}").text
    assert "已被新证书取代" in old
    assert held not in console.client.get("/console/reviews").text


def test_an_override_needs_a_reason_and_changes_nothing_without_one(
    console: Console,
) -> None:
    csrf = console.sign_in("risk")
    held = console.built.seeded.documents["review"]["id"]
    response = console.client.post(
        f"/console/certificates/{held}/review",
        data={"csrf_token": csrf, "decision": "override:denied", "reason": " "},
    )
    assert response.status_code == 422
    assert "改判必须写明理由" in response.text
    assert 'value="override:denied" checked' in response.text
    assert "人工复核中" in console.page("review").text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_agents_cannot_decide_reviews(console: Console, method: str) -> None:
    csrf = console.sign_in("agent")
    held = console.built.seeded.documents["review"]["id"]
    assert '/review"' not in console.page("review").text
    response = console.client.request(
        method,
        f"/console/certificates/{held}/review",
        data={"csrf_token": csrf, "decision": "approve"} if method == "POST" else None,
    )
    assert response.status_code == 403
    assert "人工复核中" in console.page("review").text
