"""A session's life after publishing: the mentor starts and ends it, mentees enrol, leave and rate.

UPCOMING → LIVE (the mentor started it) → COMPLETED (the mentor ended it, or it was left live past
its end plus a grace period).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from backend.background import BackgroundWorker
from backend.db import column
from backend.errors import ErrorCode, refused
from backend.events import SessionEventKind, publish_sessions
from backend.mail import reminders
from backend.models import (
    ActivityKind,
    Attendance,
    AttendanceKind,
    Rating,
    Session,
    SessionStatus,
    SessionType,
    User,
    utcnow,
)
from backend.sessions import history
from backend.sessions.history import Origin
from backend.sessions.rules import START_EARLY, when
from backend.sessions.visibility import visible_sessions
from backend.sessions.writing import serialised

# A live session is completed automatically this long after its planned end.
END_GRACE = timedelta(minutes=30)


async def _session(viewer: User, session_id: int) -> Session:
    """The session, locked for this transaction; another organisation's answers "not found"."""
    session = await visible_sessions(viewer).select_for_update().get_or_none(id=session_id)
    if session is None:
        raise refused(
            ErrorCode.NOT_FOUND, f"There is no session with ID {session_id} that you can see; check the ID.", "id"
        )
    return session


async def _saved(
    session: Session, origin: Origin, kind: ActivityKind, changes: list[dict[str, object]], *names: str
) -> None:
    """Save the named fields of the session with its version raised, and record the change in its history."""
    session.version += 1
    await session.save(update_fields=[*names, "version", "updated_at"])
    await history.record(origin, [history.Entry(session.id, kind, session.version, changes)])


def _status_change(before: SessionStatus, after: SessionStatus) -> list[dict[str, object]]:
    return [{"field": "status", "before": before.value, "after": after.value}]


async def _mentee_emails(session_id: int) -> list[str]:
    return await column(Attendance.filter(session_id=session_id).order_by("id"), "mentee__email", str)


async def start_session(origin: Origin, session_id: int, now: datetime | None = None) -> Session:
    now = now or utcnow()
    mentor = origin.person
    async with serialised():
        session = await _session(mentor, session_id)
        if session.mentor_id != mentor.id:
            raise refused(ErrorCode.PERMISSION_DENIED, "Only the session's own mentor can start it.")
        if session.status != SessionStatus.UPCOMING:
            raise refused(
                ErrorCode.ALREADY_DONE,
                f"This session is already {session.status.value.lower()}; it can be started only once.",
            )
        if now < session.starts_at - START_EARLY:
            raise refused(
                ErrorCode.TOO_EARLY,
                f"The session starts {when(session.starts_at)}; you can start it from 15 minutes before.",
            )
        if now > session.ends_at:
            raise refused(
                ErrorCode.NOT_EDITABLE,
                f"This session was planned to end {when(session.ends_at)}; ask a session manager to reschedule it.",
            )
        session.status, session.started_at = SessionStatus.LIVE, now
        changed = _status_change(SessionStatus.UPCOMING, SessionStatus.LIVE)
        await _saved(session, origin, ActivityKind.STARTED, changed, "status", "started_at")
        await reminders.withdraw_where(Q(session_id=session.id))  # a started session needs no reminder
    await publish_sessions(SessionEventKind.STARTED, session.organization_id, [session.id])
    return session


async def end_session(origin: Origin, session_id: int, now: datetime | None = None) -> Session:
    now = now or utcnow()
    mentor = origin.person
    async with serialised():
        session = await _session(mentor, session_id)
        if session.mentor_id != mentor.id:
            raise refused(ErrorCode.PERMISSION_DENIED, "Only the session's own mentor can end it.")
        if session.status != SessionStatus.LIVE:
            raise refused(ErrorCode.NOT_EDITABLE, "Only a live session can be ended; start it first.")
        session.status, session.completed_at = SessionStatus.COMPLETED, now
        changed = _status_change(SessionStatus.LIVE, SessionStatus.COMPLETED)
        await _saved(session, origin, ActivityKind.ENDED, changed, "status", "completed_at")
    await publish_sessions(SessionEventKind.ENDED, session.organization_id, [session.id])
    return session


async def complete_overdue_sessions(now: datetime | None = None) -> int:
    """Complete live sessions left running past their end plus the grace period, record it as the
    system's change, and tell subscribers."""
    now = now or utcnow()
    overdue = Session.filter(status=SessionStatus.LIVE, ends_at__lt=now - END_GRACE)
    async with in_transaction():
        found = await overdue.select_for_update().values_list("id", "organization_id")
        if not found:
            return 0
        ids = [session_id for session_id, _ in found]
        await Session.filter(id__in=ids).update(
            status=SessionStatus.COMPLETED, completed_at=now, updated_at=now, version=F("version") + 1
        )
        by_organization: dict[int, list[history.Entry]] = {}
        changed = _status_change(SessionStatus.LIVE, SessionStatus.COMPLETED)
        for session_id, organization_id, version in await Session.filter(id__in=ids).values_list(
            "id", "organization_id", "version"
        ):
            entry = history.Entry(session_id, ActivityKind.ENDED, version, changed)
            by_organization.setdefault(organization_id, []).append(entry)
        for organization_id, entries in by_organization.items():
            await history.record(Origin.system(organization_id), entries, now)
    for organization_id, entries in by_organization.items():
        await publish_sessions(SessionEventKind.ENDED, organization_id, [e.session_id for e in entries])
    # The sessions announced, not the UPDATE's row count: on SQLite that counts the change log's rows too.
    return len(ids)


async def enroll_in_session(origin: Origin, session_id: int) -> Session:
    mentee = origin.person
    async with serialised():
        session = await _session(mentee, session_id)
        if not mentee.is_mentee:
            raise refused(ErrorCode.PERMISSION_DENIED, "Only mentees can enrol in sessions.")
        if session.type != SessionType.PUBLIC:
            raise refused(
                ErrorCode.PERMISSION_DENIED,
                "Private sessions are by invitation only; ask a session manager to invite you.",
            )
        if session.status == SessionStatus.COMPLETED:
            raise refused(ErrorCode.NOT_EDITABLE, "This session is completed; enrol in an upcoming one.")
        if await Attendance.exists(session_id=session.id, mentee_id=mentee.id):
            raise refused(ErrorCode.ALREADY_DONE, "You are already in this session.")
        if session.mentee_count >= session.seats_limit:
            raise refused(ErrorCode.SEATS_FULL, f"All {session.seats_limit} seats are taken; choose another session.")
        before = await _mentee_emails(session.id)
        await Attendance.create(session_id=session.id, mentee_id=mentee.id, kind=AttendanceKind.ENROLLED)
        session.enrolled_count += 1
        session.mentee_count += 1
        changed: list[dict[str, object]] = [
            {"field": history.MENTEES, "before": before, "after": [*before, mentee.email]}
        ]
        await _saved(session, origin, ActivityKind.MENTEES_CHANGED, changed, "enrolled_count", "mentee_count")
    await publish_sessions(SessionEventKind.MENTEES_CHANGED, session.organization_id, [session.id])
    return session


async def leave_session(origin: Origin, session_id: int) -> Session:
    mentee = origin.person
    async with serialised():
        session = await _session(mentee, session_id)
        attendance = await Attendance.get_or_none(session_id=session.id, mentee_id=mentee.id)
        if attendance is None or attendance.kind != AttendanceKind.ENROLLED:
            raise refused(
                ErrorCode.NOT_FOUND,
                "You have not enrolled in this session; invitations are removed by a session manager.",
            )
        if session.status != SessionStatus.UPCOMING:
            raise refused(ErrorCode.NOT_EDITABLE, "The session has started; you can no longer leave it.")
        before = await _mentee_emails(session.id)
        await attendance.delete()
        await reminders.withdraw_where(Q(session_id=session.id, recipient_id=mentee.id))
        session.enrolled_count -= 1
        session.mentee_count -= 1
        after = [e for e in before if e != mentee.email]
        changed: list[dict[str, object]] = [{"field": history.MENTEES, "before": before, "after": after}]
        await _saved(session, origin, ActivityKind.MENTEES_CHANGED, changed, "enrolled_count", "mentee_count")
    await publish_sessions(SessionEventKind.MENTEES_CHANGED, session.organization_id, [session.id])
    return session


async def rate_session(mentee: User, session_id: int, stars: int) -> Rating:
    if not 1 <= stars <= 5:
        raise refused(ErrorCode.INVALID, f"{stars} stars is not a rating; give 1 to 5 stars.", "stars")
    async with serialised():
        session = await _session(mentee, session_id)
        if session.status != SessionStatus.COMPLETED:
            raise refused(ErrorCode.NOT_EDITABLE, "You can rate a session once it is completed.")
        if not await Attendance.exists(session_id=session.id, mentee_id=mentee.id):
            raise refused(ErrorCode.PERMISSION_DENIED, "Only mentees who attended the session can rate it.")
        if await Rating.exists(session_id=session.id, mentee_id=mentee.id):
            raise refused(ErrorCode.ALREADY_DONE, "You have already rated this session; a session is rated once.")
        try:
            return await Rating.create(
                session_id=session.id, mentee_id=mentee.id, mentor_id=session.mentor_id, stars=stars
            )
        except IntegrityError:
            raise refused(
                ErrorCode.ALREADY_DONE, "You have already rated this session; a session is rated once."
            ) from None


class OverdueSessionCompleter(BackgroundWorker):
    """Run by every app process: the update is idempotent, so it does not matter which one does it."""

    name = "overdue session completer"
    poll_seconds = 60

    async def run_pass(self) -> str | None:
        completed = await complete_overdue_sessions()
        return f"completed {completed} session(s) left live past their end" if completed else None
