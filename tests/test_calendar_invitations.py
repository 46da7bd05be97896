"""Mail about a session's time or existence puts it into the recipient's calendar and keeps it current:
an iCalendar REQUEST with one UID per session and a growing SEQUENCE, and a CANCEL with the same UID.
Received by a real SMTP server and parsed with the icalendar library, as a calendar program would."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.models import MeetingPlatform, Session, SessionTimeZone, SessionType
from tests.support.bulk_upload import create, csv_bytes, upload_and_run
from tests.support.bulk_upload import people as bulk_people
from tests.support.calendar_parts import calendar_parts, the_event
from tests.support.factories import make_session
from tests.support.mail import a_session_with_mentees, delivered
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
    session_form,
)

MEET = "https://meet.google.com/abc-defg-hij"


def utc_instant(value) -> datetime:
    instant = value.dt
    assert instant.tzinfo is not None and instant.utcoffset().total_seconds() == 0, value.to_ical()
    return instant


async def test_the_mentor_of_a_new_session_gets_an_invitation_their_calendar_accepts(graphql, db, smtp_server):
    desk = await a_desk()
    await graphql.login(desk.manager.email)

    payload = await mutate(
        graphql,
        CREATE,
        input=session_form(
            desk.mentor, type="PRIVATE", inviteEmails=[desk.asha.email], meeting={"platform": "GOOGLE_MEET",
            "link": MEET}, timeZone="IST",
        ),
    )  # fmt: skip

    session_id = payload["session"]["id"]
    inbox = await delivered(smtp_server, db)
    message = inbox[desk.mentor.email][0]
    assert message["Subject"] == "New session to mentor: Lesson planning"
    cal, event = the_event(message)
    assert str(cal["METHOD"]) == "REQUEST" and str(cal["VERSION"]) == "2.0" and cal["PRODID"]
    assert str(event["UID"]).startswith(f"session-{session_id}@")
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Lesson planning"
    assert utc_instant(event["DTSTART"]) == datetime.fromisoformat(ist("15:00")).astimezone(UTC)
    assert utc_instant(event["DTEND"]) == datetime.fromisoformat(ist("16:00")).astimezone(UTC)
    assert b"DTSTART:" in cal.to_ical() and b"Z\r\n" in cal.to_ical()  # written as UTC, no TZID
    assert "India Standard Time" in str(event["DESCRIPTION"]) and "15:00 IST" in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == MEET and str(event["URL"]) == MEET
    assert str(event["ORGANIZER"]).startswith("mailto:")
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{desk.mentor.email}" and attendee.params["CN"] == "Ravi Kumar"
    # The invited mentee gets their own copy of the same event, naming them.
    _, mentee_event = the_event(inbox[desk.asha.email][0])
    assert str(mentee_event["UID"]) == str(event["UID"])
    assert str(mentee_event["ATTENDEE"]) == f"mailto:{desk.asha.email}"


async def test_a_reschedule_keeps_the_uid_and_raises_the_sequence_each_time(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    changes = [
        (UPDATE, {"startsAt": ist("17:30")}),
        (UPDATE_MEETING, {"platform": "ZOOM", "link": "https://zoom.us/j/9876543210", "passcode": "42"}),
        (UPDATE, {"title": "Lesson planning II"}),
    ]
    received = []
    for document, change in changes:
        assert (await mutate(graphql, document, id=str(session.id), input=change))["errors"] == []
        received.append((await delivered(smtp_server, db))[desk.asha.email][-1])
    first, second, third = received

    events = [the_event(m)[1] for m in (first, second, third)]
    assert [m["Subject"] for m in (first, second, third)] == [
        "Rescheduled: Lesson planning",
        "New meeting details: Lesson planning",
        "Updated: Lesson planning II",
    ]
    assert len({str(e["UID"]) for e in events}) == 1
    assert [e["SEQUENCE"] for e in events] == [1, 2, 3]
    assert utc_instant(events[0]["DTSTART"]) == datetime.fromisoformat(ist("17:30")).astimezone(UTC)
    assert str(events[1]["LOCATION"]) == "https://zoom.us/j/9876543210"
    assert "Passcode: 42" in str(events[1]["DESCRIPTION"])
    assert str(events[2]["SUMMARY"]) == "Lesson planning II"
    assert (await Session.get(id=session.id)).calendar_sequence == 3


async def test_a_removed_mentee_gets_a_cancel_with_the_same_uid(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)
    await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.meena.email])
    _, invited = the_event((await delivered(smtp_server, db))[desk.meena.email][0])

    await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.meena.id)])

    removal = (await delivered(smtp_server, db))[desk.meena.email][-1]
    assert removal["Subject"] == "Removed from: Lesson planning"
    cal, event = the_event(removal)
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(invited["UID"])
    assert event["SEQUENCE"] > invited["SEQUENCE"]
    assert "LOCATION" not in event
    assert len(smtp_server.messages) == 2  # nobody else hears of it


async def test_a_deleted_session_is_cancelled_in_everyones_calendar(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, DELETE, id=str(session.id))

    inbox = await delivered(smtp_server, db)
    assert sorted(inbox) == sorted([desk.mentor.email, desk.asha.email, desk.kiran.email])
    for messages in inbox.values():
        cal, event = the_event(messages[0])
        assert str(cal["METHOD"]) == "CANCEL"
        assert str(event["UID"]).startswith(f"session-{session.id}@") and event["SEQUENCE"] == 1


async def test_a_session_shown_in_utc_says_so_in_the_calendar_description(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql, SessionTimeZone.UTC)

    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("17:30")})

    _, event = the_event((await delivered(smtp_server, db))[desk.kiran.email][0])
    assert "Coordinated Universal Time" in str(event["DESCRIPTION"]) and "12:00 UTC" in str(event["DESCRIPTION"])


async def test_a_session_without_a_link_has_no_url_in_the_calendar(graphql, db, smtp_server):
    desk, session = await a_session_with_mentees(graphql)  # BigBlueButton: the room opens at the start

    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("17:30")})

    _, event = the_event((await delivered(smtp_server, db))[desk.asha.email][0])
    assert "URL" not in event and "BigBlueButton" in str(event["LOCATION"])


async def test_a_bulk_upload_tells_each_mentor_once_with_every_session_its_own_event(graphql, db, smtp_server):
    p = await bulk_people(graphql)
    rows = [create(p.mentor, f"Morning {n}", days_ahead=10 + n) for n in range(3)]
    rows.append(create(p.other_mentor, "Afternoon", days_ahead=12))

    await upload_and_run(graphql, csv_bytes(rows))

    inbox = await delivered(smtp_server, db)
    assert [m["Subject"] for m in inbox[p.mentor.email]] == ["3 new sessions to mentor"]
    assert [m["Subject"] for m in inbox[p.other_mentor.email]] == ["New session to mentor: Afternoon"]
    parts = calendar_parts(inbox[p.mentor.email][0])
    assert [part.filename is not None for part in parts] == [True, True, True]  # one .ics per session
    assert all(part.method == "REQUEST" and str(part.calendar["METHOD"]) == "REQUEST" for part in parts)
    created = await Session.filter(mentor_id=p.mentor.id).order_by("starts_at")
    assert [str(part.event["UID"]).split("@")[0] for part in parts] == [f"session-{s.id}" for s in created]
    assert [str(part.event["SUMMARY"]) for part in parts] == ["Morning 0", "Morning 1", "Morning 2"]
    the_event(inbox[p.other_mentor.email][0])


async def test_a_bulk_upload_dry_run_tells_no_mentor(graphql, db, smtp_server):
    p = await bulk_people(graphql)

    await upload_and_run(graphql, csv_bytes([create(p.mentor, "Checked only")]), dry_run=True)

    inbox = await delivered(smtp_server, db)
    assert p.mentor.email not in inbox


async def test_an_invitation_to_a_private_session_carries_the_calendar_part(graphql, db, smtp_server):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, type=SessionType.PRIVATE, invited=(desk.asha,))
    await graphql.login(desk.manager.email)

    await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.kiran.email])

    cal, event = the_event((await delivered(smtp_server, db))[desk.kiran.email][0])
    assert str(cal["METHOD"]) == "REQUEST" and event["SEQUENCE"] == 0


async def test_someone_not_allowed_to_see_the_meeting_gets_no_link_in_the_event(db):
    from icalendar import Calendar

    from backend.mail import calendar
    from backend.mail.notifications import MeetingShown

    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, platform=MeetingPlatform.ZOOM, enrolled=(desk.asha,))
    outsider = desk.meena  # a mentee of the organisation, not in the session
    organizer = calendar.Organizer.from_mail_from(db.mail_from)

    part = calendar.invitation(
        session, outsider, organizer, mentor=desk.mentor, meeting=MeetingShown.to(outsider, session, False)
    )

    (event,) = Calendar.from_ical(part.content).walk("VEVENT")
    assert "LOCATION" not in event and "URL" not in event
    assert "zoom.us" not in str(event["DESCRIPTION"]) and "123456" not in str(event["DESCRIPTION"])


async def test_with_public_url_session_mails_and_events_link_to_the_session_page(graphql, db, smtp_server):
    import dataclasses

    from backend.settings import use_settings

    settings = use_settings(dataclasses.replace(db, public_url="https://desk.example.test"))
    desk, session = await a_session_with_mentees(graphql)

    await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": ist("17:30")})

    message = (await delivered(smtp_server, settings))[desk.asha.email][0]
    page = f"https://desk.example.test/sessions/{session.id}"
    assert page in message.get_body(("plain",)).get_content()
    assert f'<a href="{page}">' in message.get_body(("html",)).get_content()
    _, event = the_event(message)
    assert page in str(event["DESCRIPTION"])


async def test_with_public_url_the_calendar_feed_address_uses_it(graphql, db):
    import dataclasses

    from backend.settings import use_settings

    use_settings(dataclasses.replace(db, public_url="https://desk.example.test"))
    desk = await a_desk()
    await graphql.login(desk.mentor.email)

    url = (await graphql.execute("{ viewer { calendarFeedUrl } }"))["viewer"]["calendarFeedUrl"]

    assert url.startswith("https://desk.example.test/calendar/") and url.endswith(".ics")
