"""A session's life after publishing: the mentor starts and ends it, mentees enrol, leave and rate.

UPCOMING → LIVE (the mentor started it) → COMPLETED (the mentor ended it, or it was left live past
its end plus a grace period).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from backend.background import BackgroundWorker
from backend.errors import ErrorCode, refused
from backend.events import SessionEventKind, publish_sessions
from backend.mail import reminders
from backend.models import Attendance, AttendanceKind, Rating, Session, SessionStatus, SessionType, User, utcnow
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


async def start_session(mentor: User, session_id: int, now: datetime | None = None) -> Session:
    now = now or utcnow()
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
        await session.save(update_fields=["status", "started_at", "updated_at"])
        await reminders.withdraw_where(Q(session_id=session.id))  # a started session needs no reminder
    await publish_sessions(SessionEventKind.STARTED, session.organization_id, [session.id])
    return session


async def end_session(mentor: User, session_id: int, now: datetime | None = None) -> Session:
    now = now or utcnow()
    async with serialised():
        session = await _session(mentor, session_id)
        if session.mentor_id != mentor.id:
            raise refused(ErrorCode.PERMISSION_DENIED, "Only the session's own mentor can end it.")
        if session.status != SessionStatus.LIVE:
            raise refused(ErrorCode.NOT_EDITABLE, "Only a live session can be ended; start it first.")
        session.status, session.completed_at = SessionStatus.COMPLETED, now
        await session.save(update_fields=["status", "completed_at", "updated_at"])
    await publish_sessions(SessionEventKind.ENDED, session.organization_id, [session.id])
    return session


async def complete_overdue_sessions(now: datetime | None = None) -> int:
    """Complete live sessions left running past their end plus the grace period, and tell subscribers."""
    now = now or utcnow()
    overdue = Session.filter(status=SessionStatus.LIVE, ends_at__lt=now - END_GRACE)
    found = await overdue.values_list("id", "organization_id")
    if not found:
        return 0
    await overdue.filter(id__in=[session_id for session_id, _ in found]).update(
        status=SessionStatus.COMPLETED, completed_at=now, updated_at=now
    )
    by_organization: dict[int, list[int]] = {}
    for session_id, organization_id in found:
        by_organization.setdefault(organization_id, []).append(session_id)
    for organization_id, ids in by_organization.items():
        await publish_sessions(SessionEventKind.ENDED, organization_id, ids)
    # The sessions announced, not the UPDATE's row count: on SQLite that counts the change log's rows too.
    return len(found)


async def enroll_in_session(mentee: User, session_id: int) -> Session:
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
        await Attendance.create(session_id=session.id, mentee_id=mentee.id, kind=AttendanceKind.ENROLLED)
        session.enrolled_count += 1
        session.mentee_count += 1
        await session.save(update_fields=["enrolled_count", "mentee_count", "updated_at"])
    await publish_sessions(SessionEventKind.MENTEES_CHANGED, session.organization_id, [session.id])
    return session


async def leave_session(mentee: User, session_id: int) -> Session:
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
        await attendance.delete()
        await reminders.withdraw_where(Q(session_id=session.id, recipient_id=mentee.id))
        session.enrolled_count -= 1
        session.mentee_count -= 1
        await session.save(update_fields=["enrolled_count", "mentee_count", "updated_at"])
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
