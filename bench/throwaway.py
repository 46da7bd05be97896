"""A throwaway place for a benchmark's data: a temporary DATA_DIR (SQLite) and, when asked, a
PostgreSQL database made for the run and dropped after it."""

from __future__ import annotations

import secrets
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg


async def _admin(postgres_url: str, statement: str) -> None:
    admin = await asyncpg.connect(postgres_url.replace("postgres://", "postgresql://"))
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@asynccontextmanager
async def throwaway_environment(postgres: bool, postgres_url: str) -> AsyncIterator[dict[str, str]]:
    """The settings environment (DATA_DIR, SECRET_KEY and, for PostgreSQL, DATABASE_URL) of one run."""
    name = f"sessiondesk_bench_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="sessiondesk-bench-") as data_dir:
        # A real-length key: `sessiondesk serve` refuses to start with a short or placeholder one.
        env = {"DATA_DIR": data_dir, "SECRET_KEY": secrets.token_hex(32)}
        if postgres:
            await _admin(postgres_url, f'CREATE DATABASE "{name}"')
            env["DATABASE_URL"] = postgres_url.rsplit("/", 1)[0] + f"/{name}"
        try:
            yield env
        finally:
            if postgres:
                await _admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
