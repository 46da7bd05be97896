"""The history of every change of a session: who made it (or the system), when, through which channel, and
each field's value before and after. The write path records a batch of changes in one statement inside the
changes' own transaction; managers read it as a session's timeline, the Activity list and its CSV, each
value shown as the visibility policy lets the viewer see it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from tortoise.queryset import QuerySet

from backend.db import insert_rows
from backend.errors import ErrorCode, refused
from backend.models import Activity, ActivityChannel, ActivityKind, LabelKind, Session, User, utcnow
from backend.sessions.directory import LoadedSession
from backend.sessions.rules import when
from backend.sessions.visibility import SensitiveField, may_see

SYSTEM = "system"
MASKED = "(hidden)"
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Origin:
    """Who makes a change and through which channel: a person (None: the system), and for a bulk upload
    which upload (each change names its own row)."""

    organization_id: int
    actor: User | None
    channel: ActivityChannel
    bulk_upload_id: int | None = None

    @classmethod
    def of(cls, actor: User, channel: ActivityChannel, bulk_upload_id: int | None = None) -> Origin:
        return cls(actor.organization_id, actor, channel, bulk_upload_id)

    @classmethod
    def system(cls, organization_id: int) -> Origin:
        return cls(organization_id, None, ActivityChannel.SYSTEM)

    @property
    def person(self) -> User:
        """The person making the change, where only a person can (starting a session, enrolling)."""
        if self.actor is None:
            raise ValueError("This change needs a person, not the system.")
        return self.actor

    @property
    def actor_name(self) -> str:
        return self.actor.name if self.actor else SYSTEM


# A session's values as the history names and shows them: the API's field names, JSON values.
COLUMNS_RECORDED = {
    "title": "title",
    "description": "description",
    "starts_at": "startsAt",
    "duration_minutes": "durationMinutes",
    "time_zone": "timeZone",
    "medium": "medium",
    "seats_limit": "seatsLimit",
    "reminders_enabled": "remindersEnabled",
    "meeting_platform": "meeting.platform",
    "meeting_link": "meeting.link",
    "meeting_passcode": "meeting.passcode",
    "image_path": "image",
    "status": "status",
}
LABELS_RECORDED = {LabelKind.CATEGORY: "categories", LabelKind.RECOMMENDED_FOR: "recommendedFor"}
MENTEES = "mentees"
# Who may see a recorded field, where not everyone who sees the session may.
SENSITIVE = {
    "meeting.link": SensitiveField.MEETING_LINK,
    "meeting.passcode": SensitiveField.MEETING_PASSCODE,
    MENTEES: SensitiveField.MENTEES,
}


def _plain(value: object) -> object:
    """A value as JSON holds it: 2031-05-01 09:00 UTC → "2031-05-01T09:00:00+00:00", Zoom → "ZOOM"."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(loaded: LoadedSession) -> dict[str, object]:
    """What the history compares: the session's recorded values, its labels and its mentees' e-mails."""
    values = {name: _plain(getattr(loaded.model, column)) for column, name in COLUMNS_RECORDED.items()}
    for kind, name in LABELS_RECORDED.items():
        values[name] = list(loaded.labels.get(kind, []))
    values[MENTEES] = [user.email for _, user in loaded.attendees.values()]
    return values


def differences(before: dict[str, object], after: dict[str, object]) -> list[dict[str, object]]:
    """{"title": "A"} → {"title": "B"}: [{"field": "title", "before": "A", "after": "B"}]."""
    return [
        {"field": name, "before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    ]


@dataclass
class Entry:
    """One change to record: of which session, what kind, its version after, and what changed."""

    session_id: int
    kind: ActivityKind
    version: int
    changes: list[dict[str, object]] = field(default_factory=list)
    row_number: int | None = None


COLUMNS = (
    "organization_id",
    "session_id",
    "actor_id",
    "actor_name",
    "at",
    "kind",
    "channel",
    "bulk_upload_id",
    "row_number",
    "version",
    "changes",
)


async def record(origin: Origin, entries: Sequence[Entry], now: datetime | None = None) -> None:
    """Write the entries in one statement; call inside the changes' transaction."""
    at = now or utcnow()
    actor_id = origin.actor.id if origin.actor else None
    await insert_rows(
        Activity,
        COLUMNS,
        [
            (
                origin.organization_id,
                e.session_id,
                actor_id,
                origin.actor_name,
                at,
                e.kind.value,
                origin.channel.value,
                origin.bulk_upload_id,
                e.row_number,
                e.version,
                json.dumps(e.changes, separators=(",", ":")),
            )
            for e in entries
        ],
    )


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityFilter:
    session_id: int | None = None
    actor_id: int | None = None
    kinds: list[ActivityKind] = field(default_factory=list)
    from_: datetime | None = None
    to: datetime | None = None


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Shown:
    """An activity entry as its viewer may see it."""

    id: int
    session_id: int
    session_title: str
    actor_id: int | None
    actor_name: str
    at: datetime
    kind: ActivityKind
    channel: ActivityChannel
    bulk_upload_id: int | None
    row_number: int | None
    version: int
    changes: list[FieldChange]


@dataclass(frozen=True)
class ActivityPage:
    items: list[Shown]
    total_count: int
    page: int
    page_size: int


class HistoryError(ValueError):
    """Bad arguments; the message says what is wrong and how to fix it."""


ONLY_MANAGERS = "Only session managers can read the history of changes; ask a session manager of your organisation."


def _managers_only(viewer: User) -> None:
    if not viewer.is_manager:
        raise refused(ErrorCode.PERMISSION_DENIED, ONLY_MANAGERS)


def check_paging(page: int, page_size: int) -> None:
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise HistoryError(f"pageSize must be between 1 and {MAX_PAGE_SIZE}; you asked for {page_size}.")
    if page < 1 or page > 100_000:
        raise HistoryError(f"page must be between 1 and 100,000; you asked for {page}.")


def _matching(viewer: User, f: ActivityFilter) -> QuerySet[Activity]:
    query = Activity.filter(organization_id=viewer.organization_id)
    if f.session_id is not None:
        query = query.filter(session_id=f.session_id)
    if f.actor_id is not None:
        query = query.filter(actor_id=f.actor_id)
    if f.kinds:
        query = query.filter(kind__in=[k.value for k in f.kinds])
    if f.from_ is not None:
        query = query.filter(at__gte=f.from_)
    if f.to is not None:
        query = query.filter(at__lte=f.to)
    return query


async def shown(viewer: User, rows: Iterable[Activity]) -> list[Shown]:
    """The rows as the viewer may see them: a sensitive value (a passcode, mentees' e-mails) the viewer may
    not see of that session is masked, as everywhere else (`may_see`)."""
    rows = list(rows)
    sessions = {
        s.id: s
        for s in await Session.filter(id__in={r.session_id for r in rows}, organization_id=viewer.organization_id)
    }
    found = []
    for row in rows:
        session = sessions.get(row.session_id)
        if session is None:
            continue

        def visible(name: str, value: Any, session: Session = session) -> Any:
            sensitive = SENSITIVE.get(name)
            if sensitive is None or value in (None, "", []) or may_see(viewer, sensitive, session, attends=False):
                return value
            return MASKED

        found.append(
            Shown(
                id=row.id,
                session_id=row.session_id,
                session_title=session.title,
                actor_id=row.actor_id,
                actor_name=row.actor_name,
                at=row.at,
                kind=ActivityKind(row.kind),
                channel=ActivityChannel(row.channel),
                bulk_upload_id=row.bulk_upload_id,
                row_number=row.row_number,
                version=row.version,
                changes=[
                    FieldChange(name, visible(name, c.get("before")), visible(name, c.get("after")))
                    for c in row.changes
                    for name in [str(c["field"])]
                ],
            )
        )
    return found


async def activity_page(viewer: User, f: ActivityFilter, page: int = 1, page_size: int = 20) -> ActivityPage:
    """The organisation's changes, newest first, for managers: two queries for the page and one for its sessions."""
    _managers_only(viewer)
    check_paging(page, page_size)
    query = _matching(viewer, f)
    rows = await query.order_by("-id").offset((page - 1) * page_size).limit(page_size)
    return ActivityPage(await shown(viewer, rows), await query.count(), page, page_size)


DOWNLOAD_MAX = 50_000
DOWNLOAD_BATCH = 1_000


async def check_download(viewer: User, f: ActivityFilter) -> None:
    """A download holds at most DOWNLOAD_MAX changes (managers only); refused before it starts."""
    _managers_only(viewer)
    total = await _matching(viewer, f).count()
    if total > DOWNLOAD_MAX:
        raise HistoryError(
            f"This download would hold {total:,} changes; narrow it to at most {DOWNLOAD_MAX:,} "
            "(a shorter period, one session or one person)."
        )


async def download_batches(viewer: User, f: ActivityFilter) -> AsyncIterator[list[Shown]]:
    """The matching changes, newest first, a batch at a time (two queries a batch), after `check_download`."""
    _managers_only(viewer)
    query = _matching(viewer, f).order_by("-id")
    before: int | None = None
    while True:
        page = query.filter(id__lt=before) if before is not None else query
        rows = await page.limit(DOWNLOAD_BATCH)
        if not rows:
            return
        yield await shown(viewer, rows)
        before = rows[-1].id


async def changed_since(session: Session, version: int) -> list[Activity]:
    """What changed a session after `version`, oldest first."""
    return await Activity.filter(session_id=session.id, version__gt=version).order_by("version", "id")


async def prune(keep_days: int, now: datetime | None = None) -> int:
    """Delete the history older than `keep_days` days; how many entries were deleted."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    return await Activity.filter(at__lt=cutoff).delete()


# --- telling what changed meanwhile (STALE) ----------------------------------------------------------

FIELD_WORDS = {
    "title": "the title",
    "description": "the description",
    "startsAt": "the start",
    "durationMinutes": "the duration",
    "timeZone": "the time zone",
    "medium": "the medium",
    "seatsLimit": "the seats limit",
    "remindersEnabled": "the reminders",
    "meeting.platform": "the meeting platform",
    "meeting.link": "the meeting link",
    "meeting.passcode": "the meeting passcode",
    "image": "the image",
    "status": "the status",
    "categories": "the categories",
    "recommendedFor": "the recommended for values",
    MENTEES: "the mentees",
}


CHANNEL_NAMES = {
    ActivityChannel.BROWSER: "Browser",
    ActivityChannel.API: "API",
    ActivityChannel.BULK_UPLOAD: "Bulk upload",
    ActivityChannel.COMMAND_LINE: "Command line",
    ActivityChannel.SYSTEM: "System",
}


def channel_words(entry: Activity) -> str:
    """How the change came: "in the browser", "by bulk upload 12, row 412"."""
    channel = ActivityChannel(entry.channel)
    if channel == ActivityChannel.BULK_UPLOAD:
        row = f", row {entry.row_number}" if entry.row_number else ""
        return f"by bulk upload {entry.bulk_upload_id}{row}"
    return {
        ActivityChannel.BROWSER: "in the browser",
        ActivityChannel.API: "through the API",
        ActivityChannel.COMMAND_LINE: "on the command line",
        ActivityChannel.SYSTEM: "automatically",
    }[channel]


def _value_words(value: object) -> str:
    if value in (None, "", []):
        return "empty"
    if isinstance(value, list):
        return ", ".join(f"“{v}”" for v in value[:10]) + (f" and {len(value) - 10} more" if len(value) > 10 else "")
    if isinstance(value, str) and len(value) > 10 and value[4:5] == "-" and "T" in value:
        try:
            return when(datetime.fromisoformat(value))
        except ValueError:
            pass
    return f"“{value}”"


@dataclass(frozen=True)
class Told:
    """One field changed since a version: who changed it last, how and when (in words), and its value now."""

    field: str
    who: str
    what: str
    now: str


def what_changed(viewer: User, session: Session, entries: list[Activity], loaded: LoadedSession) -> list[Told]:
    """Each field changed in `entries` (oldest first), as the viewer may see it now."""
    last: dict[str, Activity] = {}
    for entry in entries:
        for change in entry.changes:
            last[str(change["field"])] = entry
    now = snapshot(loaded)
    told = []
    for name, entry in last.items():
        value = now.get(name)
        sensitive = SENSITIVE.get(name)
        if sensitive is not None and value not in (None, "", []) and not may_see(viewer, sensitive, session, False):
            value = MASKED
        who = f"{entry.actor_name} ({channel_words(entry)}, {when(entry.at)})"
        told.append(Told(name, who, FIELD_WORDS.get(name, name), _value_words(value)))
    return told
