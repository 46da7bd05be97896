"""Mail worth reading (backend/mail/notices.py), as people receive it from a real SMTP server: changes
within the settle window are one mail per person with the final state, changes that cancel out send
nothing, each person hears only of what concerns them, and no mail carries more than 50 events.

The window is driven without waiting: the mutations run at once, and the sender is run with its "now"
just before and just after the window (MAIL_SETTLE_SECONDS = 120 here)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from tortoise import Tortoise

from backend.db import transaction
from backend.mail import notices
from backend.mail.sender import deliver_pending
from backend.models import AttendanceKind, MeetingPlatform, OutboxMessage, utcnow
from backend.sessions.changes import Change
from backend.sessions.directory import LoadedSession
from backend.settings import MAIL_SETTLE_SECONDS_MAX, Settings, use_settings
from tests.support.bulk_upload import create as create_row
from tests.support.bulk_upload import csv_bytes, upload_and_run
from tests.support.calendar_parts import calendar_parts
from tests.support.databases import ON_POSTGRES
from tests.support.factories import make_session, make_user
from tests.support.session_requests import DELETE, INVITE, REMOVE, UPDATE, UPDATE_MEETING, a_desk, ist, mutate

WINDOW = 120


@pytest.fixture
def settling(db: Settings, smtp_server) -> Settings:
    """The test database's settings with a two-minute settle window and mail to the SMTP test server."""
    return use_settings(dataclasses.replace(smtp_server.use(db), mail_settle_seconds=WINDOW))


async def inbox_at(smtp_server, settings: Settings, now: datetime) -> dict[str, list]:
    """Run the sender as if it were `now`; every message the server holds so far, by recipient."""
    await deliver_pending(settings, now=now)
    inbox: dict[str, list] = {}
    for message in smtp_server.messages:
        inbox.setdefault(message["To"], []).append(message)
    return inbox


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


async def a_busy_session(graphql):
    desk = await a_desk()
    session = await make_session(
        desk.org, desk.mentor, title="Lesson planning", starts_at=datetime.fromisoformat(ist("15:00")),
        enrolled=(desk.asha,), invited=(desk.kiran,),
    )  # fmt: skip
    await graphql.login(desk.manager.email)
    return desk, session


async def test_twelve_quick_title_edits_reach_each_person_as_one_mail_with_the_last_title(
    graphql, settling, smtp_server
):
    desk, session = await a_busy_session(graphql)
    started = utcnow()

    for n in range(1, 13):
        payload = await mutate(graphql, UPDATE, id=str(session.id), input={"title": f"Lesson planning, take {n}"})
        assert payload["errors"] == []

    assert await inbox_at(smtp_server, settling, started + timedelta(seconds=WINDOW - 5)) == {}  # still settling
    inbox = await inbox_at(smtp_server, settling, started + timedelta(seconds=WINDOW + 5))
    assert Counter({to: len(messages) for to, messages in inbox.items()}) == Counter(
        {desk.mentor.email: 1, desk.asha.email: 1, desk.kiran.email: 1}
    )
    message = inbox[desk.asha.email][0]
    assert message["Subject"] == "Updated: Lesson planning, take 12"
    (part,) = [p for p in calendar_parts(message) if p.filename]
    assert str(part.event["SUMMARY"]) == "Lesson planning, take 12"
    assert int(part.event["SEQUENCE"]) == 12


async def test_changes_that_cancel_out_send_nothing(graphql, settling, smtp_server):
    desk, session = await a_busy_session(graphql)
    started = utcnow()

    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("17:30")})
    await mutate(graphql, UPDATE, id=str(session.id), input={"title": "Lesson planning (moved)"})
    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("15:00"), "title": "Lesson planning"})

    assert await inbox_at(smtp_server, settling, started + timedelta(seconds=WINDOW + 5)) == {}
    assert await OutboxMessage.filter(dropped_at__isnull=False).count() == 3  # mentor, Asha, Kiran: nothing to tell


async def test_a_mentee_invited_and_removed_again_within_the_window_hears_nothing(graphql, settling, smtp_server):
    desk, session = await a_busy_session(graphql)
    started = utcnow()

    await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.meena.email])
    await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.meena.id)])

    assert await inbox_at(smtp_server, settling, started + timedelta(seconds=WINDOW + 5)) == {}


async def test_each_person_hears_only_of_what_concerns_them(graphql, settling, smtp_server):
    desk, session = await a_busy_session(graphql)
    started = utcnow()

    await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.meena.email])
    await mutate(graphql, UPDATE_MEETING, id=str(session.id), input={
        "platform": "ZOOM", "link": "https://zoom.us/j/123456789", "passcode": "4321",
    })  # fmt: skip
    await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.kiran.id)])

    inbox = await inbox_at(smtp_server, settling, started + timedelta(seconds=WINDOW + 5))
    subjects = {to: [m["Subject"] for m in messages] for to, messages in inbox.items()}
    assert subjects == {
        desk.meena.email: ["You are invited: Lesson planning"],  # with the meeting as it is now
        desk.asha.email: ["New meeting details: Lesson planning"],  # not told of Meena or Kiran
        desk.mentor.email: ["New meeting details: Lesson planning"],
        desk.kiran.email: ["Removed from: Lesson planning"],  # not told of a meeting no longer theirs
    }
    assert "https://zoom.us/j/123456789" in plain(inbox[desk.meena.email][0])
    assert "zoom.us" not in plain(inbox[desk.kiran.email][0])
    assert desk.meena.name not in plain(inbox[desk.asha.email][0])


async def test_a_cancellation_after_edits_goes_out_when_the_window_of_the_first_change_ends(
    graphql, settling, smtp_server
):
    desk, session = await a_busy_session(graphql)
    started = utcnow()

    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("17:30")})
    await mutate(graphql, DELETE, id=str(session.id))

    inbox = await inbox_at(smtp_server, settling, started + timedelta(seconds=WINDOW + 5))
    assert {to: [m["Subject"] for m in messages] for to, messages in inbox.items()} == {
        person.email: ["Cancelled: Lesson planning"] for person in (desk.mentor, desk.asha, desk.kiran)
    }
    assert [p.method for p in calendar_parts(inbox[desk.asha.email][0])] == ["CANCEL", "CANCEL"]


async def test_a_change_after_a_mail_went_out_starts_a_new_window(graphql, settling, smtp_server):
    desk, session = await a_busy_session(graphql)

    await mutate(graphql, UPDATE, id=str(session.id), input={"title": "First"})
    await inbox_at(smtp_server, settling, utcnow() + timedelta(seconds=WINDOW + 5))
    await mutate(graphql, UPDATE, id=str(session.id), input={"title": "Second"})
    inbox = await inbox_at(smtp_server, settling, utcnow() + timedelta(seconds=WINDOW + 5))

    assert [m["Subject"] for m in inbox[desk.asha.email]] == ["Updated: First", "Updated: Second"]


async def test_a_queued_reminder_carries_the_meeting_as_it_is_when_it_is_sent(graphql, db, smtp_server):
    from backend.mail import reminders

    desk = await a_desk()
    session = await make_session(
        desk.org, desk.mentor, starts_at=utcnow() + timedelta(days=2), enrolled=(desk.asha,),
        platform=MeetingPlatform.ZOOM,
    )  # fmt: skip
    await graphql.login(desk.manager.email)
    an_hour_before = session.starts_at - timedelta(minutes=59)
    assert await reminders.send_due(now=an_hour_before) == 2

    payload = await mutate(graphql, UPDATE_MEETING, id=str(session.id), notify=False, input={
        "platform": "ZOOM", "link": "https://zoom.us/j/222222222", "passcode": "999888",
    })  # fmt: skip
    assert payload["errors"] == []
    inbox = await inbox_at(smtp_server, smtp_server.use(db), an_hour_before)

    (reminder,) = inbox[desk.asha.email]
    assert reminder["Subject"].startswith("Reminder: Lesson planning")
    assert "https://zoom.us/j/222222222" in plain(reminder) and "1234567890" not in plain(reminder)


ROWS = 10_000
MAX_MAIL_BYTES = 10 * 1024 * 1024
SLOTS = [f"{6 + (n * 90) // 60:02d}:{(n * 90) % 60:02d}" for n in range(10)]  # 06:00, 07:30, … 19:30: not back to back


def rows_for(mentor, count: int, **cells) -> list[list[str]]:
    """`count` Create rows for one mentor, ten a day."""
    return [
        create_row(mentor, f"Session {n}", days_ahead=2 + n // 10, time=SLOTS[n % 10], description="x", **cells)
        for n in range(count)
    ]


@pytest.fixture
def long_window(db: Settings, smtp_server) -> Settings:
    """A window longer than a big upload takes on a busy test machine: all of it is one window's news."""
    return use_settings(dataclasses.replace(smtp_server.use(db), mail_settle_seconds=MAIL_SETTLE_SECONDS_MAX))


async def test_a_ten_thousand_row_upload_for_one_mentor_is_one_mail_without_ten_thousand_events(
    graphql, long_window, smtp_server
):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    started = utcnow()

    result = await upload_and_run(graphql, csv_bytes(rows_for(desk.mentor, ROWS)))

    assert (result["validRows"], result["invalidRows"]) == (ROWS, 0), result["rows"][:2]
    inbox = await inbox_at(smtp_server, long_window, started + timedelta(seconds=MAIL_SETTLE_SECONDS_MAX + 60))
    assert Counter({to: len(messages) for to, messages in inbox.items()}) == Counter(
        {desk.mentor.email: 1, desk.manager.email: 1}  # the mentor's news, the uploader's result file
    )
    for (message,) in inbox.values():
        assert len(calendar_parts(message)) <= 50
        assert len(message.as_bytes()) < MAX_MAIL_BYTES
    summary = inbox[desk.mentor.email][0]
    assert summary["Subject"] == f"News of {ROWS} of your sessions"
    assert "calendar feed" in plain(summary).lower() and "… and 9980 more." in plain(summary)


INVITEES = 18


async def test_an_upload_inviting_eighteen_mentees_to_every_session_queues_one_mail_per_person(
    graphql, long_window, smtp_server
):
    desk = await a_desk()
    mentees = [await make_user(desk.org, "MENTEE", email=f"i{n}@e.in") for n in range(INVITEES)]
    await graphql.login(desk.manager.email)
    rows = rows_for(desk.mentor, 600, type="Private", mentees=",".join(m.email for m in mentees))  # two batches
    started = utcnow()

    result = await upload_and_run(graphql, csv_bytes(rows))

    assert (result["validRows"], result["invalidRows"]) == (600, 0), result["rows"][:2]
    assert await OutboxMessage.all().count() == 1 + INVITEES + 1  # the mentor, each invitee, the uploader
    inbox = await inbox_at(smtp_server, long_window, started + timedelta(seconds=MAIL_SETTLE_SECONDS_MAX + 60))
    assert Counter({to: len(messages) for to, messages in inbox.items()}) == Counter(
        {desk.mentor.email: 1, desk.manager.email: 1, **{m.email: 1 for m in mentees}}
    )
    invitation = inbox[mentees[0].email][0]
    assert invitation["Subject"] == "News of 600 of your sessions" and calendar_parts(invitation) == []


@ON_POSTGRES
async def test_two_changes_at_once_on_postgresql_share_one_notice_per_person(db):
    """The second change's transaction waits for the first to commit, then joins its notice."""
    desk = await a_desk()
    sessions = [await make_session(desk.org, desk.mentor, enrolled=(desk.asha,)) for _ in range(2)]
    use_settings(dataclasses.replace(db, mail_settle_seconds=WINDOW))

    def retitled(session) -> Change:
        loaded = LoadedSession(session, attendees={desk.asha.id: (AttendanceKind.ENROLLED, desk.asha)})
        return Change(loaded, desk.mentor, fields={"title"})

    first_noted, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with transaction():
            await notices.queue([retitled(sessions[0])], {sessions[0].id: {"title": "Before"}})
            first_noted.set()
            await release.wait()

    async def second() -> None:
        async with transaction():
            await notices.queue([retitled(sessions[1])], {sessions[1].id: {"title": "Before"}})

    one = asyncio.create_task(first())
    await first_noted.wait()
    two = asyncio.create_task(second())
    connection = Tortoise.get_connection("default")
    deadline = time.monotonic() + 30
    while not two.done():  # until the second has written, or is waiting for the first to commit
        waiting = await connection.execute_query_dict(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        if waiting[0]["n"]:
            break
        assert time.monotonic() < deadline, "the second change neither wrote nor waited"
        await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(one, two)

    rows = await OutboxMessage.filter(person_id=desk.asha.id).values_list("notice", flat=True)
    assert len(rows) == 1
    assert sorted(rows[0]["was_on"]) == sorted(str(s.id) for s in sessions)
