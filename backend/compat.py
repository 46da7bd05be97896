"""The libraries' private names SessionDesk relies on, in one place. Each is used here and nowhere else, and
tests/test_compat.py pins the behaviour we rely on, so an upgrade that changes one fails there, loudly."""

from __future__ import annotations

from typing import Any, ForwardRef

import strawberry
from graphql import GraphQLSchema
from starlette.websockets import WebSocket
from strawberry.asgi import ASGIWebSocketAdapter
from tortoise import Tortoise


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


def lazy_class(module: str, name: str) -> type[Any]:
    """The class `name` of `module`, found when first asked for, the way Strawberry resolves
    `Annotated["name", strawberry.lazy(module)]`: for two GraphQL types that return each other, so that
    neither module imports the other while it loads."""
    return strawberry.lazy(module).resolve_forward_ref(ForwardRef(name)).resolve_type()
