"""Rule R9 end to end: a manager changes a session through the API and the people affected get an email,
as received by a real SMTP server, with times in the session's own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.mail.sender import deliver_pending
from backend.models import OutboxMessage, SessionTimeZone, SessionType, utcnow
from tests.support.factories import make_session
from tests.support.mail import a_session_with_mentees, delivered, plain
from tests.support.session_requests import (
    CREATE,
    DELETE,
    INVITE,
    REMOVE,
    UPDATE,
    UPDATE_MEETING,
    a_desk,
    ist,
    mutate,
    refusals,
    session_form,
)


def spoken(iso: str, zone: str) -> str:
    """An ISO instant as the emails write it: "Tuesday 2 March 2027, 15:00 IST"."""
    from zoneinfo import ZoneInfo

    local = datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Kolkata" if zone == "IST" else "UTC"))
    return f"{local:%A} {local.day} {local:%B} {local.year}, {local:%H:%M} {zone}"


async def test_mentor_and_mentees_hear_of_a_reschedule_with_the_old_and_new_time_in_ist(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("17:30")})

    assert payload["errors"] == []
    inbox = await delivered(smtp_server, db)
    assert sorted(inbox) == sorted([desk.mentor.email, desk.asha.email, desk.kiran.email])
    assert all(len(messages) == 1 for messages in inbox.values())
    message = inbox[desk.asha.email][0]
    assert message["Subject"] == "Rescheduled: Lesson planning"
    text = plain(message)
    assert "Hello Asha Rao," in text
    assert f"It was on {spoken(ist('15:00'), 'IST')}; it is now on {spoken(ist('17:30'), 'IST')}." in text
    assert "Hello Ravi Kumar," in plain(inbox[desk.mentor.email][0])


async def test_a_session_shown_in_utc_tells_its_people_the_times_in_utc(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql, SessionTimeZone.UTC)

    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("17:30")})

    text = plain((await delivered(smtp_server, db))[desk.kiran.email][0])
    assert f"it is now on {spoken(ist('17:30'), 'UTC')}" in text  # 12:00 UTC
    assert "IST" not in text


async def test_a_new_duration_is_announced_as_a_reschedule(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, UPDATE, id=str(session.id), input={"durationMinutes": 90})

    inbox = await delivered(smtp_server, db)
    assert sorted(inbox) == sorted([desk.mentor.email, desk.asha.email, desk.kiran.email])
    assert "1 hour 30 minutes" in plain(inbox[desk.asha.email][0])


async def test_mentor_and_mentees_get_the_new_meeting_link(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(
        graphql,
        UPDATE_MEETING,
        id=str(session.id),
        input={"platform": "GOOGLE_MEET", "link": "https://meet.google.com/new-room-xyz"},
    )

    inbox = await delivered(smtp_server, db)
    assert sorted(inbox) == sorted([desk.mentor.email, desk.asha.email, desk.kiran.email])
    message = inbox[desk.kiran.email][0]
    assert message["Subject"] == "New meeting details: Lesson planning"
    assert "Google Meet: https://meet.google.com/new-room-xyz" in plain(message)
    assert spoken(ist("15:00"), "IST") in plain(message)


async def test_a_meeting_changed_in_the_edit_form_is_announced_too(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(
        graphql,
        UPDATE,
        id=str(session.id),
        input={"meeting": {"platform": "ZOOM", "link": "https://zoom.us/j/42", "passcode": "77"}},
    )

    inbox = await delivered(smtp_server, db)
    assert [m["Subject"] for m in inbox[desk.asha.email]] == ["New meeting details: Lesson planning"]
    assert "Zoom: https://zoom.us/j/42 (passcode 77)" in plain(inbox[desk.asha.email][0])


async def test_a_reschedule_with_a_new_meeting_sends_one_email_that_shows_both(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, UPDATE, id=str(session.id), input={
        "startsAt": ist("18:00"), "meeting": {"platform": "GOOGLE_MEET", "link": "https://meet.google.com/abc-defg-hij"},
    })  # fmt: skip

    messages = (await delivered(smtp_server, db))[desk.asha.email]
    assert [m["Subject"] for m in messages] == ["Rescheduled: Lesson planning"]
    assert "https://meet.google.com/abc-defg-hij" in plain(messages[0])


async def test_mentor_and_mentees_hear_that_a_deleted_session_is_cancelled(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, DELETE, id=str(session.id))

    inbox = await delivered(smtp_server, db)
    assert sorted(inbox) == sorted([desk.mentor.email, desk.asha.email, desk.kiran.email])
    message = inbox[desk.mentor.email][0]
    assert message["Subject"] == "Cancelled: Lesson planning"
    assert f"on {spoken(ist('15:00'), 'IST')} has been cancelled" in plain(message)


async def test_an_invited_mentee_alone_hears_of_the_invitation(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.meena.email])

    inbox = await delivered(smtp_server, db)
    assert list(inbox) == [desk.meena.email]
    message = inbox[desk.meena.email][0]
    assert message["Subject"] == "You are invited: Lesson planning"
    text = plain(message)
    assert "Hello Meena Nair," in text and "with Ravi Kumar" in text
    assert spoken(ist("15:00"), "IST") in text


async def test_mentees_invited_when_a_session_is_published_are_told(graphql, db, smtp_server):
    desk = await a_desk()
    await graphql.login(desk.manager.email)

    await mutate(graphql, CREATE, input=session_form(desk.mentor, type="PRIVATE", inviteEmails=[desk.asha.email]))

    inbox = await delivered(smtp_server, db)
    assert sorted(inbox) == sorted([desk.asha.email, desk.mentor.email])
    assert inbox[desk.asha.email][0]["Subject"] == "You are invited: Lesson planning"
    assert inbox[desk.mentor.email][0]["Subject"] == "New session to mentor: Lesson planning"


async def test_a_removed_mentee_alone_hears_of_the_removal(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.asha.id)])

    inbox = await delivered(smtp_server, db)
    assert list(inbox) == [desk.asha.email]
    message = inbox[desk.asha.email][0]
    assert message["Subject"] == "Removed from: Lesson planning"
    assert f"on {spoken(ist('15:00'), 'IST')}" in plain(message)


async def test_a_new_invite_list_tells_the_added_and_the_dropped_mentees(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql, type=SessionType.PRIVATE)

    await mutate(graphql, UPDATE, id=str(session.id), input={"inviteEmails": [desk.meena.email]})

    inbox = await delivered(smtp_server, db)
    assert {email: [m["Subject"] for m in messages] for email, messages in inbox.items()} == {
        desk.meena.email: ["You are invited: Lesson planning"],
        desk.kiran.email: ["Removed from: Lesson planning"],
    }


async def test_with_notify_false_a_reschedule_a_meeting_change_and_a_delete_email_nobody(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    moved = await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("18:00")}, notify=False)
    meeting = await mutate(graphql, UPDATE_MEETING, id=str(session.id), input={"platform": "GOOGLE_MEET",
                           "link": "https://meet.google.com/abc-defg-hij"}, notify=False)  # fmt: skip
    deleted = await mutate(graphql, DELETE, id=str(session.id), notify=False)

    assert moved["errors"] == meeting["errors"] == deleted["errors"] == []
    assert await OutboxMessage.all().count() == 0
    assert await delivered(smtp_server, db) == {}


async def test_edits_that_change_nothing_a_calendar_shows_email_nobody(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, UPDATE, id=str(session.id), input={"description": "New notes", "medium": "Hindi"})
    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("15:00"), "durationMinutes": 60})

    assert await delivered(smtp_server, db) == {}


async def test_a_new_title_is_announced_so_calendars_show_it(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, UPDATE, id=str(session.id), input={"title": "Lesson planning, part 2"})

    inbox = await delivered(smtp_server, db)
    assert sorted(inbox) == sorted([desk.mentor.email, desk.asha.email, desk.kiran.email])
    assert inbox[desk.asha.email][0]["Subject"] == "Updated: Lesson planning, part 2"


async def test_a_refused_change_emails_nobody(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)
    await make_session(desk.org, desk.mentor, starts_at=datetime.fromisoformat(ist("18:00")))

    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("18:30")})

    assert refusals(payload) == {("startsAt", "MENTOR_BUSY")}
    assert await delivered(smtp_server, db) == {}


async def test_mail_waits_out_an_smtp_outage_and_arrives_exactly_once(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)
    smtp_server.stop()

    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("17:30")})
    sent_during_outage = await deliver_pending(smtp_server.use(db))

    assert payload["errors"] == []
    assert sent_during_outage == 0
    waiting = await OutboxMessage.all()
    assert len(waiting) == 3
    assert all(
        m.sent_at is None and m.attempts == 1 and "Could not reach the SMTP server" in m.last_error for m in waiting
    )

    smtp_server.start()
    later = utcnow() + timedelta(minutes=1)
    assert await deliver_pending(smtp_server.use(db), now=later) == 3
    assert await deliver_pending(smtp_server.use(db), now=later + timedelta(hours=1)) == 0

    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [desk.mentor.email, desk.asha.email, desk.kiran.email]
    )
    assert {m["Subject"] for m in smtp_server.messages} == {"Rescheduled: Lesson planning"}
