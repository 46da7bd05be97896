"""Cursor pagination (`sessionsConnection`, Relay-style) and the change feed (`sessionChanges`): what an API
client needs to mirror the sessions it may see with small reads. Cursors are opaque to clients: base64 of
a small JSON array, checked when it comes back."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from enum import Enum

import strawberry

from backend.graphql.context import Info
from backend.graphql.errors import BadArgument
from backend.graphql.permissions import signed_in
from backend.graphql.sessions.types import Session, SessionFilter, SessionSort, to_domain_filter, to_domain_sort
from backend.sessions import feed, listing

CURSOR_MAX = 400  # characters: every cursor this API gives is far shorter


def _encode(parts: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts, separators=(",", ":")).encode()).decode().rstrip("=")


def _not_ours(cursor: str) -> BadArgument:
    return BadArgument(
        f"The cursor {cursor[:40]!r} is not one this API gave here; pass a cursor from an earlier answer "
        "unchanged, or leave it out to start from the beginning."
    )


def _decode(cursor: str, kind: str) -> list[object]:
    """The parts of a cursor of this kind, or BadArgument."""
    if len(cursor) > CURSOR_MAX:
        raise _not_ours(cursor)
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise _not_ours(cursor) from None
    if not isinstance(parts, list) or not parts or parts[0] != kind:
        raise _not_ours(cursor)
    return parts[1:]


def _instant(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(value)
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(value)
    return instant.astimezone(UTC)


# --- sessionsConnection --------------------------------------------------------------------------


def list_cursor(position: listing.Position) -> str:
    value = position.value.isoformat() if isinstance(position.value, datetime) else position.value
    return _encode(["list", position.sort.field.value, position.sort.direction.value, value, position.id])


def list_position(cursor: str) -> listing.Position:
    parts = _decode(cursor, "list")
    try:
        field, direction, value, session_id = parts
        sort = listing.SessionSort(listing.SortField(field), listing.SortDirection(direction))
        if sort.field in (listing.SortField.START_TIME, listing.SortField.CREATED_AT):
            value = _instant(value)
        elif not isinstance(value, int if sort.field == listing.SortField.MENTEE_COUNT else str):
            raise ValueError(value)
        if not isinstance(session_id, int):
            raise ValueError(session_id)
    except (ValueError, TypeError):
        raise _not_ours(cursor) from None
    return listing.Position(sort, value, session_id)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(description="Whether this page was asked for `after` a cursor.")
    start_cursor: str | None
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type
class SessionEdge:
    cursor: str
    node: Session


@strawberry.type(description="A page of sessions in Relay's connection shape.")
class SessionConnection:
    edges: list[SessionEdge]
    page_info: PageInfo


# --- sessionChanges ------------------------------------------------------------------------------


def feed_cursor(position: feed.FeedPosition) -> str:
    return _encode(["changes", position.id, int(position.issued_at.timestamp())])


def feed_position(cursor: str) -> feed.FeedPosition:
    parts = _decode(cursor, "changes")
    numbers = [part for part in parts if isinstance(part, int) and 0 <= part < 2**62]
    if len(numbers) != 2 or len(parts) != 2:
        raise _not_ours(cursor)
    change_id, issued = numbers
    return feed.FeedPosition(change_id, datetime.fromtimestamp(min(issued, 2**33), UTC))


@strawberry.enum
class SessionChangeKind(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"


@strawberry.type(description="One session that changed: its state now, or a tombstone.")
class SessionChange:
    kind: SessionChangeKind
    session_id: strawberry.ID
    session: Session | None = strawberry.field(
        description="How the session is now; null for DELETED (deleted, or no longer yours to see)."
    )


@strawberry.type(description="What changed since a cursor, and the cursor to pass next time.")
class SessionChanges:
    changes: list[SessionChange]
    cursor: str = strawberry.field(description="Pass as `since` next time.")
    has_more: bool = strawberry.field(description="More changes are waiting: ask again with `cursor` at once.")


def _change(entry: feed.SessionChangeEntry) -> SessionChange:
    session_id = strawberry.ID(str(entry.session_id))
    if entry.session is None:
        return SessionChange(kind=SessionChangeKind.DELETED, session_id=session_id, session=None)
    kind = SessionChangeKind.CREATED if entry.created else SessionChangeKind.UPDATED
    return SessionChange(kind=kind, session_id=session_id, session=Session.of(entry.session))


@strawberry.type
class SyncQueries:
    @strawberry.field(
        description=(
            "The sessions the viewer sees, as `sessions` filters, searches and sorts them, a page at a time "
            "after a cursor: no session is skipped or repeated while others are added or deleted, and a deep "
            "page costs what the first does."
        )
    )
    async def sessions_connection(
        self,
        info: Info,
        first: int = 25,
        after: str | None = None,
        filter: SessionFilter | None = None,
        search: str | None = None,
        sort: SessionSort | None = None,
    ) -> SessionConnection:
        position = list_position(after) if after is not None else None
        try:
            found = await listing.session_slice(
                signed_in(info), to_domain_filter(filter), search, to_domain_sort(sort), first, position
            )
        except listing.ListError as error:
            raise BadArgument(str(error)) from error
        edges = [
            SessionEdge(cursor=list_cursor(at), node=Session.of(session))
            for session, at in zip(found.items, found.positions, strict=True)
        ]
        page_info = PageInfo(
            has_next_page=found.has_next_page,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else after,
        )
        return SessionConnection(edges=edges, page_info=page_info)

    @strawberry.field(
        description=(
            "The sessions the viewer sees that were created, changed or deleted since the cursor (DELETED: a "
            "tombstone), each once with its state now, and the cursor for next time. Without `since`: no "
            "changes and a cursor for now. A cursor is good for 30 days."
        )
    )
    async def session_changes(self, info: Info, since: str | None = None, first: int = 100) -> SessionChanges:
        viewer = signed_in(info)
        if since is None:
            return SessionChanges(changes=[], cursor=feed_cursor(await feed.now_position()), has_more=False)
        try:
            page = await feed.changes_since(viewer, feed_position(since), first)
        except feed.FeedError as error:
            raise BadArgument(str(error), error.code) from error
        return SessionChanges(
            changes=[_change(entry) for entry in page.changes],
            cursor=feed_cursor(page.position),
            has_more=page.has_more,
        )
