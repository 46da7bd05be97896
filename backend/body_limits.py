"""Request bodies have a size limit, checked before they are read: a Content-Length over it is answered
413 at once, and a body without one (chunked) is counted as it streams in and cut off at the limit.
JSON and everything else: JSON_MAX_BYTES (1 MB). File uploads (multipart/form-data to /graphql): the
larger of BULK_MAX_BYTES and the 5 MB image limit, plus 64 KB for the form's other parts.

A body must also arrive within BODY_TIMEOUT_SECONDS of its request's start (408 otherwise), so that
clients trickling bodies in cannot hold connections and buffers; a client that goes away mid-body is
nobody to answer, not an error. JSON (bodies and websocket frames alike) is read by `decode_json`, which
answers a document nested too deeply for the parser with `TooDeeplyNested` instead of a RecursionError.
"""

from __future__ import annotations

import asyncio
import json
import time

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.failures import error_body
from backend.settings import get_settings


class TooDeeplyNested(ValueError):
    MESSAGE = "The JSON is nested too deeply to read; send a flatter document."


def decode_json(data: str | bytes) -> object:
    try:
        return json.loads(data)
    except RecursionError:
        raise TooDeeplyNested(TooDeeplyNested.MESSAGE) from None


class BodyTimeout(Exception):
    pass


def timeout_response(seconds: float) -> JSONResponse:
    message = f"The request's body did not arrive within {seconds:g} seconds; send it again on a faster connection."
    return JSONResponse(error_body(message, "REQUEST_TIMEOUT"), status_code=408, headers={"Connection": "close"})


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def too_large_response(limit: int, size: int | None, upload: bool) -> JSONResponse:
    what = "a file upload" if upload else "a request"
    told = f"This request is {size:,} bytes; " if size is not None else "This request is larger than that; "
    hint = (
        "choose a smaller file."
        if upload
        else "send less at once (a GraphQL request is a query and its variables, files go as multipart uploads)."
    )
    message = f"The largest body {what} may have is {_megabytes(limit)} ({limit:,} bytes). {told}{hint}"
    return JSONResponse(error_body(message, "REQUEST_TOO_LARGE", limit=limit), status_code=413)


def body_limit(scope: Scope) -> tuple[int, bool]:
    settings = get_settings()
    content_type = Headers(scope=scope).get("content-type", "")
    if scope["path"] == "/graphql" and content_type.lower().startswith("multipart/form-data"):
        return settings.multipart_max_bytes, True
    return settings.json_max_bytes, False


class BodyLimit:
    """ASGI middleware enforcing the limits above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, upload = body_limit(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size > limit:
                await too_large_response(limit, size, upload)(scope, receive, send)
                return
        received = 0
        started = False
        body_done = False
        timeout = get_settings().body_timeout_seconds
        deadline = time.monotonic() + timeout

        async def counting_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # waiting for the client to disconnect (a streamed answer listens for it)
                return await receive()
            try:
                async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
                body_done = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await too_large_response(limit, None, upload)(scope, receive, send)
        except BodyTimeout:
            if not started:
                await timeout_response(timeout)(scope, receive, send)
        except ClientDisconnect:
            pass  # the client went away mid-body: nobody is left to answer (the request's log line says 499)
