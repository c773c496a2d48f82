"""The console's pages: sign-in, search, certificate, dispute form, queues.

Every page is server-rendered HTML (Jinja2, autoescaped, no script). Pages
that read a subject's data need a session of role agent, risk or admin
(:mod:`credcert.service.console._session`); every form post needs the
session's CSRF token. A phone number is accepted only in the body of a POST,
hashed with the pseudonymizer at once, and never stored, logged, put in a
URL or written back into a page, not even into an error message.

Errors on a console page are answered with a console page (never JSON, never
a stack trace): :class:`ConsoleRoute` turns each exception of a handler into
one, and adds the console's security headers to every response.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from credcert import disputes, review
from credcert._errors import CertificateNotFoundError, RequestError, StoreError
from credcert._reasons import MAX_REASON
from credcert.service.auth import _ROLE_ATTRIBUTE, ApiKeys, public
from credcert.service.console import _data
from credcert.service.console._pages import (
    DISPUTABLE,
    LANGUAGES,
    certificate_page,
    dispute_fields,
    dispute_rows,
    labels,
)
from credcert.service.console._sentences import ReasonSentences
from credcert.service.console._session import (
    CONSOLE_ROLES,
    CSRF_FIELD,
    MAX_HOURS,
    PRE_COOKIE,
    SESSION_COOKIE,
    Session,
    Sessions,
    clear_cookie,
    same_origin,
    set_cookie,
    tokens_match,
)
from credcert.service.deps import Services, ServicesDep
from credcert.service.gates import record_read
from credcert.store import StoredCertificate

__all__ = ["ConsoleBodyLimit", "ConsoleRoute", "router"]

logger = logging.getLogger(__name__)

_HERE = Path(__file__).parent
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SUBJECT = re.compile(r"^sp1_[0-9a-f]{32}$")
#: Mainland-China mobile number (the data contract's ``msisdn``).
_MSISDN = re.compile(r"^1[3-9][0-9]{9}$")
#: Roles that decide held certificates (as the API's review route allows).
REVIEWERS: tuple[str, ...] = ("risk",)
#: The page's message for each refusal code of :func:`credcert.review.decide_review`.
_REVIEW_REFUSALS = {
    "unknown_decision": "bad_decision",
    "missing_final_status": "bad_decision",
    "not_an_override": "bad_decision",
    "conflicting_status": "bad_decision",
    "missing_reason": "review_needs_reason",
    "reason_too_long": "reason_too_long",
    "control_character": "reason_unprintable",
    "personal_identifier": "reason_has_number",
}
#: Most open disputes or held certificates a queue page lists.
QUEUE_LIMIT = 500
#: The page's message for each refusal code of :func:`credcert.disputes.open_dispute`.
_DISPUTE_REFUSALS = {
    "unknown_field": "bad_field",
    "missing_reason": "bad_reason",
    "reason_too_long": "reason_too_long",
    "control_character": "reason_unprintable",
    "personal_identifier": "reason_has_number",
}
_EARLIEST_ACTIVATION = dt.date(1990, 1, 1)
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

_env = Environment(
    loader=FileSystemLoader(str(_HERE / "templates")),
    autoescape=select_autoescape(enabled_extensions=("j2",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# --- errors answered as pages ---------------------------------------------------------


class PageError(Exception):
    """An error the console answers with a page: status and a label key."""

    def __init__(self, status: int, label: str, **values: Any) -> None:
        super().__init__(label)
        self.status = status
        self.label = label
        self.values = values


class SignInNeededError(Exception):
    """No live session: the browser is sent to the sign-in page."""


class ConsoleRoute(APIRoute):
    """A route whose errors become console pages, with security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as exc:  # every failure becomes a page
                response = _failure_page(request, exc)
            response.headers.update(_HEADERS)
            return response

        return handle


class ConsoleBodyLimit:
    """Refuse a console post whose declared size is over the limit, with a page.

    The service's own limit (:class:`credcert.service.errors.BodyLimit`)
    answers in the API's JSON; for ``/console`` paths this middleware, placed
    outside it, answers a declared ``Content-Length`` over the limit with the
    console's 413 page before any byte is read. A body without a declared
    length is still counted by the service's limit while the page reads it,
    and the page's handler turns the refusal into the same 413 page.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith("/console"):
            request = Request(scope)
            limit = request.app.state.services.settings.max_body_bytes
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                response = error_page(request, 413, "error_413")
                response.headers.update(_HEADERS)
                response.headers["Connection"] = "close"
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _failure_page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SignInNeededError):
        return RedirectResponse("/console/sign-in?expired=1", status_code=303)
    if isinstance(exc, PageError):
        return error_page(request, exc.status, exc.label, **exc.values)
    if isinstance(exc, CertificateNotFoundError):
        return error_page(request, 404, "no_certificate")
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 413:
            return error_page(request, 413, "error_413")
        return error_page(request, exc.status_code, "error_404")
    if isinstance(exc, SQLAlchemyError | StoreError):
        logger.error("console: database failure %s", type(exc).__name__)
        return error_page(request, 503, "error_unavailable")
    logger.error(
        "console: unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url.path,
    )
    return error_page(request, 500, "error_500")


# --- rendering ------------------------------------------------------------------------


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.console_sessions
    return sessions


def _lang(request: Request, session: Session | None) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return session.lang if session is not None else "zh"


def render(
    request: Request,
    template: str,
    *,
    session: Session | None,
    status: int = 200,
    page: str = "",
    notice: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A console page in the language of the request or the session."""
    lang = _lang(request, session)
    other = "en" if lang == "zh" else "zh"
    if request.method == "GET":
        other_url = str(request.url.include_query_params(lang=other))
        other_url = other_url[len(str(request.base_url)) - 1 :]
    else:
        other_url = f"/console/search?lang={other}"
    html = _env.get_template(template).render(
        lang=lang,
        t=labels(lang),
        session=session,
        page=page,
        notice=notice,
        other_lang_url=other_url,
        reviews_enabled=True,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, label: str, **values: Any) -> Response:
    """A console error page; the message is a fixed label, never the input."""
    session = _sessions(request).find(
        request.cookies.get(SESSION_COOKIE), request.app.state.services
    )
    words = labels(_lang(request, session))
    return render(
        request,
        "error.html.j2",
        session=session,
        status=status,
        status_code=status,
        message=words[label].format(**values),
    )


# --- who may call ---------------------------------------------------------------------


def signed_in(*roles: str) -> Any:
    """Declare the roles that may open a console page; the parameter gets a Session."""
    allowed = tuple(roles)

    async def check(request: Request, services: ServicesDep) -> Session:
        session = _sessions(request).find(request.cookies.get(SESSION_COOKIE), services)
        if session is None:
            raise SignInNeededError()
        if session.caller.role not in allowed:
            raise PageError(403, "error_403")
        asked = request.query_params.get("lang")
        if asked in LANGUAGES and asked != session.lang:
            session = _sessions(request).set_lang(session, asked)
        return session

    setattr(check, _ROLE_ATTRIBUTE, allowed)
    return Depends(check)


Agent = Annotated[Session, signed_in(*CONSOLE_ROLES)]
Reviewer = Annotated[Session, signed_in(*REVIEWERS)]


async def _form(request: Request, expected: str | None) -> dict[str, str]:
    """The posted form, once its origin and CSRF token are checked."""
    if not same_origin(request):
        raise PageError(403, "error_csrf")
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if not tokens_match(expected, values.get(CSRF_FIELD)):
        raise PageError(403, "error_csrf")
    return values


router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


# --- sign-in and sign-out ------------------------------------------------------------


@router.get("/console", dependencies=[public()])
def console_home(request: Request, services: ServicesDep) -> Response:
    session = _sessions(request).find(request.cookies.get(SESSION_COOKIE), services)
    target = "/console/search" if session is not None else "/console/sign-in"
    return RedirectResponse(target, status_code=303)


@router.get("/console/static/console.css", dependencies=[public()])
def stylesheet() -> Response:
    return FileResponse(_HERE / "static" / "console.css", media_type="text/css")


def _sign_in_page(
    request: Request, *, error: str | None = None, status: int = 200
) -> Response:
    token = request.cookies.get(PRE_COOKIE) or _new_token()
    notice = None
    if request.query_params.get("expired"):
        notice = labels(_lang(request, None))["expired"]
    if request.query_params.get("out"):
        notice = labels(_lang(request, None))["signed_out"]
    response = render(
        request,
        "sign_in.html.j2",
        session=None,
        status=status,
        csrf=token,
        error=error,
        notice=notice,
    )
    set_cookie(response, request, PRE_COOKIE, token, max_age=3600)
    return response


def _new_token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


@router.get("/console/sign-in", dependencies=[public()])
def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/console/sign-in", dependencies=[public()])
async def sign_in(request: Request, services: ServicesDep) -> Response:
    form = await _form(request, request.cookies.get(PRE_COOKIE))
    t = labels(_lang(request, None))
    key = form.get("api_key", "").strip()
    if not key:
        return _sign_in_page(request, error=t["no_key"], status=400)
    caller = ApiKeys(services.store).authenticate(key)
    if caller is None:
        logger.info("console sign-in refused: unknown or revoked key")
        return _sign_in_page(request, error=t["bad_key"], status=401)
    if caller.role not in CONSOLE_ROLES:
        logger.info(
            "console sign-in refused: key %s of role %s", caller.key_id, caller.role
        )
        return _sign_in_page(
            request, error=t["bad_role"].format(role=caller.role), status=403
        )
    session = _sessions(request).start(caller, services.now())
    lang = _lang(request, None)
    if lang != session.lang:
        session = _sessions(request).set_lang(session, lang)
    logger.info("console sign-in: key %s (%s)", caller.key_id, caller.role)
    response = RedirectResponse("/console/search", status_code=303)
    lifetime = MAX_HOURS * 3600
    set_cookie(response, request, SESSION_COOKIE, session.id, max_age=lifetime)
    clear_cookie(response, request, PRE_COOKIE)
    return response


@router.post("/console/sign-out")
async def sign_out(request: Request, session: Agent) -> Response:
    await _form(request, session.csrf)
    _sessions(request).end(session.id)
    logger.info("console sign-out: key %s", session.caller.key_id)
    response = RedirectResponse("/console/sign-in?out=1", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


# --- finding a certificate ------------------------------------------------------------


def _search(
    request: Request,
    session: Session,
    *,
    error: str | None = None,
    status: int = 200,
    form: Mapping[str, str] | None = None,
) -> Response:
    values = {"id": "", "subject": "", "activated_on": ""}
    values.update(form or {})
    return render(
        request,
        "search.html.j2",
        session=session,
        page="search",
        status=status,
        error=error,
        form=values,
    )


@router.get("/console/search")
def search(request: Request, session: Agent) -> Response:
    return _search(request, session)


@router.get("/console/find")
def find(request: Request, session: Agent, services: ServicesDep) -> Response:
    t = labels(session.lang)
    certificate_id = request.query_params.get("id", "").strip()
    subject = request.query_params.get("subject", "").strip()
    if certificate_id:
        if not _ID.match(certificate_id):
            return _search(request, session, error=t["bad_id"], status=422)
        try:
            services.store.certificate(certificate_id)
        except CertificateNotFoundError:
            return _search(
                request,
                session,
                error=t["no_certificate"],
                status=404,
                form={"id": certificate_id},
            )
        return _redirect_to_certificate(certificate_id)
    if subject:
        if not _SUBJECT.match(subject):
            return _search(request, session, error=t["bad_subject"], status=422)
        return _subject_redirect(request, session, services, subject)
    return _search(request, session, error=t["bad_id"], status=422)


@router.post("/console/find/phone")
async def find_by_phone(
    request: Request, session: Agent, services: ServicesDep
) -> Response:
    form = await _form(request, session.csrf)
    t = labels(session.lang)
    msisdn = form.get("msisdn", "").strip().replace(" ", "")
    activated = _date(form.get("activated_on", ""), services.now().date())
    kept = {"activated_on": form.get("activated_on", "")[:10]}
    if not _MSISDN.match(msisdn):
        return _search(request, session, error=t["bad_phone"], status=422, form=kept)
    if activated is None:
        return _search(request, session, error=t["bad_date"], status=422)
    subject = services.pseudonymizer.subject(msisdn, activated)
    del msisdn, form
    return _subject_redirect(request, session, services, subject, form=kept)


def _date(text: str, today: dt.date) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if _EARLIEST_ACTIVATION <= day <= today else None


def _subject_redirect(
    request: Request,
    session: Session,
    services: Services,
    subject: str,
    form: Mapping[str, str] | None = None,
) -> Response:
    current = services.store.current(subject)
    if current is None:
        history = _data.subject_history(services.store, subject)
        if not history:
            t = labels(session.lang)
            return _search(
                request, session, error=t["no_subject"], status=404, form=form
            )
        return _redirect_to_certificate(history[0].id)
    return _redirect_to_certificate(current.id)


def _redirect_to_certificate(certificate_id: str) -> Response:
    return RedirectResponse(
        f"/console/certificates/{quote(certificate_id)}", status_code=303
    )


@router.get("/console/subjects/{subject}")
def subject_page(
    subject: str, request: Request, session: Agent, services: ServicesDep
) -> Response:
    if not _SUBJECT.match(subject):
        raise PageError(404, "no_subject")
    return _subject_redirect(request, session, services, subject)


# --- the certificate page -------------------------------------------------------------


def _sentences(request: Request, services: Services) -> ReasonSentences:
    state = request.app.state
    found: ReasonSentences | None = getattr(state, "console_sentences", None)
    if found is None or found.scorecard is not services.scorecard:
        found = ReasonSentences(services.scorecard)
        state.console_sentences = found
    return found


def _previous(
    services: Services, history: list[_data.HistoryRow], stored: StoredCertificate
) -> StoredCertificate | None:
    """The subject's certificate issued just before ``stored``, if any."""
    ids = [row.id for row in history]
    if stored.id not in ids or ids.index(stored.id) + 1 >= len(ids):
        return None
    return services.store.certificate(ids[ids.index(stored.id) + 1])


def _disputes_of(services: Services, stored: StoredCertificate) -> list[dict[str, Any]]:
    every = disputes.list_disputes(
        services.store, as_of=services.now().date(), status=None, subject=stored.subject
    )
    return [d for d in every if d["certificate_id"] == stored.id][::-1]


def _stored(services: Services, certificate_id: str) -> StoredCertificate:
    if not _ID.match(certificate_id):
        raise PageError(404, "no_certificate")
    return services.store.certificate(certificate_id)


@router.get("/console/certificates/{certificate_id}")
def certificate(
    certificate_id: str, request: Request, session: Agent, services: ServicesDep
) -> Response:
    stored = _stored(services, certificate_id)
    record_read(services, session.caller, stored, purpose="console")
    today = services.now().date()
    history = _data.subject_history(services.store, stored.subject)
    view = certificate_page(
        stored,
        lang=session.lang,
        sentences=_sentences(request, services),
        ruleset=services.ruleset,
        history=history,
        previous=_previous(services, history, stored),
        disputes=_disputes_of(services, stored),
        today=today,
        policies=services.disclosure.policies,
        at=services.now(),
    )
    view["can_review"] = stored.status == "review" and session.caller.role in REVIEWERS
    notice = None
    reviewed = request.query_params.get("reviewed")
    if reviewed and _ID.match(reviewed):
        notice = labels(session.lang)["review_decided"].format(held=reviewed)
    opened = request.query_params.get("opened")
    if opened and opened.isdigit():
        found = [d for d in view["disputes"] if str(d["id"]) == opened]
        if found:
            notice = labels(session.lang)["dispute_opened"].format(
                id=opened, due=found[0]["due_on"]
            )
    return render(
        request, "certificate.html.j2", session=session, c=view, notice=notice
    )


# --- disputes -------------------------------------------------------------------------


def _dispute_form(
    request: Request,
    session: Session,
    certificate_id: str,
    *,
    errors: list[str] | None = None,
    form: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    values = {"field": "", "reason": ""}
    values.update(form or {})
    return render(
        request,
        "dispute_form.html.j2",
        session=session,
        status=status,
        certificate_id=certificate_id,
        fields=dispute_fields(session.lang),
        errors=errors or [],
        form=values,
        reason_max=MAX_REASON,
    )


@router.get("/console/certificates/{certificate_id}/dispute")
def dispute_form(
    certificate_id: str, request: Request, session: Agent, services: ServicesDep
) -> Response:
    stored = _stored(services, certificate_id)
    _check_disputable(stored, session)
    return _dispute_form(request, session, stored.id)


def _check_disputable(stored: StoredCertificate, session: Session) -> None:
    if stored.status not in DISPUTABLE:
        words = labels(session.lang)
        status = words.get(f"status_{stored.status}", stored.status)
        raise PageError(409, "cannot_dispute", status_words=status)


@router.post("/console/certificates/{certificate_id}/dispute")
async def open_dispute(
    certificate_id: str, request: Request, session: Agent, services: ServicesDep
) -> Response:
    form = await _form(request, session.csrf)
    stored = _stored(services, certificate_id)
    _check_disputable(stored, session)
    t = labels(session.lang)
    field = form.get("field", "")
    reason = form.get("reason", "").strip()
    try:
        opened = disputes.open_dispute(
            services.store,
            certificate_id=stored.id,
            field=field,
            reason=reason,
            by=session.caller.key_id,
            at=services.now(),
        )
    except RequestError as exc:
        logger.info("console dispute refused: %s", exc.code)
        label = _DISPUTE_REFUSALS.get(exc.code)
        if label is None and exc.field == "reason":
            label = "reason_refused"
        if label is None:
            raise PageError(409, "cannot_dispute_now") from None
        if exc.code == "unknown_field":
            field = ""
        if exc.code == "personal_identifier":
            reason = ""  # never written back into the page
        message = t[label].format(high=MAX_REASON)
        return _dispute_form(
            request,
            session,
            stored.id,
            errors=[message],
            form={"field": field, "reason": reason},
            status=422,
        )
    return RedirectResponse(
        f"/console/certificates/{quote(stored.id)}?opened={opened['id']}",
        status_code=303,
    )


# --- review decisions ----------------------------------------------------------


def _review_form(
    request: Request,
    session: Session,
    stored: StoredCertificate,
    *,
    errors: list[str] | None = None,
    form: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    t = labels(session.lang)
    cause, proposed = review.held_cause(stored.document)
    words = {s: t.get(f"status_{s}", s) for s in review.FINAL_STATUSES}
    values = {"decision": "", "reason": ""}
    values.update(form or {})
    return render(
        request,
        "review_form.html.j2",
        session=session,
        status=status,
        certificate_id=stored.id,
        held_help=t["review_held_help"].format(
            cause=t.get(f"cause_{cause}", cause), proposed=words[proposed]
        ),
        approve_words=t["review_approve"].format(proposed=words[proposed]),
        overrides=[
            (s, t["review_override"].format(status=w))
            for s, w in words.items()
            if s != proposed
        ],
        errors=errors or [],
        form=values,
        reason_max=MAX_REASON,
    )


def _held(services: Services, certificate_id: str) -> StoredCertificate:
    stored = _stored(services, certificate_id)
    if stored.status != "review":
        raise PageError(409, "not_held")
    return stored


@router.get("/console/certificates/{certificate_id}/review")
def review_form(
    certificate_id: str, request: Request, session: Reviewer, services: ServicesDep
) -> Response:
    return _review_form(request, session, _held(services, certificate_id))


@router.post("/console/certificates/{certificate_id}/review")
async def decide_review(
    certificate_id: str, request: Request, session: Reviewer, services: ServicesDep
) -> Response:
    form = await _form(request, session.csrf)
    stored = _held(services, certificate_id)
    choice = form.get("decision", "")
    decision, _, final_status = choice.partition(":")
    reason = form.get("reason", "").strip()
    try:
        document = review.decide_review(
            services.store,
            stored.id,
            decision=decision,
            final_status=final_status or None,
            reason=reason or None,
            reviewer=session.caller.key_id,
            at=services.now(),
            key=services.signing_key,
        )
    except RequestError as exc:
        logger.info("console review refused: %s", exc.code)
        label = _REVIEW_REFUSALS.get(exc.code)
        if label is None and exc.field == "reason":
            label = "reason_refused"
        if label is None:
            raise PageError(409, "not_held") from None
        message = labels(session.lang)[label].format(high=MAX_REASON)
        if exc.code == "personal_identifier":
            reason = ""  # never written back into the page
        return _review_form(
            request,
            session,
            stored,
            errors=[message],
            form={"decision": choice, "reason": reason},
            status=422,
        )
    target = f"/console/certificates/{quote(document['id'])}?reviewed={stored.id}"
    return RedirectResponse(target, status_code=303)


@router.get("/console/disputes")
def dispute_queue(request: Request, session: Agent, services: ServicesDep) -> Response:
    today = services.now().date()
    found = disputes.list_disputes(services.store, as_of=today)
    found.sort(key=lambda d: (d["due_on"], d["id"]))
    rows = dispute_rows(found[:QUEUE_LIMIT], today, session.lang, labels(session.lang))
    return render(
        request, "disputes.html.j2", session=session, page="disputes", disputes=rows
    )


@router.get("/console/reviews")
def review_queue(request: Request, session: Agent, services: ServicesDep) -> Response:
    t = labels(session.lang)
    rows = [
        {
            "certificate_id": r["certificate_id"],
            "cause": t.get(f"cause_{r['cause']}", r["cause"]),
            "rules": ", ".join(r["rules"]),
            "proposed": t.get(f"status_{r['proposed_status']}", r["proposed_status"]),
            "issued_at": r["issued_at"],
        }
        for r in review.review_queue(services.store, limit=QUEUE_LIMIT)
    ]
    return render(
        request, "reviews.html.j2", session=session, page="reviews", reviews=rows
    )


@router.api_route(
    "/console/{rest:path}", methods=["GET", "POST"], dependencies=[public()]
)
def not_found(rest: str, request: Request) -> Response:
    return error_page(request, 404, "error_404")
