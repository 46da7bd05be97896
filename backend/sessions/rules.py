"""The session rules R1–R8 of DESIGN.md, written once: the browser, the API and every CSV row call
these checks. They look only at the values given and at what the `Directory` knows, never at HTTP or
CSV, and they report every problem of an input together (R8: field, code, plain words and a fix)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from backend.csv_format import local_date, local_time, zone_label
from backend.errors import ErrorCode, UserError
from backend.models import (
    MeetingPlatform,
    Session,
    SessionStatus,
    SessionTimeZone,
    SessionType,
    User,
    VocabularyKind,
)
from backend.settings import get_settings

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
LABEL_MAX = 100
DURATION_MIN, DURATION_MAX = 30, 1440
SEATS_MAX = 1000
START_EARLY = timedelta(minutes=15)
MEETING_HOSTS = {
    MeetingPlatform.GOOGLE_MEET: ("meet.google.com",),
    MeetingPlatform.ZOOM: ("zoom.us", ".zoom.us"),
}
PLATFORM_NAMES = {
    MeetingPlatform.BIG_BLUE_BUTTON: "BigBlueButton",
    MeetingPlatform.GOOGLE_MEET: "Google Meet",
    MeetingPlatform.ZOOM: "Zoom",
}
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
VOCABULARY_NAMES = {
    VocabularyKind.CATEGORY: "categories",
    VocabularyKind.RECOMMENDED_FOR: "“Recommended for” values",
    VocabularyKind.MEDIUM: "mediums",
}
NOT_A_MANAGER = "Only session managers can change sessions; ask a session manager of your organisation."


@dataclass
class MeetingInput:
    """None means "not given": on create the default, on update unchanged."""

    platform: MeetingPlatform | None = None
    link: str | None = None
    passcode: str | None = None


@dataclass
class SessionInput:
    """What a manager sends to create or change a session; None means "not given" (unchanged on edit).

    `mentor_email` is how a CSV names the mentor; the API uses `mentor_id`."""

    title: str | None = None
    description: str | None = None
    type: SessionType | None = None
    mentor_id: int | None = None
    mentor_email: str | None = None
    starts_at: datetime | None = None
    time_zone: SessionTimeZone | None = None
    duration_minutes: int | None = None
    recommended_for: list[str] | None = None
    categories: list[str] | None = None
    medium: str | None = None
    meeting: MeetingInput | None = None
    invite_emails: list[str] | None = None
    seats_limit: int | None = None
    reminders_enabled: bool | None = None


@dataclass
class Problems:
    """Collects every refusal of one input."""

    errors: list[UserError] = field(default_factory=list)

    def add(self, field: str | None, code: ErrorCode, message: str) -> None:
        self.errors.append(UserError(field=field, code=code, message=message))

    def __bool__(self) -> bool:
        return bool(self.errors)


def when(instant: datetime) -> str:
    """An instant as people read it in the app: 01-12-2026 17:00 IST."""
    zone = get_settings().display_time_zone
    return f"{local_date(instant, zone)} {local_time(instant, zone)} {zone_label(zone)}"


# --- who may do what, and when (R1–R3) -------------------------------------------------------------


def edit_blocked_reason(viewer: User, session: Session) -> str | None:
    """R1: details can be edited only while the session is upcoming."""
    if not viewer.is_manager:
        return NOT_A_MANAGER
    if session.status == SessionStatus.LIVE:
        return (
            "The mentor has started this session, so its details can no longer be edited; the meeting link still can."
        )
    if session.status == SessionStatus.COMPLETED:
        return "This session is completed, so it can no longer be edited."
    return None


def meeting_edit_blocked_reason(viewer: User, session: Session) -> str | None:
    """R2: the meeting can be edited while upcoming or live."""
    if not viewer.is_manager:
        return NOT_A_MANAGER
    if session.status == SessionStatus.COMPLETED:
        return "This session is completed, so its meeting information can no longer be changed."
    return None


def delete_blocked_reason(viewer: User, session: Session) -> str | None:
    """R3: a session can be deleted only while upcoming."""
    if not viewer.is_manager:
        return NOT_A_MANAGER
    if session.status == SessionStatus.LIVE:
        return "The mentor has started this session, so it can no longer be deleted."
    if session.status == SessionStatus.COMPLETED:
        return "This session is completed, so it can no longer be deleted."
    return None


def blocked(problems: Problems, reason: str | None) -> bool:
    """Reports why a change is not allowed now (R1–R3), if it is not; whether it was."""
    if reason is None:
        return False
    code = ErrorCode.PERMISSION_DENIED if reason == NOT_A_MANAGER else ErrorCode.NOT_EDITABLE
    problems.add(None, code, reason)
    return True


def in_utc(instant: datetime | None) -> datetime | None:
    """Instants are compared and stored in UTC: SQLite compares them as text, so an IST start compared
    with UTC ones would miss clashes. A naive instant is left for `check_start` to report."""
    return instant.astimezone(timezone.utc) if instant is not None and instant.tzinfo is not None else instant


# --- single fields ---------------------------------------------------------------------------------


def clean_text(problems: Problems, field: str, value: str | None, label: str, limit: int, hint: str) -> str | None:
    """Trimmed text, or None after reporting why it cannot be used."""
    text = (value or "").strip()
    if not text:
        problems.add(field, ErrorCode.REQUIRED, f"The {label} is required; {hint}.")
        return None
    if len(text) > limit:
        problems.add(
            field, ErrorCode.INVALID, f"The {label} has {len(text)} characters; shorten it to {limit} or fewer."
        )
        return None
    return text


def match_key(value: str) -> str:
    """A value without case, spaces and punctuation: “Life skills”, “life-skills” and “LIFE SKILLS” are
    one value of a vocabulary."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value).casefold() if ch.isalnum())


def known_value(problems: Problems, field: str, text: str, known: list[str], kind: VocabularyKind) -> str | None:
    """The organisation's canonical value that `text` stands for (matched ignoring case, spaces and
    punctuation), or None after reporting the closest known value and the whole list."""
    by_key = {match_key(value): value for value in known}
    found = by_key.get(match_key(text))
    if found is not None:
        return found
    names = VOCABULARY_NAMES[kind]
    shown = text if len(text) <= 60 else text[:60] + "…"
    if not known:
        problems.add(
            field,
            ErrorCode.INVALID,
            f"“{shown}” cannot be used: your organisation has no {names} yet; "
            "a session manager adds them on the Vocabulary page.",
        )
        return None
    guess = difflib.get_close_matches(match_key(text), list(by_key), n=1, cutoff=0.6)
    listing = ", ".join(known)
    if guess:
        problems.add(
            field,
            ErrorCode.INVALID,
            f"“{shown}” is not one of your organisation's {names}; did you mean “{by_key[guess[0]]}”? "
            f"The {names} are: {listing}.",
        )
    else:
        problems.add(
            field,
            ErrorCode.INVALID,
            f"“{shown}” is not one of your organisation's {names}, which are: {listing}. "
            "Choose one of them, or ask a session manager to add it on the Vocabulary page.",
        )
    return None


def clean_list(
    problems: Problems,
    field: str,
    values: list[str] | None,
    label: str,
    example: str,
    known: list[str],
    kind: VocabularyKind,
) -> list[str] | None:
    """One or more distinct values of the organisation's vocabulary, in their canonical spelling."""
    found: list[str] = []
    unknown = False
    for value in values or []:
        text = value.strip()
        if not text:
            continue
        canonical = known_value(problems, field, text, known, kind)
        if canonical is None:
            unknown = True
        elif canonical not in found:
            found.append(canonical)
    if unknown:
        return None
    if not found:
        problems.add(field, ErrorCode.REQUIRED, f"Give one or more {label} values, for example: {example}.")
        return None
    return found


def clean_medium(problems: Problems, value: str | None, known: list[str]) -> str | None:
    """The medium (language) of a session: one value of the organisation's list of mediums."""
    text = (value or "").strip()
    if not text:
        problems.add(
            "medium",
            ErrorCode.REQUIRED,
            "The medium is required; enter the language of the session, for example English.",
        )
        return None
    return known_value(problems, "medium", text, known, VocabularyKind.MEDIUM)


def check_start(problems: Problems, starts_at: datetime, now: datetime) -> None:
    """R5: a new or changed start lies in the future."""
    if starts_at.tzinfo is None:
        problems.add(
            "startsAt", ErrorCode.INVALID, "The start time has no time zone; give it with an offset or as IST or UTC."
        )
    elif starts_at <= now:
        problems.add(
            "startsAt",
            ErrorCode.IN_PAST,
            f"The start {when(starts_at)} is in the past; choose a date and time in the future.",
        )


def check_duration(problems: Problems, minutes: int) -> None:
    if not DURATION_MIN <= minutes <= DURATION_MAX:
        problems.add(
            "durationMinutes",
            ErrorCode.INVALID,
            f"The duration {minutes} minutes is not allowed; enter whole minutes from {DURATION_MIN} to {DURATION_MAX}, for example 60.",
        )


def check_seats(problems: Problems, seats: int, taken: int) -> None:
    if not 1 <= seats <= SEATS_MAX:
        problems.add(
            "seatsLimit",
            ErrorCode.INVALID,
            f"The seats limit {seats} is not allowed; enter a number from 1 to {SEATS_MAX}.",
        )
    elif seats < taken:
        problems.add(
            "seatsLimit",
            ErrorCode.SEATS_FULL,
            f"The seats limit {seats} is below the {taken} mentees already in the session; raise it or remove mentees first.",
        )


def check_meeting(
    problems: Problems, platform: MeetingPlatform, link: str, passcode: str, prefix: str = "meeting."
) -> None:
    """Link for Google Meet and Zoom (https on that platform's host), none for BigBlueButton; passcode only for Zoom."""
    name = PLATFORM_NAMES[platform]
    if platform == MeetingPlatform.BIG_BLUE_BUTTON:
        if link:
            problems.add(
                f"{prefix}link",
                ErrorCode.INVALID,
                "BigBlueButton rooms are made when the session starts; leave the meeting link empty, or choose Google Meet or Zoom.",
            )
    elif not link:
        problems.add(
            f"{prefix}link", ErrorCode.REQUIRED, f"A {name} session needs its meeting link; paste the link from {name}."
        )
    else:
        parts = urlsplit(link)
        host = (parts.hostname or "").lower()
        on_host = any(host == h or (h.startswith(".") and host.endswith(h)) for h in MEETING_HOSTS[platform])
        if parts.scheme != "https" or not on_host:
            example = (
                "https://meet.google.com/abc-defg-hij"
                if platform == MeetingPlatform.GOOGLE_MEET
                else "https://zoom.us/j/1234567890"
            )
            problems.add(
                f"{prefix}link",
                ErrorCode.INVALID,
                f"“{link[:80]}” is not a {name} link; it must be an https link such as {example}.",
            )
    if platform == MeetingPlatform.ZOOM and not passcode:
        problems.add(
            f"{prefix}passcode",
            ErrorCode.REQUIRED,
            "A Zoom meeting needs its passcode; copy it from the Zoom invitation.",
        )
    if platform != MeetingPlatform.ZOOM and passcode:
        problems.add(
            f"{prefix}passcode", ErrorCode.INVALID, f"{name} meetings have no passcode; leave the passcode empty."
        )


def check_emails(problems: Problems, field: str, emails: list[str]) -> list[str]:
    """Distinct, lower-cased addresses; malformed ones are reported, never dropped."""
    found: list[str] = []
    for raw in emails:
        email = raw.strip().lower()
        if not email:
            continue
        if not EMAIL.match(email):
            problems.add(
                field, ErrorCode.INVALID, f"“{raw.strip()}” is not an email address; write it like name@example.org."
            )
        elif email not in found:
            found.append(email)
    return found


def clash_message(mentor: User, title: str, starts_at: datetime, ends_at: datetime) -> str:
    zone = get_settings().display_time_zone
    return (
        f"{mentor.name} already has “{title}” on {local_date(starts_at, zone)} from {local_time(starts_at, zone)} "
        f"to {local_time(ends_at, zone)} {zone_label(zone)}. A mentor cannot have overlapping or back-to-back "
        "sessions; choose a time that leaves a gap, or another mentor."
    )
