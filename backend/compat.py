"""The libraries' private names SessionDesk relies on, in one place. Each is used here and nowhere else, and
tests/test_compat.py pins the behaviour we rely on, so an upgrade that changes one fails there, loudly."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tortoise import Tortoise
from tortoise.backends.base.client import TransactionContextPooled
from tortoise.backends.sqlite.client import SqliteTransactionContext
from tortoise.exceptions import TransactionManagementError
from tortoise.queryset import AwaitableQuery, QuerySet

if TYPE_CHECKING:  # the ORM's layer (db.py) uses this module too; it must not load the web's libraries
    import strawberry
    from graphql import GraphQLSchema
    from starlette.websockets import WebSocket
    from strawberry.asgi import ASGIWebSocketAdapter


async def init_orm(config: dict[str, Any]) -> None:
    """Tortoise set up for the whole process. The app serves each request in its own task, so the ORM's
    context must be reachable from all of them, not only from the task that set it up; Tortoise offers
    that under a private keyword (it is what its own FastAPI integration uses)."""
    await Tortoise.init(config=config, _enable_global_fallback=True)


def parameterized(query: AwaitableQuery[Any]) -> tuple[str, list[Any]]:
    """The statement the ORM builds for a query, with its parameters, to run as plain rows keyed by its column
    names (a related model's as "session__mentor.name"), without building a model or converting a value (a
    list page converts only what the driver does not: see sessions/listing.py). Tortoise has no public way
    to get it."""
    query._choose_db_if_not_chosen()
    query._make_query()
    return query.query.get_parameterized_sql()


def paged_statement(query: QuerySet[Any], limit: int, offset: int) -> tuple[str, list[Any]]:
    """`parameterized(query.limit(limit).offset(offset))`, whose last two parameters are the limit and the
    offset, so that the same statement serves every page with those two replaced."""
    sql, params = parameterized(query.limit(limit).offset(offset))
    if params[-2:] != [limit, offset]:
        raise RuntimeError(f"The ORM no longer puts LIMIT and OFFSET last among a statement's parameters: {sql}")
    return sql, params


async def count_up_to(query: QuerySet[Any], most: int) -> int:
    """How many rows the query has, counting no further than `most`: `SELECT COUNT(*) FROM (… LIMIT most)`,
    so the database stops reading at `most`. Tortoise's own `count()` drops a limit from its statement (and
    applies it to the number afterwards), and has no public way to put a query of its in a FROM."""
    limited = query.limit(most).values_list("id")
    sql, params = parameterized(limited)
    _, rows = await limited._db.execute_query(f"SELECT COUNT(*) AS n FROM ({sql}) AS counted", params)
    return int(dict(rows[0])["n"])


def graphql_core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema Strawberry built from ours and executes against, for validation rules of our
    own. Strawberry keeps it as `_schema` and has no public name for it."""
    return schema._schema


def adapter_websocket(adapter: ASGIWebSocketAdapter) -> WebSocket:
    """The Starlette websocket behind Strawberry's ASGI adapter, which keeps it as `ws`."""
    return adapter.ws


def forget_collected_subfields(executor: Any) -> None:
    """graphql-core 3.3 memoises the subfields it collects in `_relevant_sub_fields`, keyed by the identity
    of a list it builds afresh for every execution, and keeps that list alive with the entry. A subscription
    runs each event on a shallow copy of its executor (`build_per_event_executor`) that shares the memo, so
    it grew by every event for as long as the subscription lived (about 2 KB an event: an open browser tab
    leaked without bound). Each event's copy gets a memo of its own, dropped with it."""
    executor._relevant_sub_fields = {}


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
