"""CSV downloads: the session list as shown, and a session's mentee list, ready for a spreadsheet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from backend.auth import COOKIE_NAME
from backend.downloads import sessions as exports
from backend.models import MeetingPlatform, SessionStatus, SessionType, utcnow
from tests.support.downloads import rows_of, signed_in
from tests.support.factories import make_org, make_session, make_user

SESSION_HEADER = [
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
MENTEE_HEADER = ["Name", "Email", "Designation", "Enrolled or Invited", "Added On"]
# 20:00 UTC is 01:30 the next day in IST: the date in the file must be the IST one.
LATE_EVENING_UTC = datetime(2031, 3, 1, 20, 0, tzinfo=UTC)


async def test_the_session_download_is_a_spreadsheet_ready_file(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR", name="Asha Rao", email="asha@example.test")
    mentees = [await make_user(org, "MENTEE") for _ in range(3)]
    session = await make_session(
        org,
        mentor,
        title="Lesson planning",
        starts_at=LATE_EVENING_UTC,
        duration=90,
        type=SessionType.PRIVATE,
        platform=MeetingPlatform.GOOGLE_MEET,
        medium="Hindi",
        categories=("Pedagogy", "Communication"),
        recommended_for=("Teachers", "School leaders"),
        invited=tuple(mentees[:2]),
        enrolled=(mentees[2],),
        seats_limit=25,
    )
    headers = await signed_in(graphql, manager)
    response = await http.get("/exports/sessions.csv", headers=headers)

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="sessions.csv"'
    assert b"\r\n" in response.content
    assert rows_of(response) == [
        SESSION_HEADER,
        [
            str(session.id),
            "Lesson planning",
            "Private",
            "Upcoming",
            "Asha Rao",
            "asha@example.test",
            "02-03-2031",
            "01:30",
            "IST",
            "90",
            "3",
            "1",
            "2",
            "25",
            "Teachers, School leaders",
            "Pedagogy, Communication",
            "Hindi",
            "Google Meet",
        ],
    ]


async def test_statuses_and_platforms_read_as_people_say_them(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, title="A", status=SessionStatus.LIVE, platform=MeetingPlatform.BIG_BLUE_BUTTON)
    await make_session(org, mentor, title="B", status=SessionStatus.COMPLETED, platform=MeetingPlatform.ZOOM)
    response = await http.get("/exports/sessions.csv?sort=TITLE", headers=await signed_in(graphql, manager))
    assert [(r[2], r[3], r[17]) for r in rows_of(response)[1:]] == [
        ("Public", "Live", "BigBlueButton"),
        ("Public", "Completed", "Zoom"),
    ]


async def test_the_download_holds_exactly_the_sessions_the_list_shows_in_its_order(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    asha = await make_user(org, "MENTOR", name="Asha Rao")
    ravi = await make_user(org, "MENTOR", name="Ravi Iyer")
    specs = [
        ("Zebra talk", asha, SessionStatus.UPCOMING, "English"),
        ("apple talk", ravi, SessionStatus.LIVE, "Hindi"),
        ("Mango talk", ravi, SessionStatus.UPCOMING, "English"),
        ("Banana", asha, SessionStatus.COMPLETED, "English"),
        ("kiwi talk", asha, SessionStatus.LIVE, "Tamil"),
    ]
    for n, (title, mentor, status, medium) in enumerate(specs):
        await make_session(
            org,
            mentor,
            title=title,
            status=status,
            medium=medium,
            categories=("Pedagogy",),
            starts_at=LATE_EVENING_UTC + timedelta(days=n),
        )
    headers = await signed_in(graphql, manager)
    cases = [
        ("", {}),
        ("?statuses=UPCOMING&statuses=LIVE", {"filter": {"statuses": ["UPCOMING", "LIVE"]}}),
        ("?mediums=English&search=TALK", {"filter": {"mediums": ["English"]}, "search": "TALK"}),
        ("?search=ravi&sort=TITLE&direction=DESC", {"search": "ravi", "sort": {"field": "TITLE", "direction": "DESC"}}),
        (
            f"?mentorIds={asha.id}&sort=START_TIME&direction=desc",
            {"filter": {"mentorIds": [str(asha.id)]}, "sort": {"field": "START_TIME", "direction": "DESC"}},
        ),
        (
            "?categories=Pedagogy&types=PUBLIC&platforms=BIG_BLUE_BUTTON&sort=TITLE",
            {
                "filter": {"categories": ["Pedagogy"], "types": ["PUBLIC"], "platforms": ["BIG_BLUE_BUTTON"]},
                "sort": {"field": "TITLE"},
            },
        ),
        (
            "?startsFrom=2031-03-03T01:30:00%2B05:30&startsTo=2031-03-04T20:00:00Z",
            {"filter": {"startsFrom": "2031-03-03T01:30:00+05:30", "startsTo": "2031-03-04T20:00:00Z"}},
        ),
        (
            "?recommendedFor=Teachers&sort=MENTEE_COUNT",
            {"filter": {"recommendedFor": ["Teachers"]}, "sort": {"field": "MENTEE_COUNT"}},
        ),
    ]
    query = """query($filter: SessionFilter, $search: String, $sort: SessionSort) {
                 sessions(filter: $filter, search: $search, sort: $sort, pageSize: 100) { items { title } } }"""
    for params, variables in cases:
        listed = [i["title"] for i in (await graphql.execute(query, variables))["sessions"]["items"]]
        downloaded = [row[1] for row in rows_of(await http.get(f"/exports/sessions.csv{params}", headers=headers))[1:]]
        assert downloaded == listed, params
    assert len(rows_of(await http.get("/exports/sessions.csv?search=talk", headers=headers))) == 1 + 4


async def test_a_long_download_keeps_its_order_across_batches(graphql, http, db, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentors = [await make_user(org, "MENTOR") for _ in range(3)]
    for n in range(7):
        await make_session(org, mentors[n % 3], title=f"Session {6 - n}", categories=(f"Category {n}",))
    response = await http.get("/exports/sessions.csv?sort=TITLE", headers=await signed_in(graphql, manager))
    rows = rows_of(response)[1:]
    assert [r[1] for r in rows] == [f"Session {n}" for n in range(7)]
    assert [r[15] for r in rows] == [f"Category {6 - n}" for n in range(7)]


@pytest.mark.parametrize("sort", ["START_TIME", "MENTEE_COUNT", "TITLE"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_a_long_download_with_equal_sort_values_lists_each_session_once_in_the_list_s_order(
    graphql, http, db, monkeypatch, sort, direction
):
    monkeypatch.setattr(exports, "BATCH", 2)
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentors = [await make_user(org, "MENTOR") for _ in range(7)]
    for n in range(7):  # three titles, two start times, one mentee count: batches end inside runs of ties
        await make_session(org, mentors[n], title=f"Talk {n % 3}", starts_at=LATE_EVENING_UTC + timedelta(days=n % 2))
    headers = await signed_in(graphql, manager)
    query = """query($sort: SessionSort) { sessions(sort: $sort, pageSize: 100) { items { id } } }"""
    listed = [
        i["id"]
        for i in (await graphql.execute(query, {"sort": {"field": sort, "direction": direction}}))["sessions"]["items"]
    ]
    response = await http.get(f"/exports/sessions.csv?sort={sort}&direction={direction}", headers=headers)
    assert [row[0] for row in rows_of(response)[1:]] == listed


async def test_a_download_costs_three_statements_per_batch_of_rows(graphql, http, db, monkeypatch, sql_statements):
    real_batch = exports.BATCH
    monkeypatch.setattr(exports, "BATCH", 10)
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    headers = await signed_in(graphql, manager)

    async def statements_for(sessions: int) -> int:
        while len(rows_of(await http.get("/exports/sessions.csv", headers=headers))) - 1 < sessions:
            await make_session(org, mentor, categories=("Communication", "Leadership"))
        sql_statements.clear()
        assert len(rows_of(await http.get("/exports/sessions.csv", headers=headers))) - 1 == sessions
        return len(sql_statements)

    one_batch, three_batches = await statements_for(5), await statements_for(25)
    # The batch's IDs (read after the last batch, so a long download never holds them all), the sessions
    # with their mentor, their labels.
    assert three_batches - one_batch == 2 * 3, sql_statements
    # At the real batch size that is under one statement per 1,000 rows, on top of a fixed few.
    assert 3 * 1000 / real_batch < 1 and one_batch <= 6


@pytest.mark.parametrize("title", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn"])
async def test_cells_that_a_spreadsheet_would_run_as_formulas_are_made_text(graphql, http, db, title):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR", name="=Mentor()")
    await make_session(org, mentor, title=title, medium="-Hindi")
    rows = rows_of(await http.get("/exports/sessions.csv", headers=await signed_in(graphql, manager)))
    assert (rows[1][1], rows[1][4], rows[1][16]) == ("'" + title, "'=Mentor()", "'-Hindi")


async def test_safe_text_is_left_as_it_is(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, title='Life skills: "a, b" = c')
    rows = rows_of(await http.get("/exports/sessions.csv", headers=await signed_in(graphql, manager)))
    assert rows[1][1] == 'Life skills: "a, b" = c'


async def test_the_download_leaves_out_deleted_sessions_and_what_the_viewer_cannot_see(graphql, http, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    other = await make_user(org, "MENTOR")
    await make_session(org, mentor, title="Mine")
    await make_session(org, mentor, title="Mine, deleted", deleted_at=utcnow())
    await make_session(org, other, title="Someone else's")
    rows = rows_of(await http.get("/exports/sessions.csv", headers=await signed_in(graphql, mentor)))
    assert [r[1] for r in rows[1:]] == ["Mine"]


async def test_a_browser_download_with_the_cookie_works_without_the_csrf_header(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, title="Mine")
    await graphql.login(manager.email)
    response = await http.get("/exports/sessions.csv", headers={"Cookie": f"{COOKIE_NAME}={graphql.token}"})
    assert [r[1] for r in rows_of(response)[1:]] == ["Mine"]


async def test_signed_out_downloads_are_refused_with_401(http, db):
    for url in ("/exports/sessions.csv", "/exports/sessions/1/mentees.csv"):
        response = await http.get(url)
        assert response.status_code == 401
        assert response.text == "Sign in first: this download needs your session cookie or a bearer token."


@pytest.mark.parametrize(
    "params,message",
    [
        ("statuses=ONGOING", "statuses 'ONGOING' is not a known value; use one of UPCOMING, LIVE, COMPLETED."),
        ("types=OPEN", "types 'OPEN' is not a known value; use one of PUBLIC, PRIVATE."),
        ("platforms=SKYPE", "platforms 'SKYPE' is not a known value; use one of BIG_BLUE_BUTTON, GOOGLE_MEET, ZOOM."),
        ("sort=RATING", "sort 'RATING' is not a known value; use one of START_TIME, TITLE, MENTEE_COUNT, CREATED_AT."),
        ("direction=UP", "direction 'UP' is not a known value; use one of ASC, DESC."),
        ("mentorIds=abc", "mentorIds 'abc' is not a valid ID; IDs are positive whole numbers such as 42."),
        ("mentorIds=-1", "mentorIds '-1' is not a valid ID; IDs are positive whole numbers such as 42."),
        (
            "startsFrom=tomorrow",
            "startsFrom 'tomorrow' is not a date and time; use ISO 8601 such as 2026-12-01T09:00:00+05:30.",
        ),
        ("startsTo=2031-03-01T10:00", "startsTo '2031-03-01T10:00' has no time zone; add one, such as +05:30 or Z."),
    ],
)
async def test_a_bad_download_parameter_is_refused_with_400_and_a_clear_message(graphql, http, db, params, message):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    response = await http.get(f"/exports/sessions.csv?{params}", headers=await signed_in(graphql, manager))
    assert response.status_code == 400
    assert response.text == message


async def test_enum_parameters_are_accepted_in_any_case(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, title="Live one", status=SessionStatus.LIVE)
    response = await http.get("/exports/sessions.csv?statuses=live", headers=await signed_in(graphql, manager))
    assert [r[1] for r in rows_of(response)[1:]] == ["Live one"]


async def test_the_mentee_download_lists_who_attends_and_how(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    meena = await make_user(org, "MENTEE", name="Meena Das", email="meena@example.test")
    kiran = await make_user(org, "MENTEE", name="=Kiran", email="kiran@example.test")
    session = await make_session(org, mentor, invited=(meena,), enrolled=(kiran,))
    headers = await signed_in(graphql, manager)
    response = await http.get(f"/exports/sessions/{session.id}/mentees.csv", headers=headers)
    assert response.headers["content-disposition"] == f'attachment; filename="session-{session.id}-mentees.csv"'
    rows = rows_of(response)
    assert rows[0] == MENTEE_HEADER
    assert [r[:4] for r in rows[1:]] == [
        ["Meena Das", "meena@example.test", "", "Invited"],
        ["'=Kiran", "kiran@example.test", "", "Enrolled"],
    ]
    added = datetime.strptime(rows[1][4], "%d-%m-%Y %H:%M")
    ist_now = utcnow().astimezone(timezone(timedelta(hours=5, minutes=30))).replace(tzinfo=None)
    assert abs(ist_now - added) < timedelta(minutes=2)


async def test_the_mentor_can_download_their_own_sessions_mentees(graphql, http, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    mentee = await make_user(org, "MENTEE")
    session = await make_session(org, mentor, enrolled=(mentee,))
    response = await http.get(f"/exports/sessions/{session.id}/mentees.csv", headers=await signed_in(graphql, mentor))
    assert len(rows_of(response)) == 2


async def test_a_session_without_mentees_downloads_just_the_header(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    session = await make_session(org, await make_user(org, "MENTOR"))
    response = await http.get(f"/exports/sessions/{session.id}/mentees.csv", headers=await signed_in(graphql, manager))
    assert rows_of(response) == [MENTEE_HEADER]


async def test_the_mentee_download_is_not_found_for_sessions_the_viewer_may_not_list(graphql, http, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    other_mentor = await make_user(org, "MENTOR")
    mentee = await make_user(org, "MENTEE")
    session = await make_session(org, mentor, enrolled=(mentee,))
    deleted = await make_session(org, mentor, deleted_at=utcnow())
    message = "No such session. It may have been deleted, or the ID is wrong."
    for viewer, session_id in (
        (manager, deleted.id),
        (manager, session.id + 1000),
        (manager, "abc"),
        (manager, "-1"),
        (mentee, session.id),
        (other_mentor, session.id),
    ):
        response = await http.get(
            f"/exports/sessions/{session_id}/mentees.csv", headers=await signed_in(graphql, viewer)
        )
        assert (response.status_code, response.text) == (404, message), (viewer.email, session_id)
