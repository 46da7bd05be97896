"""The databases the tests run on: SQLite always, PostgreSQL when it is reachable (or required), and the
settings of a test installation."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from backend.settings import Settings, load_settings
from tests.support.pgbouncer import pgbouncer_installed

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


# CI sets TEST_POSTGRES=required so a PostgreSQL that failed to start fails the run instead of shrinking it.
if os.environ.get("TEST_POSTGRES") == "required" and not postgres_reachable():
    raise RuntimeError("TEST_POSTGRES=required but nothing listens on 127.0.0.1:5432; start PostgreSQL first.")
BACKENDS = ["sqlite"] + (["postgres"] if postgres_reachable() and os.environ.get("TEST_POSTGRES") != "off" else [])
# "pgbouncer": the same PostgreSQL through PgBouncer (transaction pooling, asyncpg's statement cache off), with
# live updates listening on a direct connection; only for the modules marked `through_pgbouncer`.
if "postgres" in BACKENDS and pgbouncer_installed():
    BACKENDS.append("pgbouncer")
THROUGH_PGBOUNCER = "through_pgbouncer"
# The backends a test installation or a demo server process is made on: PgBouncer is a way of reaching
# PostgreSQL that only the `database` fixture sets up, so "pgbouncer" there would be SQLite or PostgreSQL again.
DIRECT_BACKENDS = [b for b in BACKENDS if b != "pgbouncer"]
PGBOUNCER_POOL_SIZE = 10


# For tests of what only PostgreSQL has (exclusion constraints, trigram indexes, row locks under
# concurrency): they are generated for the PostgreSQL database alone (and behind PgBouncer).
ON_POSTGRES = pytest.mark.parametrize("database", [b for b in BACKENDS if b != "sqlite"], indirect=True)


def database_environment(settings: Settings) -> dict[str, str]:
    """DATABASE_URL and LISTEN_DATABASE_URL of these settings, for an app process started by a test."""
    return {"DATABASE_URL": settings.database_url, "LISTEN_DATABASE_URL": settings.listener_url}


def make_settings(data_dir: Path | str, database_url: str | None = None, **extra: str) -> Settings:
    # Mail goes out at once unless a test holds it for a settle window (MAIL_SETTLE_SECONDS).
    env = {
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "test-secret-of-forty-characters-0123456789",
        "MAIL_SETTLE_SECONDS": "0",
        **extra,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return load_settings(env)
