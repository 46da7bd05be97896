"""Live updates while PostgreSQL cannot serve: a websocket opened then is closed with a code the client
retries on (1013) and one log line, and an event whose NOTIFY failed is not silently missed — every
subscriber is told EVENTS_MISSED once the database is back. Through the real app served by uvicorn."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest

from backend import events
from tests.support import outage
from tests.support.databases import ON_POSTGRES
from tests.support.graphql_client import GraphQLClient, client_for
from tests.support.live_client import LiveClient, closed_code, served
from tests.support.server import wait_until_async
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
    async with httpx.AsyncClient(base_url=server, timeout=60) as browser:  # signing in hashes: slow when busy
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


async def _cut_the_pool_but_not_the_listener(database_url: str, listener_pid: int) -> None:
    """As when PostgreSQL turns new connections away ("too many clients") and a pooled one is cut: the
    app's pool cannot serve, while the LISTEN connection, left alone, hears on."""
    admin = await asyncpg.connect(outage.ADMIN_URL)
    try:
        name = outage.database_name(database_url)
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2",
            name,
            listener_pid,
        )
    finally:
        await admin.close()


@ON_POSTGRES
async def test_subscribers_are_told_they_missed_an_event_whose_notify_failed_once_the_database_is_back(
    server, http, db, logged
):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    async with LiveClient.connect(server, manager.token) as live:
        operation = await live.subscribe(EVENTS)

        async def listening() -> bool:
            return events.bus.listener is not None and bool(events.bus.subscriptions)

        await wait_until_async(listening, 30, "the subscription listening")
        listener = events.bus.listener
        assert listener is not None
        logged.clear()

        await _cut_the_pool_but_not_the_listener(db.database_url, listener.get_server_pid())
        try:
            # The change committed just before; its NOTIFY meets the pool unable to connect.
            await events.publish_sessions(events.SessionEventKind.UPDATED, desk.org.id, [1])
        finally:
            await outage.end(db.database_url)

        message = await live.receive(timeout=60)
        assert (message["id"], message["type"]) == (operation, "next"), message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "EVENTS_MISSED"
        assert (await live.receive())["type"] == "complete"
    assert events.bus.listener is listener  # told without the LISTEN connection ever being lost
    assert tracebacks(logged) == []
    [line] = [r for r in logged.records if r.name == "backend.events" and "Could not publish" in r.getMessage()]
    assert line.levelno == logging.WARNING
