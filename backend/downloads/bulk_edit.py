"""“Export for bulk edit”: sessions in the upload format, one Edit row each with every cell filled, so
a manager can change cells in a spreadsheet and upload the same file back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from backend.bulk_upload import columns
from backend.bulk_upload.rows import Action
from backend.csv_format import BOM, csv_line, local_date, local_time
from backend.models import (
    PLATFORM_NAMES,
    SESSION_ZONES,
    Attendance,
    AttendanceKind,
    LabelKind,
    MeetingPlatform,
    Session,
    SessionLabel,
    SessionStatus,
    SessionTimeZone,
    SessionType,
    User,
)
from backend.sessions.visibility import SensitiveField, may_see

BATCH = 1000
# Plain rows rather than model objects: a large export is mostly object building otherwise.
FIELDS = (
    "id",
    "title",
    "description",
    "type",
    "starts_at",
    "time_zone",
    "duration_minutes",
    "medium",
    "meeting_platform",
    "meeting_link",
    "meeting_passcode",
    "mentor__email",
    "mentor_id",
    "organization_id",
    "version",
)


class _Row:
    """A plain session row as the visibility rules read it."""

    def __init__(self, row: dict) -> None:
        self.organization_id, self.mentor_id = row["organization_id"], row["mentor_id"]


def edit_row(viewer: User, session: dict, labels: dict[LabelKind, list[str]], invited: list[str]) -> list[object]:
    """The session as an Edit row; Date and Time in the session's own time zone. A sensitive cell the
    viewer may not see is left blank (on upload, a blank cell keeps the session's value)."""

    def shown(field: SensitiveField, value: str) -> str:
        return value if may_see(viewer, field, _Row(session), attends=False) else ""

    time_zone = SessionTimeZone(session["time_zone"])
    zone = SESSION_ZONES[time_zone]
    cells = {
        "action": Action.EDIT.value,
        "id": session["id"],
        "title": session["title"],
        "description": session["description"],
        "type": SessionType(session["type"]).value.title(),
        "mentor": session["mentor__email"],
        "mentees": shown(SensitiveField.MENTEES, ", ".join(invited)),
        "date": local_date(session["starts_at"], zone),
        "time_zone": time_zone.value,
        "time": local_time(session["starts_at"], zone),
        "duration": session["duration_minutes"],
        "recommended_for": ", ".join(labels.get(LabelKind.RECOMMENDED_FOR, [])),
        "categories": ", ".join(labels.get(LabelKind.CATEGORY, [])),
        "medium": session["medium"],
        "meeting_platform": PLATFORM_NAMES[MeetingPlatform(session["meeting_platform"])],
        "meeting_link": shown(SensitiveField.MEETING_LINK, session["meeting_link"]),
        "meeting_passcode": shown(SensitiveField.MEETING_PASSCODE, session["meeting_passcode"]),
    }
    return [*(cells[column.key] for column in columns.COLUMNS), session["version"]]


async def bulk_edit_rows(viewer: User, ids: Iterable[int]) -> AsyncIterator[str]:
    """The listed sessions that can still be edited (upcoming ones, rule R1), in the listed order,
    a batch at a time (three queries a batch)."""
    ids = list(ids)
    yield BOM + csv_line(columns.EXPORT_HEADER)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = {s["id"]: s for s in await Session.filter(id__in=chunk, status=SessionStatus.UPCOMING).values(*FIELDS)}
        if not found:
            continue
        labels: dict[int, dict[LabelKind, list[str]]] = {}
        for session_id, kind, value in (
            await SessionLabel.filter(session_id__in=list(found))
            .order_by("position", "id")
            .values_list("session_id", "kind", "value")
        ):
            labels.setdefault(session_id, {}).setdefault(LabelKind(kind), []).append(value)
        invited: dict[int, list[str]] = {}
        for session_id, email in (
            await Attendance.filter(session_id__in=list(found), kind=AttendanceKind.INVITED)
            .order_by("id")
            .values_list("session_id", "mentee__email")
        ):
            invited.setdefault(session_id, []).append(email)
        yield "".join(
            csv_line(edit_row(viewer, found[i], labels.get(i, {}), invited.get(i, []))) for i in chunk if i in found
        )
