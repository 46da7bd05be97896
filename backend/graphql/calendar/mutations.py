"""Resetting the calendar feed: a new URL, and the old one answers 404."""

from __future__ import annotations

import strawberry

from backend import calendar_feed
from backend.graphql.context import Info
from backend.graphql.errors import UserError
from backend.graphql.permissions import signed_in


@strawberry.type
class ResetCalendarFeedPayload:
    url: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CalendarMutations:
    @strawberry.mutation(
        description="Make a new calendar feed URL for the signed-in person; the old one stops working."
    )
    async def reset_calendar_feed(self, info: Info) -> ResetCalendarFeedPayload:
        token = await calendar_feed.reset_feed(signed_in(info))
        return ResetCalendarFeedPayload(url=calendar_feed.feed_url(str(info.context.request.base_url), token))
