"""The emails of rule R9: who gets them and what they say, as received by a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from backend.mail import notices
from backend.mail.notifications import (
    Letter,
    MeetingShown,
    deleted_letter,
    duration_text,
    invited_letter,
    meeting_changed_letter,
    notify_bulk_upload_finished,
    removed_letter,
    rescheduled_letter,
)
from backend.mail.outbox import enqueue_mails
from backend.mail.sender import deliver_pending
from backend.models import AttendanceKind, MeetingPlatform, OutboxMessage, Session, SessionTimeZone, User
from backend.sessions.changes import Change
from backend.sessions.directory import LoadedSession
from tests.support.factories import make_org, make_session, make_user
from tests.support.mail import html, plain

DEC_1_1130_UTC = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
NOV_30_0400_UTC = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


async def received(smtp_server, db) -> dict:
    """Deliver the outbox; the messages received, by recipient."""
    await deliver_pending(smtp_server.use(db))
    return {message["To"]: message for message in smtp_server.messages}


async def send(session: Session, people: list[User], letter: Callable[[User, MeetingShown], Letter]) -> None:
    """Queue `letter` to each person, with the meeting as they may see it (the mentees here attend)."""
    await enqueue_mails(
        letter(person, MeetingShown.to(person, session, person.id != session.mentor_id)).mail_to(person)
        for person in people
    )


async def people():
    org = await make_org()
    mentor = await make_user(org, "MENTOR", name="Ravi Kumar", email="ravi@example.test")
    asha = await make_user(org, "MENTEE", name="Asha Rao", email="asha@example.test")
    kiran = await make_user(org, "MENTEE", name="Kiran Das", email="kiran@example.test")
    return org, mentor, asha, kiran


async def test_mentor_and_mentees_hear_of_a_reschedule_with_old_and_new_time_in_ist(db, smtp_server):
    org, mentor, asha, kiran = await people()
    session = await make_session(
        org, mentor, title="Lesson planning", starts_at=DEC_1_1130_UTC, duration=90,
        time_zone=SessionTimeZone.IST, enrolled=(asha,), invited=(kiran,),
    )  # fmt: skip

    await send(session, [mentor, asha, kiran], lambda p, m: rescheduled_letter(session, mentor, m, NOV_30_0400_UTC))

    mail = await received(smtp_server, db)
    assert sorted(mail) == ["asha@example.test", "kiran@example.test", "ravi@example.test"]
    message = mail["asha@example.test"]
    assert message["Subject"] == "Rescheduled: Lesson planning"
    text = plain(message)
    assert "Hello Asha Rao," in text
    assert "Monday 30 November 2026, 09:30 IST" in text  # was
    assert "Tuesday 1 December 2026, 17:00 IST" in text  # now
    assert "Ravi Kumar" in text
    assert "1 hour 30 minutes" in text
    assert "BigBlueButton" in text
    assert "Tuesday 1 December 2026, 17:00 IST" in html(message)
    assert "Hello Ravi Kumar," in plain(mail["ravi@example.test"])


async def test_a_utc_session_shows_its_times_in_utc(db, smtp_server):
    org, mentor, asha, _ = await people()
    session = await make_session(org, mentor, starts_at=DEC_1_1130_UTC, time_zone=SessionTimeZone.UTC, enrolled=(asha,))

    await send(session, [asha], lambda p, m: rescheduled_letter(session, mentor, m, NOV_30_0400_UTC))

    text = plain((await received(smtp_server, db))["asha@example.test"])
    assert "Tuesday 1 December 2026, 11:30 UTC" in text
    assert "Monday 30 November 2026, 04:00 UTC" in text
    assert "IST" not in text


async def test_mentor_and_mentees_get_the_new_zoom_link_and_passcode(db, smtp_server):
    org, mentor, asha, kiran = await people()
    session = await make_session(
        org, mentor, title="Public speaking", platform=MeetingPlatform.ZOOM, enrolled=(asha,), invited=(kiran,)
    )

    await send(session, [mentor, asha, kiran], lambda p, m: meeting_changed_letter(session, mentor, m))

    mail = await received(smtp_server, db)
    assert sorted(mail) == ["asha@example.test", "kiran@example.test", "ravi@example.test"]
    message = mail["kiran@example.test"]
    assert message["Subject"] == "New meeting details: Public speaking"
    assert "Zoom: https://zoom.us/j/1234567890 (passcode 123456)" in plain(message)
    assert '<a href="https://zoom.us/j/1234567890">' in html(message)


async def test_mentor_and_mentees_hear_that_a_session_is_cancelled(db, smtp_server):
    org, mentor, asha, _ = await people()
    session = await make_session(org, mentor, title="Lesson planning", starts_at=DEC_1_1130_UTC, enrolled=(asha,))

    await send(session, [mentor, asha], lambda p, m: deleted_letter(session, mentor))

    mail = await received(smtp_server, db)
    assert sorted(mail) == ["asha@example.test", "ravi@example.test"]
    assert mail["asha@example.test"]["Subject"] == "Cancelled: Lesson planning"
    assert "Tuesday 1 December 2026, 17:00 IST has been cancelled" in plain(mail["asha@example.test"])


async def test_only_the_invited_mentees_hear_of_their_invitation(db, smtp_server):
    org, mentor, asha, kiran = await people()
    session = await make_session(
        org, mentor, title="Lesson planning", platform=MeetingPlatform.GOOGLE_MEET, invited=(asha,), enrolled=(kiran,)
    )

    await send(session, [asha], lambda p, m: invited_letter(session, mentor, m))

    mail = await received(smtp_server, db)
    assert list(mail) == ["asha@example.test"]
    message = mail["asha@example.test"]
    assert message["Subject"] == "You are invited: Lesson planning"
    assert "with Ravi Kumar" in plain(message)
    assert "Google Meet: https://meet.google.com/abc-defg-hij" in plain(message)


async def test_only_the_removed_mentees_hear_they_were_removed(db, smtp_server):
    org, mentor, asha, kiran = await people()
    session = await make_session(org, mentor, title="Lesson planning", starts_at=DEC_1_1130_UTC, enrolled=(kiran,))

    await send(session, [asha], lambda p, m: removed_letter(session, mentor))

    mail = await received(smtp_server, db)
    assert list(mail) == ["asha@example.test"]
    assert mail["asha@example.test"]["Subject"] == "Removed from: Lesson planning"
    assert "Tuesday 1 December 2026, 17:00 IST" in plain(mail["asha@example.test"])


async def test_a_mentor_who_is_also_listed_as_mentee_gets_one_message(db, smtp_server):
    org, mentor, asha, _ = await people()
    session = await make_session(org, mentor, enrolled=(asha,))

    await send(session, [asha, mentor, asha], lambda p, m: deleted_letter(session, mentor))

    await received(smtp_server, db)
    assert sorted(m["To"] for m in smtp_server.messages) == ["asha@example.test", "ravi@example.test"]


async def test_titles_and_names_show_as_text_not_markup_in_the_html_mail(db, smtp_server):
    org = await make_org()
    mentor = await make_user(org, "MENTOR", name="<b>Ravi</b> & Co", email="ravi@example.test")
    asha = await make_user(org, "MENTEE", name='Asha "<i>"', email="asha@example.test")
    title = '<script>alert("x")</script> Tips & tricks'
    session = await make_session(org, mentor, title=title, enrolled=(asha,))

    await send(session, [asha], lambda p, m: invited_letter(session, mentor, m))

    message = (await received(smtp_server, db))["asha@example.test"]
    body = html(message)
    assert "<script>" not in body and "<b>Ravi" not in body and "<i>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tips &amp; tricks" in body
    assert "&lt;b&gt;Ravi&lt;/b&gt; &amp; Co" in body
    assert "Hello Asha &quot;&lt;i&gt;&quot;," in body
    assert title in plain(message)  # the plain text needs no escaping
    assert message["Subject"] == f"You are invited: {title}"


async def test_the_uploader_gets_the_result_file_and_the_row_counts(db, smtp_server):
    org, _, _, _ = await people()
    manager = await make_user(org, "MANAGER", name="Meera", email="meera@example.test")
    result_csv = "\ufeffAction,ID,Title,Status,Status Message\r\nCreate,7,Café,Valid,\r\n".encode()

    await notify_bulk_upload_finished(
        manager, "sessions.csv", dry_run=False, valid_rows=1, invalid_rows=2,
        result_csv=result_csv, result_url="https://desk.example.test/bulk-uploads/5/result.csv",
    )  # fmt: skip

    mail = await received(smtp_server, db)
    assert list(mail) == ["meera@example.test"]
    message = mail["meera@example.test"]
    assert message["Subject"] == "Bulk upload finished: sessions.csv"
    assert "1 row valid and applied, 2 rows invalid and not applied" in plain(message)
    assert '<a href="https://desk.example.test/bulk-uploads/5/result.csv">sessions-result.csv</a>' in html(message)
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "sessions-result.csv"
    assert attachment.get_payload(decode=True) == result_csv


async def test_a_dry_run_mail_says_nothing_was_changed(db, smtp_server):
    org = await make_org()
    manager = await make_user(org, "MANAGER", email="meera@example.test")

    await notify_bulk_upload_finished(
        manager, "July sessions.CSV", dry_run=True, valid_rows=10, invalid_rows=0,
        result_csv=b"Action\r\n", result_url="/bulk-uploads/6/result.csv",
    )  # fmt: skip

    message = (await received(smtp_server, db))["meera@example.test"]
    assert message["Subject"] == "Bulk upload check finished: July sessions.CSV"
    assert "10 rows valid, 0 rows invalid. This was a dry run, so nothing was changed." in plain(message)
    assert next(message.iter_attachments()).get_filename() == "July sessions-result.csv"


def test_durations_read_as_hours_and_minutes():
    assert [duration_text(m) for m in (30, 60, 61, 90, 120, 1440)] == [
        "30 minutes",
        "1 hour",
        "1 hour 1 minute",
        "1 hour 30 minutes",
        "2 hours",
        "24 hours",
    ]


async def test_noting_a_change_of_a_full_session_costs_the_same_few_statements_as_of_an_empty_one(db, sql_statements):
    org, mentor, _, _ = await people()
    counts = []
    for size in (0, 20):
        mentees = [await make_user(org, "MENTEE") for _ in range(size)]
        session = await make_session(org, mentor, enrolled=tuple(mentees))
        loaded = LoadedSession(session, attendees={m.id: (AttendanceKind.ENROLLED, m) for m in mentees})
        change = Change(loaded, mentor, fields={"meeting_link"})
        sql_statements.clear()

        await notices.queue([change], {session.id: {"meeting_link": "https://zoom.us/j/1"}})

        counts.append(len(sql_statements))
    assert counts[0] == counts[1]
    assert await OutboxMessage.filter(person_id__isnull=False).count() == 1 + 21  # the mentor alone, then all 21
