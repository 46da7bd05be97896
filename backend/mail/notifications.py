"""The emails people get when a session changes (rule R9) and when their bulk upload finishes.

Every function here only queues the mail (see outbox.py); call it inside the change's transaction.
Times are shown in the session's own time zone, the one its mentor and mentees know it by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from backend.mail.outbox import Attachment, Mail, enqueue_mails
from backend.models import PLATFORM_NAMES, MeetingPlatform, Session, SessionTimeZone, User
from backend.sessions.visibility import can_see_meeting
from backend.settings import get_settings

ZONES = {SessionTimeZone.IST: (ZoneInfo("Asia/Kolkata"), "IST"), SessionTimeZone.UTC: (ZoneInfo("UTC"), "UTC")}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
SIGNATURE = "SessionDesk"


def session_time(session: Session, instant: datetime) -> str:
    """An instant as the session's people read it: "Tuesday 1 December 2026, 17:00 IST"."""
    zone, label = ZONES[SessionTimeZone(session.time_zone)]
    local = instant.astimezone(zone)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {label}"


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def meeting_text(session: Session) -> str:
    platform = MeetingPlatform(session.meeting_platform)
    if platform == MeetingPlatform.BIG_BLUE_BUTTON:
        return "BigBlueButton (the room opens when the mentor starts the session)"
    text = f"{PLATFORM_NAMES[platform]}: {session.meeting_link or 'link to follow'}"
    if session.meeting_passcode:
        text += f" (passcode {session.meeting_passcode})"
    return text


def meeting_html(session: Session) -> str:
    platform = MeetingPlatform(session.meeting_platform)
    if platform == MeetingPlatform.BIG_BLUE_BUTTON or not session.meeting_link.startswith("https://"):
        return escape(meeting_text(session))
    link = escape(session.meeting_link)
    html = f'{escape(PLATFORM_NAMES[platform])}: <a href="{link}">{link}</a>'
    if session.meeting_passcode:
        html += f" (passcode {escape(session.meeting_passcode)})"
    return html


@dataclass
class Letter:
    """One email to one person: a greeting, paragraphs and a table of facts, as text and as HTML."""

    subject: str
    paragraphs: list[str]
    # (label, plain text, HTML or None to escape the plain text)
    facts: list[tuple[str, str, str | None]]

    def text(self, name: str) -> str:
        width = max((len(label) for label, _, _ in self.facts), default=0) + 2
        lines = [f"Hello {name},", "", *self.paragraphs_with_blank_lines()]
        if self.facts:
            lines += ["", *(f"{label + ':':<{width}}{value}" for label, value, _ in self.facts)]
        return "\n".join([*lines, "", f"-- {SIGNATURE}", ""])

    def paragraphs_with_blank_lines(self) -> list[str]:
        lines: list[str] = []
        for paragraph in self.paragraphs:
            lines += [paragraph, ""]
        return lines[:-1]

    def html(self, name: str) -> str:
        body = [f"<p>Hello {escape(name)},</p>", *(f"<p>{escape(p)}</p>" for p in self.paragraphs)]
        if self.facts:
            rows = "".join(
                f'<tr><th scope="row" style="text-align:left;padding-right:1em">{escape(label)}</th>'
                f"<td>{html if html is not None else escape(value)}</td></tr>"
                for label, value, html in self.facts
            )
            body.append(f"<table>{rows}</table>")
        body.append(f"<p>&mdash; {SIGNATURE}</p>")
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f"<title>{escape(self.subject)}</title></head><body>{''.join(body)}</body></html>"
        )

    async def send_to(
        self,
        people: Iterable[User],
        attachments: list[Attachment] | None = None,
        calendar_for: Callable[[User], list[Attachment]] | None = None,
    ) -> None:
        """Queue this letter for each person (once each), greeting them by name; `calendar_for` gives
        each person's own calendar parts (they name the person as the attendee)."""
        await enqueue_mails(
            Mail(
                person.email,
                self.subject,
                self.text(person.name),
                self.html(person.name),
                [*(attachments or ()), *(calendar_for(person) if calendar_for else ())],
            )
            for person in people
        )


def calendar_parts(session: Session, mentor: User, *, cancelled: bool = False) -> Callable[[User], list[Attachment]]:
    """Each recipient's iCalendar part of a mail about `session`: METHOD:REQUEST, or METHOD:CANCEL.

    Mail about a session goes to its mentor and its mentees only, so the meeting is shown as the app
    shows it to them (`can_see_meeting` with the recipient attending)."""
    from backend.mail import calendar

    organizer = calendar.Organizer.from_mail_from(get_settings().mail_from)

    def parts(person: User) -> list[Attachment]:
        shows_meeting = can_see_meeting(person, session, attends=person.id != session.mentor_id)
        return [
            calendar.invitation(
                session, person, organizer, mentor=mentor, cancelled=cancelled, shows_meeting=shows_meeting
            )
        ]

    return parts


def session_facts(session: Session, mentor: User) -> list[tuple[str, str, str | None]]:
    return [
        ("Session", session.title, None),
        ("Mentor", mentor.name, None),
        ("When", session_time(session, session.starts_at), None),
        ("Duration", duration_text(session.duration_minutes), None),
        ("Meeting", meeting_text(session), meeting_html(session)),
    ]


async def notify_rescheduled(
    session: Session, mentor: User, mentees: Iterable[User], previous_starts_at: datetime
) -> None:
    letter = Letter(
        subject=f"Rescheduled: {session.title}",
        paragraphs=[
            f"The session “{session.title}” has moved to a new time.",
            f"It was on {session_time(session, previous_starts_at)}; "
            f"it is now on {session_time(session, session.starts_at)}.",
        ]
        if previous_starts_at != session.starts_at
        else [
            f"The session “{session.title}” now lasts {duration_text(session.duration_minutes)}; it still starts "
            f"on {session_time(session, session.starts_at)}."
        ],
        facts=session_facts(session, mentor),
    )
    await letter.send_to([mentor, *mentees], calendar_for=calendar_parts(session, mentor))


async def notify_meeting_changed(session: Session, mentor: User, mentees: Iterable[User]) -> None:
    letter = Letter(
        subject=f"New meeting details: {session.title}",
        paragraphs=[
            f"The meeting details of the session “{session.title}” have changed. "
            "Please use the new details below to join."
        ],
        facts=session_facts(session, mentor),
    )
    await letter.send_to([mentor, *mentees], calendar_for=calendar_parts(session, mentor))


async def notify_details_changed(session: Session, mentor: User, mentees: Iterable[User], what: str) -> None:
    """A change a calendar shows that is neither a new time nor a new meeting: the title or the time zone."""
    letter = Letter(
        subject=f"Updated: {session.title}",
        paragraphs=[f"The {what} of the session “{session.title}” has changed. Your calendar entry is updated too."],
        facts=session_facts(session, mentor),
    )
    await letter.send_to([mentor, *mentees], calendar_for=calendar_parts(session, mentor))


async def notify_deleted(session: Session, mentor: User, mentees: Iterable[User]) -> None:
    letter = Letter(
        subject=f"Cancelled: {session.title}",
        paragraphs=[
            f"The session “{session.title}” on {session_time(session, session.starts_at)} has been cancelled "
            "and will not take place."
        ],
        facts=session_facts(session, mentor)[:4],  # no meeting to join
    )
    await letter.send_to([mentor, *mentees], calendar_for=calendar_parts(session, mentor, cancelled=True))


async def notify_invited(session: Session, mentor: User, mentees: Iterable[User]) -> None:
    letter = Letter(
        subject=f"You are invited: {session.title}",
        paragraphs=[f"You have been invited to the session “{session.title}” with {mentor.name}."],
        facts=session_facts(session, mentor),
    )
    await letter.send_to(mentees, calendar_for=calendar_parts(session, mentor))


async def notify_assigned(session: Session, mentor: User) -> None:
    """The mentor of a new session hears of it, with the session for their calendar."""
    letter = Letter(
        subject=f"New session to mentor: {session.title}",
        paragraphs=[f"You are the mentor of a new session, “{session.title}”."],
        facts=session_facts(session, mentor),
    )
    await letter.send_to([mentor], calendar_for=calendar_parts(session, mentor))


async def notify_assigned_sessions(mentor: User, sessions: list[Session], upload_filename: str) -> None:
    """The mentor of several sessions created by one bulk upload hears of them in one mail, each session
    its own calendar event (its own .ics attachment)."""
    if len(sessions) == 1:
        await notify_assigned(sessions[0], mentor)
        return
    sessions = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    letter = Letter(
        subject=f"{len(sessions)} new sessions to mentor",
        paragraphs=[
            f"You are the mentor of {len(sessions)} new sessions, published from the file “{upload_filename}”. "
            "Each one is attached as its own calendar event.",
            *(
                f"• {session_time(session, session.starts_at)}: {session.title} "
                f"({duration_text(session.duration_minutes)}; {meeting_text(session)})"
                for session in sessions
            ),
        ],
        facts=[],
    )
    parts = [calendar_parts(session, mentor) for session in sessions]
    await letter.send_to([mentor], calendar_for=lambda person: [a for part in parts for a in part(person)])


async def notify_removed(session: Session, mentor: User, mentees: Iterable[User]) -> None:
    letter = Letter(
        subject=f"Removed from: {session.title}",
        paragraphs=[
            f"You are no longer on the list of the session “{session.title}” with {mentor.name} "
            f"on {session_time(session, session.starts_at)}. If this is a mistake, ask your session manager."
        ],
        facts=[],
    )
    await letter.send_to(mentees, calendar_for=calendar_parts(session, mentor, cancelled=True))


def result_filename(upload_filename: str) -> str:
    """ "sessions.csv" → "sessions-result.csv"; the name as the uploader knows it, minus any folder."""
    name = upload_filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name.lower().endswith(".csv"):
        name = name[: -len(".csv")]
    name = "".join(c for c in name if c.isprintable() and c not in '"') or "bulk-upload"
    return f"{name}-result.csv"


def result_link(result_url: str, attachment_name: str) -> str | None:
    # Only a full web address is a link a mail client can open; anything else is shown as text.
    if result_url.startswith(("https://", "http://")):
        return f'<a href="{escape(result_url)}">{escape(attachment_name)}</a>'
    return None


def rows_text(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


async def notify_bulk_upload_finished(
    uploader: User,
    upload_filename: str,
    dry_run: bool,
    valid_rows: int,
    invalid_rows: int,
    result_csv: bytes,
    result_url: str,
) -> None:
    attachment_name = result_filename(upload_filename)
    if dry_run:
        subject = f"Bulk upload check finished: {upload_filename}"
        outcome = (
            f"The check of “{upload_filename}” is done: {rows_text(valid_rows)} valid, "
            f"{rows_text(invalid_rows)} invalid. This was a dry run, so nothing was changed."
        )
    else:
        subject = f"Bulk upload finished: {upload_filename}"
        outcome = (
            f"Your bulk upload “{upload_filename}” is done: {rows_text(valid_rows)} valid and applied, "
            f"{rows_text(invalid_rows)} invalid and not applied."
        )
    paragraphs = [outcome]
    if invalid_rows:
        paragraphs.append(
            "The Status Message column of the result file says what is wrong in each invalid row and how to fix it."
        )
    paragraphs.append(f"The result file {attachment_name} is attached.")
    letter = Letter(
        subject=subject,
        paragraphs=paragraphs,
        facts=[
            ("File", upload_filename, None),
            ("Valid rows", str(valid_rows), None),
            ("Invalid rows", str(invalid_rows), None),
            ("Result file", result_url, result_link(result_url, attachment_name)),
        ],
    )
    await letter.send_to([uploader], [Attachment(attachment_name, "text/csv", result_csv)])
