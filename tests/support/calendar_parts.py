"""Reading the iCalendar parts of received mail, as a calendar program does."""

from __future__ import annotations

from dataclasses import dataclass

from icalendar import Calendar


@dataclass
class CalendarPart:
    content_type: str
    method: str | None
    filename: str | None
    calendar: Calendar

    @property
    def events(self) -> list:
        return list(self.calendar.walk("VEVENT"))

    @property
    def event(self):
        (event,) = self.events
        return event


def calendar_parts(message) -> list[CalendarPart]:
    """Every text/calendar part of a mail: the inline alternative (no filename) and the .ics attachments."""
    parts = []
    for part in message.walk():
        if part.get_content_type() != "text/calendar":
            continue
        parts.append(
            CalendarPart(
                content_type=part["Content-Type"],
                method=part.get_param("method"),
                filename=part.get_filename(),
                calendar=Calendar.from_ical(part.get_payload(decode=True)),
            )
        )
    return parts


def the_event(message):
    """The one event a mail about one session carries; its inline part and attachment must agree."""
    parts = calendar_parts(message)
    inline = [p for p in parts if p.filename is None]
    attached = [p for p in parts if p.filename is not None]
    assert len(inline) == 1 and len(attached) == 1, [p.content_type for p in parts]
    assert attached[0].filename.endswith(".ics")
    assert inline[0].calendar.to_ical() == attached[0].calendar.to_ical()
    assert inline[0].method == attached[0].method == str(inline[0].calendar["METHOD"])
    return inline[0].calendar, inline[0].event
