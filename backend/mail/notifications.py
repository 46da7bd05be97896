"""The words of the emails people get when their sessions change (rule R9) and when their bulk upload finishes.

A session mail is written when it is sent (backend/mail/notices.py decides which letter, from the session
as it is then); the bulk upload's mail is queued when the job finishes. Times are shown in the session's
own time zone, the one its mentor and mentees know it by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from backend.mail.outbox import Attachment, Mail, enqueue_mails
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

    def mail_to(
        self, person: User, attachments: Sequence[Attachment] = (), send_before: datetime | None = None
    ) -> Mail:
        """The letter as a mail to this person, greeting them by name."""
        return Mail(
            person.email, self.subject, self.text(person.name), self.html(person.name), attachments, send_before
        )


def session_page(session: Session) -> str | None:
    """The session's page in the app, when PUBLIC_URL says where the app is: "https://desk.example.org/sessions/42"."""
    public_url = get_settings().public_url
    return f"{public_url}/sessions/{session.id}" if public_url else None


def session_facts(
    session: Session, mentor: User, meeting: MeetingShown | None = None
) -> list[tuple[str, str, str | None]]:
    """What every session mail shows; `meeting` as the recipient may see it, None when there is none to join."""
    page = session_page(session)
    return [
        ("Session", session.title, None),
        ("Mentor", mentor.name, None),
        ("When", session_time(session, session.starts_at), None),
        ("Duration", duration_text(session.duration_minutes), None),
        *([("In SessionDesk", page, f'<a href="{escape(page)}">{escape(page)}</a>')] if page else []),
        *([("Meeting", meeting_text(meeting), meeting_html(meeting))] if meeting is not None else []),
    ]


def assigned_letter(session: Session, mentor: User, meeting: MeetingShown) -> Letter:
    """The mentor of a new session hears of it."""
    return Letter(
        subject=f"New session to mentor: {session.title}",
        paragraphs=[f"You are the mentor of a new session, “{session.title}”."],
        facts=session_facts(session, mentor, meeting),
    )


def restored_letter(session: Session, mentor: User, meeting: MeetingShown) -> Letter:
    """A deleted session brought back: the calendar entry that was cancelled is put back (same UID, higher
    SEQUENCE)."""
    return Letter(
        subject=f"Back on: {session.title}",
        paragraphs=[
            f"The session “{session.title}” on {session_time(session, session.starts_at)} was cancelled by mistake "
            "and is back on. Your calendar entry is restored too."
        ],
        facts=session_facts(session, mentor, meeting),
    )


def invited_letter(session: Session, mentor: User, meeting: MeetingShown) -> Letter:
    return Letter(
        subject=f"You are invited: {session.title}",
        paragraphs=[f"You have been invited to the session “{session.title}” with {mentor.name}."],
        facts=session_facts(session, mentor, meeting),
    )


def rescheduled_letter(
    session: Session, mentor: User, meeting: MeetingShown, previous_starts_at: datetime, also: Sequence[str] = ()
) -> Letter:
    """A new start or duration; `also` says what else changed with it ("the title (it was “Planning”)")."""
    return Letter(
        subject=f"Rescheduled: {session.title}",
        paragraphs=[
            *(
                [
                    f"The session “{session.title}” has moved to a new time.",
                    f"It was on {session_time(session, previous_starts_at)}; "
                    f"it is now on {session_time(session, session.starts_at)}.",
                ]
                if previous_starts_at != session.starts_at
                else [
                    f"The session “{session.title}” now lasts {duration_text(session.duration_minutes)}; it still "
                    f"starts on {session_time(session, session.starts_at)}."
                ]
            ),
            *([f"Also changed: {'; '.join(also)}."] if also else []),
        ],
        facts=session_facts(session, mentor, meeting),
    )


def meeting_changed_letter(session: Session, mentor: User, meeting: MeetingShown, also: Sequence[str] = ()) -> Letter:
    return Letter(
        subject=f"New meeting details: {session.title}",
        paragraphs=[
            f"The meeting details of the session “{session.title}” have changed. "
            "Please use the new details below to join.",
            *([f"Also changed: {'; '.join(also)}."] if also else []),
        ],
        facts=session_facts(session, mentor, meeting),
    )


def details_changed_letter(session: Session, mentor: User, meeting: MeetingShown, what: str) -> Letter:
    """A change a calendar shows that is neither a new time nor a new meeting: the title or the time zone."""
    return Letter(
        subject=f"Updated: {session.title}",
        paragraphs=[f"The {what} of the session “{session.title}” has changed. Your calendar entry is updated too."],
        facts=session_facts(session, mentor, meeting),
    )


def deleted_letter(session: Session, mentor: User) -> Letter:
    return Letter(
        subject=f"Cancelled: {session.title}",
        paragraphs=[
            f"The session “{session.title}” on {session_time(session, session.starts_at)} has been cancelled "
            "and will not take place."
        ],
        facts=session_facts(session, mentor),  # no meeting to join
    )


def removed_letter(session: Session, mentor: User) -> Letter:
    return Letter(
        subject=f"Removed from: {session.title}",
        paragraphs=[
            f"You are no longer on the list of the session “{session.title}” with {mentor.name} "
            f"on {session_time(session, session.starts_at)}. If this is a mistake, ask your session manager."
        ],
        facts=[],
    )


def sessions_letter(lines: list[str], attached: bool, all_new_to_mentor: bool = False) -> Letter:
    """News of several sessions in one mail: a line each; each one's calendar event attached when `attached`."""
    return Letter(
        subject=f"{len(lines)} new sessions to mentor"
        if all_new_to_mentor
        else f"News of {len(lines)} of your sessions",
        paragraphs=[
            f"{len(lines)} of your sessions are new, changed or cancelled"
            + (": each one is attached as its own calendar event." if attached else "."),
            *(f"• {line}" for line in lines),
        ],
        facts=[],
    )


def summary_letter(lines: list[str], feed: str, session_list: str | None) -> Letter:
    """Too much news for one mail (more than notices.MAX_EVENTS sessions): the first few, and where to see them all."""
    shown = lines[:SUMMARY_LINES]
    more = len(lines) - len(shown)
    return Letter(
        subject=f"News of {len(lines)} of your sessions",
        paragraphs=[
            f"{len(lines)} of your sessions are new, changed or cancelled; too many to attach to one mail. "
            "Your calendar feed has all of them: subscribe to it once and your calendar keeps itself up to date.",
            *(f"• {line}" for line in shown),
            *([f"… and {more} more."] if more else []),
        ],
        facts=[
            (
                "Calendar feed",
                feed,
                f'<a href="{escape(feed)}">{escape(feed)}</a>' if feed.startswith("http") else None,
            ),
            *(
                [("Your sessions", session_list, f'<a href="{escape(session_list)}">{escape(session_list)}</a>')]
                if session_list
                else []
            ),
        ],
    )


SUMMARY_LINES = 20


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
    await enqueue_mails(
        [letter.mail_to(uploader, [Attachment(attachment_name, "text/csv", result_csv)] if attached else [])]
    )
