"""What backend/compat.py relies on in the libraries' private names: if an upgrade changes one, these fail
here, naming it, rather than a request failing somewhere else."""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import gc
import inspect
from collections.abc import AsyncIterator

import pytest
from graphql import GraphQLSchema, build_schema, parse, subscribe, validate
from graphql.execution.collect_fields import FieldDetails
from starlette.websockets import WebSocket, WebSocketState
from tortoise import Tortoise

from backend import compat
from backend.app import LiveSocket
from backend.db import new_model
from backend.graphql.schema import EventExecutor, schema
from backend.models import Organization, Session, SessionStatus
from tests.support.factories import make_org, make_session, make_user


async def test_the_database_is_reachable_from_a_task_that_did_not_open_it(db):
    # The app serves each request in a task of its own, started with a context the ORM was not set up in.
    async def count() -> int:
        return await Organization.all().count()

    await Organization.create(name="Reached")
    assert await asyncio.create_task(count(), context=contextvars.Context()) == 1


def test_strawberry_hands_out_the_graphql_core_schema_it_executes_against():
    core = compat.graphql_core_schema(schema)
    assert isinstance(core, GraphQLSchema)
    assert "Session" in core.type_map
    assert validate(core, parse("{ sessions { items { id mentor { name } } } }")) == []


def test_the_websocket_adapter_keeps_the_starlette_websocket_it_was_given():
    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        return None

    socket = WebSocket({"type": "websocket", "path": "/graphql", "headers": []}, receive, send)
    adapter = LiveSocket(view=None, request=socket, response=socket)  # type: ignore[arg-type]
    assert compat.adapter_websocket(adapter) is socket
    assert compat.adapter_websocket(adapter).application_state == WebSocketState.CONNECTING


def test_a_new_model_takes_every_column_as_it_is():
    now = datetime.datetime(2030, 1, 2, 3, 4, tzinfo=datetime.UTC)
    columns = {column: None for column in Session._meta.fields_db_projection.values()}
    session = new_model(Session, **{**columns, "title": "As given", "status": SessionStatus.LIVE, "starts_at": now})
    assert (session.title, session.status, session.starts_at, session.pk) == ("As given", SessionStatus.LIVE, now, None)


def test_a_new_model_refuses_a_missing_column():
    with pytest.raises(TypeError, match="starts_at"):
        new_model(Session, title="Only a title")


async def test_a_query_run_as_rows_gives_the_drivers_values_keyed_by_the_statements_column_names(db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR", name="Asha Rao")
    session = await make_session(org, mentor, title="Plain")

    query = Session.filter(id=session.id).select_related("mentor__organization")
    rows = await Tortoise.get_connection("default").execute_query_dict(*compat.parameterized(query))

    assert len(rows) == 1
    assert rows[0]["title"] == "Plain" and rows[0]["status"] == SessionStatus.UPCOMING.value
    assert rows[0]["session__mentor.name"] == "Asha Rao"
    assert rows[0]["session__mentor__organization.name"] == org.name


async def test_a_paged_statement_serves_every_page_with_its_last_two_parameters_replaced(db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    sessions = [await make_session(org, mentor) for _ in range(5)]
    mine = Session.filter(organization_id=org.id, mentor_id=mentor.id).order_by("id")

    sql, params = compat.paged_statement(mine, 2, 0)

    assert params[-2:] == [2, 0]
    connection = Tortoise.get_connection("default")
    pages = [await connection.execute_query_dict(sql, [*params[:-2], 2, offset]) for offset in (0, 2, 4)]
    assert [[row["id"] for row in page] for page in pages] == [[s.id for s in sessions[n : n + 2]] for n in (0, 2, 4)]


async def test_a_query_counted_up_to_a_number_stops_there(db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    for _ in range(3):
        await make_session(org, mentor)
    mine = Session.filter(organization_id=org.id)

    assert [await compat.count_up_to(mine, most) for most in (2, 3, 10)] == [2, 3, 3]


def _collected_fields_alive() -> int:
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, FieldDetails))


SCHEMA = build_schema("""
type Query { dummy: String }
type Session { id: ID title: String }
type Event { kind: String session: Session }
type Subscription { events: Event }
""")


async def _alive_after(count: int, executor_class: type | None) -> int:
    """FieldDetails alive while a subscription that heard `count` events is still open."""

    async def source(*_: object) -> AsyncIterator[dict]:
        number = 0
        while True:
            number += 1
            yield {"events": {"kind": "UPDATED", "session": {"id": number, "title": "A"}}}

    SCHEMA.subscription_type.fields["events"].subscribe = source  # type: ignore[union-attr]
    kwargs = {"executor_class": executor_class} if executor_class else {}
    stream = subscribe(SCHEMA, parse("subscription { events { kind session { id title } } }"), **kwargs)
    if inspect.isawaitable(stream):
        stream = await stream
    for _ in range(count):
        assert "errors" not in (await anext(stream)).formatted  # type: ignore[arg-type]
    alive = _collected_fields_alive()
    await stream.aclose()  # type: ignore[union-attr]
    return alive


async def test_graphql_core_keeps_what_each_event_collected_for_the_subscriptions_life():
    # Why EventExecutor exists: when this fails, graphql-core forgets by itself and it can go.
    assert await _alive_after(200, None) > await _alive_after(20, None) + 500
    assert await _alive_after(200, EventExecutor) == await _alive_after(20, EventExecutor)
