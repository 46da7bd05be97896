"""Database connection: the Tortoise configuration (with one repair of its transactions), start-up and
shutdown, and migrations."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import Any, TypeVar, cast

from tortoise import Tortoise, fields
from tortoise.backends.base.client import TransactionContextPooled
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.sqlite.client import SqliteTransactionContext
from tortoise.exceptions import TransactionManagementError
from tortoise.migrations.api import migrate as run_migrations
from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend.settings import Settings

# A transaction whose BEGIN fails (its connection was cut by a database restart or `pg_terminate_backend`
# between being taken from the pool and starting) leaves Tortoise's transaction context half entered: the
# task's "current connection" still points at the dead transaction and, on SQLite, the writer lock stays
# taken. `__aexit__` is never called for a context whose `__aenter__` raised, so every later query of that
# task fails ("connection has been released back to the pool") — for a background worker, whose task lives
# as long as the process, until the process restarts. `release_failed_transactions` makes such an entry
# undo itself: the connection goes back to the pool and the task's connection is the pool again.
_PATCHED = "_sessiondesk_undoes_failed_begin"


def _undone_on_failure(enter: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
    @functools.wraps(enter)
    async def __aenter__(self: Any) -> Any:
        try:
            return await enter(self)
        except BaseException as error:
            # `token` is set once the context bound its connection to the task (just before BEGIN); its
            # own exit then releases the connection, resets the task's connection and, on SQLite, gives
            # back the writer lock. A pooled connection is not rolled back here: BEGIN may still be in
            # flight (a cancelled task), and the pool's release waits for that and resets it, rollback
            # included (told so by TransactionManagementError, the one error the exit does not roll back for).
            if getattr(self, "token", None) is not None:
                pooled = isinstance(self, TransactionContextPooled)
                with contextlib.suppress(Exception):
                    await self.__aexit__(TransactionManagementError if pooled else type(error), error, None)
            raise

    setattr(__aenter__, _PATCHED, True)
    return __aenter__


def release_failed_transactions() -> None:
    """Install the fix above (once; calling it again does nothing)."""
    for context in (TransactionContextPooled, SqliteTransactionContext):
        if not getattr(context.__aenter__, _PATCHED, False):
            context.__aenter__ = _undone_on_failure(context.__aenter__)  # type: ignore[method-assign,assignment]


def connection_config(settings: Settings, statement_timeout: bool = False) -> str | dict:
    """The database as Tortoise takes it; with `statement_timeout`, PostgreSQL stops any statement of these
    connections after STATEMENT_TIMEOUT_SECONDS (a query gone slow, say on stale planner statistics,
    answers 503 instead of holding a connection for minutes). Migrations run without it."""
    if not (statement_timeout and settings.is_postgres and settings.statement_timeout_seconds):
        return settings.database_url
    config = expand_db_url(settings.database_url)
    server_settings = config["credentials"].setdefault("server_settings", {})
    server_settings["statement_timeout"] = str(settings.statement_timeout_seconds * 1000)
    return config


def tortoise_config(settings: Settings, statement_timeout: bool = False) -> dict:
    return {
        "connections": {"default": connection_config(settings, statement_timeout)},
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
    release_failed_transactions()
    # The app serves each request in its own task, so the ORM context must be reachable from all of them.
    await Tortoise.init(config=tortoise_config(settings, statement_timeout=True), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    """Apply every migration in backend/migrations that the database has not seen."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await run_migrations(config=tortoise_config(settings))
    await Tortoise.close_connections()


T = TypeVar("T")
M = TypeVar("M", bound=Model)


async def column(query: QuerySet[Any], name: str, kind: type[T]) -> list[T]:
    """One column of the rows of `query`, each a `kind` (an ID, a date…): Tortoise's flat value lists
    are typed as tuples, so this says what they really hold."""
    return cast(list[T], await query.values_list(name, flat=True))


# The array type each kind of field is sent as by `insert_rows` on PostgreSQL: base types without a length,
# so a value too long for its column is refused on insert as usual instead of being cut by a cast.
_PG_ARRAY_TYPES: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.BooleanField, "boolean"),
    (fields.IntField, "bigint"),
    (fields.BigIntField, "bigint"),
    (fields.SmallIntField, "bigint"),
    (fields.CharField, "text"),  # CharEnumField's fields too
    (fields.TextField, "text"),
    (fields.DatetimeField, "timestamptz"),
    (fields.DateField, "date"),
    (fields.JSONField, "jsonb"),
)


def _pg_array_type(field: fields.Field) -> str:
    for kind, name in _PG_ARRAY_TYPES:
        if isinstance(field, kind):
            return f"{name}[]"
    raise TypeError(f"insert_rows cannot send a {type(field).__name__} ({field.model_field_name})")


async def insert_rows(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Rows of `model` given as plain values of its fields `names` (ints, strings, datetimes; enums as
    their values, JSON as text), written in one statement on the current connection (the transaction's,
    inside one) without a model per row: what a bulk upload writes thousands of at a time, where
    `bulk_create` builds and checks a model for every row and sends each row on its own. On PostgreSQL
    the rows go as one array per column (`INSERT … SELECT * FROM unnest(…)`); on SQLite by executemany."""
    if not rows:
        return
    meta = model._meta
    connection = Tortoise.get_connection("default")
    columns = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in names)
    insert = f'INSERT INTO "{meta.db_table}" ({columns})'
    if connection.capabilities.dialect == "postgres":
        arrays = ", ".join(f"${n}::{_pg_array_type(meta.fields_map[name])}" for n, name in enumerate(names, 1))
        await connection.execute_query(
            f"{insert} SELECT * FROM unnest({arrays})", [list(c) for c in zip(*rows, strict=True)]
        )
    else:
        marks = ", ".join("?" for _ in names)
        await connection.execute_many(f"{insert} VALUES ({marks})", [list(row) for row in rows])


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


def new_model(model: type[M], **columns: Any) -> M:
    """A new, unsaved `model` from a value for every one of its columns, built the way the ORM builds one it
    read (values taken as they are) rather than by its constructor, which checks and converts each value and
    fills in defaults: about 70 µs a session, most of the planning time of a 10,000-row bulk upload. Every
    column must be given, so a column added to the model later cannot be left out unnoticed."""
    expected = set(model._meta.fields_db_projection.values())
    if wrong := expected.symmetric_difference(columns):
        raise TypeError(f"new_model({model.__name__}) needs exactly its columns; check {', '.join(sorted(wrong))}")
    instance = model._init_from_db(**columns)
    instance._saved_in_db = False
    return instance
