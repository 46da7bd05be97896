"""`sessiondesk serve` as processes of their own on the test database, for tests of what several app
processes do together (live updates heard across processes, two managers racing through two servers,
access tokens revoked through one and refused by the other)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.server import ServerProcess, server_env, wait_until_async


@contextlib.contextmanager
def app_process(db, log: Path) -> Iterator[str]:
    """`sessiondesk serve` as its own process on the test database; yields its base URL."""
    # Processes share one real secret (serve refuses a short one), so a token of one is good on the other.
    server = ServerProcess(
        server_env(db.data_dir, db.database_url, SECRET_KEY="s" * 48, LISTEN_DATABASE_URL=db.listener_url), log
    )
    try:
        yield server.url
    finally:
        server.stop()


async def wait_until_up(base_url: str, log: Path) -> None:
    async def up() -> bool:
        async with httpx.AsyncClient(base_url=base_url) as client:
            try:
                return (await client.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

    try:
        await wait_until_async(up, 90, f"{base_url} answering")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{log.read_text()}") from None
