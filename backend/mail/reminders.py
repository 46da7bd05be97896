"""Reminders before a session starts, mailed to its mentor and every mentee at REMINDER_MINUTES.

Each app process runs a `ReminderSender`. A pass looks at the sessions starting within the longest
reminder time, and for each reminder that is due and owed queues one mail per person, writing a
`SessionReminder` row per person and reminder in the same transaction. The row's unique key (session,
person, minutes, start) is the claim: of two processes queueing the same reminder at once, the second
one's insert fails and its transaction, mail included, rolls back. So a reminder is queued exactly once,
across processes and restarts. The mail carries `send_before` = the start, so the outbox drops it instead
of sending it late.

A reminder is owed only if it falls after the moment the person and the time came together: a session
created or moved inside a reminder window, or a mentee added inside it, gets only the reminders still
ahead. When several reminders of one person are due at once (the app was down), only the nearest is sent.
A due reminder that is not sent is recorded too (without a mail), so once everyone's due reminders are
recorded a pass passes the session over after one small count.
Deleted, started and reminder-free sessions get none, and their reminders still waiting in the outbox are
withdrawn when that happens.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from backend.background import BackgroundWorker
from backend.db import after_commit, transaction
from backend.mail import calendar, notifications, outbox
from backend.models import (
    Attendance,
    OutboxMessage,
    Session,
    SessionReminder,
    SessionStatus,
    User,
    utcnow,
)
from backend.sessions.changes import Change
from backend.settings import Settings, get_settings

log = logging.getLogger("backend.mail")

POLL_SECONDS = 30.0
WITHDRAWN = "Withdrawn: the session was deleted, moved, started or had its reminders turned off."


def span_text(minutes: int) -> str:
    """1440 → "1 day", 60 → "1 hour", 90 → "1 hour 30 minutes"."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (mins, "minute")]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)


def reminder_mail(session: Session, mentor: User, person: User, minutes: int, attends: bool) -> outbox.Mail:
    """One person's reminder, written when it is sent: the time in the session's zone, the meeting as it is
    then (if they may see it), the calendar part."""
    meeting = notifications.MeetingShown.to(person, session, attends)
    letter = notifications.Letter(
        subject=f"Reminder: {session.title} starts in {span_text(minutes)}",
        paragraphs=[
            f"The session “{session.title}” with {mentor.name} starts on "
            f"{notifications.session_time(session, session.starts_at)}."
        ],
        facts=notifications.session_facts(session, mentor, meeting),
    )
    organizer = calendar.Organizer.from_mail_from(get_settings().mail_from)
    invitation = calendar.invitation(session, person, organizer, mentor=mentor, meeting=meeting)
    return letter.mail_to(person, [invitation], send_before=session.starts_at)


def reminder_row(session: Session, person: User, minutes: int, now: datetime) -> OutboxMessage:
    """A reminder in the outbox: a notice written into its mail when it is sent (backend/mail/notices.py)."""
    return OutboxMessage(
        recipients=[person.email],
        subject=f"Reminder: {session.title} starts in {span_text(minutes)}"[: outbox.SUBJECT_MAX_LENGTH],
        text_body="",
        next_attempt_at=now,
        send_before=session.starts_at,
        person_id=person.id,
        notice={"reminder": {"session_id": session.id, "minutes": minutes}},
    )


async def _candidates(minutes: tuple[int, ...], now: datetime) -> list[Session]:
    return (
        await Session.filter(
            status=SessionStatus.UPCOMING,
            deleted_at=None,
            reminders_enabled=True,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(minutes=max(minutes)),
        )
        .order_by("starts_at", "id")
        .all()
    )


def _due(session: Session, minutes: tuple[int, ...], now: datetime) -> list[int]:
    return [m for m in minutes if session.starts_at - timedelta(minutes=m) <= now]


def _plan(session: Session, due: list[int], since: datetime, recorded: set[int]) -> tuple[int | None, list[int]]:
    """Of one person's due reminders not yet recorded: the one to send (the nearest of those falling after
    `since`, when the person and the time came together) and the ones passed over, recorded unsent."""
    open_ = [m for m in due if m not in recorded]
    owed = [m for m in open_ if session.starts_at - timedelta(minutes=m) >= since]
    nearest = min(owed) if owed else None
    return nearest, [m for m in open_ if m != nearest]


async def _waiting(sessions: list[Session], due: dict[int, list[int]]) -> list[Session]:
    """The sessions with a due reminder not yet recorded for someone: every person has a row per due
    reminder once it was sent or passed over, so a pass where nothing is new reads two small results."""
    recorded: dict[int, int] = defaultdict(int)
    starts = {s.id: s.starts_at for s in sessions}
    rows = (
        await SessionReminder.filter(session_id__in=list(starts))
        .annotate(count=Count("id"))
        .group_by("session_id", "minutes_before", "starts_at")
        .values("session_id", "minutes_before", "starts_at", "count")
    )
    for row in rows:
        if row["starts_at"] == starts[row["session_id"]] and row["minutes_before"] in due[row["session_id"]]:
            recorded[row["session_id"]] += row["count"]
    return [s for s in sessions if due[s.id] and recorded[s.id] < len(due[s.id]) * (s.mentee_count + 1)]


async def send_due(settings: Settings | None = None, *, now: datetime | None = None) -> int:
    """Queue every reminder that is due and owed; returns how many mails were queued."""
    settings = settings or get_settings()
    now = now or utcnow()
    if not settings.reminder_minutes:
        return 0
    candidates = await _candidates(settings.reminder_minutes, now)
    due = {s.id: _due(s, settings.reminder_minutes, now) for s in candidates}
    sessions = await _waiting(candidates, due) if candidates else []
    if not sessions:
        return 0
    ids = [s.id for s in sessions]
    mentees: dict[int, list[Attendance]] = defaultdict(list)
    for attendance in await Attendance.filter(session_id__in=ids).select_related("mentee"):
        mentees[attendance.session_id].append(attendance)
    mentors = {u.id: u for u in await User.filter(id__in={s.mentor_id for s in sessions})}
    starts = {s.id: s.starts_at for s in sessions}
    recorded: dict[tuple[int, int], set[int]] = defaultdict(set)
    for row in await SessionReminder.filter(session_id__in=ids).values(
        "session_id", "recipient_id", "minutes_before", "starts_at"
    ):
        if row["starts_at"] == starts[row["session_id"]]:
            recorded[(row["session_id"], row["recipient_id"])].add(row["minutes_before"])
    queued = 0
    for session in sessions:
        mentor = mentors[session.mentor_id]
        scheduled = session.scheduled_at or session.created_at
        people = [(mentor, scheduled, False)] + [
            (a.mentee, max(scheduled, a.created_at), True) for a in mentees[session.id]
        ]
        mails: list[tuple[User, int, bool]] = []
        for person, since, _attends in people:
            nearest, passed = _plan(session, due[session.id], since, recorded[(session.id, person.id)])
            if nearest is not None:
                mails.append((person, nearest, True))
            mails += [(person, m, False) for m in passed]
        if mails:
            queued += await _queue(session, mails)
    return queued


async def _queue(session: Session, mails: list[tuple[User, int, bool]]) -> int:
    """Queue one session's reminders (those marked to send) and record them all, all or nothing."""
    try:
        async with transaction():
            rows = []
            sent = 0
            for person, minutes, send in mails:
                message = reminder_row(session, person, minutes, utcnow()) if send else None
                if message is not None:
                    await message.save()
                    sent += 1
                    await after_commit(outbox.new_mail)
                rows.append(
                    SessionReminder(
                        session_id=session.id,
                        recipient_id=person.id,
                        minutes_before=minutes,
                        starts_at=session.starts_at,
                        outbox_message_id=message.id if message is not None else None,
                    )
                )
            await SessionReminder.bulk_create(rows)
    except IntegrityError:
        # Another process queued them a moment ago (the unique key is the claim); nothing is sent twice.
        log.info("Reminders of session %s were queued by another process", session.id)
        return 0
    return sent


async def withdraw(changes: Iterable[Change]) -> None:
    """Reminders waiting in the outbox stop being owed when their session is deleted, moved or has its
    reminders turned off, and for the people taken off it."""
    sessions: set[int] = set()
    people: list[Q] = []
    for change in changes:
        if change.created:
            continue
        turned_off = "reminders_enabled" in change.fields and not change.session.reminders_enabled
        if change.deleted or change.rescheduled_from is not None or turned_off:
            sessions.add(change.session.id)
        elif change.removed:
            people.append(Q(session_id=change.session.id, recipient_id__in=[u.id for u in change.removed]))
    if sessions:
        people.append(Q(session_id__in=sessions))
    if people:
        await withdraw_where(Q(*people, join_type=Q.OR))


async def owe_again(changes: Iterable[Change]) -> None:
    """A restored session is owed the reminders its deletion withdrew: their records go, so the next pass
    queues them again (those already sent stay sent)."""
    restored = [change.session.id for change in changes if change.restored]
    if restored:
        withdrawn = OutboxMessage.filter(dropped_at__isnull=False, sent_at=None).values("id")
        await SessionReminder.filter(session_id__in=restored, outbox_message_id__in=Subquery(withdrawn)).delete()


async def withdraw_where(reminders: Q) -> None:
    """Drop the unsent reminder mails of the `SessionReminder` rows matching `reminders`."""
    await OutboxMessage.filter(
        id__in=Subquery(SessionReminder.filter(reminders, outbox_message_id__isnull=False).values("outbox_message_id")),
        sent_at=None,
        dropped_at=None,
    ).update(dropped_at=utcnow(), last_error=WITHDRAWN)


class ReminderSender(BackgroundWorker):
    """Queues the reminders that have come due, in the background of every app process."""

    name = "reminder sender"
    poll_seconds = POLL_SECONDS

    def __init__(self, settings: Settings, poll_seconds: float | None = None) -> None:
        super().__init__(poll_seconds)
        self.settings = settings

    async def run_pass(self) -> None:
        await send_due(self.settings)
