"""The Mentor Profile page: who the mentor is, how many sessions they hosted, their rating, their sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.models import Rating, Session, SessionStatus, SessionType, utcnow
from tests.support.factories import make_org, make_session, make_user

PROFILE = """
query($id: ID!) {
  mentor(id: $id) {
    id name email designation organization sessionsHosted
    rating { average votes breakdown { stars count } }
  }
}
"""


async def profile(graphql, mentor_id) -> dict | None:
    return (await graphql.execute(PROFILE, {"id": str(mentor_id)}))["mentor"]


async def completed(org, mentor, days_ago: int, **fields) -> Session:
    return await make_session(
        org, mentor, status=SessionStatus.COMPLETED, starts_at=utcnow() - timedelta(days=days_ago), **fields
    )


async def rate(session: Session, *stars: int) -> None:
    org = await session.organization
    for n in stars:
        mentee = await make_user(org, "MENTEE")
        await Rating.create(session=session, mentee=mentee, mentor_id=session.mentor_id, stars=n)


async def test_the_profile_shows_who_the_mentor_is(graphql, db):
    org = await make_org("Demo Mentoring Programme")
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR", name="Asha Rao", email="asha@example.test")
    await graphql.login(manager.email)
    assert await profile(graphql, mentor.id) == {
        "id": str(mentor.id),
        "name": "Asha Rao",
        "email": "asha@example.test",
        "designation": "",
        "organization": "Demo Mentoring Programme",
        "sessionsHosted": 0,
        "rating": {"average": None, "votes": 0, "breakdown": [{"stars": s, "count": 0} for s in (5, 4, 3, 2, 1)]},
    }


async def test_sessions_hosted_counts_completed_sessions_the_mentor_started(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    other = await make_user(org, "MENTOR")
    await completed(org, mentor, 3)
    await completed(org, mentor, 5)
    never_started = await completed(org, mentor, 7)  # no recorded start: not hosted
    await Session.filter(id=never_started.id).update(started_at=None)
    await completed(org, mentor, 9, deleted_at=utcnow())
    await make_session(org, mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(minutes=5))
    await make_session(org, mentor)
    await completed(org, other, 3)
    await graphql.login(manager.email)
    assert (await profile(graphql, mentor.id))["sessionsHosted"] == 2


async def test_the_rating_averages_every_vote_to_one_decimal(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    other = await make_user(org, "MENTOR")
    await rate(await completed(org, mentor, 3), 5, 4, 4)
    await rate(await completed(org, mentor, 5), 2)
    await rate(await completed(org, other, 3), 1)
    await graphql.login(manager.email)
    rating = (await profile(graphql, mentor.id))["rating"]
    assert rating == {
        "average": 3.8,  # 15 / 4 = 3.75
        "votes": 4,
        "breakdown": [
            {"stars": 5, "count": 1},
            {"stars": 4, "count": 2},
            {"stars": 3, "count": 0},
            {"stars": 2, "count": 1},
            {"stars": 1, "count": 0},
        ],
    }


async def test_the_profile_lists_the_mentors_sessions_that_the_viewer_sees(graphql, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    other = await make_user(org, "MENTOR")
    mentee = await make_user(org, "MENTEE")
    await make_session(org, mentor, title="Open to all")
    await make_session(org, mentor, title="Private, mentee invited", type=SessionType.PRIVATE, invited=(mentee,))
    await make_session(
        org, mentor, title="Private, someone else", type=SessionType.PRIVATE, invited=(await make_user(org, "MENTEE"),)
    )
    await make_session(org, other, title="Another mentor's")
    query = """query($id: ID!, $search: String) { mentor(id: $id) {
                 sessions(search: $search, sort: {field: TITLE}, pageSize: 5) { totalCount items { title } } } }"""

    await graphql.login(mentee.email)
    sessions = (await graphql.execute(query, {"id": str(mentor.id)}))["mentor"]["sessions"]
    assert [i["title"] for i in sessions["items"]] == ["Open to all", "Private, mentee invited"]

    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    sessions = (await graphql.execute(query, {"id": str(mentor.id), "search": "private"}))["mentor"]["sessions"]
    assert [i["title"] for i in sessions["items"]] == ["Private, mentee invited", "Private, someone else"]


async def test_the_profile_session_list_refuses_bad_paging_like_the_main_list(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await graphql.login(manager.email)
    messages = await graphql.errors(
        "query($id: ID!) { mentor(id: $id) { sessions(pageSize: 500) { totalCount } } }", {"id": str(mentor.id)}
    )
    assert messages == ["pageSize must be between 1 and 100; you asked for 500."]


async def test_a_person_who_is_not_a_mentor_has_no_mentor_profile(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentee = await make_user(org, "MENTEE")
    await graphql.login(manager.email)
    assert await profile(graphql, mentee.id) is None
    assert await profile(graphql, manager.id) is None
    assert await profile(graphql, mentee.id + 1000) is None


async def test_a_mentee_can_open_a_mentor_profile(graphql, db):
    org = await make_org()
    mentee = await make_user(org, "MENTEE")
    mentor = await make_user(org, "MENTOR", name="Asha Rao")
    await graphql.login(mentee.email)
    assert (await profile(graphql, mentor.id))["name"] == "Asha Rao"


@pytest.mark.parametrize("bad_id", ["abc", "-1", "0", "12abc"])
async def test_a_malformed_mentor_id_is_a_clear_error(graphql, db, bad_id):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    messages = await graphql.errors("query($id: ID!) { mentor(id: $id) { id } }", {"id": bad_id})
    assert messages == [f"Mentor ID {bad_id!r} is not a valid ID; IDs are positive whole numbers such as 42."]


async def test_the_mentor_in_the_session_list_carries_the_same_profile(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR", name="Asha Rao")
    await rate(await completed(org, mentor, 2), 4)
    await graphql.login(manager.email)
    data = await graphql.execute("{ sessions { items { mentor { id name sessionsHosted rating { average } } } } }")
    assert data["sessions"]["items"] == [
        {"mentor": {"id": str(mentor.id), "name": "Asha Rao", "sessionsHosted": 1, "rating": {"average": 4.0}}}
    ]
