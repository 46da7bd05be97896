"""Attacks sent to a real server (a `sessiondesk serve` process with the demo data) on SQLite and on
PostgreSQL: each is refused (or handled) without reading what it need not read, and the server's peak
memory while handling it grows by less than 50 MB (its peak RSS, VmHWM, reset before each attack). How
fast each is refused is measured in bench/, not here.

On PostgreSQL the server reaches the database through a TCP relay in this process, so "the database
goes away" is the relay closing, not the shared PostgreSQL stopping.

One person opening live-update connections and subscriptions without end is refused past the limits
(LIVE_MAX_CONNECTIONS, LIVE_MAX_SUBSCRIPTIONS), and a slot is free again once its holder ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import select
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import websockets
from PIL import Image

from tests.support.databases import BACKENDS, DIRECT_BACKENDS
from tests.support.demo_server import Server, running_server, sign_in
from tests.support.live_client import LiveClient, closed_code
from tests.support.server import wait_until, wait_until_async

MB = 1024 * 1024
GROWTH = 50 * MB


@pytest.fixture(scope="module", params=DIRECT_BACKENDS)
def server(request) -> Iterator[Server]:
    with running_server(request.param) as started:
        # The first requests of a process pay for imports and caches; the attacks are measured after them.
        for _ in range(3):
            graphql(started, "{ sessions(pageSize: 20) { items { id title mentor { name } } } }")
        yield started


def attack(server: Server, send: Callable[[], Any]) -> Any:
    """Runs one attack; asserts the server's peak memory grew by less than GROWTH while it ran. Returns
    what `send` returned (the answer, which arrived once the server had handled the attack)."""
    server.reset_peak()
    before = server.rss()
    result = send()
    growth = server.rss("VmHWM") - before
    assert growth < GROWTH, f"peak memory grew by {growth / MB:.0f} MB"
    return result


def graphql(server: Server, query: str, variables: dict | None = None, signed_in: bool = True) -> httpx.Response:
    return httpx.post(
        server.base + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=server.headers() if signed_in else {},
        timeout=30,
    )


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


def raw_request(server: Server, head: str, body_chunks: Iterator[bytes]) -> tuple[int, dict, int]:
    """Sends the request head, then body chunks until the server answers; returns the status, the JSON
    body and how many body bytes were sent by then."""
    port = int(server.base.rsplit(":", 1)[1])
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode())
        answer = b""
        for chunk in body_chunks:
            readable, _, _ = select.select([connection], [], [], 0)
            if readable:
                break
            try:
                connection.sendall(chunk)
            except OSError:  # the server closed the connection: it will not read more
                break
            sent += len(chunk)
        connection.settimeout(5)
        try:
            while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
                data = connection.recv(65536)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    head_part, _, body = answer.partition(b"\r\n\r\n")
    status = int(head_part.split()[1])
    return status, json.loads(body[: _length(answer)]), sent


def _length(answer: bytes) -> int:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    for line in head.split("\r\n"):
        if line.startswith("content-length:"):
            return int(line.split(":", 1)[1])
    return 0


def zeros(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"0" * size


def chunked(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        yield f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"


def test_five_levels_of_nested_pages_are_refused(server):
    inner = "id"
    for _ in range(5):
        inner = f"mentor {{ sessions(pageSize: 100) {{ items {{ {inner} }} }} }}"
    query = f'{{ session(id: "{server.session_id}") {{ {inner} }} }}'

    response = attack(server, lambda: graphql(server, query))

    assert codes(response) == ["QUERY_TOO_DEEP"]
    # Within the depth limit, the same shape is priced: 100 × 100 sessions is refused as too costly.
    two = "query { sessions(pageSize: 100) { items { mentor { sessions(pageSize: 100) { items { id } } } } } }"
    assert codes(attack(server, lambda: graphql(server, two))) == ["QUERY_TOO_COMPLEX"]


def test_hundreds_of_aliased_pages_are_refused(server):
    many = "{ " + " ".join(f"a{n}: sessions(pageSize: 100) {{ items {{ id title }} }}" for n in range(500)) + " }"
    assert codes(attack(server, lambda: graphql(server, many))) == ["TOO_MANY_TOKENS"]
    fewer = "{ " + " ".join(f"a{n}: sessions(pageSize: 100) {{ items {{ id }} }}" for n in range(100)) + " }"
    assert codes(attack(server, lambda: graphql(server, fewer))) == ["TOO_MANY_ALIASES"]


def test_a_signed_out_300_mb_json_body_is_refused_from_its_length(server):
    head = f"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {300 * MB}\r\n\r\n"
    status, body, sent = attack(server, lambda: raw_request(server, head, zeros(300 * MB)))

    assert status == 413 and body["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert sent < 50 * MB


def test_a_signed_out_chunked_json_body_is_cut_off_at_1_mb(server):
    head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    status, body, sent = attack(server, lambda: raw_request(server, head, chunked(300 * MB)))

    assert status == 413 and body["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert sent < 50 * MB


def test_a_500_mb_upload_is_refused_before_it_is_read(server):
    signed_out = (
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {500 * MB}\r\n\r\n"
    )
    # Over the upload limit: refused from its length, signed in or not.
    status, body, sent = attack(server, lambda: raw_request(server, signed_out, zeros(500 * MB)))
    assert status == 413 and body["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert sent < 50 * MB
    signed_in = signed_out.replace("Host: x\r\n", f"Host: x\r\nAuthorization: Bearer {server.token}\r\n")
    status, body, sent = attack(server, lambda: raw_request(server, signed_in, zeros(500 * MB)))
    assert status == 413 and body["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert sent < 50 * MB

    # Within the limit but signed out: refused before a byte of the file is read.
    small = signed_out.replace(f"Content-Length: {500 * MB}", f"Content-Length: {5 * MB}")
    status, body, sent = attack(server, lambda: raw_request(server, small, zeros(5 * MB)))
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def upload(server: Server, query: str, variables: dict, name: str, content: bytes, kind: str) -> httpx.Response:
    operations = {"query": query, "variables": {**variables, "file": None}}
    return httpx.post(
        server.base + "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, content, kind)},
        headers=server.headers(),
        timeout=30,
    )


def test_a_csv_header_of_a_million_empty_cells_gets_a_short_message(server):
    content = b"Action,ID," + b"," * 1_000_000 + b"Title\r\nDelete,1\r\n"
    query = "mutation($file: Upload!) { bulkUploadSessions(file: $file) { bulkUpload { id } errors { message } } }"

    response = attack(server, lambda: upload(server, query, {}, "wide.csv", content, "text/csv"))

    [error] = response.json()["data"]["bulkUploadSessions"]["errors"]
    assert error["message"].startswith("The header has 1,000,003 columns; a bulk upload file has at most 100.")
    assert len(error["message"]) < 2000
    history = graphql(server, "{ bulkUploads(pageSize: 100) { items { message } } }")
    assert len(history.content) < 50_000


def test_an_image_of_40_megapixels_in_154_kb_is_refused_from_its_header(server):
    out = io.BytesIO()
    Image.new("L", (6300, 6300), 200).save(out, "PNG", compress_level=9)
    assert len(out.getvalue()) < 200_000
    query = """mutation($id: ID!, $file: Upload!) { setSessionImage(sessionId: $id, image: $file) {
        errors { message } } }"""

    response = attack(
        server, lambda: upload(server, query, {"id": str(server.session_id)}, "bomb.png", out.getvalue(), "image/png")
    )

    [error] = response.json()["data"]["setSessionImage"]["errors"]
    assert error["message"].startswith("The image is 6300×6300 pixels (39.7 MP); the most we take is 25.0 MP.")


def test_8000_categories_are_refused_at_once(server):
    query = """mutation($input: CreateSessionInput!) { createSession(input: $input) { errors { field message } } }"""
    session_input = {"title": "Many", "categories": [f"Category {n}" for n in range(8000)]}

    response = attack(server, lambda: graphql(server, query, {"input": session_input}))

    errors = response.json()["data"]["createSession"]["errors"]
    assert {
        "field": "categories",
        "message": "You gave 8,000 category values; a session takes at most 20. Remove some.",
    } in errors


# SQLite has no database server to lose: this attack is generated for PostgreSQL alone.
@pytest.mark.parametrize("server", [b for b in BACKENDS if b == "postgres"], indirect=True)
def test_the_database_gone_answers_503_json_and_comes_back(server):
    assert server.relay is not None
    server.relay.cut()
    try:
        login = attack(
            server,
            lambda: graphql(
                server,
                'mutation { login(email: "manager@example.org", password: "demo1234") { token } }',
                signed_in=False,
            ),
        )
        download = attack(
            server, lambda: httpx.get(server.base + "/exports/sessions.csv", headers=server.headers(), timeout=30)
        )
        query = attack(server, lambda: graphql(server, "{ viewer { id } }"))
    finally:
        server.relay.start()
    for response in (login, download, query):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "errors": [
                {
                    "message": "SessionDesk cannot reach its database right now; try again shortly.",
                    "extensions": {"code": "SERVICE_UNAVAILABLE"},
                }
            ]
        }
    # Once the database is back, so is the app.
    back = wait_until(
        lambda: (answer := graphql(server, "{ viewer { id } }")).status_code == 200 and answer,
        30,
        "the app answering again once the database is back",
    )
    assert back.json()["data"]["viewer"]["id"]
    # An outage is logged as such (one line per failed request), not as a bug with a traceback. (asyncpg's
    # own pool logs its failed reconnections with theirs: that is the driver's, not a request's.)
    log = server.log.read_text()
    assert "Database unreachable in POST /graphql: ConnectionRefusedError" in log
    for bug in ("Unexpected error", "Exception in ASGI application"):
        assert bug not in log, log[log.index(bug) :][:3000]


# --- one person holding many live-update connections and subscriptions ----------------------------

LIVE_LIMIT = 10  # LIVE_MAX_CONNECTIONS and LIVE_MAX_SUBSCRIPTIONS, left at their defaults by the server
SESSION_EVENTS = "subscription { sessionEvents { kind sessionId } }"


async def _message_for(live: LiveClient, operation: str, timeout: float = 30) -> dict:
    """The next message about `operation`, passing over those about the connection's other subscriptions."""
    while True:
        message = await live.receive(timeout)
        if message.get("id") == operation:
            return message


async def _refusal(live: LiveClient, operation: str) -> dict:
    """The error a refused subscription ends with (then it completes)."""
    message = await _message_for(live, operation)
    assert message["type"] == "next" and message["payload"]["data"] is None, message
    (error,) = message["payload"]["errors"]
    assert (await _message_for(live, operation))["type"] == "complete"
    return error


async def _change_the_session(server: Server) -> None:
    update = "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: {title: $t}) { errors { message } } }"
    variables = {"id": server.session_id, "t": f"Renamed {uuid.uuid4().hex[:6]}"}
    async with httpx.AsyncClient(base_url=server.base, headers=server.headers(), timeout=30) as client:
        answer = await client.post("/graphql", json={"query": update, "variables": variables})
    assert answer.json()["data"]["updateSession"]["errors"] == [], answer.text


async def _first_word_of(server: Server, live: LiveClient, operation: str) -> dict:
    """The first message about `operation` while the session keeps changing: its refusal if it was refused,
    else the news of a change it heard (an accepted subscription says nothing until something changes,
    and may start listening a moment after it was sent)."""

    async def keep_changing() -> None:
        while True:
            await _change_the_session(server)
            await asyncio.sleep(0.5)  # a change every half second, not a wait for anything

    changing = asyncio.create_task(keep_changing())
    try:
        return await _message_for(live, operation)
    finally:
        changing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await changing


async def _heard_of_a_change(server: Server, live: LiveClient, operation: str) -> None:
    """A session changed through the API reaches `operation`: it runs, it was not refused."""
    message = await _first_word_of(server, live, operation)
    assert message["type"] == "next" and "errors" not in message["payload"], message
    assert message["payload"]["data"]["sessionEvents"]["sessionId"] == str(server.session_id)


async def _subscribe_once_a_slot_is_free(server: Server, live: LiveClient) -> str:
    """Subscribes until accepted: the server gives a slot back once it has seen the subscription or the
    socket end, a moment after the client ended it."""

    async def accepted() -> str | None:
        operation = await live.subscribe(SESSION_EVENTS)
        message = await _first_word_of(server, live, operation)
        if message["type"] == "next" and "errors" not in message["payload"]:
            return operation
        assert message["payload"]["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS", message
        assert (await _message_for(live, operation))["type"] == "complete"
        return None

    return await wait_until_async(accepted, 60, "the slot of the ended subscription given back")


async def test_one_person_may_hold_only_so_many_live_subscriptions_and_ending_one_frees_its_slot(server):
    async with (
        LiveClient.connect(server.base, server.token) as first,
        LiveClient.connect(server.base, server.token) as second,
    ):
        held = [await first.subscribe(SESSION_EVENTS) for _ in range(LIVE_LIMIT - 1)]
        held.append(await second.subscribe(SESSION_EVENTS))
        await _heard_of_a_change(server, first, held[-2])
        await _heard_of_a_change(server, second, held[-1])

        # The eleventh, on either connection and of either kind, is refused with the limit and what to do.
        error = await _refusal(first, await first.subscribe(SESSION_EVENTS))
        assert error["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": LIVE_LIMIT}
        assert error["message"].startswith("You have 10 live subscriptions open already"), error
        assert "Close SessionDesk in other tabs" in error["message"]
        progress = "subscription($id: ID!) { bulkUploadProgress(id: $id) { status } }"
        error = await _refusal(second, await second.subscribe(progress, {"id": "1"}))
        assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"

        # Ending one (complete) frees its slot for the next.
        await first.send({"id": held[0], "type": "complete"})
        again = await _subscribe_once_a_slot_is_free(server, first)
        await _heard_of_a_change(server, first, again)

    # Closing the sockets gives back every slot they held: ten new subscriptions run.
    async with LiveClient.connect(server.base, server.token) as third:
        fresh = [await _subscribe_once_a_slot_is_free(server, third) for _ in range(LIVE_LIMIT)]
        await _heard_of_a_change(server, third, fresh[-1])


async def test_one_person_may_hold_only_so_many_live_connections_and_closing_one_frees_its_slot(server):
    async with contextlib.AsyncExitStack() as stack:
        connections = [
            await stack.enter_async_context(LiveClient.connect(server.base, server.token)) for _ in range(LIVE_LIMIT)
        ]
        refused = await closed_code(server.base, {"authorization": f"Bearer {server.token}"})
        assert refused == (1008, "Too many live connections: at most 10 per person. Close SessionDesk in other tabs.")
        # Someone else is not held back by it.
        async with LiveClient.connect(server.base, sign_in(server.base, "manager@other.example.org")):
            pass

        await connections[0].socket.close()
        # Accepted once the server has seen the close.
        await wait_until_async(lambda: _connection_accepted(server), 30, "the closed connection's slot given back")


async def _connection_accepted(server: Server) -> bool:
    url = server.base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {server.token}"}}))
        try:
            return json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
        except websockets.ConnectionClosed:
            return False
