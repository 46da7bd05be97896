"""CSV downloads of the session list (also in the bulk-edit layout) and of a session's mentees, streamed
row by row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from enum import Enum
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.csv_format import BOM, csv_line, local_date, local_time, zone_label
from backend.downloads.bulk_edit import bulk_edit_rows
from backend.downloads.http import csv_download, not_signed_in, signed_in
from backend.errors import parse_id
from backend.models import (
    PLATFORM_NAMES,
    Attendance,
    LabelKind,
    MeetingPlatform,
    Session,
    SessionLabel,
    SessionStatus,
    SessionType,
)
from backend.sessions import listing
from backend.sessions.visibility import can_see_mentees, visible_sessions
from backend.settings import get_settings

BATCH = 1000
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


def _instant(request: Request, name: str) -> datetime | None:
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
        starts_from=_instant(request, "startsFrom"),
        starts_to=_instant(request, "startsTo"),
    )
    sort_fields = _enum_values(request, "sort", listing.SortField) or [listing.SortField.START_TIME]
    directions = _enum_values(request, "direction", listing.SortDirection) or [listing.SortDirection.ASC]
    return session_filter, params.get("search"), listing.SessionSort(sort_fields[0], directions[0])


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


# Plain rows rather than model objects: building 100,000 Session objects would cost most of the download.
SESSION_FIELDS = (
    "id",
    "title",
    "type",
    "status",
    "starts_at",
    "duration_minutes",
    "mentee_count",
    "enrolled_count",
    "invited_count",
    "seats_limit",
    "medium",
    "meeting_platform",
    "mentor__name",
    "mentor__email",
)


async def session_batches(ids: list[int]) -> AsyncIterator[tuple[list[dict], dict[tuple[int, LabelKind], list[str]]]]:
    """Sessions in the given order, a batch at a time, with their mentor and labels (2 queries a batch)."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = {row["id"]: row for row in await Session.filter(id__in=chunk).values(*SESSION_FIELDS)}
        labels: dict[tuple[int, LabelKind], list[str]] = {}
        for session_id, kind, value in (
            await SessionLabel.filter(session_id__in=chunk)
            .order_by("position", "id")
            .values_list("session_id", "kind", "value")
        ):
            labels.setdefault((session_id, LabelKind(kind)), []).append(value)
        yield [found[i] for i in chunk if i in found], labels


async def session_rows(ids: list[int]) -> AsyncIterator[str]:
    zone = get_settings().display_time_zone
    yield BOM + csv_line(SESSION_COLUMNS)
    async for sessions, labels in session_batches(ids):
        lines = []
        for s in sessions:
            lines.append(
                csv_line(
                    [
                        s["id"],
                        s["title"],
                        SessionType(s["type"]).value.title(),
                        STATUS_LABELS[SessionStatus(s["status"])],
                        s["mentor__name"],
                        s["mentor__email"],
                        local_date(s["starts_at"], zone),
                        local_time(s["starts_at"], zone),
                        zone_label(zone),
                        s["duration_minutes"],
                        s["mentee_count"],
                        s["enrolled_count"],
                        s["invited_count"],
                        s["seats_limit"],
                        ", ".join(labels.get((s["id"], LabelKind.RECOMMENDED_FOR), [])),
                        ", ".join(labels.get((s["id"], LabelKind.CATEGORY), [])),
                        s["medium"],
                        PLATFORM_NAMES[MeetingPlatform(s["meeting_platform"])],
                    ]
                )
            )
        yield "".join(lines)


def session_not_found() -> Response:
    return PlainTextResponse("No such session. It may have been deleted, or the ID is wrong.", 404)


async def sessions_csv(request: Request) -> Response:
    viewer = await signed_in(request)
    if viewer is None:
        return not_signed_in()
    try:
        session_filter, search, sort = list_arguments(request)
    except listing.ListError as error:
        return PlainTextResponse(str(error), 400)
    query = listing.order_sessions(await listing.find_sessions(viewer, session_filter, search), sort)
    ids = await query.values_list("id", flat=True)
    if request.query_params.get("format") == "bulk":
        return csv_download(bulk_edit_rows(ids), "sessions-bulk-edit.csv")
    return csv_download(session_rows(list(ids)), "sessions.csv")


MENTEE_COLUMNS = ["Name", "Email", "Designation", "Enrolled or Invited", "Added On"]


async def mentees_csv(request: Request) -> Response:
    viewer = await signed_in(request)
    if viewer is None:
        return not_signed_in()
    session_id = parse_id(request.path_params["id"])
    session = await visible_sessions(viewer).get_or_none(id=session_id) if session_id else None
    if session is None or not can_see_mentees(viewer, session):
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
