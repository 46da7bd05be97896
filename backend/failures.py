"""Failures of our own, answered without leaking how the server is built: the database out of reach is
503 SERVICE_UNAVAILABLE ("try again shortly"); anything else unexpected is 500 with a reference ID
that the log holds next to the traceback (logged once, here).

Bodies have the GraphQL error shape on every path, so the browser app and API clients read them the
same way: {"errors": [{"message": …, "extensions": {"code": …}}]}.
"""

from __future__ import annotations

import errno
import logging
import secrets
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.exceptions import DBConnectionError

from backend.observability import current_request

logger = logging.getLogger("sessiondesk.failures")

UNAVAILABLE_MESSAGE = "SessionDesk cannot reach its database right now; try again shortly."
INTERNAL_MESSAGE = (
    "Something went wrong on our side, and it is not your request's fault. Try again; if it keeps happening, "
    "tell your administrator the reference {reference}."
)
_CONNECTION_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}
# PostgreSQL's SQLSTATEs for a server that cannot serve us now: a connection problem (class 08), too many
# clients, out of memory or disk (class 53), shutting down, starting up or gone (57P01–57P05); and, by their
# message, the state of a database refusing connections (ALLOW_CONNECTIONS false, as during a failover)
# and a statement stopped by statement_timeout (the server is too slow to answer now).
_POSTGRES_GONE_STATES = ("08", "53", "57P01", "57P02", "57P03", "57P04", "57P05")
_POSTGRES_GONE_BY_MESSAGE = {"55000": "not currently accepting connections", "57014": "statement timeout"}
# What asyncpg says of a connection that the server (or the network) closed under it ("… the underlying
# connection is closed" when a transaction is rolled back after its connection was cut).
_DRIVER_GONE = ("connection is closed", "connection was closed")
_SQLITE_GONE = ("database is locked", "unable to open database file", "disk i/o error")


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _postgres_gone(error: BaseException) -> bool:
    state = getattr(error, "sqlstate", None)
    if isinstance(error, asyncpg.exceptions.PostgresError) and isinstance(state, str):
        if state.startswith(_POSTGRES_GONE_STATES):
            return True
        return state in _POSTGRES_GONE_BY_MESSAGE and _POSTGRES_GONE_BY_MESSAGE[state] in str(error)
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        # A pooled connection the server terminated while it sat idle: the server's "terminating connection"
        # error arrives unasked, and the next statement on it meets the driver still reading that error
        # ("cannot switch to state 12; another operation (2) is in progress"), before the close is seen.
        return "another operation" in str(error)
    return isinstance(error, asyncpg.exceptions.InterfaceError) and any(text in str(error) for text in _DRIVER_GONE)


def database_unavailable(error: BaseException) -> bool:
    """Whether the error (or what caused it) says the database cannot be reached, rather than a bug."""
    for cause in _chain(error):
        if isinstance(cause, (DBConnectionError, ConnectionError, TimeoutError)):
            return True
        if isinstance(cause, OSError) and cause.errno in _CONNECTION_ERRNOS:
            return True
        if _postgres_gone(cause):
            return True
        sqlite_error = isinstance(cause, sqlite3.OperationalError) or type(cause).__name__ == "OperationalError"
        if sqlite_error and any(text in str(cause).lower() for text in _SQLITE_GONE):
            return True
    return False


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
