"""Whether an error means the database cannot serve us now (an outage: answered 503, retried later) rather
than a bug; asked by the web layer's failure answers and by the background workers alike."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

import asyncpg
from tortoise.exceptions import DBConnectionError

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
