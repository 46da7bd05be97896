"""Waiting on a fact with a deadline, never on time alone."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


async def until(fact: Callable[[], bool | Awaitable[bool]], what: str, seconds: float = 30) -> None:
    """Returns once `fact()` is true; fails naming `what` when it is not within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = fact()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        assert time.monotonic() < deadline, f"gave up waiting for {what} after {seconds} s"
        await asyncio.sleep(0.02)
