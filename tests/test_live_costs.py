"""What a query or a subscription may cost: the estimate takes the operation's own variable defaults, and a
subscription is priced when it subscribes, within a budget per person."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.bulk_upload import job
from backend.models import Session
from tests.support.bulk_upload import create, csv_bytes, upload
from tests.support.factories import make_org, make_session, make_user
from tests.support.graphql_client import client_for
from tests.support.live_client import LiveClient, listening, served
from tests.support.session_requests import UPDATE, a_desk, mutate

# Without $p, the page is the operation's default (100), not the field's (10): 100 × (1 + 1 + 1,100).
LARGE_BY_DEFAULT = """query($p: Int! = 100) { sessions(pageSize: $p) { items { mentor {
    sessions(pageSize: 100) { items { id } } } } } }"""


@pytest.fixture
async def manager(graphql, db):
    org = await make_org()
    person = await make_user(org, "MANAGER", "MENTOR")
    await make_session(org, person)
    await graphql.login(person.email)
    return person


async def test_a_page_size_left_to_the_operations_default_is_priced_at_that_default(graphql, manager):
    body = await graphql.post(LARGE_BY_DEFAULT)

    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["actual"] == 111_301
    # Sent with a small page, the same text runs.
    assert (await graphql.post(LARGE_BY_DEFAULT, {"p": 5})).get("errors") is None


# --- subscriptions ---------------------------------------------------------------------------------

# 1 (the event) + 1 (the session) + 1,000 (its mentees, priced at the seats maximum).
WITH_MENTEES = "subscription { sessionEvents { kind session { id mentees { id name } } } }"
CHEAP = "subscription { sessionEvents { kind sessionId sessionIds session { id title } } }"


@pytest.fixture
async def server(app) -> AsyncIterator[str]:
    async with served(app) as base_url:
        yield base_url


async def first_message(live: LiveClient, operation: str) -> dict:
    message = await live.receive()
    assert message["id"] == operation, message
    return message


async def test_a_subscription_leaving_a_page_size_to_its_default_is_priced_at_that_default(server, http, db):
    desk = await a_desk()
    # A session of 1,000 seats: a session's mentees are priced at the most its organisation allows.
    await make_session(desk.org, desk.other_mentor, title="Assembly", seats_limit=1000)
    mentee = await client_for(http, desk.asha)
    query = """subscription($p: Int! = 100) { sessionEvents { session { mentor {
        sessions(pageSize: $p) { items { mentees { id } } } } } } }"""
    async with LiveClient.connect(server, mentee.token) as live:
        operation = await live.subscribe(query)
        message = await first_message(live, operation)
    [error] = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    # 100 × (1 + 1,000) and the rest: not 10 × …, the field's own default.
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["actual"] == 101_104


async def test_a_subscription_may_not_ask_for_lists_that_run_queries_of_their_own(server, http, db):
    desk = await a_desk()
    mentee = await client_for(http, desk.asha)
    query = "subscription { sessionEvents { session { mentor { sessions(pageSize: 5) { items { id } } } } } }"
    async with LiveClient.connect(server, mentee.token) as live:
        operation = await live.subscribe(query)
        message = await first_message(live, operation)
        assert message["type"] == "next" and message["payload"]["errors"][0]["extensions"] == {
            "code": "QUERY_TOO_COMPLEX"
        }
        assert "paged lists" in message["payload"]["errors"][0]["message"]
        assert (await live.receive())["type"] == "complete"


async def test_one_person_cannot_hold_open_more_subscription_cost_than_the_budget(server, http, db):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    async with LiveClient.connect(server, manager.token) as live, LiveClient.connect(server, manager.token) as other:
        first = await live.subscribe(WITH_MENTEES)
        cheap = await other.subscribe(CHEAP)
        second = await other.subscribe(WITH_MENTEES)  # on another connection: the budget is the person's
        refused = await first_message(other, second)
        [error] = refused["payload"]["errors"]
        assert error["extensions"] == {"code": "SUBSCRIPTIONS_TOO_COSTLY", "limit": 2_000, "actual": 1_002 + 2 + 1_002}
        assert (await other.receive())["type"] == "complete"
        await listening(server, subscriptions=2)

        # The ones that fit go on hearing; ending the costly one makes room for another.
        session = await make_session(desk.org, desk.mentor, enrolled=(desk.asha,))
        await mutate(manager, UPDATE, id=str(session.id), input={"title": "Heard"})
        heard = (await live.next(first))["sessionEvents"]
        assert heard["session"]["mentees"] == [{"id": str(desk.asha.id), "name": desk.asha.name}]
        assert (await other.next(cheap))["sessionEvents"]["session"]["title"] == "Heard"
        await live.send({"id": first, "type": "complete"})
        await listening(server, subscriptions=1)
        again = await other.subscribe(WITH_MENTEES)
        await listening(server, subscriptions=2)
        await mutate(manager, UPDATE, id=str(session.id), input={"title": "Heard again"})
        messages = [await other.receive(), await other.receive()]
        assert {(m["id"], m["type"]) for m in messages} == {(cheap, "next"), (again, "next")}, messages


async def test_a_bulk_batch_reaches_a_subscriber_as_one_message_naming_the_sessions_it_may_see(server, http, db):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    mentor = await client_for(http, desk.mentor)
    rows = [create(desk.mentor if n % 3 else desk.other_mentor, f"Batch {n}", days_ahead=20 + n) for n in range(60)]
    async with (
        LiveClient.connect(server, manager.token) as manager_live,
        LiveClient.connect(server, mentor.token) as mentor_live,
    ):
        manager_events = await manager_live.subscribe(CHEAP)
        mentor_events = await mentor_live.subscribe(CHEAP)
        await upload(http, manager.token, csv_bytes(rows))
        await job.run_pending()

        created = await Session.filter(title__startswith="Batch ").order_by("id")
        told = (await manager_live.next(manager_events))["sessionEvents"]
        assert told == {
            "kind": "CREATED",
            "sessionId": None,
            "sessionIds": [str(s.id) for s in created],
            "session": None,
        }
        # 40 × 2 is within what one subscription may get one by one: the mentor hears of their own one by one.
        mentors = [s for s in created if s.mentor_id == desk.mentor.id]
        heard = [(await mentor_live.next(mentor_events))["sessionEvents"] for _ in mentors]
        assert [(e["sessionId"], e["session"]["title"]) for e in heard] == [(str(s.id), s.title) for s in mentors]
