"""A throwaway place for a benchmark's data: a temporary DATA_DIR (SQLite) and, when asked, a
PostgreSQL database made for the run and dropped after it; `seeded_postgres` also fills it with the demo
data. The scripts that import it put the project's root on sys.path first."""

from __future__ import annotations

import secrets
import socket
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from tortoise import Tortoise

from backend.db import close_database, migrate, open_database
from backend.seed import seed_demo
from backend.sessions import tallies
from backend.settings import Settings, load_settings, use_settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


@asynccontextmanager
async def seeded_postgres(sessions: int, postgres_url: str) -> AsyncIterator[tuple[dict[str, str], Settings]]:
    """A throwaway PostgreSQL database with `seed --demo --sessions N` (manager@example.org sees 80%), its
    session tallies folded as the housekeeper would (the seed's inserts leave a tally row each), and
    `VACUUM ANALYZE`d; its settings environment and settings (in use). The ORM is closed again."""
    async with throwaway_environment(True, postgres_url) as env:
        settings = use_settings(load_settings(env))
        await migrate(settings)
        await open_database(settings)
        started = time.perf_counter()
        print(await seed_demo(sessions, settings.seats_limit))
        print(f"Folded {await tallies.fold()} rows of the session tallies")
        await Tortoise.get_connection("default").execute_script("VACUUM ANALYZE")
        await close_database()
        print(f"Seeded and vacuumed in {time.perf_counter() - started:.0f} s")
        yield env, settings


@asynccontextmanager
async def seeded_or_given(database_url: str | None, sessions: int, postgres_url: str) -> AsyncIterator[dict[str, str]]:
    """The settings environment of a database seeded with `seed --demo`: the one given (kept as it is), or a
    throwaway one seeded with `sessions` now (see `seeded_postgres`)."""
    if database_url:
        with tempfile.TemporaryDirectory(prefix="sessiondesk-bench-") as data_dir:
            yield {"DATABASE_URL": database_url, "DATA_DIR": data_dir, "SECRET_KEY": secrets.token_hex(32)}
        return
    async with seeded_postgres(sessions, postgres_url) as (env, _):
        yield env
