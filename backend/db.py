"""Database connection: the Tortoise configuration (with one repair of its transactions), start-up and
shutdown, and migrations."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from enum import Enum
from typing import Any, TypeVar, cast

import asyncpg
from tortoise import Tortoise, fields
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.migrations.api import migrate as run_migrations
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from backend import compat
from backend.settings import Settings


async def _keep_session(connection: asyncpg.Connection) -> None:
    """What a pooled connection's release runs, after asyncpg has rolled back a transaction left open:
    nothing more. asyncpg's default sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL;`, a round trip after every statement the app runs, to undo session state the app never leaves: it
    sets nothing for the session (`SET LOCAL` only, and its settings at connect), takes advisory locks for a
    transaction only, keeps no cursor open and listens on a connection of its own (backend/events.py)."""


def connection_config(settings: Settings, for_app: bool = False) -> str | dict:
    """The database as Tortoise takes it. The app's own connections (`for_app`) on PostgreSQL go back to
    the pool without asyncpg's reset query (`_keep_session`), and PostgreSQL stops any of their statements
    after STATEMENT_TIMEOUT_SECONDS (a query gone slow, say on stale planner statistics, answers 503 instead
    of holding a connection for minutes). Migrations run without either."""
    if not (for_app and settings.is_postgres):
        return settings.database_url
    config = expand_db_url(settings.database_url)
    credentials = config["credentials"]
    credentials["reset"] = _keep_session  # passed on to asyncpg.create_pool
    if settings.statement_timeout_seconds:
        server_settings = credentials.setdefault("server_settings", {})
        server_settings["statement_timeout"] = str(settings.statement_timeout_seconds * 1000)
    return config


def tortoise_config(settings: Settings, for_app: bool = False) -> dict:
    return {
        "connections": {"default": connection_config(settings, for_app)},
        "apps": {
            "models": {
                "models": ["backend.models"],
                "default_connection": "default",
                "migrations": "backend.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    compat.release_failed_transactions()
    await compat.init_orm(tortoise_config(settings, for_app=True))


async def close_database() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    """Apply every migration in backend/migrations that the database has not seen."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await run_migrations(config=tortoise_config(settings))
    await Tortoise.close_connections()


log = logging.getLogger("backend.db")

AfterCommit = Callable[[], Awaitable[None] | None]
# The callbacks of the `transaction` block this task is in (None outside one).
_after_commit: ContextVar[list[AfterCommit] | None] = ContextVar("after_commit", default=None)


@asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """A database transaction (Tortoise's `in_transaction`) whose `after_commit` callbacks run once it has
    committed, in the order given, and never when it rolls back. A block inside another one is a savepoint:
    its callbacks wait for the outermost commit, and are dropped with the savepoint if it rolls back."""
    outer = _after_commit.get()
    callbacks: list[AfterCommit] = []
    token = _after_commit.set(callbacks)
    try:
        async with in_transaction():
            yield
    finally:
        _after_commit.reset(token)
        # Emptied, as timers started inside the block keep a copy of its context, and so this list, for
        # minutes (asyncpg's statement cache: 5): with a bulk upload batch's changes in it otherwise.
        committed, callbacks[:] = list(callbacks), []
    if outer is not None:
        outer.extend(committed)
        return
    for callback in committed:
        await _run(callback)


async def _run(callback: AfterCommit) -> None:
    # The transaction has committed: a callback that fails is logged, and never reads as a failed change.
    try:
        if (result := callback()) is not None:
            await result
    except Exception:
        log.exception("An after-commit callback failed: %r", callback)


async def after_commit(callback: AfterCommit) -> None:
    """Run `callback` once the current transaction has committed (at once outside a transaction): what
    wakes whoever acts on what the transaction wrote — the mail sender, live subscribers, the bulk runner."""
    callbacks = _after_commit.get()
    if callbacks is not None:
        callbacks.append(callback)
        return
    if isinstance(Tortoise.get_connection("default"), TransactionalDBClient):
        raise RuntimeError("after_commit inside a transaction not opened by backend.db.transaction")
    await _run(callback)


T = TypeVar("T")
M = TypeVar("M", bound=Model)


async def column(query: QuerySet[Any], name: str, kind: type[T]) -> list[T]:
    """One column of the rows of `query`, each a `kind` (an ID, a date…): Tortoise's flat value lists
    are typed as tuples, so this says what they really hold."""
    return cast(list[T], await query.values_list(name, flat=True))


async def insert_rows(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Rows of `model` given as plain values of its fields `names` (ints, strings, datetimes; enums as
    their values, JSON as text), written in one go on the current connection (the transaction's, inside
    one) without a model per row: what a bulk upload writes thousands of at a time, where `bulk_create`
    builds and checks a model for every row and sends each row on its own. On PostgreSQL by `COPY … FROM
    STDIN` (asyncpg's binary copy: a third of the CPU of sending one array per column, whose every element
    asyncpg inspects; triggers and constraints apply as to an INSERT); on SQLite by executemany."""
    if not rows:
        return
    meta = model._meta
    connection = Tortoise.get_connection("default")
    columns = [meta.fields_db_projection[name] for name in names]
    if connection.capabilities.dialect != "postgres":
        quoted, marks = ", ".join(f'"{c}"' for c in columns), ", ".join("?" for _ in names)
        await connection.execute_many(f'INSERT INTO "{meta.db_table}" ({quoted}) VALUES ({marks})', [*map(list, rows)])
        return
    connection.log.debug("COPY %s (%s) FROM STDIN: %d rows", meta.db_table, ", ".join(columns), len(rows))
    try:
        async with connection.acquire_connection() as raw:
            await raw.copy_records_to_table(meta.db_table, records=rows, columns=columns)
    except asyncpg.IntegrityConstraintViolationError as error:  # as the ORM's own statements report them
        raise IntegrityError(error) from error
    except (asyncpg.SyntaxOrAccessError, asyncpg.exceptions.DataError) as error:
        raise OperationalError(error) from error


async def insert_models(instances: Sequence[Model]) -> None:
    """New models of one class written by `insert_rows`, like `bulk_create` with their primary keys given
    but without checking and converting each value field by field: enums go as their values, JSON as text,
    the rest as it is. Every value must be set already (an `auto_now` field is not filled in)."""
    if not instances:
        return
    meta = instances[0]._meta
    names = list(meta.fields_db_projection)
    as_json = {name: meta.fields_map[name] for name in names if isinstance(meta.fields_map[name], fields.JSONField)}

    def value(instance: Model, name: str) -> object:
        value = getattr(instance, name)
        if isinstance(value, Enum):
            return value.value
        if name in as_json:
            return as_json[name].to_db_value(value, instance)
        return value

    await insert_rows(type(instances[0]), names, [[value(instance, name) for name in names] for instance in instances])


def read_model(model: type[M], row: dict[str, Any]) -> M:
    """`model` as the ORM builds one it read, from a row of all its columns by name: for a statement the
    app writes itself where the ORM's query building would cost more than the statement."""
    return model._init_from_db(**row)


def new_model(model: type[M], **columns: Any) -> M:
    """A new, unsaved `model` from a value for every one of its columns, taken as they are (the ORM's
    `construct`) rather than by its constructor, which checks and converts each value and fills in
    defaults: about 70 µs a session, most of the planning time of a 10,000-row bulk upload. Every column
    must be given, so a column added to the model later cannot be left out unnoticed."""
    expected = set(model._meta.fields_db_projection.values())
    if wrong := expected.symmetric_difference(columns):
        raise TypeError(f"new_model({model.__name__}) needs exactly its columns; check {', '.join(sorted(wrong))}")
    return model.construct(**columns)
