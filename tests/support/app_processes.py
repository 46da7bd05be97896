"""`sessiondesk serve` as processes of their own on the test database, for tests of what several app
processes do together (live updates heard across processes, two managers racing through two servers)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.live_client import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


@contextlib.contextmanager
def app_process(db, log: Path) -> Iterator[str]:
    """`sessiondesk serve` as its own process on the test database; yields its base URL."""
    port = free_port()
    # Processes share one real secret (serve refuses a short one), so a token of one is good on the other.
    env = {**os.environ, "DATA_DIR": str(db.data_dir), "DATABASE_URL": db.database_url, "SECRET_KEY": "s" * 48}
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def wait_until_up(base_url: str, log: Path, deadline_seconds: float = 60) -> None:
    """Until the server answers, within a minute (a loaded machine starts Python slowly)."""
    deadline = time.monotonic() + deadline_seconds
    async with httpx.AsyncClient(base_url=base_url) as client:
        while time.monotonic() < deadline:
            try:
                await client.get("/healthz")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{base_url} did not come up:\n{log.read_text()}")
