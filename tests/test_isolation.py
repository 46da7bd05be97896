"""Organisations never see each other: another organisation's IDs answer exactly like IDs that do not exist."""

from __future__ import annotations

import csv
import io

from backend.models import MeetingPlatform, SessionType
from tests.support.factories import make_org, make_session, make_user


async def two_organisations():
    ours = await make_org("Ours")
    theirs = await make_org("Theirs")
    people = {
        "manager": await make_user(ours, "MANAGER"),
        "mentor": await make_user(ours, "MENTOR", name="Shared Name"),
        "mentee": await make_user(ours, "MENTEE"),
        "their_mentor": await make_user(theirs, "MENTOR", name="Shared Name"),
        "their_mentee": await make_user(theirs, "MENTEE"),
    }
    ours_session = await make_session(
        ours, people["mentor"], title="Our session", medium="English", categories=("Ours only",)
    )
    theirs_session = await make_session(
        theirs,
        people["their_mentor"],
        title="Their session",
        medium="Klingon",
        categories=("Theirs only",),
        recommended_for=("Their people",),
        platform=MeetingPlatform.ZOOM,
        type=SessionType.PUBLIC,
        enrolled=(people["their_mentee"],),
    )
    return people, ours_session, theirs_session


async def test_another_organisations_session_answers_like_a_missing_one(graphql, db):
    people, _, theirs = await two_organisations()
    query = "query($id: ID!) { session(id: $id) { id title } }"
    for role in ("manager", "mentor", "mentee"):
        await graphql.login(people[role].email)
        their_answer = await graphql.post(query, {"id": str(theirs.id)})
        missing_answer = await graphql.post(query, {"id": str(theirs.id + 1000)})
        assert their_answer == missing_answer == {"data": {"session": None}}


async def test_another_organisations_mentor_answers_like_a_missing_one(graphql, db):
    people, _, _ = await two_organisations()
    query = "query($id: ID!) { mentor(id: $id) { id name } }"
    await graphql.login(people["manager"].email)
    their_answer = await graphql.post(query, {"id": str(people["their_mentor"].id)})
    missing_answer = await graphql.post(query, {"id": "999999"})
    assert their_answer == missing_answer == {"data": {"mentor": None}}


async def test_lists_searches_and_mentor_filters_never_reach_another_organisation(graphql, db):
    people, _, _ = await two_organisations()
    query = """query($filter: SessionFilter, $search: String) {
                 sessions(filter: $filter, search: $search) { totalCount items { title } } }"""
    for role in ("manager", "mentor", "mentee"):
        await graphql.login(people[role].email)
        assert (await graphql.execute(query))["sessions"]["items"] == [{"title": "Our session"}]
        assert (await graphql.execute(query, {"search": "session"}))["sessions"]["totalCount"] == 1
        assert (await graphql.execute(query, {"search": "Shared"}))["sessions"]["totalCount"] == 1
        theirs = {"mentorIds": [str(people["their_mentor"].id)]}
        assert (await graphql.execute(query, {"filter": theirs}))["sessions"]["totalCount"] == 0


async def test_the_filter_counts_never_include_another_organisations_options(graphql, db):
    people, _, _ = await two_organisations()
    await graphql.login(people["manager"].email)
    facets = (
        await graphql.execute(
            "{ sessionFacets { types { value count } platforms { value count } categories { value count } "
            "recommendedFor { value count } mediums { value count } } }"
        )
    )["sessionFacets"]
    assert facets["categories"] == [{"value": "Ours only", "count": 1}]
    assert facets["recommendedFor"] == [{"value": "Teachers", "count": 1}]
    assert facets["mediums"] == [{"value": "English", "count": 1}]
    assert {o["value"]: o["count"] for o in facets["platforms"]} == {"BIG_BLUE_BUTTON": 1, "GOOGLE_MEET": 0, "ZOOM": 0}


async def test_the_mentor_profile_counts_only_the_own_organisation(graphql, db):
    people, _, _ = await two_organisations()
    await graphql.login(people["manager"].email)
    data = await graphql.execute(
        "query($id: ID!) { mentor(id: $id) { sessions { totalCount } } }", {"id": str(people["mentor"].id)}
    )
    assert data["mentor"]["sessions"]["totalCount"] == 1


async def test_downloads_never_include_another_organisations_rows(graphql, http, db):
    people, ours, theirs = await two_organisations()
    await graphql.login(people["manager"].email)
    response = await http.get("/exports/sessions.csv", headers=graphql.headers)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Our session"]
    by_their_mentor = await http.get(
        f"/exports/sessions.csv?mentorIds={people['their_mentor'].id}", headers=graphql.headers
    )
    assert by_their_mentor.content.decode("utf-8-sig").count("\r\n") == 1  # the header only


async def test_another_organisations_mentee_download_answers_like_a_missing_one(graphql, http, db):
    people, _, theirs = await two_organisations()
    await graphql.login(people["manager"].email)
    their_answer = await http.get(f"/exports/sessions/{theirs.id}/mentees.csv", headers=graphql.headers)
    missing_answer = await http.get(f"/exports/sessions/{theirs.id + 1000}/mentees.csv", headers=graphql.headers)
    assert their_answer.status_code == missing_answer.status_code == 404
    assert their_answer.text == missing_answer.text
