"""The history of changes as a CSV file (the Activity page's download), with the same filters as
`Query.activity` and the same who-sees-what: `history.shown` masks what the viewer may not see."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.csv_format import BOM, csv_line, local_date, local_time, zone_label
from backend.downloads.http import csv_download, not_signed_in, signed_in
from backend.downloads.sessions import query_instant
from backend.errors import Refused, parse_id
from backend.models import ActivityKind, User
from backend.sessions import history
from backend.sessions.history import ActivityFilter, HistoryError, Shown
from backend.sessions.listing import ListError
from backend.settings import get_settings

COLUMNS = [
    "Date",
    "Time",
    "Time Zone",
    "Session ID",
    "Session",
    "Who",
    "How",
    "Bulk Upload",
    "Row",
    "Change",
    "Version",
    "Field",
    "Before",
    "After",
]


def _id(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        return None
    number = parse_id(raw)
    if number is None:
        raise ListError(f"{name} {raw!r} is not a valid ID; IDs are positive whole numbers such as 42.")
    return number


def activity_filter(request: Request) -> ActivityFilter:
    """The download's query parameters, as `Query.activity`'s filter: sessionId, actorId, kind (repeated),
    from and to (ISO 8601 with an offset)."""
    kinds = []
    for raw in request.query_params.getlist("kind"):
        try:
            kinds.append(ActivityKind(raw.strip().upper()))
        except ValueError:
            raise ListError(f"kind {raw!r} is not a known value; use one of {', '.join(ActivityKind)}.") from None
    return ActivityFilter(
        session_id=_id(request, "sessionId"),
        actor_id=_id(request, "actorId"),
        kinds=kinds,
        from_=query_instant(request, "from"),
        to=query_instant(request, "to"),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def lines_of(entry: Shown) -> list[list[object]]:
    """One line per changed field (one line for a change without fields, a delete or a restore)."""
    zone = get_settings().display_time_zone
    how = history.CHANNEL_NAMES[entry.channel]
    common = [
        local_date(entry.at, zone),
        local_time(entry.at, zone),
        zone_label(zone),
        entry.session_id,
        entry.session_title,
        entry.actor_name,
        how,
        entry.bulk_upload_id or "",
        entry.row_number or "",
        entry.kind.value,
        entry.version,
    ]
    if not entry.changes:
        return [[*common, "", "", ""]]
    return [[*common, c.field, _text(c.before), _text(c.after)] for c in entry.changes]


async def rows(viewer: User, f: ActivityFilter) -> AsyncIterator[str]:
    yield BOM + csv_line(COLUMNS)
    async for batch in history.download_batches(viewer, f):
        yield "".join(csv_line(line) for entry in batch for line in lines_of(entry))


async def activity_csv(request: Request) -> Response:
    viewer = await signed_in(request)
    if viewer is None:
        return not_signed_in()
    try:
        f = activity_filter(request)
        await history.check_download(viewer, f)
    except (ListError, HistoryError) as error:
        return PlainTextResponse(str(error), 400)
    except Refused as refused:
        return PlainTextResponse(refused.errors[0].message, 403)
    return csv_download(rows(viewer, f), "activity.csv")


routes = [Route("/exports/activity.csv", activity_csv)]
