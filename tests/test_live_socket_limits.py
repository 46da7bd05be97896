"""What a websocket may cost before and after it signs in: frames no larger than a JSON body and checked
before they are parsed, deep nesting closed with a code, a cap on signed-out sockets per address, and a
deadline to sign in. Through the real app served by uvicorn."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator

import pytest
import websockets

from backend import app as app_module
from backend.app import create_app
from tests.support.factories import make_org, make_user
from tests.support.graphql_client import GraphQLClient
from tests.support.live_client import PROTOCOL, LiveClient, served


@pytest.fixture
async def server(http, db) -> AsyncIterator[str]:
    # After `http`, whose app made the test database's settings the process's: these replace them.
    settings = dataclasses.replace(db, json_max_bytes=10_000, live_max_signed_out=2)
    async with served(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture
async def token(http, db) -> str:
    person = await make_user(await make_org(), "MENTEE")
    client = await GraphQLClient(http).login(person.email)
    return client.token


@contextlib.asynccontextmanager
async def raw_socket(base_url: str) -> AsyncIterator[websockets.ClientConnection]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL], max_size=None) as ws:
        yield ws


async def close_of(ws: websockets.ClientConnection) -> tuple[int, str]:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_a_frame_over_the_json_limit_is_closed_1009_before_it_is_parsed(server, monkeypatch):
    parsed: list[int] = []
    real_decode = app_module.decode_json
    monkeypatch.setattr(app_module, "decode_json", lambda text: parsed.append(len(text)) or real_decode(text))
    async with raw_socket(server) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"pad": "x" * 20_000}}))
        assert await close_of(ws) == (1009, "A message may have at most 10,000 bytes.")
    assert parsed == []


async def test_a_frame_nested_100000_deep_is_closed_4400_not_a_recursion_error(server, caplog):
    async with raw_socket(server) as ws:
        await ws.send("[" * 4_000 + "]" * 4_000)  # within 10,000 bytes, far deeper than the parser goes
        assert await close_of(ws) == (4400, "The JSON is nested too deeply to read; send a flatter document.")
    assert not [r for r in caplog.records if r.exc_info]


async def test_one_address_holds_at_most_the_cap_of_signed_out_sockets_and_signing_in_frees_one(server, token):
    async with raw_socket(server) as first, raw_socket(server) as second:
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with raw_socket(server):
                pass
        assert refused.value.response.status_code == 403
        await first.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await first.recv())["type"] == "connection_ack"
        async with raw_socket(server) as third:  # the signed-in socket no longer counts
            await third.ping()
        del second
    async with LiveClient.connect(server, token):  # all given back
        pass


async def test_a_socket_that_never_signs_in_is_closed_after_the_sign_in_deadline(server, monkeypatch):
    assert app_module.SIGN_IN_SECONDS <= 10
    async with raw_socket(server) as ws:
        code, reason = await close_of(ws)
    assert (code, reason) == (4408, "Connection initialisation timeout")
