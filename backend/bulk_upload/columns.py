"""The columns of a bulk upload file: their names, the other names we accept (MentorEd's among them),
and which column holds each field the session rules talk about."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def normalise(name: str) -> str:
    """How header names are compared: case-insensitively, ignoring spaces and punctuation."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


@dataclass(frozen=True)
class Column:
    key: str
    name: str  # as in the sample file
    aliases: tuple[str, ...] = field(default=())


COLUMNS = [
    Column("action", "Action"),
    Column(
        "id", "ID", ("Session ID", "Session ID (blank if action is create and for Edit/Delete session id is mandatory)")
    ),
    Column("title", "Title", ("Session Title",)),
    Column("description", "Description"),
    Column("type", "Type", ("Session Type",)),
    Column("mentor", "Mentor", ("Mentor(Email)", "Mentor Email", "Mentor(Email/Mobile Num)")),
    Column("mentees", "Mentees", ("Mentees(Email)", "Mentee Emails", "Mentees(Email/Mobile Num)")),
    Column("date", "Date", ("Date(DD-MM-YYYY)",)),
    Column("time_zone", "Time Zone", ("Time Zone(IST/UTC)",)),
    Column("time", "Time", ("Time (24 hrs)", "Time (24 hours)")),
    Column("duration", "Duration", ("Duration(Min)", "Duration (minutes)", "Duration (mins)")),
    Column("recommended_for", "Recommended For", ("recommended_for",)),
    Column("categories", "Categories", ("Category",)),
    Column("medium", "Medium"),
    Column("meeting_platform", "Meeting Platform", ("Platform",)),
    Column("meeting_link", "Meeting Link", ("Meeting Link or Meeting ID", "Link")),
    Column("meeting_passcode", "Meeting Passcode", ("Meeting Passcode (if needed)", "Passcode")),
]
# Accepted when a file has them, but not in the sample file or the export: the designed header stays as it is.
# Version: the session's version when it was exported; an Edit or Delete row of a session changed since is
# refused (STALE) rather than overwriting that change. The export for bulk edit writes it last.
VERSION = Column("version", "Version", ("Session Version",))
OPTIONAL_COLUMNS = [Column("reminders", "Reminders", ("Reminders Enabled", "Send Reminders")), VERSION]
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
BY_KEY = {column.key: column for column in ALL_COLUMNS}
HEADER = [column.name for column in COLUMNS]
EXPORT_HEADER = [*HEADER, VERSION.name]
# A file without these cannot say what to do with which session; every other column may be left out
# (its cells count as blank: unchanged on Edit, missing on Create).
REQUIRED = ("action", "id")
# The result file's own columns: accepted and ignored, so a corrected result file can be uploaded again.
RESULT_COLUMNS = ["Status", "Status Message"]

_KEY_OF_NAME = {normalise(name): column.key for column in ALL_COLUMNS for name in (column.name, *column.aliases)}
_RESULT_NAMES = {normalise(name) for name in RESULT_COLUMNS}

# The session rules name fields as the API does; a result message names the column instead.
_KEY_OF_FIELD = {
    "id": "id",
    "title": "title",
    "description": "description",
    "type": "type",
    "mentorId": "mentor",
    "inviteEmails": "mentees",
    "startsAt": "date",
    "timeZone": "time_zone",
    "durationMinutes": "duration",
    "recommendedFor": "recommended_for",
    "categories": "categories",
    "medium": "medium",
    "meeting.platform": "meeting_platform",
    "meeting.link": "meeting_link",
    "meeting.passcode": "meeting_passcode",
    "platform": "meeting_platform",
    "link": "meeting_link",
    "passcode": "meeting_passcode",
    "remindersEnabled": "reminders",
}
_LABELS = {"startsAt": "Date/Time"}  # the start is read from Date, Time and Time Zone together
_ORDER = {column.key: position for position, column in enumerate(ALL_COLUMNS)}


def key_of_header(name: str) -> str | None:
    return _KEY_OF_NAME.get(normalise(name))


def is_result_column(name: str) -> bool:
    return normalise(name) in _RESULT_NAMES


def column_label(field_name: str | None) -> str | None:
    """The column a problem is about, as a person reads it in the file; None for the row as a whole."""
    if field_name is None:
        return None
    if field_name in _LABELS:
        return _LABELS[field_name]
    key = _KEY_OF_FIELD.get(field_name, field_name)
    return BY_KEY[key].name if key in BY_KEY else None


def column_position(field_name: str | None) -> int:
    """Where the problem's column stands in the sample header, so a row's problems read left to right."""
    if field_name is None:
        return -1
    return _ORDER.get(_KEY_OF_FIELD.get(field_name, field_name), len(COLUMNS))
