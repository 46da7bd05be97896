"""A mentor's busy time (R4) for managers planning a session: each upcoming or live session of the
mentor, widened by the gap R4 requires around it, so a new session fits when it stays outside every
busy interval (touching an edge is fine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.errors import ErrorCode, refused
from backend.models import SessionStatus, User
from backend.sessions import rules
from backend.sessions.directory import booking

MAX_SPAN = timedelta(days=31)


@dataclass(frozen=True)
class BusyInterval:
    starts_at: datetime  # the session's start minus R4's gap
    ends_at: datetime  # the session's end plus R4's gap
    session_id: int
    title: str
    status: SessionStatus
    session_starts_at: datetime
    session_ends_at: datetime


async def mentor_busy_time(viewer: User, mentor_id: int, start: datetime, end: datetime) -> list[BusyInterval]:
    """The busy intervals that overlap [start, end), in time order. Managers only; at most 31 days."""
    if not viewer.is_manager:
        raise refused(
            ErrorCode.PERMISSION_DENIED,
            "Only session managers can see mentors' busy time; ask a session manager of your organisation.",
        )
    if start.tzinfo is None or end.tzinfo is None:
        raise refused(ErrorCode.INVALID, "Give from and to with a time zone offset, such as +05:30 or Z.", "from")
    if end <= start:
        raise refused(ErrorCode.INVALID, "The end of the range (to) must come after its start (from).", "to")
    if end - start > MAX_SPAN:
        raise refused(
            ErrorCode.INVALID,
            f"Ask for at most {MAX_SPAN.days} days at a time; this range is {(end - start).days} days long.",
            "to",
        )
    mentor = await User.get_or_none(id=mentor_id, organization_id=viewer.organization_id)
    if mentor is None:
        raise refused(
            ErrorCode.NOT_FOUND,
            f"There is no mentor with ID {mentor_id} in your organisation; choose a mentor from the list.",
            "mentorId",
        )
    gap = rules.R4_GAP
    found = (
        await booking(
            organization_id=viewer.organization_id,
            mentor_id=mentor_id,
            # SQLite compares instants as text: bounds in UTC like the stored values.
            starts_at__lt=rules.in_utc(end + gap),
            ends_at__gt=rules.in_utc(start - gap),
        )
        .order_by("starts_at", "id")
        .only("id", "title", "status", "starts_at", "ends_at")
    )
    return [
        BusyInterval(
            starts_at=s.starts_at - gap,
            ends_at=s.ends_at + gap,
            session_id=s.id,
            title=s.title,
            status=s.status,
            session_starts_at=s.starts_at,
            session_ends_at=s.ends_at,
        )
        for s in found
    ]
