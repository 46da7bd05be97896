"""Sessions as iCalendar events (RFC 5545, built with the `icalendar` library): the invitations, updates and
cancellations attached to mail (iTIP, RFC 5546) and the events of a person's calendar feed.

Every event of a session has the same UID, so a calendar files each mail about the session under one
event; its SEQUENCE (`Session.calendar_sequence`) grows with every change a mail reports, so a calendar
applies an update and ignores an older mail that arrives late. Times are UTC instants; the description
names the session's own time zone, the one its people know it by. The meeting link goes into LOCATION
and URL only for someone allowed to see it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import compat32
from email.utils import parseaddr
from functools import cache, cached_property
from typing import TYPE_CHECKING

from icalendar import Calendar, Event, vCalAddress, vText

from backend.mail.outbox import Part
from backend.models import PLATFORM_NAMES, MeetingPlatform, Session, User, utcnow

if TYPE_CHECKING:
    from backend.mail.notifications import MeetingShown

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
    from backend.mail.notifications import session_time

    zone = session.time_zone.value if hasattr(session.time_zone, "value") else str(session.time_zone)
    return (
        f"Held in {ZONE_NAMES.get(zone, zone)}: {session_time(session, session.starts_at)}"
        f" to {session_time(session, session.ends_at).rpartition(', ')[2]}."
    )


def _location(meeting: MeetingShown) -> tuple[str | None, str | None]:
    """LOCATION and URL of a meeting as the person may see it: the link when they may see it; no place at
    all when they may not (the platform alone is no place to go)."""
    from backend.mail.notifications import meeting_text

    link = meeting.link if meeting.link.startswith(("https://", "http://")) else None
    if meeting.platform == MeetingPlatform.BIG_BLUE_BUTTON:
        return meeting_text(meeting), None
    return link, link


@dataclass(frozen=True)
class EventFacts:
    """What one event of a session says, in plain values: cheap to take when a mail is queued, stored with
    it (JSON), and made into iCalendar text only when the mail is built, in the sender's worker thread."""

    uid: str
    sequence: int
    stamp: datetime
    start: datetime
    end: datetime
    summary: str
    status: str
    description: str
    location: str | None
    url: str | None
    organizer_email: str
    organizer_name: str
    # (email, name, role) of the person the event is addressed to; None in a feed
    attendee: tuple[str, str, str] | None

    def to_json(self) -> dict:
        stored = {name: getattr(self, name) for name in self.__dataclass_fields__}
        stored.update(stamp=self.stamp.isoformat(), start=self.start.isoformat(), end=self.end.isoformat())
        stored["attendee"] = list(self.attendee) if self.attendee else None
        return stored

    @classmethod
    def from_json(cls, stored: dict) -> EventFacts:
        return cls(
            **{
                **stored,
                "stamp": datetime.fromisoformat(stored["stamp"]),
                "start": datetime.fromisoformat(stored["start"]),
                "end": datetime.fromisoformat(stored["end"]),
                "attendee": tuple(stored["attendee"]) if stored["attendee"] else None,
            }
        )


def event_facts(
    session: Session,
    organizer: Organizer,
    *,
    attendee: User | None,
    mentor: User | None,
    meeting: MeetingShown | None,
    cancelled: bool = False,
    stamp: datetime | None = None,
) -> EventFacts:
    """One session as an event. `attendee` is the person the event is addressed to (None in a feed);
    `meeting` is the meeting as that person may see it (`MeetingShown.to`), None for none."""
    from backend.mail.notifications import session_page

    lines = [_zone_line(session)]
    if mentor is not None:
        lines.append(f"Mentor: {mentor.name}")
    location = url = None
    if meeting is not None and not cancelled:
        location, url = _location(meeting)
        lines.append(f"Meeting: {location or PLATFORM_NAMES[meeting.platform]}")
        if meeting.passcode:
            lines.append(f"Passcode: {meeting.passcode}")
    if page := session_page(session):
        lines.append(f"In SessionDesk: {page}")
    if session.description:
        lines += ["", session.description]
    return EventFacts(
        uid=session_uid(session, organizer),
        sequence=session.calendar_sequence,
        stamp=stamp or utcnow(),
        start=session.starts_at,
        end=session.ends_at,
        summary=session.title,
        status="CANCELLED" if cancelled else "CONFIRMED",
        description="\n".join(lines),
        location=location,
        url=url,
        organizer_email=organizer.email,
        organizer_name=organizer.name,
        attendee=(
            (attendee.email, attendee.name, "CHAIR" if attendee.id == session.mentor_id else "REQ-PARTICIPANT")
            if attendee is not None
            else None
        ),
    )


def event_of(facts: EventFacts) -> Event:
    """The iCalendar event that `facts` describe."""
    event = Event()
    event.add("uid", facts.uid)
    event.add("sequence", facts.sequence)
    event.add("dtstamp", facts.stamp)
    event.add("dtstart", facts.start)
    event.add("dtend", facts.end)
    event.add("summary", facts.summary)
    event.add("status", facts.status)
    event.add("transp", "OPAQUE")
    if facts.location:
        event.add("location", facts.location)
    if facts.url:
        event.add("url", facts.url)
    event.add("description", facts.description)
    chair = vCalAddress(f"mailto:{facts.organizer_email}")
    chair.params["cn"] = vText(facts.organizer_name)
    event.add("organizer", chair)
    if facts.attendee is not None:
        email, name, role = facts.attendee
        address = vCalAddress(f"mailto:{email}")
        address.params["cn"] = vText(name)
        address.params["role"] = vText(role)
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


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 says (and as `icalendar` does it)."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


CN_QUOTED = " '"  # a common name is quoted when it has a space or an apostrophe


def _parameter(value: str, quote_if: str = "") -> str:
    """A parameter value with RFC 6868's ^ escapes, quoted when it holds , ; : ’ (or, before escaping, a
    character of `quote_if`), as `icalendar` writes it."""
    quoted = any(c in value for c in quote_if)
    value = value.replace("^", "^^").replace("\r\n", "^n").replace("\n", "^n").replace("\r", "^n")
    value = value.replace('"', "^'")
    if quoted or any(c in value for c in ",;:’"):
        return f'"{value}"'
    return value


def _fold(line: str) -> str:
    """A content line folded into lines of under 75 octets, never inside a UTF-8 character or an escape."""
    if line.isascii():  # one octet a character: cut every 74 characters
        pieces, start = [], 0
        while len(line) - start >= 75:
            piece = line[start : start + 74]
            if piece[-1] in "\\^":
                piece = piece[:-1]
            pieces.append(piece)
            start += len(piece)
        pieces.append(line[start:])
        return "\r\n ".join(pieces)
    if len(line.encode()) < 75:
        return line
    folded: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= 75:
            # Like `icalendar`: a backslash or ^ escape is not split over two lines.
            carried = [current.pop()] if len(current) > 1 and current[-1] in "\\^" else []
            folded.append("".join(current))
            current, size = carried, sum(len(c.encode()) for c in carried)
        current.append(char)
        size += width
    folded.append("".join(current))
    return "\r\n ".join(folded)


def _instant(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S}Z"


def invitation_ics(facts: EventFacts, method: str) -> bytes:
    """The VCALENDAR of one event for mail, written straight from its facts: the same text as
    `calendar([event_of(facts)], method).to_ical()` (a test holds them equal) at a small part of the cost,
    which counts when a bulk upload's mail to a mentor carries an event for each of a thousand sessions."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_text(PRODUCT_ID)}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{_text(method)}",
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(facts.summary)}",
        f"DTSTART:{_instant(facts.start)}",
        f"DTEND:{_instant(facts.end)}",
        f"DTSTAMP:{_instant(facts.stamp)}",
        f"UID:{_text(facts.uid)}",
        f"SEQUENCE:{facts.sequence}",
    ]
    if facts.attendee is not None:
        email, name, role = facts.attendee
        lines.append(
            f"ATTENDEE;CN={_parameter(name, CN_QUOTED)};PARTSTAT=NEEDS-ACTION;ROLE={_parameter(role)};"
            f"RSVP=FALSE:mailto:{email}"
        )
    lines.append(f"DESCRIPTION:{_text(facts.description)}")
    if facts.location:
        lines.append(f"LOCATION:{_text(facts.location)}")
    lines.append(f"ORGANIZER;CN={_parameter(facts.organizer_name, CN_QUOTED)}:mailto:{facts.organizer_email}")
    lines += [f"STATUS:{_text(facts.status)}", "TRANSP:OPAQUE"]
    if facts.url:
        lines.append(f"URL:{facts.url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


@dataclass(frozen=True)
class Invitation:
    """The .ics part of a mail, as an `Attachment` is: described when the mail is queued, its text made only
    when the mail is built (in the sender's worker thread), so queueing thousands of them stays cheap."""

    filename: str
    content_type: str
    facts: EventFacts

    @property
    def method(self) -> str:
        return self.content_type.partition("method=")[2]

    @cached_property
    def content(self) -> bytes:
        return invitation_ics(self.facts, self.method)

    def to_json(self) -> dict:
        return {"filename": self.filename, "content_type": self.content_type, "calendar_event": self.facts.to_json()}

    @classmethod
    def from_json(cls, stored: dict) -> Invitation:
        return cls(stored["filename"], stored["content_type"], EventFacts.from_json(stored["calendar_event"]))


def invitation(
    session: Session,
    attendee: User,
    organizer: Organizer,
    *,
    mentor: User | None,
    meeting: MeetingShown | None,
    cancelled: bool = False,
) -> Invitation:
    """The .ics part of a mail to `attendee`: METHOD:REQUEST with the session as it is now, or METHOD:CANCEL."""
    method = "CANCEL" if cancelled else "REQUEST"
    return Invitation(
        filename=f"session-{session.id}.ics" if not cancelled else f"session-{session.id}-cancelled.ics",
        content_type=f"{CONTENT_TYPE}; method={method}",
        facts=event_facts(session, organizer, attendee=attendee, mentor=mentor, meeting=meeting, cancelled=cancelled),
    )


def is_calendar(attachment: Part) -> bool:
    return attachment.content_type.split(";")[0].strip().lower() == CONTENT_TYPE


def add_to_email(email: EmailMessage, attachments: Sequence[Part]) -> None:
    """Calendar parts as mail programs expect them: a single event is also an inline text/calendar
    alternative of the message (what Gmail and Outlook show as an invitation with buttons), and every
    event is an .ics attachment (what Apple Mail and others import). Call after the text and HTML parts."""
    parts = [(attachment, _method(attachment)) for attachment in attachments]
    if len(parts) == 1:
        attachment, method = parts[0]
        email.add_alternative(
            attachment.content.decode("utf-8"), subtype="calendar", params={"method": method} if method else None
        )
    if parts and email.get_content_type() != "multipart/mixed":
        email.make_mixed()
    for attachment, method in parts:
        email.attach(_attached(attachment, method))


def _attached(attachment: Part, method: str | None) -> EmailMessage:
    """The .ics attachment part, the same as `EmailMessage.add_attachment` makes, but with plain (compat32)
    headers: the default policy parses every header it is given, several milliseconds for each event, and
    a bulk upload's mail to its mentor carries an event for each of their new sessions."""
    part = EmailMessage(policy=compat32)
    part["Content-Transfer-Encoding"] = "base64"
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    part.add_header("Content-Type", "text/calendar", **({"method": method} if method else {}))
    part["MIME-Version"] = "1.0"
    part.set_payload(base64.encodebytes(attachment.content).decode("ascii"))
    return part


def _method(attachment: Part) -> str | None:
    for parameter in attachment.content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "method":
            return value.strip().upper()
    return None
