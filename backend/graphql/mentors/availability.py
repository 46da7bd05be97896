"""mentorAvailability: a mentor's busy time, for managers planning a session."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from backend.errors import Refused
from backend.graphql.context import Info
from backend.graphql.errors import BadArgument, require_id
from backend.graphql.permissions import signed_in
from backend.graphql.sessions.types import SessionStatus
from backend.sessions import availability


@strawberry.type(
    description=(
        "A time the mentor cannot take a new session: one of their upcoming or live sessions, widened by the gap "
        "R4 requires (one minute each side: back-to-back sessions clash). A new session fits when it ends at or "
        "before startsAt, or starts at or after endsAt, of every interval."
    )
)
class BusyInterval:
    starts_at: datetime = strawberry.field(description="The session's start minus R4's gap.")
    ends_at: datetime = strawberry.field(description="The session's end plus R4's gap.")
    session_id: strawberry.ID
    title: str
    status: SessionStatus
    session_starts_at: datetime = strawberry.field(description="When the session itself starts.")
    session_ends_at: datetime = strawberry.field(description="When the session itself ends.")

    @classmethod
    def from_domain(cls, busy: availability.BusyInterval) -> BusyInterval:
        return cls(
            starts_at=busy.starts_at,
            ends_at=busy.ends_at,
            session_id=strawberry.ID(str(busy.session_id)),
            title=busy.title,
            status=busy.status,
            session_starts_at=busy.session_starts_at,
            session_ends_at=busy.session_ends_at,
        )


@strawberry.type
class AvailabilityQueries:
    @strawberry.field(
        description=(
            "The mentor's busy intervals that overlap [from, to), in time order (managers only; at most 31 days)."
        )
    )
    async def mentor_availability(
        self,
        info: Info,
        mentor_id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> list[BusyInterval]:
        try:
            found = await availability.mentor_busy_time(signed_in(info), require_id(mentor_id, "Mentor ID"), from_, to)
        except Refused as refused:
            error = refused.errors[0]
            raise BadArgument(error.message, error.code.value) from refused
        return [BusyInterval.from_domain(b) for b in found]
