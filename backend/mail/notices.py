"""Mail worth reading: what happened to a person's sessions, gathered for a settle window and written into
one mail when it is sent.

A change of sessions (`queue`, called by `writing.persist` in the change's transaction) notes, for each
person it concerns, which of their sessions it touched: a session they joined (a new session's mentor, an
invited mentee), or one they were on (its time, title, zone or meeting changed; it was deleted; they were
removed) with the session as it was before. Those notes go into one outbox message per person, a notice
(`OutboxMessage.notice`), due MAIL_SETTLE_SECONDS after the first change: every later change in that
window joins the same message and keeps its first "before". Nothing concerns a person who is neither on
the session nor taken off it, so a mentee never hears of another mentee's invitation.

When the notice is sent (`compose`, called by the sender), each session is compared as it is now with
the notes: joined and still on it → an invitation (REQUEST); on it before and not now → a cancellation
(CANCEL); on it before and now with a different time, title, zone or meeting → an update (REQUEST) saying
what changed; anything else (changes that cancel out, a session joined and left again) → nothing. A
notice with nothing left to tell is dropped, not sent. One session's news is one of the familiar letters
(Rescheduled, New meeting details, You are invited…); several sessions' news is one mail with a line and
a calendar event each, up to MAX_EVENTS; more than that is a summary that links to the calendar feed and
the session list. A mail is never delayed past the window after the change that started it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import Tortoise

from backend.calendar_feed import feed_token, feed_url
from backend.db import after_commit, column
from backend.mail import calendar, notifications, reminders
from backend.mail.notifications import Letter, MeetingShown, session_time
from backend.mail.outbox import Mail, new_mail
from backend.models import PLATFORM_NAMES, Attendance, OutboxMessage, Session, User, utcnow
from backend.sessions.changes import CALENDAR_FIELDS, Change
from backend.settings import get_settings

log = logging.getLogger("backend.mail")

# One mail carries at most this many calendar events; more news than that is a summary.
MAX_EVENTS = 50
# IDs read per statement when a notice names thousands of sessions (a bulk upload's).
READ_CHUNK = 1000
WATCHED = tuple(sorted(CALENDAR_FIELDS))
SESSION_LIST = "/workspace/sessions"  # the browser app's session list
TIME_FIELDS = {"starts_at", "duration_minutes"}
MEETING_FIELDS = {"meeting_platform", "meeting_link", "meeting_passcode"}
DETAIL_NAMES = {"title": "title", "time_zone": "time zone"}


def _plain(value: Any) -> Any:
    """A watched field's value as JSON holds it: an instant as ISO text, an enum as its value."""
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)


def _snapshot(session: Session | dict[str, Any]) -> dict[str, Any]:
    get = session.get if isinstance(session, dict) else lambda name: getattr(session, name)
    return {name: _plain(get(name)) for name in WATCHED}


async def before(changes: Iterable[Change]) -> dict[int, dict[str, Any]]:
    """The watched fields of the edited sessions as the database still holds them: call before the write."""
    ids = [c.session.id for c in changes if c.notify and not c.created and not c.deleted and c.fields & CALENDAR_FIELDS]
    if not ids:
        return {}
    return {row["id"]: _snapshot(row) for row in await Session.filter(id__in=ids).values("id", *WATCHED)}


# How a session restored in the window is noted: it was deleted, and is back on (unless deleted again).
RESTORED: dict[str, Any] = {"restored": True}


class News:
    """A person's notes of one window: sessions they joined, and sessions they were on (with how each was)."""

    def __init__(self, joined: Iterable[int] = (), was_on: dict[str, dict[str, Any] | None] | None = None) -> None:
        self.joined: dict[int, None] = dict.fromkeys(joined)  # in the order joined; a set to look up
        self.was_on: dict[str, dict[str, Any] | None] = dict(was_on or {})

    @classmethod
    def of(cls, notice: dict[str, Any] | None) -> News:
        notice = notice or {}
        return cls(notice.get("joined", []), notice.get("was_on", {}))

    def to_json(self) -> dict[str, Any]:
        return {"joined": list(self.joined), "was_on": self.was_on}

    def join(self, session_id: int) -> None:
        if str(session_id) not in self.was_on:
            self.joined[session_id] = None

    def was(self, session_id: int, snapshot: dict[str, Any] | None) -> None:
        if session_id in self.joined:
            return  # joined in this window: the mail shows the session as it is then
        if self.was_on.get(str(session_id)) is None:
            self.was_on[str(session_id)] = snapshot

    def merge(self, other: News) -> None:
        for session_id in other.joined:
            self.join(session_id)
        for key, snapshot in other.was_on.items():
            self.was(int(key), snapshot)

    def session_ids(self) -> list[int]:
        return [*self.joined, *map(int, self.was_on)]


def _news_of(
    changes: Iterable[Change], snapshots: dict[int, dict[str, Any]]
) -> tuple[dict[int, News], dict[int, User]]:
    """Each person's notes of these changes (people by ID)."""
    news: dict[int, News] = defaultdict(News)
    people: dict[int, User] = {}
    for change in changes:
        if not change.notify:
            continue
        session_id = change.session.id
        for person in [change.mentor] if change.created else []:
            people[person.id] = person
            news[person.id].join(session_id)
        for person in change.invited:
            people[person.id] = person
            news[person.id].join(session_id)
        for person in change.removed:
            people[person.id] = person
            news[person.id].was(session_id, None)
        if change.restored:  # back on for everyone it concerns: "Back on", with the calendar entry again
            for person in [change.mentor, *change.loaded.people()]:
                people[person.id] = person
                news[person.id].was(session_id, RESTORED)
            continue
        if change.created or not (change.deleted or change.fields & CALENDAR_FIELDS):
            continue
        for person in [change.mentor, *(u for u in change.loaded.people() if u not in change.invited)]:
            people[person.id] = person
            news[person.id].was(session_id, None if change.deleted else snapshots.get(session_id))
    return news, people


async def queue(changes: list[Change], snapshots: dict[int, dict[str, Any]], now: datetime | None = None) -> None:
    """Note the changes in each concerned person's notice of this window (a new notice when none is open);
    inside the changes' transaction. `snapshots` are the edited sessions before the change (`before`)."""
    news, people = _news_of(changes, snapshots)
    if not news:
        return
    now = now or utcnow()
    settle = timedelta(seconds=get_settings().mail_settle_seconds)
    await _one_at_a_time(sorted(news))
    # Open: its window has not ended (a message the sender claimed is past it, and no longer changes).
    open_notices = {
        message.person_id: message
        for message in await OutboxMessage.filter(
            person_id__in=list(news),
            sent_at=None,
            failed_at=None,
            dropped_at=None,
            created_at__gt=now - settle,
            next_attempt_at__gt=now,
        )
        .order_by("id")
        .select_for_update()
        if message.notice is not None and "reminder" not in message.notice
    }
    new_rows = []
    for person_id, person_news in news.items():
        if (message := open_notices.get(person_id)) is not None:
            merged = News.of(message.notice)
            merged.merge(person_news)
            await OutboxMessage.filter(id=message.id).update(notice=merged.to_json(), subject=_subject(merged))
            continue
        new_rows.append(
            OutboxMessage(
                recipients=[people[person_id].email],
                subject=_subject(person_news),
                text_body="",
                next_attempt_at=now + settle,
                person_id=person_id,
                notice=person_news.to_json(),
            )
        )
    if new_rows:
        await OutboxMessage.bulk_create(new_rows)
        await after_commit(new_mail)


# The advisory lock space of "a person's notice is being written" (any number not used elsewhere).
NOTICE_LOCK = 2015


async def _one_at_a_time(person_ids: list[int]) -> None:
    """On PostgreSQL, two transactions noting news for one person take turns until the first commits, so
    the second finds the first's notice and joins it instead of opening a second one for the same window.
    In ID order, so two of them never wait for each other. SQLite lets one writer in at a time anyway."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query(
            "SELECT pg_advisory_xact_lock($1, person) FROM unnest($2::int[]) AS person ORDER BY person",
            [NOTICE_LOCK, person_ids],
        )


def _subject(news: News) -> str:
    """What the outbox listing shows until the mail is written."""
    count = len(news.session_ids())
    return f"News of {count} session{'s' if count != 1 else ''} (written when sent)"


# --- writing the mail, when it is sent -------------------------------------------------------------


@dataclass
class Item:
    """One session's news for the person: "joined", "left" or "changed" (with what changed)."""

    session: Session
    kind: str
    before: dict[str, Any] | None = None


async def _sessions(ids: list[int]) -> dict[int, Session]:
    found: dict[int, Session] = {}
    for start in range(0, len(ids), READ_CHUNK):
        found.update({s.id: s for s in await Session.filter(id__in=ids[start : start + READ_CHUNK])})
    return found


async def _attended(person: User, ids: list[int]) -> set[int]:
    attended: set[int] = set()
    for start in range(0, len(ids), READ_CHUNK):
        chunk = ids[start : start + READ_CHUNK]
        attended.update(await column(Attendance.filter(mentee_id=person.id, session_id__in=chunk), "session_id", int))
    return attended


def _changed_fields(session: Session, before: dict[str, Any]) -> set[str]:
    now = _snapshot(session)
    return {name for name in WATCHED if name in before and before[name] != now[name]}


def _items(news: News, sessions: dict[int, Session], person: User, attended: set[int]) -> list[Item]:
    def on(session: Session | None) -> bool:
        return (
            session is not None
            and session.deleted_at is None
            and (session.mentor_id == person.id or session.id in attended)
        )

    items = [Item(sessions[i], "joined") for i in news.joined if on(sessions.get(i))]
    for key, snapshot in news.was_on.items():
        session = sessions.get(int(key))
        if session is None:
            continue
        if not on(session):
            items.append(Item(session, "left"))
        elif snapshot == RESTORED:
            items.append(Item(session, "restored"))
        elif snapshot is not None and _changed_fields(session, snapshot):
            items.append(Item(session, "changed", snapshot))
    return sorted(items, key=lambda item: (item.session.starts_at, item.session.id))


async def compose(message: OutboxMessage) -> Mail | None:
    """The mail a notice stands for, written from the sessions as they are now; None when there is nothing
    left to tell (the changes cancelled out, the person is gone)."""
    assert message.notice is not None
    person = await User.get_or_none(id=message.person_id)
    if person is None:
        return None
    if "reminder" in message.notice:
        return await _reminder(person, message)
    news = News.of(message.notice)
    ids = news.session_ids()
    sessions = await _sessions(ids)
    attended = await _attended(person, ids)
    items = _items(news, sessions, person, attended)
    if not items:
        return None
    mentors = {u.id: u for u in await User.filter(id__in={item.session.mentor_id for item in items})}
    if len(items) > MAX_EVENTS:
        return await _summary(person, items, mentors)
    organizer = calendar.Organizer.from_mail_from(get_settings().mail_from)
    parts = []
    for item in items:
        mentor = mentors[item.session.mentor_id]
        meeting = MeetingShown.to(person, item.session, item.session.id in attended)
        cancelled = item.kind == "left"
        parts.append(
            calendar.invitation(
                item.session,
                person,
                organizer,
                mentor=mentor,
                meeting=None if cancelled else meeting,
                cancelled=cancelled,
            )
        )
    if len(items) == 1:
        item = items[0]
        letter = _letter(item, person, mentors[item.session.mentor_id], item.session.id in attended)
    else:
        lines = [_line(item, person, mentors) for item in items]
        mentoring = all(item.kind == "joined" and item.session.mentor_id == person.id for item in items)
        letter = notifications.sessions_letter(lines, attached=True, all_new_to_mentor=mentoring)
    return letter.mail_to(person, parts)


def _letter(item: Item, person: User, mentor: User, attends: bool) -> Letter:
    """One session's news as the familiar letter of its kind."""
    session = item.session
    meeting = MeetingShown.to(person, session, attends)
    if item.kind == "joined":
        if session.mentor_id == person.id:
            return notifications.assigned_letter(session, mentor, meeting)
        return notifications.invited_letter(session, mentor, meeting)
    if item.kind == "restored":
        return notifications.restored_letter(session, mentor, meeting)
    if item.kind == "left":
        if session.deleted_at is not None:
            return notifications.deleted_letter(session, mentor)
        return notifications.removed_letter(session, mentor)
    assert item.before is not None
    changed = _changed_fields(session, item.before)
    details = _details_changed(item.before, changed)
    if changed & TIME_FIELDS:
        previous = datetime.fromisoformat(item.before["starts_at"])
        also = [*details, *(["the meeting details (below)"] if changed & MEETING_FIELDS else [])]
        return notifications.rescheduled_letter(session, mentor, meeting, previous, also)
    if changed & MEETING_FIELDS:
        return notifications.meeting_changed_letter(session, mentor, meeting, details)
    what = " and ".join(name for field, name in DETAIL_NAMES.items() if field in changed)
    return notifications.details_changed_letter(session, mentor, meeting, what)


def _details_changed(before: dict[str, Any], changed: set[str]) -> list[str]:
    """The title and zone changed, as they were: ["the title (it was “Planning”)", "the time zone (it was UTC)"]."""
    return [
        f"the {name} (it was “{before[field]}”)" if field == "title" else f"the {name} (it was {before[field]})"
        for field, name in DETAIL_NAMES.items()
        if field in changed
    ]


def _line(item: Item, person: User, mentors: dict[int, User]) -> str:
    """One session's news in a mail about several: "Tuesday 2 March 2027, 15:00 IST: Lesson planning — invited"."""
    session = item.session
    if item.kind == "joined":
        what = (
            "you are its mentor"
            if session.mentor_id == person.id
            else f"invited, with {mentors[session.mentor_id].name}"
        )
    elif item.kind == "restored":
        what = "back on (it was cancelled by mistake)"
    elif item.kind == "left":
        what = "cancelled" if session.deleted_at is not None else "you were removed from it"
    else:
        assert item.before is not None
        changed = _changed_fields(session, item.before)
        kinds = [
            *(["new time"] if changed & TIME_FIELDS else []),
            *(["new meeting details"] if changed & MEETING_FIELDS else []),
            *(f"new {name}" for field, name in DETAIL_NAMES.items() if field in changed),
        ]
        what = "changed: " + ", ".join(kinds)
    meeting = (
        MeetingShown.to(person, session, False) if item.kind == "joined" and session.mentor_id == person.id else None
    )
    place = f" ({PLATFORM_NAMES[meeting.platform]})" if meeting is not None else ""
    return f"{session_time(session, session.starts_at)}: {session.title}{place} — {what}"


async def _summary(person: User, items: list[Item], mentors: dict[int, User]) -> Mail:
    settings = get_settings()
    token = await feed_token(person)
    feed = (
        feed_url("", token) if settings.public_url else "the Calendar page of SessionDesk (Application menu → Calendar)"
    )
    session_list = f"{settings.public_url}{SESSION_LIST}" if settings.public_url else None
    letter = notifications.summary_letter([_line(item, person, mentors) for item in items], feed, session_list)
    return letter.mail_to(person)


async def _reminder(person: User, message: OutboxMessage) -> Mail | None:
    """A reminder as the session is when it is sent: its meeting, title and time now."""
    assert message.notice is not None
    reminder = message.notice["reminder"]
    session = await Session.get_or_none(id=reminder["session_id"], deleted_at=None)
    if session is None:
        return None
    attends = await Attendance.filter(session_id=session.id, mentee_id=person.id).exists()
    if session.mentor_id != person.id and not attends:
        return None
    mentor = await User.get(id=session.mentor_id)
    return reminders.reminder_mail(session, mentor, person, reminder["minutes"], attends)
