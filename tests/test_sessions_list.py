"""The session list a manager works from: filters, search, sort, paging and the errors of bad arguments."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from backend.models import MeetingPlatform, Session, SessionStatus, SessionType, utcnow
from backend.sessions import listing
from backend.settings import use_settings
from tests.support.factories import make_org, make_session, make_user

LIST = """
query($filter: SessionFilter, $search: String, $sort: SessionSort, $page: Int! = 1, $pageSize: Int! = 100) {
  sessions(filter: $filter, search: $search, sort: $sort, page: $page, pageSize: $pageSize) {
    items { title }
    totalCount page pageSize totalPages hasNextPage hasPreviousPage
  }
}
"""

BASE = datetime(2031, 3, 1, 4, 30, tzinfo=UTC)


async def titles(graphql, **variables) -> list[str]:
    data = await graphql.execute(LIST, variables)
    return [item["title"] for item in data["sessions"]["items"]]


async def sessions_differing_in_every_filter():
    """One organisation with sessions that differ in every filterable way."""
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    asha = await make_user(org, "MENTOR", name="Asha Rao")
    ravi = await make_user(org, "MENTOR", name="Ravi Iyer")
    mentee = await make_user(org, "MENTEE")
    await make_session(
        org,
        asha,
        title="Alpha",
        starts_at=BASE,
        status=SessionStatus.UPCOMING,
        type=SessionType.PUBLIC,
        platform=MeetingPlatform.ZOOM,
        medium="English",
        categories=("Communication",),
        recommended_for=("Teachers",),
    )
    await make_session(
        org,
        asha,
        title="Bravo",
        starts_at=BASE + timedelta(days=1),
        status=SessionStatus.LIVE,
        type=SessionType.PRIVATE,
        platform=MeetingPlatform.GOOGLE_MEET,
        medium="Hindi",
        categories=("Leadership",),
        recommended_for=("School leaders",),
        invited=(mentee,),
    )
    await make_session(
        org,
        ravi,
        title="Charlie",
        starts_at=BASE + timedelta(days=2),
        status=SessionStatus.COMPLETED,
        type=SessionType.PUBLIC,
        platform=MeetingPlatform.BIG_BLUE_BUTTON,
        medium="Tamil",
        categories=("Communication", "Life skills"),
        recommended_for=("Teachers", "School leaders"),
    )
    return org, manager, asha, ravi


FILTERS = [
    ({"statuses": ["LIVE"]}, ["Bravo"]),
    ({"types": ["PUBLIC"]}, ["Alpha", "Charlie"]),
    ({"platforms": ["ZOOM"]}, ["Alpha"]),
    ({"categories": ["Life skills"]}, ["Charlie"]),
    ({"recommendedFor": ["School leaders"]}, ["Bravo", "Charlie"]),
    ({"mediums": ["Tamil"]}, ["Charlie"]),
    ({"startsFrom": (BASE + timedelta(days=1)).isoformat()}, ["Bravo", "Charlie"]),
    ({"startsTo": (BASE + timedelta(days=1)).isoformat()}, ["Alpha", "Bravo"]),
]


@pytest.mark.parametrize("session_filter,expected", FILTERS, ids=[next(iter(f)) for f, _ in FILTERS])
async def test_each_filter_shows_only_the_matching_sessions(graphql, db, session_filter, expected):
    _, manager, *_ = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    assert await titles(graphql, filter=session_filter) == expected


async def test_filter_by_mentor_shows_that_mentors_sessions(graphql, db):
    _, manager, asha, ravi = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    assert await titles(graphql, filter={"mentorIds": [str(ravi.id)]}) == ["Charlie"]
    assert await titles(graphql, filter={"mentorIds": [str(asha.id), str(ravi.id)]}) == ["Alpha", "Bravo", "Charlie"]


@pytest.mark.parametrize(
    "session_filter,expected",
    [
        ({"statuses": ["UPCOMING", "COMPLETED"]}, ["Alpha", "Charlie"]),
        ({"platforms": ["ZOOM", "GOOGLE_MEET"]}, ["Alpha", "Bravo"]),
        ({"categories": ["Leadership", "Life skills"]}, ["Bravo", "Charlie"]),
        ({"mediums": ["English", "Hindi"]}, ["Alpha", "Bravo"]),
    ],
)
async def test_ticking_two_options_of_one_filter_shows_sessions_with_either(graphql, db, session_filter, expected):
    _, manager, *_ = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    assert await titles(graphql, filter=session_filter) == expected


async def test_filters_of_different_groups_must_all_match(graphql, db):
    _, manager, *_ = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    assert await titles(graphql, filter={"types": ["PUBLIC"], "recommendedFor": ["School leaders"]}) == ["Charlie"]
    assert await titles(graphql, filter={"categories": ["Communication"], "mediums": ["English"]}) == ["Alpha"]
    assert await titles(graphql, filter={"statuses": ["LIVE"], "types": ["PUBLIC"]}) == []


async def test_a_date_range_includes_sessions_starting_on_either_end(graphql, db):
    _, manager, *_ = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    window = {"startsFrom": BASE.isoformat(), "startsTo": (BASE + timedelta(days=1)).isoformat()}
    assert await titles(graphql, filter=window) == ["Alpha", "Bravo"]
    ist = {"startsFrom": "2031-03-02T10:00:00+05:30", "startsTo": "2031-03-02T10:00:00+05:30"}  # Bravo's start
    assert await titles(graphql, filter=ist) == ["Bravo"]


async def test_search_finds_titles_whatever_their_case(graphql, db):
    _, manager, *_ = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    assert await titles(graphql, search="ALP") == ["Alpha"]
    assert await titles(graphql, search="harl") == ["Charlie"]
    assert await titles(graphql, search="  bravo  ") == ["Bravo"]


async def test_search_finds_sessions_by_their_mentors_name(graphql, db):
    _, manager, *_ = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    assert await titles(graphql, search="iyer") == ["Charlie"]
    assert await titles(graphql, search="ASHA R") == ["Alpha", "Bravo"]


async def test_a_search_matching_very_many_mentors_still_finds_their_sessions(graphql, db, monkeypatch):
    monkeypatch.setattr(listing, "MAX_LISTED_MENTORS", 1)
    _, manager, *_ = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    assert await titles(graphql, search="a") == ["Alpha", "Bravo", "Charlie"]
    assert await titles(graphql, search="r") == ["Alpha", "Bravo", "Charlie"]
    facets = await graphql.execute('{ sessionFacets(search: "r") { types { value count } } }')
    assert facets["sessionFacets"]["types"] == [{"value": "PUBLIC", "count": 2}, {"value": "PRIVATE", "count": 1}]


async def test_a_blank_search_lists_everything(graphql, db):
    _, manager, *_ = await sessions_differing_in_every_filter()
    await graphql.login(manager.email)
    assert await titles(graphql, search="   ") == ["Alpha", "Bravo", "Charlie"]


@pytest.mark.parametrize(
    "search,expected",
    [
        ("100%", ["Grow 100% faster"]),
        ("a_b", ["Use a_b tests"]),
        ("\\", ["Paths like C:\\ and D:\\"]),
        ("%", ["Grow 100% faster"]),
        ("_", ["Use a_b tests"]),
    ],
)
async def test_search_matches_percent_underscore_and_backslash_as_typed(graphql, db, search, expected):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR", name="Plain Name")
    for title in ("Grow 100% faster", "Grow 1000 faster", "Use a_b tests", "Use axb tests", "Paths like C:\\ and D:\\"):
        await make_session(org, mentor, title=title)
    await graphql.login(manager.email)
    assert await titles(graphql, search=search) == expected


async def sort_fixture():
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentors = [await make_user(org, "MENTOR") for _ in range(3)]
    mentees = [await make_user(org, "MENTEE") for _ in range(3)]
    # Start times, titles, mentee counts and creation times each order these three differently.
    specs = [
        ("banana", BASE + timedelta(days=2), mentees[:1], 2),
        ("Cherry", BASE, mentees[:3], 1),
        ("apple", BASE + timedelta(days=1), (), 3),
    ]
    for (title, starts_at, invited, days_ago), mentor in zip(specs, mentors, strict=True):
        session = await make_session(org, mentor, title=title, starts_at=starts_at, invited=tuple(invited))
        await Session.filter(id=session.id).update(created_at=utcnow() - timedelta(days=days_ago))
    return manager


SORTS = [
    ("START_TIME", "ASC", ["Cherry", "apple", "banana"]),
    ("START_TIME", "DESC", ["banana", "apple", "Cherry"]),
    ("TITLE", "ASC", ["apple", "banana", "Cherry"]),
    ("TITLE", "DESC", ["Cherry", "banana", "apple"]),
    ("MENTEE_COUNT", "ASC", ["apple", "banana", "Cherry"]),
    ("MENTEE_COUNT", "DESC", ["Cherry", "banana", "apple"]),
    ("CREATED_AT", "ASC", ["apple", "banana", "Cherry"]),
    ("CREATED_AT", "DESC", ["Cherry", "banana", "apple"]),
]


@pytest.mark.parametrize("field,direction,expected", SORTS)
async def test_the_list_sorts_by_each_column_both_ways(graphql, db, field, direction, expected):
    manager = await sort_fixture()
    await graphql.login(manager.email)
    assert await titles(graphql, sort={"field": field, "direction": direction}) == expected


async def test_the_list_starts_with_the_soonest_session(graphql, db):
    manager = await sort_fixture()
    await graphql.login(manager.email)
    assert await titles(graphql) == ["Cherry", "apple", "banana"]
    assert await titles(graphql, sort={"field": "TITLE"}) == ["apple", "banana", "Cherry"]


async def test_sessions_with_equal_sort_values_keep_a_stable_order_across_pages(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    for _ in range(7):
        await make_session(org, mentor, title="Same title")
    await graphql.login(manager.email)
    query = "query($p: Int!) { sessions(sort: {field: TITLE}, page: $p, pageSize: 3) { items { id } } }"
    seen = []
    for page in (1, 2, 3):
        seen += [i["id"] for i in (await graphql.execute(query, {"p": page}))["sessions"]["items"]]
    assert len(seen) == len(set(seen)) == 7


async def test_paging_reports_where_the_manager_is(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    for n in range(23):
        await make_session(org, mentor, title=f"Session {n:02d}", starts_at=BASE + timedelta(days=n))
    await graphql.login(manager.email)

    first = (await graphql.execute(LIST, {"page": 1, "pageSize": 10}))["sessions"]
    assert [i["title"] for i in first["items"]] == [f"Session {n:02d}" for n in range(10)]
    assert {
        k: first[k] for k in ("totalCount", "page", "pageSize", "totalPages", "hasNextPage", "hasPreviousPage")
    } == {
        "totalCount": 23,
        "page": 1,
        "pageSize": 10,
        "totalPages": 3,
        "hasNextPage": True,
        "hasPreviousPage": False,
    }
    middle = (await graphql.execute(LIST, {"page": 2, "pageSize": 10}))["sessions"]
    assert (middle["hasNextPage"], middle["hasPreviousPage"]) == (True, True)
    last = (await graphql.execute(LIST, {"page": 3, "pageSize": 10}))["sessions"]
    assert [i["title"] for i in last["items"]] == ["Session 20", "Session 21", "Session 22"]
    assert (last["hasNextPage"], last["hasPreviousPage"]) == (False, True)
    beyond = (await graphql.execute(LIST, {"page": 4, "pageSize": 10}))["sessions"]
    assert beyond["items"] == [] and beyond["totalCount"] == 23 and beyond["hasNextPage"] is False


async def test_an_empty_list_is_one_empty_page(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    page = (await graphql.execute(LIST))["sessions"]
    assert page["items"] == []
    assert (page["totalCount"], page["totalPages"], page["hasNextPage"], page["hasPreviousPage"]) == (
        0,
        1,
        False,
        False,
    )


async def test_the_page_size_defaults_to_ten(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    for _ in range(12):
        await make_session(org, mentor)
    await graphql.login(manager.email)
    page = (await graphql.execute("{ sessions { items { id } pageSize totalPages } }"))["sessions"]
    assert (len(page["items"]), page["pageSize"], page["totalPages"]) == (10, 10, 2)


@pytest.mark.parametrize(
    "arguments,message",
    [
        ("pageSize: 0", "pageSize must be between 1 and 100; you asked for 0."),
        ("pageSize: 101", "pageSize must be between 1 and 100; you asked for 101."),
        ("page: 0", "page starts at 1; you asked for page 0."),
        ("page: -3", "page starts at 1; you asked for page -3."),
    ],
)
async def test_out_of_range_paging_is_a_clear_error(graphql, db, arguments, message):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    body = await graphql.post(f"{{ sessions({arguments}) {{ totalCount }} }}")
    assert [e["message"] for e in body["errors"]] == [message]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "arguments,expected",
    [
        ("filter: {statuses: [ONGOING]}", "Value 'ONGOING' does not exist in 'SessionStatus' enum"),
        ("filter: {platforms: [SKYPE]}", "Value 'SKYPE' does not exist in 'MeetingPlatform' enum"),
        ("sort: {field: RATING}", "Value 'RATING' does not exist in 'SortField' enum"),
        ("sort: {direction: UP}", "Value 'UP' does not exist in 'SortDirection' enum"),
    ],
)
async def test_an_unknown_option_is_a_clear_error(graphql, db, arguments, expected):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    messages = await graphql.errors(f"{{ sessions({arguments}) {{ totalCount }} }}")
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize("bad_id", ["abc", "-1", "0", "1.5", ""])
async def test_a_malformed_mentor_id_in_the_filter_is_a_clear_error(graphql, db, bad_id):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    messages = await graphql.errors(
        "query($ids: [ID!]) { sessions(filter: {mentorIds: $ids}) { totalCount } }", {"ids": ["1", bad_id]}
    )
    assert messages == [f"mentorIds entry {bad_id!r} is not a valid ID; IDs are positive whole numbers such as 42."]


async def test_signed_out_visitors_get_no_list(graphql, db):
    messages = await graphql.errors("{ sessions { totalCount } }")
    assert messages == [
        "You are not signed in. Sign in with the login mutation, or send Authorization: Bearer <token>."
    ]


async def test_deleted_sessions_are_gone_from_the_list_and_its_search(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, title="Kept")
    await make_session(org, mentor, title="Kept too, deleted", deleted_at=utcnow())
    await graphql.login(manager.email)
    data = await graphql.execute(LIST, {"search": "kept"})
    assert [i["title"] for i in data["sessions"]["items"]] == ["Kept"]
    assert data["sessions"]["totalCount"] == 1


FULL_PAGE = """
query($pageSize: Int!, $search: String) {
  sessions(pageSize: $pageSize, search: $search, sort: {field: TITLE}) {
    totalCount totalPages hasNextPage hasPreviousPage
    items {
      id title description type status startsAt endsAt durationMinutes timeZone
      menteeCount enrolledCount invitedCount seatsLimit seatsLeft medium imageUrl
      canEdit editBlockedReason canEditMeeting canDelete createdAt updatedAt startedAt completedAt
      mentor { id name designation organization sessionsHosted rating { average votes breakdown { stars count } } }
      categories recommendedFor
      mentees { id name email kind addedAt }
      invited: mentees(kind: INVITED) { id }
      meeting { platform link passcode }
    }
  }
}
"""


@pytest.mark.parametrize("role", ["MANAGER", "MENTEE"])
async def test_a_page_of_100_costs_the_same_sql_statements_as_a_page_of_5(graphql, db, sql_statements, role):
    org = await make_org()
    viewer = await make_user(org, role)
    mentors = [await make_user(org, "MENTOR") for _ in range(6)]
    mentees = [await make_user(org, "MENTEE") for _ in range(8)]
    platforms = list(MeetingPlatform)
    for n in range(105):
        await make_session(
            org,
            mentors[n % 6],
            title=f"Session {n:03d}",
            platform=platforms[n % 3],
            status=SessionStatus.COMPLETED if n % 5 == 0 else SessionStatus.UPCOMING,
            categories=("Communication", "Leadership")[: 1 + n % 2],
            recommended_for=("Teachers",),
            invited=(mentees[n % 8],) + ((viewer,) if role == "MENTEE" and n % 7 == 0 else ()),
            enrolled=(mentees[(n + 1) % 8], mentees[(n + 2) % 8]),
        )
    await graphql.login(viewer.email)
    # Every field of every session, mentees included, is far over the cost limit at 100 a page (a
    # session may hold 1,000 mentees); this test is about the SQL a full page takes, so lift the limit.
    use_settings(dataclasses.replace(db, graphql_max_cost=10_000_000))

    for search in (None, "session"):
        sql_statements.clear()
        small = await graphql.execute(FULL_PAGE, {"pageSize": 5, "search": search})
        statements_for_5 = len(sql_statements)
        sql_statements.clear()
        large = await graphql.execute(FULL_PAGE, {"pageSize": 100, "search": search})
        statements_for_100 = len(sql_statements)

        assert len(small["sessions"]["items"]) == 5 and len(large["sessions"]["items"]) == 100
        assert statements_for_100 == statements_for_5, sql_statements
        assert statements_for_5 <= 11, sql_statements


async def test_a_date_bound_without_a_time_zone_is_a_clear_error(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    messages = await graphql.errors('{ sessions(filter: {startsFrom: "2031-03-02T10:00:00"}) { totalCount } }')
    assert messages == ["filter.startsFrom '2031-03-02T10:00:00' has no time zone; add one, such as +05:30 or Z."]


@pytest.mark.parametrize("role", ["MANAGER", "MENTEE"])
async def test_a_page_that_does_not_show_how_many_sessions_there_are_does_not_count_them(
    graphql, db, sql_statements, role
):
    org = await make_org()
    viewer = await make_user(org, role)
    mentor = await make_user(org, "MENTOR")
    for n in range(3):
        await make_session(org, mentor, title=f"Session {n}", invited=(viewer,) if role == "MENTEE" else ())
    await graphql.login(viewer.email)

    def counted() -> bool:
        return any("COUNT(" in s.upper() or "session_tally" in s for s in sql_statements)

    sql_statements.clear()
    bare = await graphql.execute("{ sessions(pageSize: 2) { items { title } hasPreviousPage } }")
    assert [s["title"] for s in bare["sessions"]["items"]] and not counted(), sql_statements

    for query in (
        "{ sessions(pageSize: 2) { totalCount totalPages hasNextPage } }",
        "{ sessions(pageSize: 2) { ...Counts } } fragment Counts on SessionPage { totalCount totalPages hasNextPage }",
    ):
        sql_statements.clear()
        page = (await graphql.execute(query))["sessions"]
        assert counted() and (page["totalCount"], page["totalPages"], page["hasNextPage"]) == (3, 2, True)


async def test_a_search_matching_more_than_the_cap_is_counted_up_to_it_and_says_so(graphql, db, monkeypatch):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    for n in range(4):
        await make_session(org, mentor, title=f"Numeracy games {n}")
    await make_session(org, mentor, title="Phonics")
    await graphql.login(manager.email)
    monkeypatch.setattr(listing, "COUNT_EXACT_UP_TO", 3)
    query = """query($search: String) { sessions(search: $search, pageSize: 2) {
      matchCount { count exact } hasNextPage } }"""
    also_total = """query($search: String) { sessions(search: $search, pageSize: 2) {
      matchCount { count exact } totalCount } }"""

    many = (await graphql.execute(query, {"search": "numeracy"}))["sessions"]
    few = (await graphql.execute(query, {"search": "phonics"}))["sessions"]
    everything = (await graphql.execute(query, {"search": None}))["sessions"]
    counted_anyway = (await graphql.execute(also_total, {"search": "numeracy"}))["sessions"]

    assert many == {"matchCount": {"count": 3, "exact": False}, "hasNextPage": True}
    assert few == {"matchCount": {"count": 1, "exact": True}, "hasNextPage": False}
    # Asked for totalCount too, the sessions are counted exactly anyway: matchCount says the exact number.
    assert counted_anyway == {"matchCount": {"count": 4, "exact": True}, "totalCount": 4}
    # A manager's whole list is counted from the tallies on PostgreSQL: exact whatever its size. SQLite keeps
    # no tallies and counts it from the sessions, up to the cap.
    tallied = {"count": 5, "exact": True}
    assert everything["matchCount"] == (tallied if db.is_postgres else {"count": 3, "exact": False})
