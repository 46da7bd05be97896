"""The session list: filter, search, sort and page, and the counts behind each filter checkbox.

The GraphQL list, the CSV download and the bulk-edit export all read sessions through `find_sessions`,
so what a manager downloads is exactly what they were looking at.
"""

from __future__ import annotations

import asyncio
import functools
import operator
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import F, Q, Subquery
from tortoise.fields import Field
from tortoise.functions import Count, Lower
from tortoise.queryset import QuerySet

from backend.compat import count_up_to, paged_statement
from backend.errors import parse_id
from backend.inputs import control_character_problem, instant_problem
from backend.models import (
    LabelKind,
    MeetingPlatform,
    Session,
    SessionLabel,
    SessionStatus,
    SessionTimeZone,
    SessionType,
    User,
)
from backend.sessions import tallies
from backend.sessions.visibility import attended_by, visible_sessions
from backend.settings import get_settings

MAX_PAGE_SIZE = 100


class SortField(str, Enum):
    START_TIME = "START_TIME"
    TITLE = "TITLE"
    MENTEE_COUNT = "MENTEE_COUNT"
    CREATED_AT = "CREATED_AT"


class SortDirection(str, Enum):
    ASC = "ASC"
    DESC = "DESC"


SORT_COLUMNS = {
    SortField.START_TIME: "starts_at",
    SortField.TITLE: "title_key",
    SortField.MENTEE_COUNT: "mentee_count",
    SortField.CREATED_AT: "created_at",
}


@dataclass(frozen=True)
class SessionFilter:
    statuses: list[SessionStatus] = field(default_factory=list)
    types: list[SessionType] = field(default_factory=list)
    platforms: list[MeetingPlatform] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    recommended_for: list[str] = field(default_factory=list)
    mediums: list[str] = field(default_factory=list)
    mentor_ids: list[int] = field(default_factory=list)
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    # Sessions with at most this many mentees (invited plus enrolled); 0: none invited or enrolled yet.
    mentee_count_at_most: int | None = None
    # True: only sessions with NEARLY_FULL_SHARE of their seats taken or more (full ones too); False: only
    # the others; None: either.
    nearly_full: bool | None = None
    # True: only the sessions the viewer is invited to or enrolled in; False: only the others; None: either.
    attending: bool | None = None

    def __post_init__(self) -> None:
        if self.mentee_count_at_most is not None and not 0 <= self.mentee_count_at_most <= INT_MAX:
            given = self.mentee_count_at_most
            raise ListError(f"menteeCountAtMost must be a whole number from 0 to {INT_MAX:,}; you gave {given:,}.")
        # A filter of 100,000 values would be one enormous IN (...): refused at the cost of counting it.
        for name in ("statuses", "types", "platforms", "categories", "recommended_for", "mediums", "mentor_ids"):
            count = len(getattr(self, name))
            if count > FILTER_VALUES_MAX:
                shown = "recommendedFor" if name == "recommended_for" else "mentorIds" if name == "mentor_ids" else name
                raise ListError(
                    f"The {shown} filter has {count:,} values; give at most {FILTER_VALUES_MAX} per filter."
                )


@dataclass(frozen=True)
class SessionSort:
    field: SortField = SortField.START_TIME
    direction: SortDirection = SortDirection.ASC


FILTER_VALUES_MAX = 100
SEARCH_MAX = 200
INT_MAX = 2**31 - 1
# "Nearly full", as the Workspace overview says it: at least 4/5 (80%) of the seats taken.
NEARLY_FULL_SHARE = (4, 5)


class ListError(ValueError):
    """Bad list arguments; the message says what is wrong and how to fix it."""


def check_arguments(f: SessionFilter, search: str | None) -> None:
    """Refuses a search longer than a person types, text with control characters and instants out of
    range before they reach the database. Every list, count and download of sessions asks here."""
    if search is not None and len(search) > SEARCH_MAX:
        raise ListError(f"The search text has {len(search):,} characters; search with at most {SEARCH_MAX}.")
    texts = [("search", search or "")]
    for name, values in (("categories", f.categories), ("recommendedFor", f.recommended_for), ("mediums", f.mediums)):
        texts += [(f"{name} value", value) for value in values]
    for name, text in texts:
        problem = control_character_problem(text, name)
        if problem:
            raise ListError(problem)
    for name, instant in (("startsFrom", f.starts_from), ("startsTo", f.starts_to)):
        problem = instant_problem(instant) if instant is not None else None
        if problem:
            raise ListError(f"{name}: {problem}")


def filter_mentor_id(raw: object, name: str) -> int:
    """One entry of a filter's mentor IDs, as sent over GraphQL or in a download's query; `name` is how
    the sender calls the argument, so the message names it."""
    number = parse_id(raw)
    if number is None:
        raise ListError(f"{name} {str(raw)!r} is not a valid ID; IDs are positive whole numbers such as 42.")
    return number


def filter_instant(instant: datetime | None, name: str, as_sent: str | None = None) -> datetime | None:
    """A filter's start bound, which must carry its time zone so it means one instant."""
    if instant is not None and instant.tzinfo is None:
        shown = as_sent if as_sent is not None else instant.isoformat()
        raise ListError(f"{name} {shown!r} has no time zone; add one, such as +05:30 or Z.")
    return instant


def _with_label(kind: LabelKind, values: list[str]) -> Q:
    return Q(id__in=Subquery(SessionLabel.filter(kind=kind, value__in=values).values("session_id")))


# Beyond this many mentors matching a search, they are matched by a subquery rather than listed.
MAX_LISTED_MENTORS = 500


async def _search_condition(viewer: User, search: str | None) -> Q | None:
    """Title or mentor name contains the text, ignoring case (icontains escapes % _ and \\, so they match
    literally). The mentors are looked up first: an OR across a join cannot use PostgreSQL's trigram index
    on the title, while an OR of the title and a list of mentor IDs can (with the mentor_id index)."""
    text = (search or "").strip()
    if not text:
        return None
    mentors = User.filter(organization_id=viewer.organization_id, name__icontains=text)
    mentor_ids = await mentors.limit(MAX_LISTED_MENTORS + 1).values_list("id", flat=True)
    if len(mentor_ids) > MAX_LISTED_MENTORS:
        return Q(title__icontains=text) | Q(mentor_id__in=Subquery(mentors.values("id")))
    if not mentor_ids:
        return Q(title__icontains=text)
    return Q(title__icontains=text) | Q(mentor_id__in=list(mentor_ids))


def _matching(viewer: User, f: SessionFilter, search: Q | None) -> QuerySet[Session]:
    query = visible_sessions(viewer)
    if f.statuses:
        query = query.filter(status__in=list(f.statuses))
    if f.types:
        query = query.filter(type__in=list(f.types))
    if f.platforms:
        query = query.filter(meeting_platform__in=list(f.platforms))
    if f.mediums:
        query = query.filter(medium__in=f.mediums)
    if f.mentor_ids:
        query = query.filter(mentor_id__in=f.mentor_ids)
    if f.categories:
        query = query.filter(_with_label(LabelKind.CATEGORY, f.categories))
    if f.recommended_for:
        query = query.filter(_with_label(LabelKind.RECOMMENDED_FOR, f.recommended_for))
    # SQLite compares instants as text, so a bound given in IST must be turned into UTC like the stored values.
    if f.starts_from:
        query = query.filter(starts_at__gte=f.starts_from.astimezone(UTC))
    if f.starts_to:
        query = query.filter(starts_at__lte=f.starts_to.astimezone(UTC))
    if f.mentee_count_at_most is not None:
        query = query.filter(mentee_count__lte=f.mentee_count_at_most)
    if f.nearly_full is not None:
        # mentee_count / seats_limit >= 4/5, in whole numbers on both databases: 5 × mentees >= 4 × seats.
        taken, of = NEARLY_FULL_SHARE
        query = query.annotate(taken_share=F("mentee_count") * of)
        seats = F("seats_limit") * taken
        query = query.filter(taken_share__gte=seats) if f.nearly_full else query.filter(taken_share__lt=seats)
    if f.attending is not None:
        query = query.filter(attended_by(viewer) if f.attending else ~attended_by(viewer))
    if search is not None:
        query = query.filter(search)
    return query


async def find_sessions(
    viewer: User, filter: SessionFilter | None = None, search: str | None = None
) -> QuerySet[Session]:
    """The sessions the viewer sees that match the filter and search (lists OR within, AND across)."""
    return (await _finder(viewer, filter or SessionFilter(), search))()


async def _finder(viewer: User, f: SessionFilter, search: str | None) -> Callable[[], QuerySet[Session]]:
    """`find_sessions` with its arguments checked and its search's mentors looked up, to be built when it is
    needed (a list page whose statement is kept needs it only to count)."""
    check_arguments(f, search)
    condition = await _search_condition(viewer, search)
    return lambda: _matching(viewer, f, condition)


def order_sessions(query: QuerySet[Session], sort: SessionSort | None = None) -> QuerySet[Session]:
    sort = sort or SessionSort()
    column = SORT_COLUMNS[sort.field]
    prefix = "-" if sort.direction == SortDirection.DESC else ""
    if sort.field == SortField.TITLE:
        # Alphabetical as people read it: "apple" before "Cherry" whatever the database's collation.
        query = query.annotate(title_key=Lower("title"))
    return query.order_by(f"{prefix}{column}", f"{prefix}id")


async def id_batches(query: QuerySet[Session], sort: SessionSort | None, size: int) -> AsyncIterator[list[int]]:
    """The IDs of `order_sessions(query, sort)`, `size` at a time, each batch read after the last one's sort
    value and ID (not at an offset, which would read everything before it again): a download of a million
    sessions never holds all their IDs at once."""
    sort = sort or SessionSort()
    column = SORT_COLUMNS[sort.field]
    after, from_ = ("lt", "lte") if sort.direction == SortDirection.DESC else ("gt", "gte")
    ordered = order_sessions(query, sort)
    batch = ordered
    while True:
        rows = await batch.limit(size).values_list(column, "id")
        if rows:
            yield [row[1] for row in rows]
        if len(rows) < size:
            return
        value, last_id = rows[-1]
        later = Q(**{f"{column}__{after}": value}) | Q(Q(**{column: value}), Q(**{f"id__{after}": last_id}))
        # The plain bound as well: PostgreSQL starts its index scan from it, rather than from the first row.
        batch = ordered.filter(Q(**{f"{column}__{from_}": value}), later)


def check_paging(page: int, page_size: int) -> None:
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise ListError(f"pageSize must be between 1 and {MAX_PAGE_SIZE}; you asked for {page_size}.")
    if page < 1:
        raise ListError(f"page starts at 1; you asked for page {page}.")


@dataclass(slots=True)
class OrganizationRow:
    id: int
    name: str


@dataclass(slots=True)
class MentorRow:
    """A listed session's mentor: what the list shows of them (`MentorProfile`'s plain fields)."""

    id: int
    name: str
    email: str
    designation: str
    organization_id: int
    organization: OrganizationRow


@dataclass(slots=True)
class SessionRow:
    """A session of a list page as plain values, with the same names and types as the model's columns
    (tests/test_sessions_list_rows.py holds them equal): a page is read as rows straight from its statement,
    without building an ORM model for each session, its mentor and their organisation."""

    id: int
    organization_id: int
    mentor_id: int
    created_by_id: int | None
    title: str
    description: str
    type: SessionType
    status: SessionStatus
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    time_zone: SessionTimeZone
    medium: str
    meeting_platform: MeetingPlatform
    meeting_link: str
    meeting_passcode: str
    seats_limit: int
    enrolled_count: int
    invited_count: int
    mentee_count: int
    image_path: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    deleted_at: datetime | None
    calendar_sequence: int
    reminders_enabled: bool
    scheduled_at: datetime | None
    version: int
    mentor: MentorRow


SESSION_COLUMNS = tuple(f.name for f in fields(SessionRow) if f.name != "mentor")
MENTOR_COLUMNS = ("id", "name", "email", "designation", "organization_id")
# How the page's statement (a session query with `select_related("mentor__organization")`) names the
# columns of the mentor and of their organisation.
MENTOR_KEY = "session__mentor.{}"
ORGANIZATION_NAME_KEY = "session__mentor__organization.name"


# A record's values in the order of SessionRow's fields, and of MentorRow's (organization_id last).
_session_values = operator.itemgetter(*SESSION_COLUMNS)
_mentor_values = operator.itemgetter(*(MENTOR_KEY.format(name) for name in MENTOR_COLUMNS))
Converters = tuple[tuple[int, Callable[[Any], Any]], ...]


@functools.cache
def _converters(is_postgres: bool) -> tuple[Converters, Converters]:
    """How the raw values of a page's session and of its mentor become the models' Python values: the
    position of each value that needs converting, and how. asyncpg already returns PostgreSQL's values as
    Python's (aware datetimes, booleans): only the enums are converted there, each by a lookup in a table of
    its members (a tenth of what calling the enum costs). SQLite's text and integers go through the ORM
    fields' own conversion."""

    def converter(f: Field[Any]) -> Callable[[Any], Any] | None:
        if not is_postgres:
            return f.to_python_value
        enum = getattr(f, "enum_type", None)
        return {member.value: member for member in enum}.__getitem__ if enum else None

    def positions(model: type[Session] | type[User], columns: Sequence[str]) -> Converters:
        found = ((n, converter(model._meta.fields_map[name])) for n, name in enumerate(columns))
        return tuple((n, convert) for n, convert in found if convert is not None)

    return positions(Session, SESSION_COLUMNS), positions(User, MENTOR_COLUMNS)


def _converted(values: Sequence[Any], converters: Converters) -> list[Any]:
    converted = list(values)
    for n, convert in converters:
        if converted[n] is not None:
            converted[n] = convert(converted[n])
    return converted


def _session_rows(records: Sequence[Mapping[str, Any]]) -> list[SessionRow]:
    """The page's rows, straight from the driver's records (by position: a record's values are read in the
    order of the rows' fields, and only the values that need it are converted)."""
    session_converters, mentor_converters = _converters(get_settings().is_postgres)
    rows = []
    for record in records:
        mentor = _converted(_mentor_values(record), mentor_converters)
        mentor.append(OrganizationRow(mentor[-1], record[ORGANIZATION_NAME_KEY]))
        session = _converted(_session_values(record), session_converters)
        session.append(MentorRow(*mentor))
        rows.append(SessionRow(*session))
    return rows


class Counting(Enum):
    """How a page counts the sessions that match: not at all, exactly, or exactly up to COUNT_EXACT_UP_TO."""

    NONE = "none"
    EXACT = "exact"
    UP_TO_CAP = "up to the cap"


# A count that is not read from the tallies (a search, a label, a mentor's or a mentee's list) counts the
# matching sessions one by one, so its cost grows with the matches: beyond this many it says "1,000+". A
# person pages through 25 at a time; past 40 pages the exact number tells them nothing a search would not.
COUNT_EXACT_UP_TO = 1_000


@dataclass
class SessionPage:
    items: list[SessionRow]
    page: int
    page_size: int
    # Whether a page follows this one (read as one row more than the page, whatever is counted).
    has_next_page: bool
    # Every matching session, counted exactly; 0 unless counted with Counting.EXACT.
    total_count: int = 0
    # The matching sessions counted exactly (match_count_exact) or up to COUNT_EXACT_UP_TO (then the cap,
    # and more match); with Counting.EXACT the same as total_count; 0 with Counting.NONE.
    match_count: int = 0
    match_count_exact: bool = True

    @property
    def total_pages(self) -> int:
        return max(1, -(-self.total_count // self.page_size))

    @property
    def has_previous_page(self) -> bool:
        return self.page > 1


async def _count(query: QuerySet[Session], counting: Counting) -> tuple[int, bool]:
    """(count, exact) of the matching sessions, as `counting` asks, counted from the sessions."""
    if counting == Counting.EXACT:
        return await query.count(), True
    found = await count_up_to(query, COUNT_EXACT_UP_TO + 1)
    return min(found, COUNT_EXACT_UP_TO), found <= COUNT_EXACT_UP_TO


async def session_page(
    viewer: User,
    filter: SessionFilter | None = None,
    search: str | None = None,
    sort: SessionSort | None = None,
    page: int = 1,
    page_size: int = 10,
    counting: Counting = Counting.EXACT,
) -> SessionPage:
    """A page of the sessions the viewer sees, and how many there are in all, as `counting` asks
    (Counting.NONE for a caller that shows no count spares counting them). The page is one statement with
    its mentors and their organisation, read as plain rows."""
    check_paging(page, page_size)
    f = filter or SessionFilter()
    matching = await _finder(viewer, f, search)
    tallied = counting != Counting.NONE and _tallied(viewer, f, search)

    def page_query() -> QuerySet[Session]:
        # Built by the ORM (which knows every filter) with its mentors (one statement, not two).
        ordered = order_sessions(matching(), sort).select_related("mentor__organization")
        if not tallied:
            return ordered
        # A manager's list: the count is the sum of the organisation's tallies, a column of the page's own
        # statement (one round trip). Exact, whatever was asked.
        total_count, tally_rows = tallies.sums(viewer.organization_id, _ticked(f))
        return ordered.annotate(total_count=total_count, tally_rows=tally_rows)

    key = None if search and search.strip() else _statement_key(viewer, f, sort, tallied)
    # One row more than the page says whether another follows.
    rows = _page_rows(key, page_query, page_size + 1, (page - 1) * page_size)
    total, exact = 0, True
    if counting == Counting.NONE:
        records = await rows
    elif tallied:
        records = await rows
        if records:
            tallies.read(viewer.organization_id, int(records[0]["tally_rows"] or 0))
            total = int(records[0]["total_count"] or 0)
        else:  # a page past the end asks the tallies alone
            total = await tallies.count(viewer.organization_id, _ticked(f)) if page > 1 else 0
    else:
        # Counted from the sessions, on another connection at the same time as the page.
        (total, exact), records = await asyncio.gather(_count(matching(), counting), rows)
    return SessionPage(
        items=_session_rows(records[:page_size]),
        page=page,
        page_size=page_size,
        has_next_page=len(records) > page_size,
        total_count=total if exact else 0,
        match_count=total,
        match_count_exact=exact,
    )


# The statements of list pages the ORM built, by everything that decides them but the page (see
# `_page_rows`); the oldest is dropped past this many.
STATEMENTS_KEPT = 1_000
_statements: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


def _statement_key(viewer: User, f: SessionFilter, sort: SessionSort | None, tallied: bool) -> tuple[Any, ...]:
    """Everything a page's statement is made of but the page: the database's dialect, who looks
    (`visible_sessions`: the viewer's organisation, roles and ID), the filter, the order, and whether the
    tallies count."""
    dialect = Tortoise.get_connection("default").capabilities.dialect
    roles = (viewer.is_manager, viewer.is_mentor, viewer.is_mentee)
    return (dialect, viewer.id, viewer.organization_id, roles, repr(f), repr(sort or SessionSort()), tallied)


async def _page_rows(
    key: tuple[Any, ...] | None, build: Callable[[], QuerySet[Session]], limit: int, offset: int
) -> Sequence[Mapping[str, Any]]:
    """The driver's records of a page of `build()`'s query. The ORM builds its statement once for each
    `key`: building it (every filter, join and column through the query builder) costs more CPU than the
    rest of a list request, and a list is asked for the same way again and again (each live update re-reads
    the page on screen). Only the page's LIMIT and OFFSET change then. No key (a search, whose statement
    depends on the mentors it finds first): built every time."""
    statement = _statements.get(key) if key is not None else None
    if statement is None:
        statement = paged_statement(build(), limit, offset)
        if key is not None:
            if len(_statements) >= STATEMENTS_KEPT:
                del _statements[next(iter(_statements))]
            _statements[key] = statement
    sql, params = statement
    _, records = await Tortoise.get_connection("default").execute_query(sql, [*params[:-2], limit, offset])
    return records


@dataclass
class FacetOption:
    value: str
    count: int


@dataclass
class SessionFacets:
    statuses: list[FacetOption]
    types: list[FacetOption]
    platforms: list[FacetOption]
    categories: list[FacetOption]
    recommended_for: list[FacetOption]
    mediums: list[FacetOption]


def _options(counts: dict[str, int], known: list[str] | None = None) -> list[FacetOption]:
    """Every known option (even at zero, so a checkbox does not vanish), then the rest by name."""
    values = list(known or []) + sorted((v for v in counts if v not in (known or [])), key=str.lower)
    return [FacetOption(value=v, count=counts.get(v, 0)) for v in values]


# The filter groups that have a checkbox list, and the session column of those that are columns.
FACET_COLUMNS = {"statuses": "status", "types": "type", "platforms": "meeting_platform", "mediums": "medium"}


def _ticked(f: SessionFilter) -> dict[str, list[str]]:
    """The ticked values of each checkbox group that is a session column, by column, as stored."""
    return {
        column: sorted(str(getattr(value, "value", value)) for value in getattr(f, group))
        for group, column in FACET_COLUMNS.items()
    }


def _tallied(viewer: User, f: SessionFilter, search: str | None) -> bool:
    """Whether the tallies hold this list's counts: on PostgreSQL, a manager's list (the whole
    organisation) with no search and nothing but status, type, platform or medium ticked."""
    columns_only = SessionFilter(statuses=f.statuses, types=f.types, platforms=f.platforms, mediums=f.mediums)
    return get_settings().is_postgres and viewer.is_manager and not (search or "").strip() and f == columns_only


def _label_condition(f: SessionFilter, kind: LabelKind, session_column: str = "id") -> Q | None:
    """The sessions having one of the ticked labels of this kind; None when none is ticked."""
    values = f.categories if kind == LabelKind.CATEGORY else f.recommended_for
    if not values:
        return None
    ticked = SessionLabel.filter(kind=kind, value__in=values).values("session_id")
    condition: dict[str, Any] = {f"{session_column}__in": Subquery(ticked)}
    return Q(**condition)


def _in(column: str, values: list[str]) -> dict[str, Any]:
    return {f"{column}__in": values}


def _all_of(conditions: Sequence[Q | None]) -> Q:
    found = [c for c in conditions if c is not None]
    return Q(*found) if found else Q()


async def _counted_rows(
    viewer: User, f: SessionFilter, search: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The sessions that match everything but the checkbox groups, counted per combination of status,
    type, platform and medium (under the ticked labels), and their labels counted per kind and value,
    each label kind under every filter but its own: one pass over the matching sessions each."""
    condition = await _search_condition(viewer, search)
    unticked = replace(f, statuses=[], types=[], platforms=[], mediums=[], categories=[], recommended_for=[])
    common = _matching(viewer, unticked, condition)
    in_categories = _label_condition(f, LabelKind.CATEGORY)
    in_recommended = _label_condition(f, LabelKind.RECOMMENDED_FOR)

    columns = list(FACET_COLUMNS.values())
    label_ticks = [q for q in (in_categories, in_recommended) if q is not None]
    count = Count("id", _filter=_all_of(label_ticks)) if label_ticks else Count("id")
    combinations = await common.annotate(n=count).group_by(*columns).values(*columns, "n")

    # A label row counts when its session passes every checkbox group but the label's own kind.
    ticked = _ticked(f)
    session_ticks = [Q(**_in(f"session__{column}", values)) for column, values in ticked.items() if values]
    for_categories = _all_of(
        [Q(kind=LabelKind.CATEGORY), *session_ticks, _label_condition(f, LabelKind.RECOMMENDED_FOR, "session_id")]
    )
    for_recommended = _all_of(
        [Q(kind=LabelKind.RECOMMENDED_FOR), *session_ticks, _label_condition(f, LabelKind.CATEGORY, "session_id")]
    )
    label_rows = (
        await SessionLabel.filter(session_id__in=Subquery(common.values("id")))
        .filter(for_categories | for_recommended)
        .annotate(n=Count("id"))
        .group_by("kind", "value")
        .values("kind", "value", "n")
    )
    return list(combinations), list(label_rows)


async def session_facets(viewer: User, filter: SessionFilter | None = None, search: str | None = None) -> SessionFacets:
    """Each filter group counts the sessions matching every other applied filter, so options within a
    group stay selectable together (they OR), and the counts say what ticking one would add.

    Two statements whatever is ticked: counts per combination of status, type, platform and medium (Python
    then sums, for each group, the combinations the other groups' ticks allow) and per label. A manager's
    list with nothing but those four ticked reads them from the tallies; any other from the sessions."""
    f = filter or SessionFilter()
    check_arguments(f, search)
    if _tallied(viewer, f, search):
        # No label is ticked, so every label kind counts under the same ticks: the four columns'.
        combinations, label_rows = await asyncio.gather(
            tallies.combinations(viewer.organization_id), tallies.labels(viewer.organization_id, _ticked(f))
        )
    else:
        combinations, label_rows = await _counted_rows(viewer, f, search)

    columns = list(FACET_COLUMNS.values())
    ticked = {column: set(values) for column, values in _ticked(f).items()}
    counts: dict[str, dict[str, int]] = {column: {} for column in columns}
    for row in combinations:
        values = {column: str(getattr(row[column], "value", row[column])) for column in columns}
        allowed = {column: not ticked[column] or values[column] in ticked[column] for column in columns}
        for column in columns:
            if row["n"] and all(allowed[other] for other in columns if other != column):
                counts[column][values[column]] = counts[column].get(values[column], 0) + row["n"]
    labels: dict[LabelKind, dict[str, int]] = {LabelKind.CATEGORY: {}, LabelKind.RECOMMENDED_FOR: {}}
    for row in label_rows:
        if row["n"]:
            labels[LabelKind(row["kind"])][row["value"]] = row["n"]

    return SessionFacets(
        statuses=_options(counts["status"], [s.value for s in SessionStatus]),
        types=_options(counts["type"], [t.value for t in SessionType]),
        platforms=_options(counts["meeting_platform"], [p.value for p in MeetingPlatform]),
        categories=_options(labels[LabelKind.CATEGORY]),
        recommended_for=_options(labels[LabelKind.RECOMMENDED_FOR]),
        mediums=_options(counts["medium"]),
    )


# --- Keyset pages (the API's cursor pagination) -------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a keyset page ends: the sort it was read in, the last row's sort value and its ID. The next
    page starts after it, whatever was added or deleted meanwhile, and reads only its own rows."""

    sort: SessionSort
    value: datetime | str | int
    id: int


@dataclass
class SessionSlice:
    items: list[Session]
    positions: list[Position]
    has_next_page: bool


def _sort_value(session: Session, sort: SessionSort) -> datetime | str | int:
    value = getattr(session, SORT_COLUMNS[sort.field])
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _after(position: Position) -> Q:
    """Rows after the position in its order: `value > v OR (value = v AND id > i)`, written with a
    `value >= v` the database can start an index range scan at (reversed for DESC)."""
    column = SORT_COLUMNS[position.sort.field]
    later = "lt" if position.sort.direction == SortDirection.DESC else "gt"
    at_or_later = "lte" if later == "lt" else "gte"
    value: Any = position.value
    at_or_after: dict[str, Any] = {f"{column}__{at_or_later}": value}
    after: dict[str, Any] = {f"{column}__{later}": value}
    tied: dict[str, Any] = {column: value, f"id__{later}": position.id}
    return Q(**at_or_after) & (Q(**after) | Q(**tied))


async def session_slice(
    viewer: User,
    filter: SessionFilter | None = None,
    search: str | None = None,
    sort: SessionSort | None = None,
    first: int = 25,
    after: Position | None = None,
) -> SessionSlice:
    """Up to `first` sessions after `after`, in the list's order, from the same matching sessions as the
    list and the download (`find_sessions`)."""
    sort = sort or SessionSort()
    if first < 1 or first > MAX_PAGE_SIZE:
        raise ListError(f"first must be between 1 and {MAX_PAGE_SIZE}; you asked for {first}.")
    if after is not None and after.sort != sort:
        raise ListError("The cursor belongs to a list in another order; pass the same sort as the page it came from.")
    query = order_sessions(await find_sessions(viewer, filter, search), sort)
    if after is not None:
        query = query.filter(_after(after))
    rows = list(await query.limit(first + 1).select_related("mentor__organization"))
    items = rows[:first]
    positions = [Position(sort, _sort_value(session, sort), session.id) for session in items]
    return SessionSlice(items=items, positions=positions, has_next_page=len(rows) > first)
