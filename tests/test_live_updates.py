"""Live updates over a real websocket (graphql-transport-ws on /graphql): session events for every kind
of change, only to those who may see the session, and a bulk upload's progress — on SQLite (in-process
events) and PostgreSQL (LISTEN/NOTIFY), and on PostgreSQL across two app processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import websockets

from backend import events
from backend.app import NOT_A_MESSAGE, NOT_A_SUBSCRIBE
from backend.bulk_upload import job
from backend.models import SessionStatus, SessionType
from tests.support.app_processes import app_process, wait_until_up
from tests.support.bulk_upload import create, csv_bytes, upload
from tests.support.databases import ON_POSTGRES
from tests.support.factories import PASSWORD, make_org, make_session, make_user
from tests.support.graphql_client import GraphQLClient, client_for
from tests.support.live_client import LiveClient, closed_code, listening, served
from tests.support.session_requests import (
    CREATE,
    DELETE,
    END,
    INVITE,
    START,
    UPDATE,
    UPDATE_MEETING,
    a_desk,
    mutate,
    session_form,
)

# Also run on PostgreSQL behind PgBouncer (transaction pooling), as production may serve them.
pytestmark = pytest.mark.through_pgbouncer

ROOT = Path(__file__).resolve().parent.parent

EVENTS = """
subscription { sessionEvents { kind sessionId session { id title status canEdit canDelete menteeCount } } }
"""
PROGRESS = """
subscription($id: ID!) { bulkUploadProgress(id: $id) { id status totalRows processedRows validRows invalidRows } }
"""


@pytest.fixture
async def server(app) -> AsyncIterator[str]:
    async with served(app) as base_url:
        yield base_url


async def test_a_manager_hears_of_every_kind_of_change_as_it_happens(server, http, db):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    async with LiveClient.connect(server, manager.token) as live:
        events = await live.subscribe(EVENTS)

        created = await mutate(manager, CREATE, input=session_form(desk.mentor, title="Phonics"))
        session_id = created["session"]["id"]
        event = (await live.next(events))["sessionEvents"]
        assert event == {
            "kind": "CREATED",
            "sessionId": session_id,
            "session": {
                "id": session_id,
                "title": "Phonics",
                "status": "UPCOMING",
                "canEdit": True,
                "canDelete": True,
                "menteeCount": 0,
            },
        }

        await mutate(manager, UPDATE, id=session_id, input={"title": "Phonics for beginners"})
        event = (await live.next(events))["sessionEvents"]
        assert (event["kind"], event["session"]["title"]) == ("UPDATED", "Phonics for beginners")

        meeting = {"platform": "GOOGLE_MEET", "link": "https://meet.google.com/abc-defg-hij"}
        await mutate(manager, UPDATE_MEETING, id=session_id, input=meeting)
        assert (await live.next(events))["sessionEvents"]["kind"] == "MEETING_UPDATED"

        await mutate(manager, INVITE, sessionId=session_id, emails=[desk.asha.email])
        event = (await live.next(events))["sessionEvents"]
        assert (event["kind"], event["session"]["menteeCount"]) == ("MENTEES_CHANGED", 1)

        await mutate(manager, DELETE, id=session_id)
        assert (await live.next(events))["sessionEvents"] == {
            "kind": "DELETED",
            "sessionId": session_id,
            "session": None,
        }


async def test_a_session_going_live_and_ending_changes_its_status_and_what_can_be_done(server, http, db):
    from tests.support.factories import minutes_from_now

    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(5))
    manager = await client_for(http, desk.manager)
    mentor = await client_for(http, desk.mentor)
    async with LiveClient.connect(server, manager.token) as live:
        events = await live.subscribe(EVENTS)

        await mutate(mentor, START, id=str(session.id))
        event = (await live.next(events))["sessionEvents"]
        assert event["kind"] == "STARTED"
        assert (event["session"]["status"], event["session"]["canEdit"], event["session"]["canDelete"]) == (
            "LIVE",
            False,
            False,
        )

        await mutate(mentor, END, id=str(session.id))
        event = (await live.next(events))["sessionEvents"]
        assert (event["kind"], event["session"]["status"]) == ("ENDED", "COMPLETED")


async def test_events_about_sessions_the_viewer_cannot_see_are_never_sent(server, http, db):
    desk = await a_desk()
    other_org = await make_org()
    other_manager = await make_user(other_org, "MANAGER")
    other_mentor = await make_user(other_org, "MENTOR")
    manager = await client_for(http, desk.manager)
    elsewhere = await client_for(http, other_manager)
    mentor = await client_for(http, desk.mentor)
    meena = await client_for(http, desk.meena)
    async with (
        LiveClient.connect(server, mentor.token) as mentor_live,
        LiveClient.connect(server, meena.token) as meena_live,
    ):
        mentor_events = await mentor_live.subscribe(EVENTS)
        meena_events = await meena_live.subscribe(EVENTS)

        # Not the mentor's, private without Meena, another organisation's: nobody of these hears of them.
        sunitas = session_form(desk.other_mentor, title="Sunita's", type="PRIVATE", inviteEmails=[desk.asha.email])
        await mutate(manager, CREATE, input=sunitas)
        private = session_form(desk.mentor, title="One-on-one", type="PRIVATE", inviteEmails=[desk.asha.email])
        private_id = (await mutate(manager, CREATE, input=private))["session"]["id"]
        await mutate(elsewhere, CREATE, input=session_form(other_mentor, title="Elsewhere"))
        # Then one each may see: it is the first thing each hears.
        await mutate(
            manager, CREATE, input=session_form(desk.mentor, title="Open to all", startsAt="2090-01-01T10:00:00+05:30")
        )

        first = (await mentor_live.next(mentor_events))["sessionEvents"]
        assert (first["kind"], first["session"]["title"]) == ("CREATED", "One-on-one")
        second = (await mentor_live.next(mentor_events))["sessionEvents"]
        assert second["session"]["title"] == "Open to all"

        heard = (await meena_live.next(meena_events))["sessionEvents"]
        assert heard["session"]["title"] == "Open to all"

        # Deleting the private session is told to its mentor, never to Meena, who never saw it.
        await mutate(manager, DELETE, id=private_id)
        await mutate(
            manager, CREATE, input=session_form(desk.mentor, title="Later", startsAt="2091-01-01T10:00:00+05:30")
        )
        assert (await mentor_live.next(mentor_events))["sessionEvents"]["kind"] == "DELETED"
        assert (await meena_live.next(meena_events))["sessionEvents"]["session"]["title"] == "Later"


async def test_the_browser_cookie_signs_a_websocket_in_and_nobody_else_gets_in(server, db):
    desk = await a_desk()
    async with httpx.AsyncClient(base_url=server) as browser:
        await GraphQLClient(browser).login(desk.manager.email)
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    async with LiveClient.connect(server, headers={"Cookie": cookie, "Origin": server}) as live:
        events = await live.subscribe(EVENTS)
        await make_session(desk.org, desk.mentor)  # no event: made behind the app's back
        manager = await GraphQLClient(httpx.AsyncClient(base_url=server)).login(desk.manager.email)
        await mutate(manager, CREATE, input=session_form(desk.mentor, title="By cookie"))
        assert (await live.next(events))["sessionEvents"]["session"]["title"] == "By cookie"
        await manager.http.aclose()

    assert await closed_code(server, {}) == (4403, "Forbidden")
    assert await closed_code(server, {"authorization": "Bearer not-a-token"}) == (4403, "Forbidden")


async def test_a_bulk_upload_reports_its_start_every_500_rows_and_its_end(server, http, db):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    rows = [create(desk.mentor if n % 2 else desk.other_mentor, f"Bulk {n}", days_ahead=10 + n) for n in range(1100)]
    payload = await upload(http, manager.token, csv_bytes(rows))
    upload_id = payload["bulkUpload"]["id"]
    async with LiveClient.connect(server, manager.token) as live:
        progress = await live.subscribe(PROGRESS, {"id": upload_id})
        first = (await live.next(progress))["bulkUploadProgress"]
        assert (first["status"], first["processedRows"], first["totalRows"]) == ("PENDING", 0, 1100)

        async with events.bus.subscribe() as heard:
            await job.run_pending()
            # Processing started, each batch of 500 rows committed, and the end: each is told to subscribers,
            # who read the upload when they hear of it (so a slow reader may already see it further on).
            told = 0
            while (event := await heard.get(timeout=10)) is not None:
                told += event == events.BulkUploadChanged(int(upload_id))
            assert told == 1 + 3 + 1

        seen = []
        while True:
            message = await live.receive()
            if message["type"] == "complete":
                break
            seen.append(message["payload"]["data"]["bulkUploadProgress"])
        counts = [m["processedRows"] for m in seen]
        assert seen[0]["status"] == "RUNNING"
        assert counts == sorted(counts)
        assert (seen[-1]["status"], seen[-1]["processedRows"], seen[-1]["validRows"]) == ("COMPLETED", 1100, 1100)


async def test_the_progress_of_someone_elses_upload_is_refused(server, http, db):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    payload = await upload(http, manager.token, csv_bytes([create(desk.mentor, "Mine")]))
    other = await client_for(http, await make_user(desk.org, "MANAGER"))
    async with LiveClient.connect(server, other.token) as live:
        operation = await live.subscribe(PROGRESS, {"id": payload["bulkUpload"]["id"]})
        message = await live.receive()
        assert (message["id"], message["type"]) == (operation, "next"), message
        assert message["payload"]["data"] is None
        assert "no bulk upload with ID" in message["payload"]["errors"][0]["message"]
        assert (await live.receive())["type"] == "complete"


# --- several app processes (PostgreSQL) ------------------------------------------------------------


@ON_POSTGRES
async def test_a_change_made_through_one_app_process_reaches_subscribers_of_both(database, db, tmp_path):
    desk = await a_desk()
    private = await make_session(desk.org, desk.mentor, title="Private", type=SessionType.PRIVATE, invited=(desk.asha,))
    with app_process(db, tmp_path / "a.log") as process_a, app_process(db, tmp_path / "b.log") as process_b:
        await wait_until_up(process_a, tmp_path / "a.log")
        await wait_until_up(process_b, tmp_path / "b.log")
        async with httpx.AsyncClient(base_url=process_a, timeout=30) as http_a:
            manager = await GraphQLClient(http_a).login(desk.manager.email, PASSWORD)
            async with httpx.AsyncClient(base_url=process_b, timeout=30) as http_b:
                kiran = await GraphQLClient(http_b).login(desk.kiran.email, PASSWORD)
            async with (
                LiveClient.connect(process_b, manager.token) as manager_live,
                LiveClient.connect(process_b, kiran.token) as kiran_live,
                LiveClient.connect(process_a, manager.token) as on_a,
            ):
                manager_events = await manager_live.subscribe(EVENTS)
                kiran_events = await kiran_live.subscribe(EVENTS)
                a_events = await on_a.subscribe(EVENTS)
                await listening(process_b, subscriptions=2)
                await listening(process_a, subscriptions=1)

                await mutate(manager, UPDATE, id=str(private.id), input={"title": "Still private"})
                created = await mutate(manager, CREATE, input=session_form(desk.other_mentor, title="Made on A"))

                first = (await manager_live.next(manager_events))["sessionEvents"]
                assert (first["kind"], first["session"]["title"]) == ("UPDATED", "Still private")
                second = (await manager_live.next(manager_events))["sessionEvents"]
                assert (second["kind"], second["sessionId"]) == ("CREATED", created["session"]["id"])
                # Kiran is not invited to the private session: the first event Kiran hears is the public one.
                heard = (await kiran_live.next(kiran_events))["sessionEvents"]
                assert (heard["kind"], heard["session"]["title"]) == ("CREATED", "Made on A")
                # Process A, where the changes were made, delivers them to its own subscribers as well.
                told = [(await on_a.next(a_events))["sessionEvents"]["kind"] for _ in range(2)]
                assert told == ["UPDATED", "CREATED"]


async def test_the_content_security_policy_lets_the_app_open_its_own_websocket_only(http, db):
    response = await http.get("/workspace")
    policy = response.headers["content-security-policy"]
    assert "connect-src 'self' ws://testserver wss://testserver" in policy
    odd = await http.get("/workspace", headers={"Host": "evil.example; script-src *"})
    assert "evil" not in odd.headers["content-security-policy"]


async def test_mentees_enrolling_bulk_rows_and_overdue_sessions_are_told_too(server, http, db):
    from backend.sessions.lifecycle import END_GRACE, complete_overdue_sessions
    from tests.support.factories import minutes_from_now
    from tests.support.session_requests import ENROL

    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    overdue = await make_session(
        desk.org, desk.other_mentor, starts_at=minutes_from_now(-200), status=SessionStatus.LIVE, duration=60
    )
    manager = await client_for(http, desk.manager)
    asha = await client_for(http, desk.asha)
    async with LiveClient.connect(server, manager.token) as live:
        events_id = await live.subscribe(EVENTS)

        await mutate(asha, ENROL, id=str(session.id))
        event = (await live.next(events_id))["sessionEvents"]
        assert (event["kind"], event["sessionId"], event["session"]["menteeCount"]) == (
            "MENTEES_CHANGED",
            str(session.id),
            1,
        )

        assert await complete_overdue_sessions(now=overdue.ends_at + END_GRACE + timedelta(minutes=1)) == 1
        event = (await live.next(events_id))["sessionEvents"]
        assert (event["kind"], event["sessionId"], event["session"]["status"]) == (
            "ENDED",
            str(overdue.id),
            "COMPLETED",
        )

        rows = [create(desk.mentor, f"From the file {n}", days_ahead=300 + n) for n in range(3)]
        await upload(http, manager.token, csv_bytes(rows))
        await job.run_pending()
        created = [(await live.next(events_id))["sessionEvents"] for _ in rows]
        assert [(e["kind"], e["session"]["title"]) for e in created] == [
            ("CREATED", f"From the file {n}") for n in range(3)
        ]


async def test_a_subscription_ends_within_seconds_of_signing_out_and_cannot_start_again(server, http, db):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    leaving = await client_for(http, desk.manager)
    async with LiveClient.connect(server, leaving.token) as live:
        events_id = await live.subscribe(EVENTS)
        await mutate(manager, CREATE, input=session_form(desk.mentor, title="Still signed in"))
        assert (await live.next(events_id))["sessionEvents"]["session"]["title"] == "Still signed in"

        await leaving.execute("mutation { logout { errors { message } } }")
        # Nothing else happens: the sign-in checks (every few seconds, for every subscription at once) end it.
        message = await live.receive(timeout=30)
        assert (message["id"], message["type"]) == (events_id, "next"), message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert (await live.receive())["type"] == "complete"

        # Subscribing again on the same socket is checked at once, and refused.
        again = await live.subscribe(EVENTS)
        message = await live.receive(timeout=30)
        assert (message["id"], message["payload"]["errors"][0]["extensions"]["code"]) == (again, "UNAUTHENTICATED")
        assert (await live.receive())["type"] == "complete"


async def test_renaming_a_category_is_told_as_an_update_of_the_sessions_using_it(server, http, db):
    from tests.support.session_requests import RENAME

    desk = await a_desk()
    uses_it = await make_session(desk.org, desk.mentor, categories=("Pedagogy", "Communication"))
    await make_session(desk.org, desk.mentor, categories=("Communication",))
    manager = await client_for(http, desk.manager)
    async with LiveClient.connect(server, manager.token) as live:
        events_id = await live.subscribe("subscription { sessionEvents { kind sessionId session { categories } } }")
        renamed = await mutate(manager, RENAME, kind="CATEGORY", **{"from": "Pedagogy", "to": "Teaching practice"})
        assert renamed["errors"] == []
        assert (await live.next(events_id))["sessionEvents"] == {
            "kind": "UPDATED",
            "sessionId": str(uses_it.id),
            "session": {"categories": ["Teaching practice", "Communication"]},
        }


@ON_POSTGRES
async def test_live_updates_are_heard_when_database_url_sizes_the_connection_pool(database, db):
    import dataclasses

    from backend.settings import use_settings

    # README (Running in production) advises ?minsize=…&maxsize=… in DATABASE_URL, and docs/deployment.md
    # ?statement_cache_size=0 behind PgBouncer: Tortoise's pool reads them, and the listening connection must
    # not pass them on to PostgreSQL.
    query = "?minsize=1&maxsize=20&statement_cache_size=0"
    sized = dataclasses.replace(db, database_url=db.listener_url + query, listen_database_url=None)
    bus = events.EventBus()
    use_settings(sized)
    try:
        async with bus.subscribe() as heard:
            await bus.publish(events.BulkUploadChanged(7))
            assert await heard.get(timeout=10) == events.BulkUploadChanged(7)
    finally:
        use_settings(db)
        await bus.close()


async def test_a_subscription_that_does_not_parse_is_answered_with_the_syntax_error(server, http, db, caplog):
    """graphql-transport-ws closes the connection with 4400 and the reason on a document that does not
    parse (the parser cache once let the error escape: nothing was said and the server logged a traceback)."""
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    async with LiveClient.connect(server, manager.token) as live:
        await live.subscribe("subscription { sessionEvents { kind ")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await live.receive(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
    assert closed.value.rcvd.reason == "Syntax Error: Expected Name, found <EOF>."
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("query", ["", "fragment Only on Query { __typename }"])
async def test_a_subscription_without_a_subscription_document_is_the_callers_mistake(server, http, db, caplog, query):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    async with LiveClient.connect(server, manager.token) as live:
        operation = await live.subscribe(query)
        try:
            answer = await live.receive(timeout=10)
        except websockets.ConnectionClosed as closed:  # graphql-transport-ws may refuse it by closing
            assert closed.rcvd is not None and closed.rcvd.code == 4400, closed
        else:
            assert answer["id"] == operation and answer["type"] == "error", answer
            [error] = answer["payload"]
            assert error["extensions"] == {"code": "BAD_REQUEST"} and "send" in error["message"].lower(), error
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "frame,reason",
    [
        ("0", NOT_A_MESSAGE),
        ('{"id": "1"}', NOT_A_MESSAGE),
        (
            '{"type": "subscribe", "id": 1, "payload": {"query": "subscription { sessionEvents { kind } }"}}',
            NOT_A_SUBSCRIBE,
        ),
        ('{"type": "subscribe", "id": "1", "payload": 5}', NOT_A_SUBSCRIBE),
        (
            '{"type": "subscribe", "id": "1", "payload": {"query": "{ viewer { id } }", "variables": 7}}',
            NOT_A_SUBSCRIBE,
        ),
    ],
)
async def test_a_frame_that_is_not_a_message_closes_the_connection_with_the_reason(
    server, http, db, caplog, frame, reason
):
    desk = await a_desk()
    manager = await client_for(http, desk.manager)
    async with LiveClient.connect(server, manager.token) as live:
        await live.socket.send(frame)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await live.receive(timeout=10)
    assert closed.value.rcvd is not None and (closed.value.rcvd.code, closed.value.rcvd.reason) == (4400, reason)
    assert "Traceback" not in caplog.text


async def test_a_closed_live_socket_drops_what_a_subscription_still_sends_or_closes():
    """A subscription task may answer, or close with a reason, after a refused frame closed its connection;
    Starlette would raise (Strawberry's adapter does not catch it) and the task would log a traceback."""
    from starlette.websockets import WebSocketState

    from backend.app import LiveSocket

    class ClosedSocket:
        application_state = WebSocketState.DISCONNECTED
        scope: dict = {}

        async def send_text(self, data: str) -> None:
            raise AssertionError("sent on a closed socket")

        async def close(self, code: int, reason: str) -> None:
            raise AssertionError("closed twice")

    socket = LiveSocket.__new__(LiveSocket)
    socket.ws = ClosedSocket()  # type: ignore[assignment]
    await socket.send_json({"type": "next", "id": "1", "payload": {}})
    await socket.close(4400, "Syntax Error")
