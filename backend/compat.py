"""The libraries' private names SessionDesk relies on, in one place. Each is used here and nowhere else, and
tests/test_compat.py pins the behaviour we rely on, so an upgrade that changes one fails there, loudly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import Tortoise

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


def graphql_core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema Strawberry built from ours and executes against, for validation rules of our
    own. Strawberry keeps it as `_schema` and has no public name for it."""
    return schema._schema


def adapter_websocket(adapter: ASGIWebSocketAdapter) -> WebSocket:
    """The Starlette websocket behind Strawberry's ASGI adapter, which keeps it as `ws`."""
    return adapter.ws
