"""GraphQL types and the query of the history of changes (managers)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from backend import models
from backend.errors import Refused
from backend.graphql.context import Info
from backend.graphql.errors import BadArgument, require_id
from backend.graphql.permissions import signed_in
from backend.sessions import history

strawberry.enum(models.ActivityKind, description="What kind of change an activity entry records.")
ActivityKind = models.ActivityKind
strawberry.enum(
    models.ActivityChannel,
    description="Where a change came from: the app (BROWSER), a GraphQL client with a bearer token (API), "
    "a bulk upload, the command line, or the app itself (SYSTEM).",
)
ActivityChannel = models.ActivityChannel


@strawberry.type(description="One field's value before and after a change (JSON: text, number, list or null).")
class FieldChange:
    field: str
    before: JSON | None
    after: JSON | None


@strawberry.type(description="One change of one session.")
class ActivityEntry:
    id: strawberry.ID
    session_id: strawberry.ID
    session_title: str = strawberry.field(description="The session's title now.")
    actor_id: strawberry.ID | None = strawberry.field(description="Who made the change; null: the system.")
    actor_name: str = strawberry.field(description='Their name then, or "system".')
    at: datetime
    kind: ActivityKind
    channel: ActivityChannel
    bulk_upload_id: strawberry.ID | None
    row_number: int | None = strawberry.field(description="The bulk upload's row that made the change.")
    version: int = strawberry.field(description="The session's version after the change.")
    changes: list[FieldChange]

    @classmethod
    def of(cls, entry: history.Shown) -> ActivityEntry:
        return cls(
            id=strawberry.ID(str(entry.id)),
            session_id=strawberry.ID(str(entry.session_id)),
            session_title=entry.session_title,
            actor_id=strawberry.ID(str(entry.actor_id)) if entry.actor_id is not None else None,
            actor_name=entry.actor_name,
            at=entry.at,
            kind=entry.kind,
            channel=entry.channel,
            bulk_upload_id=strawberry.ID(str(entry.bulk_upload_id)) if entry.bulk_upload_id else None,
            row_number=entry.row_number,
            version=entry.version,
            changes=[FieldChange(field=c.field, before=c.before, after=c.after) for c in entry.changes],
        )


@strawberry.type
class ActivityPage:
    items: list[ActivityEntry]
    total_count: int
    page: int
    page_size: int


@strawberry.input
class ActivityFilter:
    session_id: strawberry.ID | None = None
    actor_id: strawberry.ID | None = None
    kind: list[ActivityKind] | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None

    def to_domain(self) -> history.ActivityFilter:
        for name, instant in (("from", self.from_), ("to", self.to)):
            if instant is not None and instant.tzinfo is None:
                raise BadArgument(f"filter.{name} has no time zone; add one, such as +05:30 or Z.")
        return history.ActivityFilter(
            session_id=require_id(self.session_id, "filter.sessionId") if self.session_id is not None else None,
            actor_id=require_id(self.actor_id, "filter.actorId") if self.actor_id is not None else None,
            kinds=list(self.kind or []),
            from_=self.from_,
            to=self.to,
        )


async def activity_page(info: Info, filter: history.ActivityFilter, page: int, page_size: int) -> ActivityPage:
    try:
        found = await history.activity_page(signed_in(info), filter, page, page_size)
    except history.HistoryError as error:
        raise BadArgument(str(error)) from error
    except Refused as refused:
        raise BadArgument(refused.errors[0].message, refused.errors[0].code.value) from refused
    return ActivityPage(
        items=[ActivityEntry.of(e) for e in found.items],
        total_count=found.total_count,
        page=found.page,
        page_size=found.page_size,
    )


@strawberry.type
class ActivityQueries:
    @strawberry.field(description="The organisation's changes, newest first (managers).")
    async def activity(
        self, info: Info, filter: ActivityFilter | None = None, page: int = 1, page_size: int = 20
    ) -> ActivityPage:
        return await activity_page(info, filter.to_domain() if filter else history.ActivityFilter(), page, page_size)
