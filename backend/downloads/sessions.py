"""CSV downloads of the session list (also in the bulk-edit layout) and of a session's mentees, streamed
row by row."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime
from enum import Enum
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from tortoise import Tortoise

from backend.csv_format import BOM, csv_line, local_date, local_time, safe_text, zone_label
from backend.db import column
from backend.downloads.bulk_edit import bulk_edit_rows
from backend.downloads.http import csv_download, not_signed_in, signed_in
from backend.errors import parse_id
from backend.models import (
    PLATFORM_NAMES,
    Attendance,
    LabelKind,
    MeetingPlatform,
    SessionStatus,
    SessionType,
)
from backend.sessions import listing
from backend.sessions.visibility import (
    BULK_FILES_FOR_MANAGERS,
    SensitiveField,
    may_see,
    may_use_bulk_files,
    visible_sessions,
)
from backend.settings import get_settings

E = TypeVar("E", bound=Enum)
STATUS_LABELS = {SessionStatus.UPCOMING: "Upcoming", SessionStatus.LIVE: "Live", SessionStatus.COMPLETED: "Completed"}


def _enum_values(request: Request, name: str, enum: type[E]) -> list[E]:
    values = []
    for raw in request.query_params.getlist(name):
        try:
            values.append(enum(raw.strip().upper()))
        except ValueError:
            allowed = ", ".join(str(e.value) for e in enum)
            raise listing.ListError(f"{name} {raw!r} is not a known value; use one of {allowed}.") from None
    return values


def query_instant(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise listing.ListError(
            f"{name} {raw!r} is not a date and time; use ISO 8601 such as 2026-12-01T09:00:00+05:30."
        ) from None
    return listing.filter_instant(value, name, as_sent=raw)


def _whole_number(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        return None
    if not re.fullmatch(r"[0-9]{1,10}", raw.strip()):
        raise listing.ListError(f"{name} {raw!r} is not a whole number; give one such as 0 or 5.")
    return int(raw)


def _boolean(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        return None
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise listing.ListError(f"{name} {raw!r} is neither true nor false; give one of the two.")
    return value == "true"


def list_arguments(request: Request) -> tuple[listing.SessionFilter, str | None, listing.SessionSort]:
    """The download's query parameters, which mirror the GraphQL SessionFilter (lists repeated) and are
    checked by the same code with the same messages; raises listing.ListError."""
    params = request.query_params
    session_filter = listing.SessionFilter(
        statuses=_enum_values(request, "statuses", SessionStatus),
        types=_enum_values(request, "types", SessionType),
        platforms=_enum_values(request, "platforms", MeetingPlatform),
        categories=params.getlist("categories"),
        recommended_for=params.getlist("recommendedFor"),
        mediums=params.getlist("mediums"),
        mentor_ids=[listing.filter_mentor_id(raw, "mentorIds") for raw in params.getlist("mentorIds")],
        starts_from=query_instant(request, "startsFrom"),
        starts_to=query_instant(request, "startsTo"),
        mentee_count_at_most=_whole_number(request, "menteeCountAtMost"),
        nearly_full=_boolean(request, "nearlyFull"),
    )
    sort_fields = _enum_values(request, "sort", listing.SortField) or [listing.SortField.START_TIME]
    directions = _enum_values(request, "direction", listing.SortDirection) or [listing.SortDirection.ASC]
    return (
        session_filter,
        params.get("search"),
        listing.SessionSort(sort_fields[0], directions[0]),
    )


SESSION_COLUMNS = [
    "ID",
    "Title",
    "Type",
    "Status",
    "Mentor",
    "Mentor Email",
    "Date",
    "Time",
    "Time Zone",
    "Duration (min)",
    "Mentee Count",
    "Enrolled",
    "Invited",
    "Seats Limit",
    "Recommended For",
    "Categories",
    "Medium",
    "Meeting Platform",
]


# Plain tuples straight from the driver rather than model objects or ORM value conversion: at 80,000
# sessions those were most of the download. A batch is two statements (the sessions with their mentor,
# then their labels), so a download costs 2 statements per 5,000 rows plus the ordered list of IDs.
BATCH = 5000
SESSION_SQL = (
    "SELECT s.id, s.title, s.type, s.status, s.starts_at, s.duration_minutes, s.mentee_count, s.enrolled_count, "
    's.invited_count, s.seats_limit, s.medium, s.meeting_platform, u.name, u.email FROM "session" s '
    'JOIN "user" u ON u.id = s.mentor_id WHERE s.id {ids}'
)
LABEL_SQL = "SELECT session_id, kind, value FROM session_label WHERE session_id {ids} ORDER BY position, id"
TYPE_LABELS = {t.value: t.value.title() for t in SessionType}
STATUS_TEXT = {s.value: label for s, label in STATUS_LABELS.items()}
PLATFORM_TEXT = {p.value: name for p, name in PLATFORM_NAMES.items()}
CATEGORY = LabelKind.CATEGORY.value


async def _fetch(sql: str, ids: list[int]) -> list:
    """Rows of `sql` for the sessions `ids`, as the driver gives them (tuple-like), no model objects."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        _, rows = await connection.execute_query(sql.format(ids="= ANY($1::int[])"), [ids])
    else:
        _, rows = await connection.execute_query(sql.format(ids=f"IN ({','.join('?' * len(ids))})"), ids)
    return list(rows)


def _stored_instant(value: datetime | str) -> datetime:
    # PostgreSQL gives datetimes; SQLite the stored ISO text.
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


async def session_rows(batches: AsyncIterator[list[int]]) -> AsyncIterator[str]:
    """The CSV of the sessions of each batch of IDs in turn (5,000 to a batch), in their order, written by one
    csv.writer.
    Every text a person typed (title, names, emails, labels, medium) goes through the CSV-injection guard;
    the other cells are numbers, dates and fixed words."""
    zone = get_settings().display_time_zone
    zone_text = zone_label(zone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield BOM + csv_line(SESSION_COLUMNS)
    async for chunk in batches:
        found = {row[0]: row for row in await _fetch(SESSION_SQL, chunk)}
        recommended: dict[int, list[str]] = {}
        categories: dict[int, list[str]] = {}
        for session_id, kind, value in await _fetch(LABEL_SQL, chunk):
            (categories if kind == CATEGORY else recommended).setdefault(session_id, []).append(value)
        lines = []
        for session_id in chunk:
            row = found.get(session_id)
            if row is None:
                continue  # deleted since the list was read
            (_, title, type_, status, starts_at, duration, mentees, enrolled, invited, seats, medium, platform,
             mentor_name, mentor_email) = row  # fmt: skip
            local = _stored_instant(starts_at).astimezone(zone)
            lines.append(
                (
                    session_id,
                    safe_text(title),
                    TYPE_LABELS[type_],
                    STATUS_TEXT[status],
                    safe_text(mentor_name),
                    safe_text(mentor_email),
                    f"{local.day:02d}-{local.month:02d}-{local.year:04d}",
                    f"{local.hour:02d}:{local.minute:02d}",
                    zone_text,
                    duration,
                    mentees,
                    enrolled,
                    invited,
                    seats,
                    safe_text(", ".join(recommended.get(session_id, ()))),
                    safe_text(", ".join(categories.get(session_id, ()))),
                    safe_text(medium),
                    PLATFORM_TEXT[platform],
                )
            )
        writer.writerows(lines)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def session_not_found() -> Response:
    return PlainTextResponse("No such session. It may have been deleted, or the ID is wrong.", 404)


async def sessions_csv(request: Request) -> Response:
    viewer = await signed_in(request)
    if viewer is None:
        return not_signed_in()
    bulk = request.query_params.get("format") == "bulk"
    if bulk and not may_use_bulk_files(viewer):
        return PlainTextResponse(BULK_FILES_FOR_MANAGERS, 403)
    try:
        session_filter, search, sort = list_arguments(request)
        found = await listing.find_sessions(viewer, session_filter, search)
    except listing.ListError as error:
        return PlainTextResponse(str(error), 400)
    if bulk:
        ids = await column(listing.order_sessions(found, sort), "id", int)
        return csv_download(bulk_edit_rows(viewer, ids), "sessions-bulk-edit.csv")
    return csv_download(session_rows(listing.id_batches(found, sort, BATCH)), "sessions.csv")


MENTEE_COLUMNS = ["Name", "Email", "Designation", "Enrolled or Invited", "Added On"]


async def mentees_csv(request: Request) -> Response:
    viewer = await signed_in(request)
    if viewer is None:
        return not_signed_in()
    session_id = parse_id(request.path_params["id"])
    session = await visible_sessions(viewer).get_or_none(id=session_id) if session_id else None
    if session is None or not may_see(viewer, SensitiveField.MENTEES, session, attends=False):
        return session_not_found()
    zone = get_settings().display_time_zone
    attendances = await Attendance.filter(session_id=session.id).select_related("mentee").order_by("created_at", "id")

    async def rows() -> AsyncIterator[str]:
        yield BOM + csv_line(MENTEE_COLUMNS)
        for a in attendances:
            yield csv_line(
                [
                    a.mentee.name,
                    a.mentee.email,
                    a.mentee.designation,
                    a.kind.value.title(),
                    f"{local_date(a.created_at, zone)} {local_time(a.created_at, zone)}",
                ]
            )

    return csv_download(rows(), f"session-{session.id}-mentees.csv")


routes = [
    Route("/exports/sessions.csv", sessions_csv, methods=["GET"]),
    Route("/exports/sessions/{id}/mentees.csv", mentees_csv, methods=["GET"]),
]
