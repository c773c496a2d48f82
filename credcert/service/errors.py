"""One JSON shape for every error the service answers.

Every 4xx and 5xx response body is::

    {"error": {"code": "validation", "message": "...", "where": [...]}}

``code`` is stable and meant for machines (:data:`ERROR_CODES`); ``message``
is for people; ``where`` lists each problem of a request with its location
(``loc``, e.g. ``["body", "record", "msisdn"]``), a stable ``type`` and what
was ``expected``. Inputs are never echoed: pydantic's ``input`` and ``ctx``
values are dropped, so a phone number sent in a bad request does not come
back in the answer or go into a log. :class:`BodyLimit` refuses bodies over
the limit of :class:`~credcert.service.deps.Settings` with 413
``body_too_large`` before they are parsed.
Unhandled exceptions answer 500 ``internal`` with no trace; the server log
gets the exception's type and frames, not its message (messages may quote
data).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credcert._errors import CertificateNotFoundError, NotFoundError, RequestError

__all__ = [
    "ERROR_CODES",
    "ERROR_RESPONSES",
    "ApiError",
    "BodyLimit",
    "ErrorBody",
    "install_error_handlers",
]

logger = logging.getLogger(__name__)

#: Stable error codes with the HTTP status each one is answered with.
ERROR_CODES: dict[str, int] = {
    "bad_request": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "validation": 422,
    "internal": 500,
    "unavailable": 503,
}
_CODE_OF_STATUS = {status: code for code, status in ERROR_CODES.items()}


class Problem(BaseModel):
    """One problem of a request: where it is and what was expected there."""

    model_config = ConfigDict(extra="forbid")

    loc: list[str | int]
    type: str
    expected: str


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    where: list[Problem]


class ErrorBody(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


#: Responses every route may give, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": code.replace("_", " ")}
    for code, status in ERROR_CODES.items()
    if code
    in ("unauthenticated", "forbidden", "not_found", "body_too_large", "validation")
}


class ApiError(Exception):
    """An error answered as JSON with a stable code.

    Parameters
    ----------
    code : str
        One of :data:`ERROR_CODES`; it sets the HTTP status.
    message : str
        For people; must not quote personal data.
    where : sequence of Problem or dict, optional
    """

    def __init__(
        self,
        code: str,
        message: str,
        where: Sequence[Problem | dict[str, Any]] = (),
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"code: expected one of {', '.join(ERROR_CODES)}")
        super().__init__(message)
        self.code = code
        self.status = ERROR_CODES[code]
        self.message = message
        self.where = [p if isinstance(p, Problem) else Problem(**p) for p in where]
        self.headers = headers


def error_response(
    code: str,
    message: str,
    where: Sequence[Problem] = (),
    *,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(
        error=ErrorDetail(code=code, message=message, where=list(where))
    ).model_dump()
    return JSONResponse(body, status_code=status or ERROR_CODES[code], headers=headers)


def validation_problems(errors: Sequence[Any]) -> list[Problem]:
    """pydantic errors as problems, without their ``input`` or ``ctx`` values."""
    return [
        Problem(
            loc=[p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            type=str(e.get("type", "invalid")),
            expected=str(e.get("msg", "a valid value")),
        )
        for e in errors
    ]


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.code, exc.message, exc.where, headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    where = validation_problems(exc.errors())
    count = len(where)
    return error_response(
        "validation",
        f"the request has {count} problem{'s' * (count != 1)}; see 'where'",
        where,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODE_OF_STATUS.get(exc.status_code, "bad_request")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if code == "body_too_large":
        message = _too_large(request.app.state.services.settings.max_body_bytes)
    return error_response(
        code, message, status=exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(
        "unhandled %s on %s %s\n%s",
        type(exc).__name__,
        request.method,
        request.url.path,
        frames,
    )
    return error_response(
        "internal", "the service failed to answer; the failure is logged"
    )


async def _request_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestError)
    loc: list[str | int] = ["body", exc.field] if exc.field else ["body"]
    problem = Problem(loc=loc, type=exc.code, expected=str(exc))
    return error_response("validation", str(exc), [problem])


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return error_response("not_found", str(exc))


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` in the one JSON shape.

    Besides :class:`ApiError`, the domain's own errors are answered alike:
    a :class:`~credcert._errors.RequestError` (bad dispute, consent or review
    request; nothing changed) is 422 ``validation`` naming its field and
    stable code; :class:`~credcert._errors.NotFoundError` and
    :class:`~credcert._errors.CertificateNotFoundError` are 404.
    """
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestError, _request_error)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(CertificateNotFoundError, _not_found)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)


class BodyTooLargeError(StarletteHTTPException):
    """A request body passed the limit while it was read."""

    def __init__(self) -> None:
        super().__init__(413, "the request body is larger than the limit")


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes (413).

    A declared ``Content-Length`` over the limit is refused before any byte
    is read; a body without one is counted as it arrives and refused as soon
    as it passes the limit, before it is parsed. (Starlette's own limit
    answers in plain text, not in the service's error shape.)
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            response = error_response(
                "body_too_large", _too_large(self.limit), headers=_CLOSE
            )
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLargeError
            return message

        await self.app(scope, counted, send)


_CLOSE = {"Connection": "close"}


def _too_large(limit: object) -> str:
    return f"the request body is larger than the limit of {limit} bytes"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
