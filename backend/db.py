"""Database connection: the Tortoise configuration, start-up and shutdown, and migrations."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, TypeVar, cast

from tortoise import Tortoise, fields
from tortoise.migrations.api import migrate as run_migrations
from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend.settings import Settings


def tortoise_config(settings: Settings) -> dict:
    return {
        "connections": {"default": settings.database_url},
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
    # The app serves each request in its own task, so the ORM context must be reachable from all of them.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    """Apply every migration in backend/migrations that the database has not seen."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await run_migrations(config=tortoise_config(settings))
    await Tortoise.close_connections()


T = TypeVar("T")


async def column(query: QuerySet[Any], name: str, kind: type[T]) -> list[T]:
    """One column of the rows of `query`, each a `kind` (an ID, a date…): Tortoise's flat value lists
    are typed as tuples, so this says what they really hold."""
    return cast(list[T], await query.values_list(name, flat=True))


async def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Plain rows of values (ints, strings, datetimes; enums as their values, JSON as text) inserted by one
    executemany on the current connection (the transaction's, inside one), without a model per row: what
    the bulk upload writes thousands of at a time. `bulk_create` builds and checks a model for every row."""
    if not rows:
        return
    connection = Tortoise.get_connection("default")
    postgres = connection.capabilities.dialect == "postgres"
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(columns) + 1))
    names = ", ".join(f'"{name}"' for name in columns)
    await connection.execute_many(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [list(row) for row in rows])


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

    await insert_rows(
        meta.db_table,
        [meta.fields_db_projection[name] for name in names],
        [[value(instance, name) for name in names] for instance in instances],
    )
