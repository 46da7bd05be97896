"""Sessions as iCalendar events (RFC 5545, built with the `icalendar` library): the invitations, updates and
cancellations attached to mail (iTIP, RFC 5546) and the events of a person's calendar feed, both made by
`session_event`.

Every event of a session has the same UID, so a calendar files each mail about the session under one
event; its SEQUENCE (`Session.calendar_sequence`) grows with every change a mail reports, so a calendar
applies an update and ignores an older mail that arrives late. Times are UTC instants; the description
names the session's own time zone, the one its people know it by. The meeting link goes into LOCATION
and URL only for someone allowed to see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from functools import cache

from icalendar import Calendar, Event, vCalAddress, vText

from backend.mail.notifications import MeetingShown, meeting_text, session_page, session_time
from backend.mail.outbox import Attachment
from backend.models import PLATFORM_NAMES, MeetingPlatform, Session, User, utcnow

PRODUCT_ID = "-//SessionDesk//Sessions//EN"
CONTENT_TYPE = "text/calendar"
ZONE_NAMES = {"IST": "India Standard Time (Asia/Kolkata)", "UTC": "Coordinated Universal Time (UTC)"}


@dataclass(frozen=True)
class Organizer:
    """Who a calendar shows as the organiser: the app's sender address (replies are not read)."""

    name: str
    email: str

    @classmethod
    @cache  # one setting: parsed once, not for every mail
    def from_mail_from(cls, mail_from: str) -> Organizer:
        name, address = parseaddr(mail_from)
        return cls(name or "SessionDesk", address or "no-reply@sessiondesk.local")

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2] or "sessiondesk.local"


def session_uid(session: Session, organizer: Organizer) -> str:
    """The one UID of a session in every calendar: "session-42@sessiondesk.example"."""
    return f"session-{session.id}@{organizer.domain}"


def _zone_line(session: Session) -> str:
    zone = session.time_zone.value if hasattr(session.time_zone, "value") else str(session.time_zone)
    return (
        f"Held in {ZONE_NAMES.get(zone, zone)}: {session_time(session, session.starts_at)}"
        f" to {session_time(session, session.ends_at).rpartition(', ')[2]}."
    )


def _location(meeting: MeetingShown) -> tuple[str | None, str | None]:
    """LOCATION and URL of a meeting as the person may see it: the link when they may see it; no place at
    all when they may not (the platform alone is no place to go)."""
    link = meeting.link if meeting.link.startswith(("https://", "http://")) else None
    if meeting.platform == MeetingPlatform.BIG_BLUE_BUTTON:
        return meeting_text(meeting), None
    return link, link


def session_event(
    session: Session,
    organizer: Organizer,
    *,
    attendee: User | None,
    mentor: User | None,
    meeting: MeetingShown | None,
    cancelled: bool = False,
    stamp: datetime | None = None,
) -> Event:
    """One session as an event, in a mail or a feed. `attendee` is the person the event is addressed to
    (None in a feed); `meeting` is the meeting as that person may see it (`MeetingShown.to`), None for none."""
    lines = [_zone_line(session)]
    if mentor is not None:
        lines.append(f"Mentor: {mentor.name}")
    event = Event()
    event.add("uid", session_uid(session, organizer))
    event.add("sequence", session.calendar_sequence)
    event.add("dtstamp", stamp or utcnow())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", session.title)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if meeting is not None and not cancelled:
        location, url = _location(meeting)
        if location:
            event.add("location", location)
        if url:
            event.add("url", url)
        lines.append(f"Meeting: {location or PLATFORM_NAMES[meeting.platform]}")
        if meeting.passcode:
            lines.append(f"Passcode: {meeting.passcode}")
    if page := session_page(session):
        lines.append(f"In SessionDesk: {page}")
    if session.description:
        lines += ["", session.description]
    event.add("description", "\n".join(lines))
    chair = vCalAddress(f"mailto:{organizer.email}")
    chair.params["cn"] = vText(organizer.name)
    event.add("organizer", chair)
    if attendee is not None:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = vText(attendee.name)
        address.params["role"] = vText("CHAIR" if attendee.id == session.mentor_id else "REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")  # SessionDesk does not read replies
        event.add("attendee", address)
    return event


def calendar(events: Sequence[Event], method: str | None = None, name: str | None = None) -> Calendar:
    """A VCALENDAR around events; `method` REQUEST or CANCEL for mail (iTIP), None for a feed."""
    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        # How often a subscribed calendar should look again (Apple, Outlook; Google decides itself).
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
    for event in events:
        cal.add_component(event)
    return cal


def invitation(
    session: Session,
    attendee: User,
    organizer: Organizer,
    *,
    mentor: User | None,
    meeting: MeetingShown | None,
    cancelled: bool = False,
) -> Attachment:
    """The .ics part of a mail to `attendee`: METHOD:REQUEST with the session as it is now, or METHOD:CANCEL."""
    method = "CANCEL" if cancelled else "REQUEST"
    event = session_event(session, organizer, attendee=attendee, mentor=mentor, meeting=meeting, cancelled=cancelled)
    return Attachment(
        filename=f"session-{session.id}.ics" if not cancelled else f"session-{session.id}-cancelled.ics",
        content_type=f"{CONTENT_TYPE}; method={method}",
        content=calendar([event], method).to_ical(),
    )


def is_calendar(attachment: Attachment) -> bool:
    return attachment.content_type.split(";")[0].strip().lower() == CONTENT_TYPE


def add_to_email(email: EmailMessage, attachments: Sequence[Attachment]) -> None:
    """Calendar parts as mail programs expect them: a single event is also an inline text/calendar
    alternative of the message (what Gmail and Outlook show as an invitation with buttons), and every
    event is an .ics attachment (what Apple Mail and others import). Call after the text and HTML parts."""
    parts = [(attachment, _method(attachment)) for attachment in attachments]
    if len(parts) == 1:
        attachment, method = parts[0]
        email.add_alternative(
            attachment.content.decode("utf-8"), subtype="calendar", params={"method": method} if method else None
        )
    for attachment, method in parts:
        email.add_attachment(
            attachment.content,
            maintype="text",
            subtype="calendar",
            filename=attachment.filename,
            params={"method": method} if method else {},
        )


def _method(attachment: Attachment) -> str | None:
    for parameter in attachment.content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "method":
            return value.strip().upper()
    return None
