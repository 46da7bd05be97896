"""A subscription open for hours holds no more memory after a thousand events than after ten: each event's
execution forgets what it collected (graphql-core kept it for the subscription's life, see backend/compat.py
and tests/test_compat.py). Through the real app served by uvicorn, in this process, so its objects can be
counted."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

import pytest
from graphql.execution.collect_fields import FieldDetails

from backend import events
from tests.support.factories import make_session
from tests.support.graphql_client import client_for
from tests.support.live_client import LiveClient, served
from tests.support.server import wait_until_async
from tests.support.session_requests import a_desk

EVENTS = "subscription { sessionEvents { kind sessionId session { id title mentor { id name } } } }"


def collected_fields_alive() -> int:
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, FieldDetails))


@pytest.fixture
async def server(app) -> AsyncIterator[str]:
    async with served(app) as base_url:
        yield base_url


async def test_a_subscription_holds_no_more_after_many_events_than_after_a_few(server, http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    manager = await client_for(http, desk.manager)
    async with LiveClient.connect(server, manager.token) as live:
        operation = await live.subscribe(EVENTS)

        async def listening() -> bool:
            return bool(events.bus.subscriptions)

        await wait_until_async(listening, 30, "the subscription listening")

        async def hear(count: int) -> None:
            for _ in range(count):
                await events.publish_sessions(events.SessionEventKind.UPDATED, desk.org.id, [session.id])
                assert (await live.next(operation))["sessionEvents"]["sessionId"] == str(session.id)

        await hear(5)
        after_a_few = collected_fields_alive()
        await hear(40)
        assert collected_fields_alive() <= after_a_few
