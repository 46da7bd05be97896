"""One CSV row: its cells read as a session input and an action, then checked by the session rules.

Reading a cell can fail on its own (a date that is not DD-MM-YYYY, an unknown platform); those problems
are reported together with what the rules find in the rest of the row. The rules themselves are never
written here: each row goes through `plan_create`, `plan_update`, `plan_meeting` or `plan_delete`.
"""

from __future__ import annotations

import copy
import re
from collections import ChainMap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import TypedDict, TypeVar

from backend.bulk_upload import columns, messages
from backend.bulk_upload.parse import Row
from backend.errors import ErrorCode, Refused, UserError, parse_id
from backend.inputs import instant_problem
from backend.models import SESSION_ZONES, MeetingPlatform, SessionStatus, SessionTimeZone, SessionType, User
from backend.sessions import changes
from backend.sessions.changes import Change
from backend.sessions.directory import Directory, LoadedSession
from backend.sessions.rules import MeetingInput, Problems, SessionInput, bounded


class Action(str, Enum):
    CREATE = "Create"
    EDIT = "Edit"
    DELETE = "Delete"


ACTIONS = {action.value.casefold(): action for action in Action}
TYPES = {"public": SessionType.PUBLIC, "private": SessionType.PRIVATE}
TIME_ZONES = {"ist": SessionTimeZone.IST, "utc": SessionTimeZone.UTC}
REMINDERS = {"yes": True, "y": True, "on": True, "true": True, "no": False, "n": False, "off": False, "false": False}
PLATFORMS = {
    "bigbluebutton": MeetingPlatform.BIG_BLUE_BUTTON,
    "bbb": MeetingPlatform.BIG_BLUE_BUTTON,
    "googlemeet": MeetingPlatform.GOOGLE_MEET,
    "gmeet": MeetingPlatform.GOOGLE_MEET,
    "zoom": MeetingPlatform.ZOOM,
}
START_KEYS = ("date", "time", "time_zone")
DETAIL_KEYS = (
    "title",
    "description",
    "type",
    "mentor",
    "mentees",
    *START_KEYS,
    "duration",
    "recommended_for",
    "categories",
    "medium",
    "reminders",
)
MEETING_KEYS = ("meeting_platform", "meeting_link", "meeting_passcode")
# A cell that could not be read stands in for what the rules would say about the same field.
COVERS = {
    "date": ("startsAt",),
    "time": ("startsAt",),
    "time_zone": ("startsAt", "timeZone"),
    "duration": ("durationMinutes",),
    "type": ("type",),
    "meeting_platform": ("meeting.platform", "meeting.link", "meeting.passcode", "platform", "link", "passcode"),
}

DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?::00)?\s*(?:hrs?|hours)?\.?", re.IGNORECASE)
MINUTES = re.compile(r"\d{1,6}")

T = TypeVar("T")
Plan = Callable[[User, Directory], Awaitable[Change]]


@dataclass
class Outcome:
    """What became of a row: a planned change, or every problem found."""

    action: str
    session_id: int | None
    change: Change | None = None
    errors: list[UserError] = field(default_factory=list)

    @property
    def message(self) -> str:
        return describe(self.errors)


ROW_MESSAGE_MAX = 4000


def describe(errors: list[UserError]) -> str:
    """The Status Message: each problem after the column it is about, separated by "; " (at most
    ROW_MESSAGE_MAX characters, each problem at most rules.MESSAGE_MAX)."""
    parts = []
    for error in sorted(errors, key=lambda e: columns.column_position(e.field)):
        label = columns.column_label(error.field)
        parts.append(f"{label}: {error.message}" if label else error.message)
    return bounded("; ".join(parts), ROW_MESSAGE_MAX)


def split_emails(text: str) -> list[str]:
    return [part for part in re.split(r"[,;\s]+", text) if part]


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text)]


class References(TypedDict):
    """What a batch of rows refers to: `Directory.preload`'s arguments."""

    session_ids: set[int]
    mentor_emails: set[str]
    mentee_emails: set[str]
    days: set[date]


def references(rows: list[Row]) -> References:
    """What a batch of rows refers to, for `Directory.preload`."""
    session_ids: set[int] = set()
    mentors: set[str] = set()
    mentees: set[str] = set()
    days: set[date] = set()
    for row in rows:
        if (session_id := parse_id(row.value("id"))) is not None:
            session_ids.add(session_id)
        if row.value("mentor"):
            mentors.add(row.value("mentor"))
        mentees.update(split_emails(row.value("mentees")))
        if row.value("date") and (day := _date(row.value("date"))) is not None:
            days.add(day)
    return {"session_ids": session_ids, "mentor_emails": mentors, "mentee_emails": mentees, "days": days}


def _date(text: str) -> date | None:
    if match := DATE.fullmatch(text):
        day, month, year = map(int, match.groups())
    elif match := ISO_DATE.fullmatch(text):
        year, month, day = map(int, match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _time(text: str) -> time | None:
    match = TIME.fullmatch(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


class Cells:
    """A row's cells read as session input; problems of single cells are collected on the way."""

    def __init__(self, row: Row, problems: Problems) -> None:
        self.row = row
        self.problems = problems

    def text(self, key: str) -> str | None:
        return self.row.value(key) or None

    def choice(self, key: str, choices: dict[str, T], message: str) -> T | None:
        text = self.row.value(key)
        if not text:
            return None
        found = choices.get(columns.normalise(text))
        if found is None:
            self.problems.add(key, ErrorCode.INVALID, message.format(value=text))
        return found

    def parsed(self, key: str, parse: Callable[[str], T | None], message: str) -> T | None:
        text = self.row.value(key)
        if not text:
            return None
        value = parse(text)
        if value is None:
            self.problems.add(key, ErrorCode.INVALID, message.format(value=text))
        return value

    def start(self, current: LoadedSession | None, editing: bool) -> tuple[datetime | None, SessionTimeZone | None]:
        """The start instant from Date, Time and Time Zone. On Edit a blank one keeps the session's
        current date, time or zone, read in the row's time zone."""
        day = self.parsed("date", _date, messages.ROW_DATE_INVALID)
        clock = self.parsed("time", _time, messages.ROW_TIME_INVALID)
        zone = self.choice("time_zone", TIME_ZONES, messages.ROW_TIME_ZONE_INVALID)
        given = [key for key in START_KEYS if self.row.value(key)]
        if not given or any(p.field in START_KEYS for p in self.problems.errors):
            return None, zone
        if editing:
            if current is None:
                return None, zone
            shown_in = SESSION_ZONES[zone or current.model.time_zone]
            local = current.model.starts_at.astimezone(shown_in)
            day, clock = day or local.date(), clock or local.time().replace(second=0, microsecond=0)
        elif len(given) < len(START_KEYS):
            missing = [columns.BY_KEY[k].name for k in START_KEYS if k not in given]
            self.problems.add(
                next(k for k in START_KEYS if k not in given),
                ErrorCode.REQUIRED,
                messages.ROW_START_INCOMPLETE.format(missing=" and ".join(missing)),
            )
            return None, zone
        else:
            assert day is not None and clock is not None and zone is not None  # all three given and read
            shown_in = SESSION_ZONES[zone]
        local_start = datetime.combine(day, clock, tzinfo=shown_in)
        if problem := instant_problem(local_start):
            self.problems.add("date", ErrorCode.INVALID, f"The start {problem}")
            return None, zone
        instant = local_start.astimezone(UTC)
        if current is not None and instant == current.model.starts_at.replace(second=0, microsecond=0):
            instant = current.model.starts_at  # the file shows minutes: the minute shown is the start as it is
        return instant, zone

    def meeting(self) -> MeetingInput | None:
        platform = self.choice("meeting_platform", PLATFORMS, messages.ROW_PLATFORM_INVALID)
        link, passcode = self.text("meeting_link"), self.text("meeting_passcode")
        if platform is None and link is None and passcode is None:
            return None
        return MeetingInput(platform=platform, link=link, passcode=passcode)

    def session_input(self, current: LoadedSession | None, editing: bool) -> SessionInput:
        starts_at, zone = self.start(current, editing)
        duration = self.parsed(
            "duration", lambda t: int(t) if MINUTES.fullmatch(t) else None, messages.ROW_DURATION_INVALID
        )
        mentees, recommended, categories = self.text("mentees"), self.text("recommended_for"), self.text("categories")
        return SessionInput(
            title=self.text("title"),
            description=self.text("description"),
            type=self.choice("type", TYPES, messages.ROW_TYPE_INVALID),
            mentor_email=self.text("mentor"),
            starts_at=starts_at,
            time_zone=zone,
            duration_minutes=duration,
            recommended_for=split_list(recommended) if recommended else None,
            categories=split_list(categories) if categories else None,
            medium=self.text("medium"),
            meeting=self.meeting(),
            invite_emails=split_emails(mentees) if mentees else None,
            reminders_enabled=self.choice("reminders", REMINDERS, messages.ROW_REMINDERS_INVALID),
        )


@dataclass
class Request:
    """A row read: what it asks for, and the problems of its cells."""

    action: str
    session_id: int | None
    plan: Plan | None
    problems: list[UserError]
    mentor_email: str = ""


def _action_and_id(row: Row, problems: Problems) -> tuple[Action | None, str, int | None]:
    raw_action, raw_id = row.value("action"), row.value("id")
    action = ACTIONS.get(raw_action.casefold())
    if not raw_action:
        problems.add("action", ErrorCode.REQUIRED, messages.ROW_ACTION_MISSING)
    elif action is None:
        problems.add("action", ErrorCode.INVALID, messages.ROW_ACTION_UNKNOWN.format(value=raw_action))
    session_id = parse_id(raw_id) if raw_id else None
    if action == Action.CREATE and raw_id:
        problems.add("id", ErrorCode.INVALID, messages.ROW_CREATE_WITH_ID.format(value=raw_id))
    elif raw_id and session_id is None:
        problems.add("id", ErrorCode.INVALID, messages.ROW_ID_INVALID.format(value=raw_id))
    elif action in (Action.EDIT, Action.DELETE) and not raw_id:
        problems.add("id", ErrorCode.REQUIRED, messages.ROW_ID_MISSING.format(action=action.value))
    if row.extra_cells:
        problems.add(
            None,
            ErrorCode.INVALID,
            messages.ROW_EXTRA_CELLS.format(
                count=len(row.cells) + row.extra_cells,
                columns=len(row.cells),
            ),
        )
    return action, (action.value if action else raw_action[:20]), session_id


async def read_row(row: Row, directory: Directory) -> Request:
    problems = Problems()
    action, label, session_id = _action_and_id(row, problems)
    if action is None:
        return Request(label, session_id, None, problems.errors)
    if action == Action.CREATE:
        created = Cells(row, problems).session_input(None, editing=False)
        return Request(
            label, None, lambda actor, d: changes.plan_create(actor, created, d), problems.errors, row.value("mentor")
        )
    if session_id is None:  # an Edit or Delete row needs the ID; its problem is reported already
        return Request(label, session_id, None, problems.errors)
    cells = Cells(row, problems)
    version = cells.parsed("version", _version, messages.ROW_VERSION_INVALID)
    if action == Action.DELETE:
        return Request(
            label,
            session_id,
            lambda actor, d: changes.plan_delete(actor, session_id, d, expected_version=version),
            problems.errors,
        )
    current = await directory.session(session_id, for_update=True)
    data = cells.session_input(current, editing=True)
    # A live session's details are fixed (R1) but its meeting may change (R2): a row that fills in only
    # the meeting cells changes only the meeting.
    if current and current.model.status == SessionStatus.LIVE and not any(row.value(k) for k in DETAIL_KEYS):
        meeting = data.meeting or MeetingInput()
        return Request(
            label,
            session_id,
            lambda actor, d: changes.plan_meeting(actor, session_id, meeting, d, expected_version=version),
            problems.errors,
        )
    return Request(
        label,
        session_id,
        lambda actor, d: changes.plan_update(actor, session_id, data, d, expected_version=version),
        problems.errors,
    )


def _version(text: str) -> int | None:
    return int(text) if MINUTES.fullmatch(text) and 0 < int(text) < 2**31 else None


def _covered(error: UserError, problems: list[UserError]) -> bool:
    return any(error.field in COVERS.get(p.field or "", ()) for p in problems)


def trial_view(directory: Directory, request: Request) -> Directory:
    """A throwaway view of the directory for a row that is invalid anyway: the rules may record the
    row's change in it (a booking, new values of the session) without the real directory seeing it."""
    trial = copy.copy(directory)
    loaded = directory.sessions.get(request.session_id) if request.session_id else None
    own: dict[int, LoadedSession | None] = {}
    mentor_ids: set[int] = set()
    if loaded is not None and request.session_id is not None:
        own[request.session_id] = LoadedSession(copy.copy(loaded.model), dict(loaded.labels), dict(loaded.attendees))
        mentor_ids.add(loaded.model.mentor_id)
    if mentor := directory.mentors_by_email.get(request.mentor_email.strip().lower()):
        mentor_ids.add(mentor.id)
    trial.sessions = ChainMap(own, directory.sessions)
    trial.bookings = ChainMap(
        {m: list(directory.bookings[m]) for m in mentor_ids if m in directory.bookings}, directory.bookings
    )
    return trial


async def check_row(actor: User, row: Row, directory: Directory) -> Outcome:
    """Every problem of the row, or its planned change (already seen by `directory`)."""
    request = await read_row(row, directory)
    outcome = Outcome(action=request.action, session_id=request.session_id, errors=list(request.problems))
    if request.plan is None:
        return outcome
    try:
        change = await request.plan(actor, trial_view(directory, request) if request.problems else directory)
    except Refused as refused:
        outcome.errors += [e for e in refused.errors if not _covered(e, request.problems)]
        return outcome
    if not outcome.errors:
        outcome.change = change
        change.row_number = row.number
    return outcome
