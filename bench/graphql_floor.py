"""The GraphQL floor of the session list: the least a Strawberry server can do to answer the app's list query.

The same query, schema shape and JSON as SessionDesk's `sessions` (the fields bench/against_floor.py asks for),
the same caller lookup (the person and their organisation by the bearer token's keyed digest, one statement),
Strawberry with its parser and validation caches, plain types filled from asyncpg, served by uvicorn like the
app. Nothing else: no ORM, no limits, no middleware. `totalCount` (and the page counts built on it) is read as
the app reads it for a manager: the sum of the organisation's tally rows, a column of the page's statement.

    DATABASE_URL=postgres://… SECRET_KEY=… .venv/bin/uvicorn --app-dir bench graphql_floor:app --port 8001
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
from contextlib import asynccontextmanager
from datetime import datetime
from enum import Enum

import asyncpg
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import Info

CALLER = """SELECT u.id, u.name, u.is_manager, u.organization_id, o.name AS organization
FROM "user" u JOIN auth_token t ON t.user_id = u.id JOIN organization o ON o.id = u.organization_id
WHERE t.token_hash = $1 AND t.expires_at > now() LIMIT 1"""
PAGE = """SELECT s.id, s.title, s.type, s.status, s.starts_at, s.duration_minutes, s.mentee_count,
  u.id AS mentor_id, u.name AS mentor_name{count}
FROM "session" s JOIN "user" u ON u.id = s.mentor_id
WHERE s.organization_id = $1 AND s.deleted_at IS NULL ORDER BY s.starts_at, s.id LIMIT $2 OFFSET $3"""
COUNTED = PAGE.format(count=", (SELECT COALESCE(SUM(n), 0) FROM session_tally WHERE organization_id = $1) AS total")
BARE = PAGE.format(count="")
COUNT = "SELECT COALESCE(SUM(n), 0) FROM session_tally WHERE organization_id = $1"
COUNTED_FIELDS = {"totalCount", "totalPages", "hasNextPage"}


@strawberry.enum
class SessionType(Enum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


@strawberry.enum
class SessionStatus(Enum):
    UPCOMING = "UPCOMING"
    LIVE = "LIVE"
    COMPLETED = "COMPLETED"


@strawberry.type
class Mentor:
    id: strawberry.ID
    name: str


@strawberry.type
class Session:
    id: strawberry.ID
    title: str
    type: SessionType
    status: SessionStatus
    starts_at: datetime
    duration_minutes: int
    mentee_count: int
    mentor: Mentor


@strawberry.type
class SessionPage:
    items: list[Session]
    total_count: int
    page: int
    page_size: int
    total_pages: int
    has_next_page: bool
    has_previous_page: bool


def _digest(token: str) -> str:
    return hmac.new(os.environ["SECRET_KEY"].encode(), token.encode(), hashlib.sha256).hexdigest()


@strawberry.type
class Query:
    @strawberry.field
    async def sessions(self, info: Info, page: int = 1, page_size: int = 10) -> SessionPage:
        caller = info.context["caller"]
        if caller is None:
            raise PermissionError("Sign in first.")
        counted = any(f.name in COUNTED_FIELDS for f in info.selected_fields[0].selections)
        async with pool().acquire() as connection:
            rows = await connection.fetch(
                COUNTED if counted else BARE, caller["organization_id"], page_size, (page - 1) * page_size
            )
            total = 0
            if counted:
                total = rows[0]["total"] if rows else await connection.fetchval(COUNT, caller["organization_id"])
        items = [
            Session(
                id=strawberry.ID(str(r["id"])),
                title=r["title"],
                type=SessionType(r["type"]),
                status=SessionStatus(r["status"]),
                starts_at=r["starts_at"],
                duration_minutes=r["duration_minutes"],
                mentee_count=r["mentee_count"],
                mentor=Mentor(id=strawberry.ID(str(r["mentor_id"])), name=r["mentor_name"]),
            )
            for r in rows
        ]
        pages = max(1, math.ceil(total / page_size))
        return SessionPage(
            items=items,
            total_count=total,
            page=page,
            page_size=page_size,
            total_pages=pages,
            has_next_page=page < pages,
            has_previous_page=page > 1,
        )


class FloorGraphQL(GraphQL):
    async def get_context(self, request, response) -> dict:  # type: ignore[override]
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        caller = await pool().fetchrow(CALLER, _digest(token)) if token else None
        return {"request": request, "response": response, "caller": caller}


_pool: list[asyncpg.Pool] = []


def pool() -> asyncpg.Pool:
    return _pool[0]


@asynccontextmanager
async def lifespan(app: Starlette):
    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1).split("?")[0]
    _pool.append(await asyncpg.create_pool(url, min_size=1, max_size=16))
    yield
    await _pool.pop().close()


schema = strawberry.Schema(query=Query, extensions=[ParserCache(maxsize=256), ValidationCache(maxsize=256)])
app = Starlette(routes=[Route("/graphql", FloorGraphQL(schema), methods=["GET", "POST"])], lifespan=lifespan)
