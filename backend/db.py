"""Database connection: the Tortoise configuration, start-up and shutdown, and migrations."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations
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
