"""The session rules R1–R8 of docs/rules.md, written once: the browser, the API and every CSV row call
these checks. They look only at the values given and at what the `Directory` knows, never at HTTP or
CSV, and they report every problem of an input together (R8: field, code, plain words and a fix)."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from backend.csv_format import local_date, local_time, zone_label
from backend.errors import ErrorCode, UserError
from backend.inputs import control_character_problem, instant_problem, length_problem
from backend.models import (
    PLATFORM_NAMES,
    MeetingPlatform,
    Session,
    SessionStatus,
    SessionTimeZone,
    SessionType,
    User,
    VocabularyKind,
)
from backend.settings import get_settings

if TYPE_CHECKING:
    from backend.sessions.directory import Directory

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
LABEL_MAX = 100
DURATION_MIN, DURATION_MAX = 30, 1440
SEATS_MAX = 1000
# Caps on the lists an input may hold, checked before anything else looks at them (so a list of
# 100,000 values is refused at the cost of counting it).
LABELS_MAX = 20  # categories, and "recommended for" values, of one session
INVITES_MAX = SEATS_MAX  # e-mails in one invitation (no session holds more mentees)
MENTEE_IDS_MAX = SEATS_MAX  # mentees removed at once
# A refusal's message never grows past this (lists in it are cut short first, with "and N more").
MESSAGE_MAX = 1000
LISTED_MAX = 5
START_EARLY = timedelta(minutes=15)
# R4 compares closed intervals, so a session ending at 16:00 blocks a 16:00 start; the forms and CSV
# files take whole minutes, so the first start it allows is one minute later.
R4_GAP = timedelta(minutes=1)
MEETING_HOSTS = {
    MeetingPlatform.GOOGLE_MEET: ("meet.google.com",),
    MeetingPlatform.ZOOM: ("zoom.us", ".zoom.us"),
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
        self.errors.append(UserError(field=field, code=code, message=bounded(message)))

    def __bool__(self) -> bool:
        return bool(self.errors)


def bounded(message: str, limit: int = MESSAGE_MAX) -> str:
    """The message, cut to `limit` characters (with "…") should it be longer."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


def listed(values: list[str], shown: int = LISTED_MAX, quote: bool = False) -> str:
    """'a, b, c' — or the first `shown` values and "and N more"."""
    texts = [f"“{v}”" if quote else v for v in values[:shown]]
    rest = len(values) - len(texts)
    return ", ".join(texts) + (f" and {rest:,} more" if rest > 0 else "")


def too_many(problems: Problems, field: str, count: int, limit: int, what: str, where: str) -> bool:
    """Reports (and says True) when a list holds more than `limit` values."""
    if count <= limit:
        return False
    problems.add(field, ErrorCode.INVALID, f"You gave {count:,} {what}; {where} takes at most {limit:,}. Remove some.")
    return True


def when(instant: datetime) -> str:
    """An instant as people read it in the app: 01-12-2026 17:00 IST."""
    zone = get_settings().display_time_zone
    try:
        return f"{local_date(instant, zone)} {local_time(instant, zone)} {zone_label(zone)}"
    except OverflowError:  # the first or last days of the calendar, moved to another zone
        return instant.isoformat()


# --- who may do what, and when (R1–R3) -------------------------------------------------------------


class SessionState(Protocol):
    """What R1–R3 ask of a session: where it is in its life (a model, or a list page's plain row)."""

    @property
    def status(self) -> SessionStatus: ...


def edit_blocked_reason(viewer: User, session: SessionState) -> str | None:
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


def meeting_edit_blocked_reason(viewer: User, session: SessionState) -> str | None:
    """R2: the meeting can be edited while upcoming or live."""
    if not viewer.is_manager:
        return NOT_A_MANAGER
    if session.status == SessionStatus.COMPLETED:
        return "This session is completed, so its meeting information can no longer be changed."
    return None


def delete_blocked_reason(viewer: User, session: SessionState) -> str | None:
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
    with UTC ones would miss clashes. A naive instant, or one beyond the dates we handle, is left for
    `check_start` to report."""
    if instant is None or instant.tzinfo is None or instant_problem(instant):
        return instant
    return instant.astimezone(UTC)


# --- single fields ---------------------------------------------------------------------------------


def check_plain_text(problems: Problems, field: str, value: str | None, label: str, multi_line: bool = False) -> bool:
    """Reports text with a control character (INVALID); whether the text is free of them. Line breaks and
    tabs are allowed in multi-line text."""
    problem = control_character_problem(value, label, multi_line)
    if problem:
        problems.add(field, ErrorCode.INVALID, problem)
    return problem is None


def check_fits(problems: Problems, field: str, value: str, column: str, label: str) -> bool:
    """Reports text that does not fit its Session column or has a control character (INVALID); whether it is fine."""
    if problem := length_problem(value, Session, column, label):
        problems.add(field, ErrorCode.INVALID, problem)
        return False
    return check_plain_text(problems, field, value, label)


def clean_text(
    problems: Problems,
    field: str,
    value: str | None,
    label: str,
    limit: int,
    hint: str,
    multi_line: bool = False,
) -> str | None:
    """Trimmed text, or None after reporting why it cannot be used."""
    text = (value or "").strip()
    if not check_plain_text(problems, field, text, label, multi_line):
        return None
    if not text:
        problems.add(field, ErrorCode.REQUIRED, f"The {label} is required; {hint}.")
        return None
    if len(text) > limit:
        problems.add(
            field, ErrorCode.INVALID, f"The {label} has {len(text)} characters; shorten it to {limit} or fewer."
        )
        return None
    return text


@functools.lru_cache(maxsize=4096)  # a file repeats the same few values on every row
def match_key(value: str) -> str:
    """A value without case, spaces and punctuation: “Life skills”, “life-skills” and “LIFE SKILLS” are
    one value of a vocabulary."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value).casefold() if ch.isalnum())


@dataclass(frozen=True)
class ValueIndex:
    """A vocabulary list ready for matching: its values by match_key, and those keys by their trigrams, so
    that a near miss is looked for among the few values sharing most of the text's trigrams, not all."""

    by_key: dict[str, str]
    by_trigram: dict[str, list[str]]


def _trigrams(key: str) -> set[str]:
    """ "abc" → {"  a", " ab", "abc", "bc "}: padded, so that short keys have some too."""
    padded = f"  {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@functools.lru_cache(maxsize=256)
def value_index(known: tuple[str, ...]) -> ValueIndex:
    """The index of a list; made once per list (a bulk upload asks for the same few lists on every row)."""
    by_key = {match_key(value): value for value in known}
    by_trigram: dict[str, list[str]] = {}
    for key in by_key:
        for trigram in _trigrams(key):
            by_trigram.setdefault(trigram, []).append(key)
    return ValueIndex(by_key, by_trigram)


# A near miss is sought among this many values (those sharing most trigrams with the text), and only for
# a text no longer than any value could be.
NEAR_MISS_CANDIDATES = 5
NEAR_MISS_CUTOFF = 0.6


def near_miss(text: str, index: ValueIndex) -> str | None:
    """The known value `text` most likely misspells (difflib's ratio of at least 0.6), or None:
    "comunication" → "Communication"."""
    key = match_key(text)
    if not key or len(key) > 2 * LABEL_MAX:
        return None
    shared = Counter(other for trigram in _trigrams(key) for other in index.by_trigram.get(trigram, ()))
    best, best_ratio = None, NEAR_MISS_CUTOFF
    for other, _ in shared.most_common(NEAR_MISS_CANDIDATES):
        ratio = difflib.SequenceMatcher(None, key, other).ratio()
        if ratio >= best_ratio:
            best, best_ratio = other, ratio
    return index.by_key[best] if best is not None else None


def known_value(
    problems: Problems,
    field: str,
    text: str,
    known: list[str],
    kind: VocabularyKind,
    index: ValueIndex | None = None,
) -> str | None:
    """The organisation's canonical value that `text` stands for (matched ignoring case, spaces and
    punctuation), or None after reporting the closest known value and the list (its first 20).
    `index` is the list's index, when the caller has it already."""
    index = index or value_index(tuple(known))
    found = index.by_key.get(match_key(text))
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
    guess = near_miss(text, index)
    listing = listed(known, shown=20)
    if guess:
        problems.add(
            field,
            ErrorCode.INVALID,
            f"“{shown}” is not one of your organisation's {names}; did you mean “{guess}”? The {names} are: {listing}.",
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
    if too_many(problems, field, len(values or []), LABELS_MAX, f"{label} values", "a session"):
        return None
    index = value_index(tuple(known))
    found: dict[str, None] = {}  # an ordered set
    unknown = False
    for value in values or []:
        text = value.strip()
        if not check_plain_text(problems, field, text, f"{label} value"):
            return None
        if not text:
            continue
        canonical = known_value(problems, field, text, known, kind, index)
        if canonical is None:
            unknown = True
        else:
            found[canonical] = None
    if unknown:
        return None
    if not found:
        problems.add(field, ErrorCode.REQUIRED, f"Give one or more {label} values, for example: {example}.")
        return None
    return list(found)


def clean_medium(problems: Problems, value: str | None, known: list[str]) -> str | None:
    """The medium (language) of a session: one value of the organisation's list of mediums."""
    text = (value or "").strip()
    if not check_plain_text(problems, "medium", text, "medium"):
        return None
    if not text:
        problems.add(
            "medium",
            ErrorCode.REQUIRED,
            "The medium is required; enter the language of the session, for example English.",
        )
        return None
    return known_value(problems, "medium", text, known, VocabularyKind.MEDIUM)


@dataclass
class Details:
    """The cleaned text and labels of a session input; None where not given (on an edit) or refused."""

    title: str | None = None
    description: str | None = None
    medium: str | None = None
    recommended_for: list[str] | None = None
    categories: list[str] | None = None


async def clean_details(problems: Problems, data: SessionInput, directory: Directory, *, only_given: bool) -> Details:
    """Title, description, medium, recommended-for, categories and duration of an input; the labels and
    the medium come from the organisation's lists (its vocabulary). A new session needs all of them
    (`only_given=False`: a missing one is reported); an edit checks those it gives."""

    def wanted(value: object) -> bool:
        return not only_given or value is not None

    details = Details()
    if wanted(data.title):
        details.title = clean_text(problems, "title", data.title, "title", TITLE_MAX, "enter the topic of the session")
    if wanted(data.description):
        details.description = clean_text(
            problems,
            "description",
            data.description,
            "description",
            DESCRIPTION_MAX,
            "describe what the session covers",
            multi_line=True,
        )
    if wanted(data.duration_minutes):
        if data.duration_minutes is None:
            problems.add(
                "durationMinutes", ErrorCode.REQUIRED, "The duration is required; enter it in minutes, for example 60."
            )
        else:
            check_duration(problems, data.duration_minutes)
    if wanted(data.recommended_for):
        details.recommended_for = clean_list(
            problems,
            "recommendedFor",
            data.recommended_for,
            "recommended for",
            "Teachers, Block education officer",
            await directory.vocabulary(VocabularyKind.RECOMMENDED_FOR),
            VocabularyKind.RECOMMENDED_FOR,
        )
    if wanted(data.categories):
        details.categories = clean_list(
            problems,
            "categories",
            data.categories,
            "category",
            "Communication, Life skills",
            await directory.vocabulary(VocabularyKind.CATEGORY),
            VocabularyKind.CATEGORY,
        )
    if wanted(data.medium):
        details.medium = clean_medium(problems, data.medium, await directory.vocabulary(VocabularyKind.MEDIUM))
    return details


def check_start(problems: Problems, starts_at: datetime, now: datetime) -> None:
    """R5: a new or changed start lies in the future."""
    if starts_at.tzinfo is None:
        problems.add(
            "startsAt", ErrorCode.INVALID, "The start time has no time zone; give it with an offset or as IST or UTC."
        )
    elif problem := instant_problem(starts_at):
        problems.add("startsAt", ErrorCode.INVALID, f"The start {problem}")
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
            f"The duration {minutes} minutes is not allowed; "
            f"enter whole minutes from {DURATION_MIN} to {DURATION_MAX}, for example 60.",
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
            f"The seats limit {seats} is below the {taken} mentees already in the session; "
            "raise it or remove mentees first.",
        )


def check_meeting(
    problems: Problems, platform: MeetingPlatform, link: str, passcode: str, prefix: str = "meeting."
) -> None:
    """Link for Google Meet and Zoom (https on that platform's host), none for BigBlueButton; passcode only for Zoom."""
    link_ok = check_fits(problems, f"{prefix}link", link, "meeting_link", "meeting link")
    passcode_ok = check_fits(problems, f"{prefix}passcode", passcode, "meeting_passcode", "passcode")
    if not (link_ok and passcode_ok):
        return
    name = PLATFORM_NAMES[platform]
    if platform == MeetingPlatform.BIG_BLUE_BUTTON:
        if link:
            problems.add(
                f"{prefix}link",
                ErrorCode.INVALID,
                "BigBlueButton rooms are made when the session starts; "
                "leave the meeting link empty, or choose Google Meet or Zoom.",
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
    """Distinct, lower-cased addresses; malformed ones are reported (the first few by name), never dropped."""
    if too_many(problems, field, len(emails), INVITES_MAX, "email addresses", "one invitation"):
        return []
    found: dict[str, None] = {}  # an ordered set
    malformed: list[str] = []
    for raw in emails:
        email = raw.strip().lower()
        if not email or not check_plain_text(problems, field, email, "email address"):
            continue
        if problem := length_problem(email, User, "email", "email address"):
            problems.add(field, ErrorCode.INVALID, problem)
            continue
        if not EMAIL.match(email):
            malformed.append(raw.strip()[:60])
        else:
            found[email] = None
    if len(malformed) == 1:
        problems.add(
            field, ErrorCode.INVALID, f"“{malformed[0]}” is not an email address; write it like name@example.org."
        )
    elif malformed:
        problems.add(
            field,
            ErrorCode.INVALID,
            f"{listed(malformed, quote=True)} are not email addresses; write each like name@example.org.",
        )
    return list(found)


def clash_message(mentor: User, title: str, starts_at: datetime, ends_at: datetime) -> str:
    zone = get_settings().display_time_zone
    return (
        f"{mentor.name} already has “{title}” on {local_date(starts_at, zone)} from {local_time(starts_at, zone)} "
        f"to {local_time(ends_at, zone)} {zone_label(zone)}. A mentor cannot have overlapping or back-to-back "
        "sessions; choose a time that leaves a gap, or another mentor."
    )


# --- checks that need the organisation's people and bookings ---------------------------------------


async def check_invites(
    problems: Problems, directory: Directory, emails: list[str] | None, field: str
) -> list[User] | None:
    """The mentees named by email, all of them found in the organisation (unknown ones are reported,
    never dropped); None after reporting a problem."""
    wanted = check_emails(problems, field, emails or [])
    found = await directory.mentees(wanted)
    unknown = [e for e, user in found.items() if user is None]
    if unknown:
        problems.add(
            field,
            ErrorCode.NOT_FOUND,
            (
                f"No mentee with the email {', '.join(unknown)} in your organisation; check the spelling, or add "
                "them as mentees first."
            ),
        )
        return None
    return [user for user in found.values() if user is not None]


def check_seat_count(problems: Problems, seats: int, count: int, field: str) -> None:
    """R6: invited + enrolled fit within the seats limit; an invite beyond it is refused, never dropped."""
    if count > seats:
        problems.add(
            field,
            ErrorCode.SEATS_FULL,
            (
                f"This would put {count} mentees in a session with {seats} seats; invite {count - seats} fewer "
                "mentees or raise the seats limit."
            ),
        )


async def check_booking(
    problems: Problems,
    directory: Directory,
    mentor: User,
    starts_at: datetime,
    ends_at: datetime,
    session_id: int | None,
) -> None:
    """R4: no overlapping or back-to-back session for the mentor."""
    clash = await directory.clash(mentor.id, starts_at, ends_at, session_id)
    if clash:
        problems.add(
            "startsAt", ErrorCode.MENTOR_BUSY, clash_message(mentor, clash.title, clash.starts_at, clash.ends_at)
        )


def clean_meeting(
    problems: Problems, current: Session | None, meeting: MeetingInput | None, prefix: str
) -> tuple[MeetingPlatform, str, str]:
    """The meeting a change leaves the session with: what is given, else what the session has (a new
    platform starts from an empty link and passcode), else BigBlueButton; checked by `check_meeting`."""
    platform = (meeting and meeting.platform) or (
        current.meeting_platform if current else MeetingPlatform.BIG_BLUE_BUTTON
    )
    platform_changed = current is not None and platform != current.meeting_platform
    keep = current is not None and not platform_changed

    def pick(given: str | None, stored: str) -> str:
        return given.strip() if given is not None else (stored if keep else "")

    link = pick(meeting.link if meeting else None, current.meeting_link if current else "")
    passcode = pick(meeting.passcode if meeting else None, current.meeting_passcode if current else "")
    check_meeting(problems, platform, link, passcode, prefix)
    return platform, link, passcode
