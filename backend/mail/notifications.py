"""The emails people get when a session changes (rule R9) and when their bulk upload finishes.

Every function here only queues the mail (see outbox.py); call it inside the change's transaction.
Times are shown in the session's own time zone, the one its mentor and mentees know it by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from backend.mail.outbox import Attachment, Mail, Part, enqueue_mails
from backend.models import PLATFORM_NAMES, SESSION_ZONES, MeetingPlatform, Session, SessionTimeZone, User
from backend.sessions.visibility import SensitiveField, may_see, may_use_bulk_files
from backend.settings import get_settings

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
SIGNATURE = "SessionDesk"


def session_time(session: Session, instant: datetime) -> str:
    """An instant as the session's people read it: "Tuesday 1 December 2026, 17:00 IST"."""
    time_zone = SessionTimeZone(session.time_zone)
    zone, label = SESSION_ZONES[time_zone], time_zone.value
    local = instant.astimezone(zone)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {label}"


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


@dataclass(frozen=True)
class MeetingShown:
    """The meeting as one recipient may see it (backend/sessions/visibility.py decides)."""

    platform: MeetingPlatform
    link: str
    passcode: str

    @classmethod
    def to(cls, person: User, session: Session, attends: bool) -> MeetingShown:
        def shown(field: SensitiveField, value: str) -> str:
            return value if may_see(person, field, session, attends) else ""

        return cls(
            MeetingPlatform(session.meeting_platform),
            shown(SensitiveField.MEETING_LINK, session.meeting_link),
            shown(SensitiveField.MEETING_PASSCODE, session.meeting_passcode),
        )


def meeting_text(meeting: MeetingShown) -> str:
    if meeting.platform == MeetingPlatform.BIG_BLUE_BUTTON:
        return "BigBlueButton (the room opens when the mentor starts the session)"
    text = f"{PLATFORM_NAMES[meeting.platform]}: {meeting.link or 'link to follow'}"
    if meeting.passcode:
        text += f" (passcode {meeting.passcode})"
    return text


def meeting_html(meeting: MeetingShown) -> str:
    if meeting.platform == MeetingPlatform.BIG_BLUE_BUTTON or not meeting.link.startswith("https://"):
        return escape(meeting_text(meeting))
    link = escape(meeting.link)
    html = f'{escape(PLATFORM_NAMES[meeting.platform])}: <a href="{link}">{link}</a>'
    if meeting.passcode:
        html += f" (passcode {escape(meeting.passcode)})"
    return html


@dataclass
class Letter:
    """One email to one person: a greeting, paragraphs and a table of facts, as text and as HTML."""

    subject: str
    paragraphs: list[str]
    # (label, plain text, HTML or None to escape the plain text)
    facts: list[tuple[str, str, str | None]]
    # A session whose meeting ends the facts, shown to each recipient as they may see it; `attendees` are
    # the recipients who are its mentees (invited or enrolled).
    meeting_of: Session | None = None
    attendees: frozenset[int] = field(default_factory=frozenset)

    def to(self, person: User) -> Letter:
        """The letter as this person gets it."""
        if self.meeting_of is None:
            return self
        meeting = MeetingShown.to(person, self.meeting_of, person.id in self.attendees)
        facts = [*self.facts, ("Meeting", meeting_text(meeting), meeting_html(meeting))]
        return Letter(self.subject, self.paragraphs, facts)

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
        calendar_for: Callable[[User], list[Part]] | None = None,
    ) -> None:
        """Queue this letter for each person (once each), greeting them by name; `calendar_for` gives
        each person's own calendar parts (they name the person as the attendee)."""
        await enqueue_mails(
            Mail(
                person.email,
                self.subject,
                letter.text(person.name),
                letter.html(person.name),
                [*(attachments or ()), *(calendar_for(person) if calendar_for else ())],
            )
            for person, letter in ((person, self.to(person)) for person in people)
        )


def calendar_parts(
    session: Session, mentor: User, attendees: frozenset[int], *, cancelled: bool = False
) -> Callable[[User], list[Part]]:
    """Each recipient's iCalendar part of a mail about `session`: METHOD:REQUEST, or METHOD:CANCEL. The
    meeting is in it as the recipient may see it (`attendees`: the recipients who are the session's mentees)."""
    from backend.mail import calendar

    organizer = calendar.Organizer.from_mail_from(get_settings().mail_from)

    def parts(person: User) -> list[Part]:
        meeting = None if cancelled else MeetingShown.to(person, session, person.id in attendees)
        return [calendar.invitation(session, person, organizer, mentor=mentor, meeting=meeting, cancelled=cancelled)]

    return parts


def session_page(session: Session) -> str | None:
    """The session's page in the app, when PUBLIC_URL says where the app is: "https://desk.example.org/sessions/42"."""
    public_url = get_settings().public_url
    return f"{public_url}/sessions/{session.id}" if public_url else None


def session_facts(session: Session, mentor: User) -> list[tuple[str, str, str | None]]:
    """What every session mail shows; the meeting is added per recipient (`Letter.meeting_of`)."""
    page = session_page(session)
    return [
        ("Session", session.title, None),
        ("Mentor", mentor.name, None),
        ("When", session_time(session, session.starts_at), None),
        ("Duration", duration_text(session.duration_minutes), None),
        *([("In SessionDesk", page, f'<a href="{escape(page)}">{escape(page)}</a>')] if page else []),
    ]


def _ids(people: Iterable[User]) -> frozenset[int]:
    return frozenset(person.id for person in people)


async def notify_rescheduled(
    session: Session, mentor: User, mentees: Iterable[User], previous_starts_at: datetime
) -> None:
    mentees = list(mentees)
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
        meeting_of=session,
        attendees=_ids(mentees),
    )
    await letter.send_to([mentor, *mentees], calendar_for=calendar_parts(session, mentor, _ids(mentees)))


async def notify_meeting_changed(session: Session, mentor: User, mentees: Iterable[User]) -> None:
    mentees = list(mentees)
    letter = Letter(
        subject=f"New meeting details: {session.title}",
        paragraphs=[
            f"The meeting details of the session “{session.title}” have changed. "
            "Please use the new details below to join."
        ],
        facts=session_facts(session, mentor),
        meeting_of=session,
        attendees=_ids(mentees),
    )
    await letter.send_to([mentor, *mentees], calendar_for=calendar_parts(session, mentor, _ids(mentees)))


async def notify_details_changed(session: Session, mentor: User, mentees: Iterable[User], what: str) -> None:
    """A change a calendar shows that is neither a new time nor a new meeting: the title or the time zone."""
    mentees = list(mentees)
    letter = Letter(
        subject=f"Updated: {session.title}",
        paragraphs=[f"The {what} of the session “{session.title}” has changed. Your calendar entry is updated too."],
        facts=session_facts(session, mentor),
        meeting_of=session,
        attendees=_ids(mentees),
    )
    await letter.send_to([mentor, *mentees], calendar_for=calendar_parts(session, mentor, _ids(mentees)))


async def notify_deleted(session: Session, mentor: User, mentees: Iterable[User]) -> None:
    letter = Letter(
        subject=f"Cancelled: {session.title}",
        paragraphs=[
            f"The session “{session.title}” on {session_time(session, session.starts_at)} has been cancelled "
            "and will not take place."
        ],
        facts=session_facts(session, mentor),  # no meeting to join
    )
    mentees = list(mentees)
    await letter.send_to(
        [mentor, *mentees], calendar_for=calendar_parts(session, mentor, _ids(mentees), cancelled=True)
    )


async def notify_restored(session: Session, mentor: User, mentees: Iterable[User]) -> None:
    """A deleted session brought back: the calendar entry that was cancelled is put back (same UID, higher
    SEQUENCE)."""
    mentees = list(mentees)
    letter = Letter(
        subject=f"Back on: {session.title}",
        paragraphs=[
            f"The session “{session.title}” on {session_time(session, session.starts_at)} was cancelled by mistake "
            "and is back on. Your calendar entry is restored too."
        ],
        facts=session_facts(session, mentor),
        meeting_of=session,
        attendees=_ids(mentees),
    )
    await letter.send_to([mentor, *mentees], calendar_for=calendar_parts(session, mentor, _ids(mentees)))


async def notify_invited(session: Session, mentor: User, mentees: Iterable[User]) -> None:
    mentees = list(mentees)
    letter = Letter(
        subject=f"You are invited: {session.title}",
        paragraphs=[f"You have been invited to the session “{session.title}” with {mentor.name}."],
        facts=session_facts(session, mentor),
        meeting_of=session,
        attendees=_ids(mentees),
    )
    await letter.send_to(mentees, calendar_for=calendar_parts(session, mentor, _ids(mentees)))


async def notify_assigned(session: Session, mentor: User) -> None:
    """The mentor of a new session hears of it, with the session for their calendar."""
    letter = Letter(
        subject=f"New session to mentor: {session.title}",
        paragraphs=[f"You are the mentor of a new session, “{session.title}”."],
        facts=session_facts(session, mentor),
        meeting_of=session,
    )
    await letter.send_to([mentor], calendar_for=calendar_parts(session, mentor, frozenset()))


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
                f"({duration_text(session.duration_minutes)}; {meeting_text(MeetingShown.to(mentor, session, False))})"
                for session in sessions
            ),
        ],
        facts=[],
    )
    parts = [calendar_parts(session, mentor, frozenset()) for session in sessions]
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
    mentees = list(mentees)
    await letter.send_to(mentees, calendar_for=calendar_parts(session, mentor, _ids(mentees), cancelled=True))


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
    result_page: str = "",
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
    # The result file holds the uploaded cells (meeting links, passcodes, mentees' e-mails): a manager's file.
    attached = may_use_bulk_files(uploader)
    if attached:
        paragraphs.append(f"The result file {attachment_name} is attached.")
    else:
        paragraphs.append("The result file is not attached: you are no longer a session manager.")
    letter = Letter(
        subject=subject,
        paragraphs=paragraphs,
        facts=[
            ("File", upload_filename, None),
            ("Valid rows", str(valid_rows), None),
            ("Invalid rows", str(invalid_rows), None),
            ("Result file", result_url, result_link(result_url, attachment_name)),
            *(
                [("Row results", result_page, result_link(result_page, "See every row in SessionDesk"))]
                if result_page
                else []
            ),
        ],
    )
    await letter.send_to([uploader], [Attachment(attachment_name, "text/csv", result_csv)] if attached else [])
