"""Reminders before a session starts: mailed to the mentor and every mentee at REMINDER_MINUTES, only the
ones still ahead when a session is created or moved, none for deleted or started sessions, each exactly
once (also with two app processes on PostgreSQL), and dropped rather than sent late."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from backend.mail import reminders
from backend.mail.sender import deliver_pending
from backend.models import (
    Attendance,
    MeetingPlatform,
    OutboxMessage,
    Session,
    SessionReminder,
    SessionStatus,
    utcnow,
)
from tests.support.calendar_parts import the_event
from tests.support.databases import ON_POSTGRES
from tests.support.factories import make_session, make_user
from tests.support.mail import delivered, plain
from tests.support.server import ServerProcess, server_env, wait_until_async
from tests.support.session_requests import DELETE, UPDATE, a_desk, mutate

# Also run on PostgreSQL behind PgBouncer (transaction pooling), as production may serve them.
pytestmark = pytest.mark.through_pgbouncer

ROOT = Path(__file__).resolve().parent.parent


async def a_session(desk, starts_in: timedelta, **fields) -> Session:
    """Ravi's Google Meet session with Asha enrolled and Kiran invited, starting `starts_in` from now."""
    return await make_session(
        desk.org, desk.mentor, title="Lesson planning", starts_at=utcnow().replace(microsecond=0) + starts_in,
        platform=MeetingPlatform.GOOGLE_MEET, enrolled=(desk.asha,), invited=(desk.kiran,), **fields,
    )  # fmt: skip


def subjects(inbox: dict) -> dict[str, list[str]]:
    return {email: [m["Subject"] for m in messages] for email, messages in inbox.items()}


async def test_mentor_and_mentees_are_reminded_a_day_and_an_hour_before(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(days=2))
    day_before = session.starts_at - timedelta(days=1)

    assert await reminders.send_due(db, now=day_before - timedelta(minutes=1)) == 0
    assert await reminders.send_due(db, now=day_before) == 3
    assert await reminders.send_due(db, now=day_before + timedelta(minutes=5)) == 0  # once
    assert await reminders.send_due(db, now=session.starts_at - timedelta(minutes=59)) == 3

    inbox = await delivered(smtp_server, db)
    expected = ["Reminder: Lesson planning starts in 1 day", "Reminder: Lesson planning starts in 1 hour"]
    assert subjects(inbox) == {desk.mentor.email: expected, desk.asha.email: expected, desk.kiran.email: expected}
    text = plain(inbox[desk.asha.email][1])
    assert "Hello Asha Rao," in text and "starts on" in text and "IST" in text
    assert "Google Meet: https://meet.google.com/abc-defg-hij" in text
    cal, event = the_event(inbox[desk.kiran.email][1])
    assert str(cal["METHOD"]) == "REQUEST" and str(event["URL"]) == "https://meet.google.com/abc-defg-hij"
    assert str(event["UID"]).startswith(f"session-{session.id}@")


async def test_a_session_created_inside_the_window_gets_only_the_reminders_still_ahead(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(hours=3))  # the day-before reminder is already past

    assert await reminders.send_due(db, now=utcnow()) == 0
    assert await reminders.send_due(db, now=session.starts_at - timedelta(minutes=60)) == 3

    inbox = await delivered(smtp_server, db)
    assert {s for messages in subjects(inbox).values() for s in messages} == {
        "Reminder: Lesson planning starts in 1 hour"
    }
    assert sum(len(m) for m in inbox.values()) == 3


async def test_a_session_moved_into_the_window_is_reminded_only_before_its_new_start(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(days=5))
    await graphql.login(desk.manager.email)
    new_start = utcnow().replace(microsecond=0) + timedelta(minutes=90)

    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": new_start.isoformat()})

    assert payload["errors"] == []
    assert await reminders.send_due(db, now=utcnow()) == 0  # the day before was before the move
    assert await reminders.send_due(db, now=new_start - timedelta(minutes=60)) == 3
    inbox = await delivered(smtp_server, db)
    assert all(m[-1]["Subject"] == "Reminder: Lesson planning starts in 1 hour" for m in inbox.values())
    assert await SessionReminder.filter(minutes_before=1440, outbox_message_id__isnull=False).count() == 0


async def test_a_session_moved_after_its_reminder_is_reminded_again_before_the_new_start(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(hours=3))
    assert await reminders.send_due(db, now=session.starts_at - timedelta(minutes=60)) == 3
    await graphql.login(desk.manager.email)
    later = session.starts_at + timedelta(days=3)

    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": later.isoformat()})

    assert await reminders.send_due(db, now=later - timedelta(days=1)) == 3
    assert await reminders.send_due(db, now=later - timedelta(hours=1)) == 3


async def test_a_deleted_session_gets_no_reminder_and_a_queued_one_is_withdrawn(graphql, db, smtp_server):
    desk = await a_desk()
    deleted = await a_session(desk, timedelta(hours=3))
    queued_then_deleted = await a_session(desk, timedelta(hours=6))
    await graphql.login(desk.manager.email)
    smtp_server.stop()  # the queued reminders wait in the outbox
    assert await reminders.send_due(db, now=queued_then_deleted.starts_at - timedelta(minutes=60)) == 3

    for session in (deleted, queued_then_deleted):
        assert (await mutate(graphql, DELETE, id=str(session.id)))["errors"] == []
    assert await reminders.send_due(db, now=deleted.starts_at - timedelta(minutes=60)) == 0

    smtp_server.start()
    inbox = await delivered(smtp_server, db, now=utcnow() + timedelta(minutes=5))
    assert {s for messages in subjects(inbox).values() for s in messages} == {"Cancelled: Lesson planning"}
    withdrawn = await OutboxMessage.filter(subject__startswith="Reminder").all()
    assert len(withdrawn) == 3 and all(m.dropped_at and m.sent_at is None for m in withdrawn)


async def test_a_started_session_gets_no_reminder(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(minutes=10), status=SessionStatus.LIVE)

    assert await reminders.send_due(db, now=session.starts_at - timedelta(minutes=5)) == 0


async def test_a_reminder_not_sent_before_the_start_is_dropped_not_sent_late(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(hours=3))
    assert await reminders.send_due(db, now=session.starts_at - timedelta(minutes=60)) == 3
    smtp_server.stop()
    assert await deliver_pending(smtp_server.use(db)) == 0  # the outage

    smtp_server.start()
    assert await deliver_pending(smtp_server.use(db), now=session.starts_at + timedelta(minutes=1)) == 0

    assert smtp_server.messages == []
    dropped = await OutboxMessage.all()
    assert len(dropped) == 3 and all(m.dropped_at and "Dropped" in m.last_error for m in dropped)


async def test_managers_can_turn_reminders_off_and_on(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(hours=3))
    await graphql.login(desk.manager.email)

    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"remindersEnabled": False})
    detail = await graphql.execute("query($id: ID!) { session(id: $id) { remindersEnabled } }", {"id": str(session.id)})

    assert payload["errors"] == [] and detail["session"]["remindersEnabled"] is False
    assert await reminders.send_due(db, now=session.starts_at - timedelta(minutes=60)) == 0
    await mutate(graphql, UPDATE, id=str(session.id), input={"remindersEnabled": True})
    assert await reminders.send_due(db, now=session.starts_at - timedelta(minutes=60)) == 3


async def test_a_session_created_with_reminders_off_gets_none(graphql, db, smtp_server):
    from tests.support.session_requests import CREATE, session_form

    desk = await a_desk()
    await graphql.login(desk.manager.email)
    starts_at = utcnow().replace(microsecond=0) + timedelta(hours=3)

    payload = await mutate(
        graphql, CREATE, input=session_form(desk.mentor, startsAt=starts_at.isoformat(), remindersEnabled=False)
    )

    assert payload["errors"] == []
    assert (await Session.get(id=payload["session"]["id"])).reminders_enabled is False
    assert await reminders.send_due(db, now=starts_at - timedelta(minutes=60)) == 0


async def test_a_mentee_invited_after_a_reminder_was_due_is_not_sent_it_late(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(days=2))
    day_before = session.starts_at - timedelta(days=1)
    await Attendance.filter(session_id=session.id, mentee_id=desk.kiran.id).update(
        created_at=day_before + timedelta(hours=1)
    )

    assert await reminders.send_due(db, now=day_before + timedelta(hours=2)) == 2  # mentor and Asha


async def test_reminder_minutes_come_from_the_setting(graphql, db, smtp_server):
    desk = await a_desk()
    session = await a_session(desk, timedelta(hours=3))
    settings = dataclasses.replace(db, reminder_minutes=(90,))

    assert await reminders.send_due(settings, now=session.starts_at - timedelta(minutes=60)) == 3
    inbox = await delivered(smtp_server, db)
    assert inbox[desk.asha.email][0]["Subject"] == "Reminder: Lesson planning starts in 1 hour 30 minutes"
    assert await reminders.send_due(dataclasses.replace(db, reminder_minutes=()), now=session.starts_at) == 0


@ON_POSTGRES
async def test_two_app_processes_on_postgresql_send_each_reminder_once(db, smtp_server, tmp_path):
    desks = [await a_desk() for _ in range(3)]
    due_since = utcnow() - timedelta(minutes=30)
    sessions = []
    for n, desk in enumerate(desks):
        for k in range(4):
            sessions.append(await a_session(desk, timedelta(minutes=40 + 70 * k + n), scheduled_at=due_since))
    await Attendance.all().update(created_at=due_since)
    expected = sorted(
        (person.email, session.id)
        for session in sessions
        for desk in desks
        if desk.org.id == session.organization_id
        for person in (desk.mentor, desk.asha, desk.kiran)
        if session.starts_at - timedelta(minutes=60) <= utcnow()
    )
    assert len(expected) == 9  # one session of each desk is inside the hour: 3 people each

    servers = [
        ServerProcess(
            server_env(
                tmp_path / f"app{n}",
                db.database_url,
                LISTEN_DATABASE_URL=db.listener_url,
                SMTP_URL=smtp_server.url,
                REMINDER_MINUTES="60",
            ),
            tmp_path / f"app{n}.log",
        )
        for n in range(2)
    ]
    try:

        async def all_sent() -> bool:
            return len(smtp_server.messages) >= len(expected) and not await OutboxMessage.filter(sent_at=None).exists()

        await wait_until_async(all_sent, 90, "every reminder sent")
    finally:
        for server in servers:
            server.stop()  # each finishes what it was sending: a second copy would have arrived by now

    # One reminder and one message queued for each, whichever process got to it first.
    assert await OutboxMessage.all().count() == len(expected)
    received = sorted(
        (m["To"], int(str(the_event(m)[1]["UID"]).split("@")[0].removeprefix("session-"))) for m in smtp_server.messages
    )
    assert received == expected
    assert all(m["Subject"] == "Reminder: Lesson planning starts in 1 hour" for m in smtp_server.messages)
    assert await SessionReminder.all().count() == len(expected)


async def test_a_csv_row_turns_reminders_off_and_an_edit_row_turns_them_back_on(graphql, db, smtp_server):
    from tests.support.bulk_upload import HEADER, create, csv_bytes, people, row, upload_and_run

    p = await people(graphql)
    header = [*HEADER, "Reminders"]  # an optional column: the sample file does not have it
    rows = [[*create(p.mentor, "Quiet"), "No"], [*create(p.mentor, "Default", days_ahead=12), ""]]
    result = await upload_and_run(graphql, csv_bytes(rows, header=header))
    assert [r["status"] for r in result["rows"]] == ["VALID", "VALID"]
    quiet, default = [await Session.get(id=r["sessionId"]) for r in result["rows"]]
    assert (quiet.reminders_enabled, default.reminders_enabled) == (False, True)

    result = await upload_and_run(graphql, csv_bytes([[*row(action="Edit", id=quiet.id), "yes"]], header=header))

    assert result["rows"][0]["status"] == "VALID", result["rows"][0]["message"]
    assert (await Session.get(id=quiet.id)).reminders_enabled is True


async def test_a_pass_with_nothing_new_reads_the_same_few_statements_however_many_sessions(db, sql_statements):
    async def statements_of_a_quiet_pass(count: int) -> int:
        desk = await a_desk()
        for _ in range(count):
            await make_session(desk.org, await make_user(desk.org, "MENTOR"), starts_at=start, enrolled=(desk.asha,))
        await reminders.send_due(db, now=start - timedelta(minutes=30))
        sql_statements.clear()
        assert await reminders.send_due(db, now=start - timedelta(minutes=20)) == 0
        return len(sql_statements)

    start = utcnow().replace(microsecond=0) + timedelta(hours=2)
    few = await statements_of_a_quiet_pass(2)
    many = await statements_of_a_quiet_pass(20)
    assert few == many == 2
