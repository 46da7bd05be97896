"""Live updates while PostgreSQL cannot serve: a websocket opened then is closed with a code the client
retries on (1013) and one log line. Through the real app served by uvicorn."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support import outage
from tests.support.databases import ON_POSTGRES
from tests.support.graphql_client import GraphQLClient
from tests.support.live_client import LiveClient, closed_code, served
from tests.support.session_requests import a_desk

EVENTS = "subscription { sessionEvents { kind sessionId session { id title } } }"


@pytest.fixture
async def server(app) -> AsyncIterator[str]:
    async with served(app) as base_url:
        yield base_url


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The log, uvicorn's too ("Exception in ASGI application" goes to its own handler, not to the root)."""
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        uvicorn_log.removeHandler(caplog.handler)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The app's and uvicorn's records with a traceback; asyncpg's pool logs its own reconnection attempts."""
    return [r for r in caplog.records if r.exc_info and not r.name.startswith("asyncpg")]


@ON_POSTGRES
@pytest.mark.parametrize("signed_in_by", ["cookie", "token"])
async def test_a_websocket_opened_while_the_database_refuses_connections_is_told_to_try_again_later(
    server, http, db, logged, signed_in_by
):
    desk = await a_desk()
    async with httpx.AsyncClient(base_url=server) as browser:
        client = await GraphQLClient(browser).login(desk.manager.email)
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    payload, headers = ({}, {"Cookie": cookie, "Origin": server})
    if signed_in_by == "token":
        payload, headers = {"authorization": f"Bearer {client.token}"}, {}
    logged.clear()

    await outage.begin(db.database_url, refuse=True)
    try:
        closed = await closed_code(server, payload, headers)
    finally:
        await outage.end(db.database_url)

    assert closed == (1013, "SessionDesk cannot reach its database right now; try again shortly.")  # Try Again Later
    assert tracebacks(logged) == []
    [line] = [r for r in logged.records if "Database unreachable in websocket /graphql" in r.getMessage()]
    assert line.levelno == logging.WARNING
    async with LiveClient.connect(server, client.token) as live:  # once it is back, the retry gets in
        await live.subscribe(EVENTS)
