"""Test harness: every GraphQL test runs on SQLite and, when it is reachable, on PostgreSQL; the modules
marked `through_pgbouncer` run a third time on PostgreSQL behind PgBouncer in transaction pooling mode.

Each backend gets a fresh database (migrated with the project's own migrations) for the whole run;
every test starts from empty tables. Requests go through the real Starlette app.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from backend import auth
from backend.app import create_app
from backend.db import close_database, migrate, open_database
from backend.settings import Settings, use_settings
from tests.support.databases import (
    BACKENDS,
    DIRECT_BACKENDS,
    PGBOUNCER_POOL_SIZE,
    POSTGRES_ADMIN_URL,
    THROUGH_PGBOUNCER,
    make_settings,
)
from tests.support.graphql_client import GraphQLClient
from tests.support.installation import Installation, fresh_installation
from tests.support.pgbouncer import pgbouncer
from tests.support.server import free_port


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{THROUGH_PGBOUNCER}: also run these tests on PostgreSQL behind PgBouncer")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = [
        item for item in items if _backend(item) == "pgbouncer" and item.get_closest_marker(THROUGH_PGBOUNCER) is None
    ]
    if unmarked:
        config.hook.pytest_deselected(items=unmarked)
        dropped = set(unmarked)
        items[:] = [item for item in items if item not in dropped]
    # All the tests of one backend together, so each process makes and migrates each database once. Pytest's own
    # grouping goes by the parameter's position, and a module parametrized with fewer backends (ON_POSTGRES:
    # PostgreSQL first) would otherwise switch the session's database back and forth, each time anew.
    order = {None: -1, **{backend: n for n, backend in enumerate(BACKENDS)}}
    items.sort(key=lambda item: order.get(_backend(item), -1))  # -1 also for a module none of whose backends is here


def _backend(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database") if callspec is not None else None


# Argon2 at its real cost takes about 0.2 s of CPU per hash or check, and the tests sign in thousands of times;
# in this process passwords are hashed and checked at the lowest cost instead. The app processes that tests
# start keep the real cost, and so does every test that asks for `production_password_hashing`.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PRODUCTION_HASHING = {"_hasher": auth._hasher, "_DUMMY_HASH": auth._DUMMY_HASH}


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", CHEAP_HASHER)
        patch.setattr(auth, "_DUMMY_HASH", CHEAP_HASHER.hash("not-a-real-password"))
        yield


@pytest.fixture
def production_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords hashed and checked by the app's own hasher, at the cost it runs with, for this test."""
    for name, value in PRODUCTION_HASHING.items():
        monkeypatch.setattr(auth, name, value)


@pytest.fixture(scope="session", params=BACKENDS)
async def database(request, tmp_path_factory) -> AsyncIterator[Settings]:
    """A migrated database of one backend, open for the whole run."""
    data_dir = tmp_path_factory.mktemp(f"data-{request.param}")
    name = f"sessiondesk_test_{uuid.uuid4().hex[:10]}"
    on_postgres = request.param in ("postgres", "pgbouncer")
    bouncer = contextlib.ExitStack()
    if on_postgres:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"))
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        direct = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        settings = make_settings(data_dir, direct)
        if request.param == "pgbouncer":
            port = bouncer.enter_context(pgbouncer(PGBOUNCER_POOL_SIZE))
            pooled = f"postgres://postgres@127.0.0.1:{port}/{name}?statement_cache_size=0"
            settings = make_settings(data_dir, pooled, LISTEN_DATABASE_URL=direct)
    else:
        settings = make_settings(data_dir)
    use_settings(settings)
    # Tortoise caches compiled INSERT/DELETE statements per connection name; one process using two
    # databases under the name "default" must start each from a clean cache.
    EXECUTOR_CACHE.clear()
    await migrate(settings)
    await open_database(settings)
    yield settings
    await close_database()
    bouncer.close()
    if on_postgres:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def empty_tables() -> None:
    connection = Tortoise.get_connection("default")
    models = list(Tortoise.apps["models"].values())
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script(_postgres_emptying(tuple(models)))
    else:
        for model in models:
            await connection.execute_script(f'DELETE FROM "{model._meta.db_table}"')
        await connection.execute_script("DELETE FROM sqlite_sequence")


@functools.cache
def _postgres_emptying(models: tuple) -> str:
    """What TRUNCATE … RESTART IDENTITY does, as one transaction of DELETEs: TRUNCATE makes new files for every
    table and index, which took over a second per test on a busy machine; a DELETE of a test's few rows takes
    milliseconds. The replica role skips foreign keys and triggers (tallies, change log) while the tables empty."""
    tables = [model._meta.db_table for model in models]
    sequences = [
        f"(pg_get_serial_sequence('\"{model._meta.db_table}\"', '{model._meta.db_pk_column}'))"
        for model in models
        if model._meta.pk.generated
    ]
    return "\n".join(
        [
            "BEGIN;",
            "SET LOCAL session_replication_role = replica;",
            *(f'DELETE FROM "{table}";' for table in tables),
            f"SELECT setval(s::regclass, 1, false) FROM (VALUES {', '.join(sequences)}) AS t(s) WHERE s IS NOT NULL;",
            "COMMIT;",
        ]
    )


@pytest.fixture(params=DIRECT_BACKENDS)
def installation(request, tmp_path) -> Iterator[Installation]:
    """A fresh DATA_DIR and database of each backend, for `sessiondesk` commands run as an operator runs them."""
    with fresh_installation(request.param, tmp_path) as fresh:
        yield fresh


@pytest.fixture
async def db(database: Settings) -> Settings:
    """The database, emptied for this test; its settings are the process's settings."""
    use_settings(database)
    await empty_tables()
    return database


@pytest.fixture
def dialect(db: Settings) -> str:
    return "postgres" if db.is_postgres else "sqlite"


@pytest.fixture
async def app(db: Settings):
    # The database is already open; the app's own lifespan (open/close) is exercised by the browser tests.
    return create_app(db)


@pytest.fixture
async def http(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def graphql(http: httpx.AsyncClient) -> GraphQLClient:
    """A GraphQL client signed in as nobody; `await graphql.login(email)` signs it in with a bearer token."""
    return GraphQLClient(http)


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(("Created connection pool", "Closed connection pool")):
            self.statements.append(message)


@pytest.fixture
def sql_statements():
    """Records every SQL statement the ORM sends while the test runs."""
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    yield counter.statements
    logger.removeHandler(counter)
    logger.setLevel(previous)


class MailCatcher:
    """A real SMTP server on a free local port that keeps what it receives; stop() and start() make an outage."""

    def __init__(self) -> None:
        import email
        import email.policy

        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.messages: list = []  # email.message.EmailMessage, in arrival order
        self.envelope_recipients: list[list[str]] = []
        self.refused_addresses: set[str] = set()  # answered "550 no such mailbox"
        catcher = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in catcher.refused_addresses:
                    return "550 5.1.1 No such mailbox"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                catcher.envelope_recipients.append(list(envelope.rcpt_tos))
                catcher.messages.append(
                    email.message_from_bytes(envelope.original_content, policy=email.policy.default)
                )
                return "250 Message accepted"

        self._make_controller = lambda: Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = self._make_controller()
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def use(self, settings: Settings) -> Settings:
        """These settings with SMTP_URL pointing here, made the process's settings."""
        import dataclasses

        return use_settings(dataclasses.replace(settings, smtp_url=self.url))


@pytest.fixture
def smtp_server():
    """A running MailCatcher: `.messages`, `.url`, `.stop()`/`.start()`, `.use(settings)`, `.refused_addresses`."""
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()
