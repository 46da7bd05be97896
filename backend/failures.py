"""Failures of our own, answered without leaking how the server is built: the database out of reach is
503 SERVICE_UNAVAILABLE ("try again shortly"); anything else unexpected is 500 with a reference ID
that the log holds next to the traceback (logged once, here).

Bodies have the GraphQL error shape on every path, so the browser app and API clients read them the
same way: {"errors": [{"message": …, "extensions": {"code": …}}]}.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.observability import current_request
from backend.outages import database_unavailable

logger = logging.getLogger("sessiondesk.failures")

UNAVAILABLE_MESSAGE = "SessionDesk cannot reach its database right now; try again shortly."
INTERNAL_MESSAGE = (
    "Something went wrong on our side, and it is not your request's fault. Try again; if it keeps happening, "
    "tell your administrator the reference {reference}."
)


def new_reference() -> str:
    """The request's ID (the X-Request-ID of its log line), so the traceback and the request's line meet;
    outside a request, a fresh one."""
    info = current_request()
    return info.request_id if info is not None else secrets.token_hex(8)


def log_unexpected(error: BaseException, where: str) -> str:
    """Logs the error once with its traceback; returns the reference the client is given."""
    reference = new_reference()
    logger.error("Unexpected error %s in %s", reference, where, exc_info=(type(error), error, error.__traceback__))
    return reference


def log_unavailable(error: BaseException, where: str) -> None:
    # An outage is not a bug: one line, no traceback (every request would repeat it).
    logger.warning("Database unreachable in %s: %s: %s", where, type(error).__name__, error)


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def unavailable_response() -> JSONResponse:
    return JSONResponse(error_body(UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE"), 503, headers={"Retry-After": "5"})


def internal_response(reference: str) -> JSONResponse:
    return JSONResponse(
        error_body(INTERNAL_MESSAGE.format(reference=reference), "INTERNAL_SERVER_ERROR", reference=reference), 500
    )


class FailureResponses:
    """ASGI middleware: an exception that escapes a route becomes a JSON 503 or 500 (see above) instead
    of Starlette's plain-text 500. Once a response has started (a download half sent) nothing more can
    be said to the client: the error is logged and the connection ends, so the file is visibly cut."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        where = f"{scope['method']} {scope['path']}"
        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if database_unavailable(error):
                log_unavailable(error, where)
                response = unavailable_response()
            else:
                response = internal_response(log_unexpected(error, where))
            if started:
                return
            await response(scope, receive, send)
