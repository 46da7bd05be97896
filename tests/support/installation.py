"""An installation that `sessiondesk` commands work on: a fresh DATA_DIR and, on PostgreSQL, a throwaway
database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from tests.support.databases import POSTGRES_ADMIN_URL
from tests.support.server import SESSIONDESK


class Installation:
    """A fresh DATA_DIR (and on PostgreSQL a throwaway database) that the command works on."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SMTP_URL", "DATA_DIR")}
        env["DATA_DIR"] = str(self.data_dir)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        done = subprocess.run([str(SESSIONDESK), *args], env=env, capture_output=True, text=True, timeout=300)
        if ok:
            assert done.returncode == 0, done.stderr
        return done

    def rows(self, sql: str) -> list[tuple]:
        if self.database_url is None:
            with sqlite3.connect(self.data_dir / "sessiondesk.sqlite3") as connection:
                return [tuple(r) for r in connection.execute(sql).fetchall()]

        async def fetch():
            connection = await asyncpg.connect(self.database_url.replace("postgres://", "postgresql://"))
            try:
                return [tuple(r) for r in await connection.fetch(sql)]
            finally:
                await connection.close()

        return asyncio.run(fetch())


def admin_sql(statement: str) -> None:
    """One statement run as PostgreSQL's administrator (CREATE DATABASE, DROP DATABASE)."""

    async def run() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@contextlib.contextmanager
def fresh_installation(backend: str, data_dir: Path) -> Iterator[Installation]:
    """An Installation on a new, empty database of `backend`, dropped afterwards."""
    if backend == "sqlite":
        yield Installation(data_dir, None)
        return
    name = f"sessiondesk_cli_{uuid.uuid4().hex[:10]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        yield Installation(data_dir, POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
