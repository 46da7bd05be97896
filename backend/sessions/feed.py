"""The change feed: which sessions a viewer may see were created, changed or deleted since a position, so an
API client mirrors them with small reads.

The log is `session_change`, written by database triggers (migration 0011) whose row IDs are in the
order the changes became visible — on PostgreSQL by queueing the log's writers at commit, on SQLite
because one transaction writes at a time. So a position is a log ID: every row up to it has been read,
and a row committed later always has a larger ID, however transactions interleave.

What a client is told of each session is how it is now, as the viewer sees it (the same visibility as
every list): a session they can see is CREATED or UPDATED with its current state; one they cannot (deleted,
or no longer theirs to see) is a DELETED tombstone, its ID only. Why this log is not the history
(backend/sessions/history.py): docs/decisions.md, "Two records of session changes".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.models import Session, SessionChange, User, utcnow
from backend.sessions.visibility import visible_sessions

MAX_CHANGES = 100  # the largest page any list gives, as the query cost prices it
# The log keeps this long; a position older than it may have lost rows, so it is refused (sync afresh).
KEEP = timedelta(days=30)


class FeedError(ValueError):
    """A position the feed cannot continue from, with a code a client can branch on; the message says
    what to do."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FeedPosition:
    id: int  # of the last log row read
    issued_at: datetime


@dataclass
class SessionChangeEntry:
    session_id: int
    created: bool
    session: Session | None  # None: a tombstone (deleted, or no longer the viewer's to see)


@dataclass
class FeedPage:
    changes: list[SessionChangeEntry]
    position: FeedPosition
    has_more: bool


async def now_position() -> FeedPosition:
    """A position for now: what changes from here on is told from it."""
    last = await SessionChange.all().order_by("-id").first()
    return FeedPosition(last.id if last else 0, utcnow())


async def changes_since(viewer: User, since: FeedPosition, first: int = MAX_CHANGES) -> FeedPage:
    """The sessions changed after `since` (up to `first` log rows), and the position to continue from."""
    if not 1 <= first <= MAX_CHANGES:
        raise FeedError(f"first must be between 1 and {MAX_CHANGES}; you asked for {first}.")
    now = utcnow()
    if since.issued_at < now - KEEP:
        raise FeedError(
            f"The cursor is older than {KEEP.days} days, and changes are kept that long; "
            "read the sessions again from the start and take a new cursor.",
            "CURSOR_EXPIRED",
        )
    rows = (
        await SessionChange.filter(organization_id=viewer.organization_id, id__gt=since.id)
        .order_by("id")
        .limit(first + 1)
        .values_list("id", "session_id", "kind")
    )
    has_more = len(rows) > first
    rows = rows[:first]
    position = FeedPosition(rows[-1][0] if rows else since.id, now)
    session_ids = list(dict.fromkeys(row[1] for row in rows))
    created = {row[1] for row in rows if row[2] == "I"}
    visible = {
        session.id: session
        for session in await visible_sessions(viewer).filter(id__in=session_ids).select_related("mentor__organization")
    }
    changes = [SessionChangeEntry(i, i in created, visible.get(i)) for i in session_ids]
    return FeedPage(changes=changes, position=position, has_more=has_more)


async def prune(now: datetime | None = None) -> int:
    """Deletes log rows older than KEEP (and a day, so a cursor just inside KEEP never misses any). The
    newest row stays: on SQLite a new row's ID is the largest one plus one, and must stay past every
    position handed out."""
    newest = await SessionChange.all().order_by("-id").first()
    if newest is None:
        return 0
    cutoff = (now or utcnow()) - KEEP - timedelta(days=1)
    return await SessionChange.filter(changed_at__lt=cutoff, id__lt=newest.id).delete()
