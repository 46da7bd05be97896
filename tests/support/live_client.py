"""A graphql-transport-ws client over a real websocket, and the app served in this process for it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
import websockets
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from backend import events
from tests.support.server import free_port, wait_until_async

PROTOCOL = "graphql-transport-ws"


@contextlib.asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """The app served by uvicorn on a free local port in this process (the test database is already open,
    so the app's lifespan is not run, but it listens for events as its startup would); yields its base URL."""
    await events.bus.start()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()  # it failed to start: say why
        return server.started

    await wait_until_async(started, 30, "uvicorn serving the app")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class LiveClient:
    """One websocket connection speaking graphql-transport-ws."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.ids = iter(range(1, 10_000))

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(
        cls, base_url: str, token: str | None = None, headers: dict[str, str] | None = None
    ) -> AsyncIterator[LiveClient]:
        """Connected and acknowledged; `token` goes in connection_init as the issue's payload says."""
        url = base_url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(url, subprotocols=[PROTOCOL], additional_headers=headers or {}) as ws:
            client = cls(ws)
            await client.init({"authorization": f"Bearer {token}"} if token else {})
            yield client

    async def send(self, message: dict) -> None:
        await self.socket.send(json.dumps(message))

    async def receive(self, timeout: float = 30) -> dict:
        """The next message other than a ping (which is answered)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def init(self, payload: dict) -> None:
        await self.send({"type": "connection_init", "payload": payload})
        message = await self.receive()
        assert message["type"] == "connection_ack", message

    async def subscribe(self, query: str, variables: dict | None = None) -> str:
        operation_id = str(next(self.ids))
        await self.send(
            {"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
        )
        return operation_id

    async def next(self, operation_id: str) -> dict:
        """The data of the operation's next result; fails on an error or on completion."""
        message = await self.receive()
        assert message.get("id") == operation_id and message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]["errors"]
        return message["payload"]["data"]


async def listening(*base_urls: str, subscriptions: int) -> None:
    """Waits until the servers at `base_urls` have `subscriptions` open between them, each listening for
    events (their /metrics say so). The protocol answers a subscription only with its first event, and a
    change committed before it listens is not heard: a test waits on this before it makes the change."""

    async def open_now() -> bool:
        total = 0.0
        for base_url in base_urls:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                text = (await http.get("/metrics")).text
            total += next(
                sample.value
                for family in text_string_to_metric_families(text)
                if family.name == "sessiondesk_live_subscriptions"
                for sample in family.samples
            )
        return total == subscriptions

    await wait_until_async(open_now, 30, f"{subscriptions} subscriptions listening on {', '.join(base_urls)}")


async def closed_code(base_url: str, payload: dict, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """The close code and reason of a connection whose connection_init is refused."""
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL], additional_headers=headers or {}) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 30)
        assert ws.close_code is not None
        return ws.close_code, ws.close_reason or ""
