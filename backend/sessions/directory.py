"""What the session rules need to know about one organisation — its sessions, mentors, mentees and
each mentor's booked times — fetched in a few queries and then kept in memory.

A single change loads only what it touches; a bulk upload preloads everything its file refers to in
one go, so checking 10,000 rows costs a handful of queries. As rows are applied (or, in a dry run,
only imagined), the directory is updated so each row sees the rows before it.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend.inputs import first_control_character
from backend.models import (
    Attendance,
    AttendanceKind,
    LabelKind,
    Session,
    SessionLabel,
    SessionStatus,
    User,
    VocabularyKind,
    VocabularyValue,
)

ACTIVE = (SessionStatus.UPCOMING, SessionStatus.LIVE)


def booking(**conditions: Any) -> QuerySet[Session]:
    """The sessions that book their mentor's time (R4): upcoming or live, not deleted; narrowed by
    `conditions` (Session.filter's)."""
    return Session.filter(status__in=list(ACTIVE), deleted_at__isnull=True, **conditions)


# Around the days a file names, far enough to cover any time zone offset and the longest session.
WINDOW_MARGIN = timedelta(days=2)
# First key of the PostgreSQL advisory lock "booking this mentor"; the second is the mentor's ID.
MENTOR_BOOKING_LOCK = 4004


async def take_turns_booking(mentor_id: int) -> None:
    """On PostgreSQL, changes booking one mentor take turns until they commit, so each R4 check sees the
    booking committed just before it. Without turns, concurrent writers both pass the check and then
    the exclusion constraint refuses one of them, or deadlocks them; it stays the last word for
    writers that check against preloaded bookings."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1, $2)", [MENTOR_BOOKING_LOCK, mentor_id])


@dataclass
class LoadedSession:
    model: Session
    labels: dict[LabelKind, list[str]] = field(default_factory=dict)
    # mentee id → (kind, mentee)
    attendees: dict[int, tuple[AttendanceKind, User]] = field(default_factory=dict)

    def people(self, kind: AttendanceKind | None = None) -> list[User]:
        return [user for k, user in self.attendees.values() if kind is None or k == kind]


@dataclass(order=True)
class Booking:
    """A mentor's time taken by an upcoming or live session."""

    starts_at: datetime
    ends_at: datetime
    session_id: int
    title: str = field(compare=False)


class Directory:
    def __init__(self, organization_id: int) -> None:
        self.organization_id = organization_id
        self.sessions: MutableMapping[int, LoadedSession | None] = {}
        self.mentors_by_id: dict[int, User | None] = {}
        self.mentors_by_email: dict[str, User | None] = {}
        self.mentees_by_email: dict[str, User | None] = {}
        self.bookings: MutableMapping[int, list[Booking]] = {}  # mentor id → sorted bookings, when loaded
        # Bookings are loaded for this span only (None: all of them); a question outside it asks the database.
        self.booking_window: tuple[datetime, datetime] | None = None
        self.vocabularies: dict[VocabularyKind, list[str]] | None = None

    # --- loading ---------------------------------------------------------------------------------

    async def load_sessions(self, ids: Iterable[int], *, for_update: bool = False) -> None:
        missing = [i for i in set(ids) if i not in self.sessions]
        if not missing:
            return
        query = Session.filter(id__in=missing, organization_id=self.organization_id, deleted_at__isnull=True)
        found = await _loaded(query.select_for_update() if for_update else query)
        for i in missing:
            self.sessions[i] = found.get(i)

    async def deleted_session(self, session_id: int) -> LoadedSession | None:
        """A deleted session of the organisation with its labels and mentees, locked (to restore it)."""
        query = Session.filter(id=session_id, organization_id=self.organization_id, deleted_at__isnull=False)
        return (await _loaded(query.select_for_update())).get(session_id)

    async def load_mentors(self, ids: Iterable[int] = (), emails: Iterable[str] = ()) -> None:
        ids = [i for i in set(ids) if i not in self.mentors_by_id]
        emails = [e for e in {e.strip().lower() for e in emails} if e not in self.mentors_by_email]
        if not ids and not emails:
            return
        found = await User.filter(organization_id=self.organization_id, is_mentor=True).filter(
            Q(id__in=ids) | Q(email__in=_queryable(emails))
        )
        for user in found:
            self.mentors_by_id[user.id] = user
            self.mentors_by_email[user.email] = user
        for i in ids:
            self.mentors_by_id.setdefault(i, None)
        for e in emails:
            self.mentors_by_email.setdefault(e, None)

    async def load_mentees(self, emails: Iterable[str]) -> None:
        emails = [e for e in {e.strip().lower() for e in emails} if e not in self.mentees_by_email]
        if not emails:
            return
        for user in await User.filter(
            organization_id=self.organization_id, is_mentee=True, email__in=_queryable(emails)
        ):
            self.mentees_by_email[user.email] = user
        for e in emails:
            self.mentees_by_email.setdefault(e, None)

    async def load_bookings(self, mentor_ids: Iterable[int]) -> None:
        missing = [i for i in set(mentor_ids) if i not in self.bookings]
        if not missing:
            return
        for i in missing:
            self.bookings[i] = []
        query = booking(mentor_id__in=missing)
        if self.booking_window is not None:
            first, last = self.booking_window
            query = query.filter(starts_at__lte=last, ends_at__gte=first)
        for row in await query.values("id", "mentor_id", "starts_at", "ends_at", "title"):
            self.bookings[row["mentor_id"]].append(Booking(row["starts_at"], row["ends_at"], row["id"], row["title"]))
        for i in missing:
            self.bookings[i].sort()

    async def preload(
        self,
        *,
        session_ids: Iterable[int] = (),
        mentor_emails: Iterable[str] = (),
        mentee_emails: Iterable[str] = (),
        days: Iterable[date] | None = None,
    ) -> None:
        """Everything a batch of changes refers to, in a fixed handful of queries: its sessions, mentors and
        mentees, and the mentors' bookings. Given the `days` the changes name, only the bookings around
        those days and the sessions' own times are loaded, so the cost follows the batch, not the size of
        the organisation (a bulk upload); without them, all of the mentors' bookings."""
        await self.load_sessions(session_ids)
        loaded = [s.model for s in self.sessions.values() if s]
        await self.load_mentors(ids=[s.mentor_id for s in loaded], emails=mentor_emails)
        await self.load_mentees(mentee_emails)
        instants = [datetime.combine(day, time(), tzinfo=UTC) for day in days or ()]
        instants += [s.starts_at for s in loaded] + [s.ends_at for s in loaded]
        if days is not None and instants:
            self.booking_window = (min(instants) - WINDOW_MARGIN, max(instants) + WINDOW_MARGIN)
        # Nothing in a bulk batch has a time: no booking can be asked about.
        if days is None or instants:
            await self.load_bookings([m.id for m in self.mentors_by_id.values() if m])
        await self.load_vocabularies()

    async def load_vocabularies(self) -> None:
        """The organisation's lists of categories, "recommended for" values and mediums, in one query."""
        if self.vocabularies is not None:
            return
        self.vocabularies = {kind: [] for kind in VocabularyKind}
        rows = VocabularyValue.filter(organization_id=self.organization_id).order_by("position", "id")
        for kind, value in await rows.values_list("kind", "value"):
            self.vocabularies[VocabularyKind(kind)].append(value)

    # --- questions -------------------------------------------------------------------------------

    async def session(self, session_id: int, *, for_update: bool = False) -> LoadedSession | None:
        await self.load_sessions([session_id], for_update=for_update)
        return self.sessions[session_id]

    async def mentor(self, *, id: int | None = None, email: str | None = None) -> User | None:
        if id is not None:
            await self.load_mentors(ids=[id])
            return self.mentors_by_id[id]
        key = (email or "").strip().lower()
        await self.load_mentors(emails=[key])
        return self.mentors_by_email[key]

    async def vocabulary(self, kind: VocabularyKind) -> list[str]:
        await self.load_vocabularies()
        assert self.vocabularies is not None
        return self.vocabularies[kind]

    async def mentees(self, emails: list[str]) -> dict[str, User | None]:
        await self.load_mentees(emails)
        return {e: self.mentees_by_email[e] for e in emails}

    async def clash(
        self, mentor_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None
    ) -> Booking | None:
        """R4: an upcoming or live session of the mentor whose closed interval touches or overlaps."""
        window = self.booking_window
        outside = window is not None and not (window[0] <= starts_at and ends_at <= window[1])
        if mentor_id in self.bookings and outside:
            # Outside the loaded days (a bulk upload's rows never are): the database answers, and so do the
            # changes planned in memory, which it has not seen yet.
            return await self._booked(mentor_id, starts_at, ends_at, exclude_id) or await self._stored_clash(
                mentor_id, starts_at, ends_at, exclude_id
            )
        if mentor_id not in self.bookings:
            return await self._stored_clash(mentor_id, starts_at, ends_at, exclude_id)
        return await self._booked(mentor_id, starts_at, ends_at, exclude_id)

    async def _stored_clash(
        self, mentor_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None
    ) -> Booking | None:
        """The clash as the database knows it, asked while holding the mentor's booking turn."""
        await take_turns_booking(mentor_id)
        found = (
            await booking(mentor_id=mentor_id, starts_at__lte=ends_at, ends_at__gte=starts_at)
            .exclude(id=exclude_id or 0)
            .order_by("starts_at")
            .first()
        )
        return Booking(found.starts_at, found.ends_at, found.id, found.title) if found else None

    async def _booked(
        self, mentor_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None
    ) -> Booking | None:
        """The clash among the loaded bookings, planned changes included."""
        bookings = self.bookings[mentor_id]
        # Bookings of one mentor never overlap, so their ends are sorted too: walk back from the last
        # booking starting at or before our end until one ends before our start.
        index = bisect_right(bookings, Booking(ends_at, datetime.max.replace(tzinfo=ends_at.tzinfo), 2**62, ""))
        for booking in reversed(bookings[:index]):
            if booking.ends_at < starts_at:
                return None
            if booking.session_id != exclude_id:
                return booking
        return None

    # --- keeping up with changes -----------------------------------------------------------------

    def book(self, session: Session) -> None:
        if session.mentor_id in self.bookings:
            insort(
                self.bookings[session.mentor_id],
                Booking(session.starts_at, session.ends_at, session.id or 0, session.title),
            )

    def unbook(self, session: Session) -> None:
        if session.mentor_id in self.bookings:
            self.bookings[session.mentor_id] = [
                b for b in self.bookings[session.mentor_id] if b.session_id != (session.id or 0)
            ]


async def _loaded(query: QuerySet[Session]) -> dict[int, LoadedSession]:
    """The sessions of `query` with their labels and mentees, in three queries."""
    found = {s.id: LoadedSession(model=s) for s in await query}
    for label in await SessionLabel.filter(session_id__in=list(found)).order_by("position", "id"):
        found[label.session_id].labels.setdefault(label.kind, []).append(label.value)
    for attendance in await Attendance.filter(session_id__in=list(found)).select_related("mentee").order_by("id"):
        found[attendance.session_id].attendees[attendance.mentee_id] = (attendance.kind, attendance.mentee)
    return found


def _queryable(emails: list[str]) -> list[str]:
    """Addresses with a control character name nobody and never reach the database (the rules report them)."""
    return [email for email in emails if first_control_character(email) is None]


async def most_seats(organization_id: int) -> int:
    """The largest seats limit of the organisation's sessions (deleted ones too), which no session's mentees
    can exceed (R6): what a query's cost prices each session's mentees at. One probe of the
    (organization_id, seats_limit) index."""
    largest = await Session.filter(organization_id=organization_id).order_by("-seats_limit").first()
    return max(largest.seats_limit if largest else 0, 1)
