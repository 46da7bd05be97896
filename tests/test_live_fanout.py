"""What an event costs the database does not grow with the subscribers of an app process: it is read once
per process and filtered for each subscriber in memory; the sign-ins of every open subscription are checked
in one query; and after the LISTEN connection is lost and back, every subscriber is told it missed events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from backend import events
from backend.graphql.live import sign_ins
from backend.models import SessionType
from tests.support.databases import ON_POSTGRES
from tests.support.factories import make_session, make_user
from tests.support.graphql_client import client_for
from tests.support.live_client import LiveClient, served
from tests.support.session_requests import UPDATE, a_desk, mutate

# What the browser asks, and fields that load related data (the mentor, labels, the meeting).
EVENTS = """subscription { sessionEvents { kind sessionId sessionIds session {
  id title status canEdit canDelete menteeCount categories recommendedFor
  mentor { id name sessionsHosted } meeting { platform link }
} } }"""


@pytest.fixture
async def server(app, monkeypatch) -> AsyncIterator[str]:
    # The periodic sign-in check is one statement of its own: kept out of the counts below.
    monkeypatch.setattr(sign_ins, "RECHECK_SECONDS", 3600)
    async with served(app) as base_url:
        yield base_url


async def until(fact: Callable[[], bool], deadline: float = 30) -> None:
    """Waits for something the server does in this process, checking every 10 ms, for at most `deadline` s."""
    async with asyncio.timeout(deadline):
        while not fact():
            await asyncio.sleep(0.01)


class Subscribers:
    """Many subscribers of one app process: several people, each on a socket with several subscriptions."""

    def __init__(self, server: str, stack: contextlib.AsyncExitStack) -> None:
        self.server, self.stack = server, stack
        self.sockets: list[tuple[LiveClient, set[str]]] = []

    async def add(self, token: str, count: int, *, hears: bool = True) -> None:
        live = await self.stack.enter_async_context(LiveClient.connect(self.server, token))
        watched = len(sign_ins.sign_ins.watched)
        operations = {await live.subscribe(EVENTS) for _ in range(count)}
        if hears:
            self.sockets.append((live, operations))
        await until(lambda: len(sign_ins.sign_ins.watched) == watched + count)  # each has checked its sign-in

    @property
    def count(self) -> int:
        return sum(len(operations) for _, operations in self.sockets)

    async def all_hear(self) -> list[dict]:
        """The next event of every subscription that hears."""
        heard = []
        for live, operations in self.sockets:
            messages = [await live.receive() for _ in operations]
            assert {m["id"] for m in messages} == operations and {m["type"] for m in messages} == {"next"}, messages
            heard += [m["payload"]["data"]["sessionEvents"] for m in messages]
        return heard


async def test_an_edit_costs_the_same_statements_for_5_subscribers_as_for_50(server, http, db, sql_statements):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, type=SessionType.PRIVATE, invited=(desk.asha,))
    manager = await client_for(http, desk.manager)

    async def token_of(person) -> str:
        return (await client_for(http, person)).token

    async with contextlib.AsyncExitStack() as stack:
        subscribers = Subscribers(server, stack)
        await subscribers.add(await token_of(desk.manager), 2)
        await subscribers.add(await token_of(desk.mentor), 2)
        await subscribers.add(await token_of(desk.asha), 1)  # invited to the private session

        async def statements_of_one_edit(title: str) -> int:
            sql_statements.clear()
            await mutate(manager, UPDATE, id=str(session.id), input={"title": title})
            heard = await subscribers.all_hear()
            assert {(e["kind"], tuple(e["sessionIds"]), e["session"]["title"]) for e in heard} == {
                ("UPDATED", (str(session.id),), title)
            }
            return len(sql_statements)

        with_5 = await statements_of_one_edit("Heard by 5")
        for _ in range(3):
            await subscribers.add(await token_of(await make_user(desk.org, "MANAGER")), 10)
        await subscribers.add(await token_of(desk.asha), 5)
        await subscribers.add(await token_of(desk.kiran), 5, hears=False)  # not invited: hears nothing
        await subscribers.add(await token_of(desk.other_mentor), 5, hears=False)  # not the mentor's own
        assert subscribers.count == 40
        with_50 = await statements_of_one_edit("Heard by 40 of 50")

    assert with_50 == with_5


async def test_the_sign_ins_of_every_open_subscription_are_checked_in_one_query(server, http, db, sql_statements):
    desk = await a_desk()
    people = [desk.manager, desk.mentor, desk.asha, desk.kiran]
    async with contextlib.AsyncExitStack() as stack:
        subscribers = Subscribers(server, stack)
        clients = [await client_for(http, person) for person in people]
        for client in clients:
            await subscribers.add(client.token, 3)
        await clients[2].execute("mutation { logout { errors { message } } }")

        sql_statements.clear()
        await sign_ins.sign_ins.check()
        assert len(sql_statements) == 1

        asha, _ = subscribers.sockets[2]
        ended = [await asha.receive(timeout=30) for _ in range(6)]
        codes = [m["payload"]["errors"][0]["extensions"]["code"] for m in ended if m["type"] == "next"]
        assert codes == ["UNAUTHENTICATED"] * 3
        assert [m["type"] for m in ended].count("complete") == 3


@ON_POSTGRES
async def test_subscribers_are_told_they_missed_events_once_the_listening_connection_is_back(
    database, server, http, db
):
    from tortoise import Tortoise

    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    mentor = await client_for(http, desk.mentor)
    async with (
        LiveClient.connect(server, manager.token) as manager_live,
        LiveClient.connect(server, mentor.token) as mentor_live,
    ):
        heard = [
            (manager_live, await manager_live.subscribe(EVENTS)),
            (mentor_live, await mentor_live.subscribe(EVENTS)),
        ]
        async with events.bus.subscribe():  # the subscriptions above listen by now too
            listener = events.bus.listener
            assert listener is not None
            connection = Tortoise.get_connection("default")
            await connection.execute_query("SELECT pg_terminate_backend($1)", [listener.get_server_pid()])

            for live, operation in heard:
                message = await live.receive(timeout=60)
                assert (message["id"], message["type"]) == (operation, "next"), message
                assert message["payload"]["errors"][0]["extensions"]["code"] == "EVENTS_MISSED"
                assert (await live.receive())["type"] == "complete"
        # Listening again: a new subscription hears what happens next.
        again = await manager_live.subscribe(EVENTS)
        session = await make_session(desk.org, desk.mentor)
        await mutate(manager, UPDATE, id=str(session.id), input={"title": "After the outage"})
        assert (await manager_live.next(again))["sessionEvents"]["session"]["title"] == "After the outage"
