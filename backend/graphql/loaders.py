"""Per-request DataLoaders: whatever a page of sessions needs is fetched in one statement per kind,
so a page costs the same number of SQL statements at pageSize 5 as at 100."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from backend import people
from backend.db import column
from backend.models import Attendance, AttendanceKind, LabelKind, Rating, SessionLabel, User


async def _labels(session_ids: Sequence[int]) -> list[dict[LabelKind, list[str]]]:
    by_session: dict[int, dict[LabelKind, list[str]]] = defaultdict(lambda: defaultdict(list))
    for label in await SessionLabel.filter(session_id__in=list(session_ids)).order_by("position", "id"):
        by_session[label.session_id][label.kind].append(label.value)
    return [by_session[i] for i in session_ids]


async def _attendances(session_ids: Sequence[int]) -> list[list[Attendance]]:
    by_session: dict[int, list[Attendance]] = defaultdict(list)
    rows = (
        await Attendance.filter(session_id__in=list(session_ids)).select_related("mentee").order_by("created_at", "id")
    )
    for row in rows:
        by_session[row.session_id].append(row)
    return [by_session[i] for i in session_ids]


class Loaders:
    """Created fresh for each request, so nothing cached outlives it."""

    def __init__(self) -> None:
        self._loaders: dict[str, DataLoader] = {}

    def _get(self, name: str, load: Callable[[Sequence[Any]], Awaitable[list]]) -> DataLoader:
        if name not in self._loaders:
            self._loaders[name] = DataLoader(load_fn=load)
        return self._loaders[name]

    def attends(self, viewer_id: int) -> DataLoader[int, bool]:
        async def load(session_ids: Sequence[int]) -> list[bool]:
            query = Attendance.filter(mentee_id=viewer_id, session_id__in=list(session_ids))
            attended = set(await column(query, "session_id", int))
            return [i in attended for i in session_ids]

        return self._get(f"attends:{viewer_id}", load)

    def attendance_kind(self, viewer_id: int) -> DataLoader[int, AttendanceKind | None]:
        """How the viewer takes part in each session (invited or enrolled), or None."""

        async def load(session_ids: Sequence[int]) -> list[AttendanceKind | None]:
            rows = await Attendance.filter(mentee_id=viewer_id, session_id__in=list(session_ids))
            kinds = {row.session_id: row.kind for row in rows}
            return [kinds.get(i) for i in session_ids]

        return self._get(f"attendance_kind:{viewer_id}", load)

    def stars_given(self, viewer_id: int) -> DataLoader[int, int | None]:
        """The stars the viewer gave each session, or None."""

        async def load(session_ids: Sequence[int]) -> list[int | None]:
            rows = await Rating.filter(mentee_id=viewer_id, session_id__in=list(session_ids))
            stars = {row.session_id: row.stars for row in rows}
            return [stars.get(i) for i in session_ids]

        return self._get(f"stars_given:{viewer_id}", load)

    @property
    def user(self) -> DataLoader[int, User | None]:
        return self._get("user", people.users_by_id)

    @property
    def labels(self) -> DataLoader[int, dict[LabelKind, list[str]]]:
        return self._get("labels", _labels)

    @property
    def attendances(self) -> DataLoader[int, list[Attendance]]:
        return self._get("attendances", _attendances)

    @property
    def sessions_hosted(self) -> DataLoader[int, int]:
        return self._get("sessions_hosted", people.sessions_hosted)

    @property
    def star_counts(self) -> DataLoader[int, dict[int, int]]:
        return self._get("star_counts", people.star_counts)
