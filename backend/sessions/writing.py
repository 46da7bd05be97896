"""The write side of session changes: `persist` writes planned changes (see `changes.py`) in a fixed
handful of statements, raises each session's version, and records their history and notes their emails
(R9, backend/mail/notices.py) in the same transaction; `serialised` is the transaction a change runs in;
`apply` plans and persists one change in it, turning races with other writers into refusals or a fresh
attempt."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from tortoise import Tortoise
from tortoise.exceptions import IntegrityError

from backend import events
from backend.db import after_commit, insert_models, insert_rows, transaction
from backend.errors import ErrorCode, Refused, UserError
from backend.mail import notices, reminders
from backend.models import Attendance, AttendanceKind, LabelKind, Session, SessionLabel, utcnow
from backend.sessions import history
from backend.sessions.changes import CALENDAR_FIELDS, Change
from backend.sessions.directory import Directory, LoadedSession
from backend.sessions.history import Origin
from backend.settings import get_settings


class ChangedMeanwhile(Exception):
    """Someone else changed the session between reading and writing it."""


async def _allocate_ids(count: int) -> list[int]:
    """IDs for new sessions up front, so their labels and mentees can be written in the same batch."""
    if not count:
        return []
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        rows = await connection.execute_query_dict(
            "SELECT nextval(pg_get_serial_sequence('session', 'id')) AS id FROM generate_series(1, $1)", [count]
        )
        return [row["id"] for row in rows]
    # SQLite: writers are serialised (see `serialised`), so the next free IDs are ours.
    rows = await connection.execute_query_dict('SELECT COALESCE(MAX(id), 0) AS id FROM "session"')
    return list(range(rows[0]["id"] + 1, rows[0]["id"] + 1 + count))


LABEL_COLUMNS = ("session_id", "kind", "value", "position")


def _labels_of(loaded: LoadedSession) -> list[tuple[int, str, str, int]]:
    """The session's label rows (LABEL_COLUMNS): Recommended For "Teachers, Head teachers" of session 42 →
    (42, "RECOMMENDED_FOR", "Teachers", 0), (42, "RECOMMENDED_FOR", "Head teachers", 1)."""
    return [
        (loaded.model.id, LabelKind(kind).value, value, position)
        for kind, values in loaded.labels.items()
        for position, value in enumerate(values or [])
    ]


async def persist(changes: list[Change], origin: Origin, now: datetime | None = None) -> None:
    """Write planned changes in a fixed number of statements (plus one per edited session); call it
    inside a transaction. Each edit raises its session's version, written only over the version it was
    planned from; the history of all of them is one statement and their emails are queued in the same
    transaction (R9). At most one change per session in one call."""
    now = now or utcnow()
    before = await notices.before(changes)  # the sessions as their mail will say they were
    for change in changes:
        _advance_calendar(change)
    created = [c for c in changes if c.created]
    for change, new_id in zip(created, await _allocate_ids(len(created)), strict=True):
        change.session.id = new_id
    if created:
        await insert_models([c.session for c in created])
    for change in changes:
        if not change.created and change.changed_anything:
            await _write_edit(change, now)
    await _write_labels_and_mentees(changes)
    await history.record(origin, [entry for c in changes if (entry := c.history_entry())], now)
    await notices.queue(changes, before, now)
    await reminders.withdraw(changes)
    await reminders.owe_again(changes)


async def _write_edit(change: Change, now: datetime) -> None:
    """One edited session's row, over the version it was planned from. A change of labels alone
    (categories, "recommended for") is a change too: it raises the version like any other."""
    session = change.session
    session.updated_at, session.version = now, session.version + 1
    written = await Session.filter(id=session.id, version=change.planned_version).update(
        **{name: getattr(session, name) for name in change.fields | {"updated_at", "version"}}
    )
    if not written:
        raise ChangedMeanwhile(session.id)


async def _write_labels_and_mentees(changes: list[Change]) -> None:
    relabelled = [c for c in changes if c.labels_changed]
    if relabelled:
        if edited := [c.session.id for c in relabelled if not c.created]:
            await SessionLabel.filter(session_id__in=edited).delete()
        await insert_rows(SessionLabel, LABEL_COLUMNS, [label for c in relabelled for label in _labels_of(c.loaded)])
    for change in changes:
        if change.removed:
            await Attendance.filter(session_id=change.session.id, mentee_id__in=[u.id for u in change.removed]).delete()
    invites = [
        Attendance(session_id=c.session.id, mentee_id=u.id, kind=AttendanceKind.INVITED)
        for c in changes
        for u in c.invited
    ]
    if invites:
        await Attendance.bulk_create(invites)


def _advance_calendar(change: Change) -> None:
    """Raise the session's iCalendar SEQUENCE when calendars must apply this change (see mail/calendar.py):
    a new time, title, zone or meeting, a cancellation, or mentees taken off it."""
    if change.created:
        return
    if change.deleted or change.restored or change.removed or change.fields & CALENDAR_FIELDS:
        change.session.calendar_sequence += 1
        change.fields.add("calendar_sequence")


_sqlite_writer = asyncio.Lock()


@asynccontextmanager
async def serialised() -> AsyncIterator[None]:
    """One transaction for a change. On SQLite, changes of this process also take turns, so the R4
    check and the write cannot interleave; on PostgreSQL the exclusion constraint settles races."""
    if get_settings().is_postgres:
        async with transaction():
            yield
    else:
        async with _sqlite_writer, transaction():
            yield


BOOKED_MEANWHILE = (
    "The mentor was just booked for an overlapping or back-to-back time by someone else; choose another time."
)
CHANGED_MEANWHILE = "Someone else changed this session a moment ago; reload it and try again."
BUSY_MEANWHILE = "Others were changing the same sessions at this very moment; try again."

# PostgreSQL's "run it again": a deadlock or a serialisation failure. Two managers booking one mentor
# at once can deadlock on the exclusion constraint (each waits for the other's row); the change is
# planned afresh and then sees the other's booking.
RETRY_SQLSTATES = {"40P01", "40001"}
ATTEMPTS = 3


Plan = Callable[[Directory], Awaitable[Change]]


async def apply(plan: Plan, origin: Origin, *, then: Callable[[Change], Awaitable[None]] | None = None) -> Session:
    """Plan and persist one change in its own transaction; refusals raise `Refused`. `plan` is given the
    transaction's directory: `apply(lambda d: changes.plan_delete(actor, 42, d), origin)`. `then(change)`,
    if given, runs in the same transaction after the write (a bulk upload records the row's result there)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            async with serialised():
                change = await plan(Directory(origin.organization_id))
                await persist([change], origin)
                if then is not None:
                    await then(change)
                await after_commit(functools.partial(events.publish_changes, [change]))  # tell live subscribers
            return change.session
        except IntegrityError as error:
            if "session_mentor_no_clash" in str(error):
                raise Refused([UserError("startsAt", ErrorCode.MENTOR_BUSY, BOOKED_MEANWHILE)]) from error
            raise
        except ChangedMeanwhile:
            raise Refused([UserError(None, ErrorCode.CONFLICT, CHANGED_MEANWHILE)]) from None
        except Exception as error:
            if getattr(error, "sqlstate", None) not in RETRY_SQLSTATES:
                raise
            if attempt == ATTEMPTS:
                raise Refused([UserError(None, ErrorCode.CONFLICT, BUSY_MEANWHILE)]) from error
            # Let the writer that went on finish first, or the next attempt may deadlock with it again.
            await asyncio.sleep(random.uniform(0.05, 0.2) * attempt)
