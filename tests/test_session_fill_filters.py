"""The filters behind the Workspace overview's cards: sessions with at most N mentees (`menteeCountAtMost`;
0 is "no mentees yet") and nearly full ones (`nearlyFull`: 80% of the seats taken or more) — in the list,
in the filter counts and in the CSV downloads, which read the same filter."""

from __future__ import annotations

import pytest

from backend.models import SessionStatus
from tests.support.downloads import rows_of, signed_in
from tests.support.factories import make_org, make_session, make_user

LIST = """query($filter: SessionFilter) {
  sessions(filter: $filter, sort: {field: TITLE}, pageSize: 100) { totalCount items { title } }
  sessionFacets(filter: $filter) { statuses { value count } }
}"""


async def sessions_filled_to_every_level():
    """Sessions whose seats are taken in every way that matters at the 80% line."""
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    mentees = [await make_user(org, "MENTEE", email=f"mentee{n}@example.test") for n in range(6)]
    for title, seats, taken, status in [
        ("Empty", 20, 0, SessionStatus.UPCOMING),
        ("Empty and done", 20, 0, SessionStatus.COMPLETED),
        ("One of ten", 10, 1, SessionStatus.UPCOMING),
        ("Three of five", 5, 3, SessionStatus.UPCOMING),  # 60%
        ("Four of five", 5, 4, SessionStatus.UPCOMING),  # 80% exactly: nearly full
        ("Five of seven", 7, 5, SessionStatus.UPCOMING),  # 71%
        ("Six of seven", 7, 6, SessionStatus.LIVE),  # 86%
        ("Two of two", 2, 2, SessionStatus.UPCOMING),  # full
    ]:
        await make_session(org, mentor, title=title, seats_limit=seats, status=status, enrolled=tuple(mentees[:taken]))
    return manager


async def listed(graphql, **session_filter) -> tuple[list[str], dict[str, int]]:
    data = await graphql.execute(LIST, {"filter": session_filter})
    titles = [item["title"] for item in data["sessions"]["items"]]
    assert data["sessions"]["totalCount"] == len(titles)
    statuses = {o["value"]: o["count"] for o in data["sessionFacets"]["statuses"] if o["count"]}
    return titles, statuses


@pytest.mark.parametrize(
    "session_filter,expected",
    [
        ({"menteeCountAtMost": 0}, ["Empty", "Empty and done"]),
        ({"menteeCountAtMost": 0, "statuses": ["UPCOMING"]}, ["Empty"]),
        ({"menteeCountAtMost": 1}, ["Empty", "Empty and done", "One of ten"]),
        ({"menteeCountAtMost": 3}, ["Empty", "Empty and done", "One of ten", "Three of five", "Two of two"]),
        ({"nearlyFull": True}, ["Four of five", "Six of seven", "Two of two"]),
        ({"nearlyFull": True, "statuses": ["UPCOMING"]}, ["Four of five", "Two of two"]),
        ({"nearlyFull": False}, ["Empty", "Empty and done", "Five of seven", "One of ten", "Three of five"]),
        ({"nearlyFull": True, "menteeCountAtMost": 4}, ["Four of five", "Two of two"]),
        ({"nearlyFull": None, "menteeCountAtMost": None},
         ["Empty", "Empty and done", "Five of seven", "Four of five", "One of ten", "Six of seven", "Three of five",
          "Two of two"]),
    ],
)  # fmt: skip
async def test_the_list_and_its_counts_show_exactly_the_sessions_of_the_filter(graphql, db, session_filter, expected):
    manager = await sessions_filled_to_every_level()
    await graphql.login(manager.email)
    titles, statuses = await listed(graphql, **session_filter)
    assert titles == expected
    # The status counts are of the same sessions: ticking a status adds its share of them.
    without_statuses = {k: v for k, v in session_filter.items() if k != "statuses"}
    all_titles, _ = await listed(graphql, **without_statuses)
    assert sum(statuses.values()) == len(all_titles)


async def test_a_negative_mentee_count_is_a_clear_error(graphql, db):
    manager = await sessions_filled_to_every_level()
    await graphql.login(manager.email)
    messages = await graphql.errors("{ sessions(filter: {menteeCountAtMost: -1}) { totalCount } }")
    assert messages == ["menteeCountAtMost must be a whole number from 0 to 2,147,483,647; you gave -1."]


@pytest.mark.parametrize(
    "params,variables",
    [
        ("menteeCountAtMost=0", {"menteeCountAtMost": 0}),
        ("menteeCountAtMost=3&statuses=UPCOMING", {"menteeCountAtMost": 3, "statuses": ["UPCOMING"]}),
        ("nearlyFull=true", {"nearlyFull": True}),
        ("nearlyFull=FALSE", {"nearlyFull": False}),
        ("nearlyFull=true&statuses=UPCOMING&statuses=LIVE", {"nearlyFull": True, "statuses": ["UPCOMING", "LIVE"]}),
    ],
)
async def test_the_downloads_hold_exactly_the_filtered_sessions(graphql, http, db, params, variables):
    manager = await sessions_filled_to_every_level()
    headers = await signed_in(graphql, manager)
    titles, _ = await listed(graphql, **variables)
    assert titles
    downloaded = rows_of(await http.get(f"/exports/sessions.csv?{params}&sort=TITLE", headers=headers))
    assert [row[1] for row in downloaded[1:]] == titles
    bulk = rows_of(await http.get(f"/exports/sessions.csv?{params}&sort=TITLE&format=bulk", headers=headers))
    title_column = bulk[0].index("Title")
    upcoming, _ = await listed(graphql, statuses=["UPCOMING"])  # the bulk-edit file holds the editable ones
    assert [row[title_column] for row in bulk[1:]] == [t for t in titles if t in upcoming]


@pytest.mark.parametrize(
    "params,message",
    [
        ("menteeCountAtMost=none", "menteeCountAtMost 'none' is not a whole number; give one such as 0 or 5."),
        ("menteeCountAtMost=-2", "menteeCountAtMost '-2' is not a whole number; give one such as 0 or 5."),
        (
            "menteeCountAtMost=99999999999",
            "menteeCountAtMost '99999999999' is not a whole number; give one such as 0 or 5.",
        ),
        (
            "menteeCountAtMost=3000000000",
            "menteeCountAtMost must be a whole number from 0 to 2,147,483,647; you gave 3,000,000,000.",
        ),
        ("nearlyFull=yes", "nearlyFull 'yes' is neither true nor false; give one of the two."),
    ],
)
async def test_a_bad_fill_parameter_of_a_download_is_refused_with_400_and_a_clear_message(
    graphql, http, db, params, message
):
    manager = await sessions_filled_to_every_level()
    response = await http.get(f"/exports/sessions.csv?{params}", headers=await signed_in(graphql, manager))
    assert (response.status_code, response.text) == (400, message)
