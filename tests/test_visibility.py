"""Which sessions each role sees, in the list, in the details and in the counts."""

from __future__ import annotations

from backend.models import SessionType, utcnow
from tests.support.factories import make_org, make_session, make_user

LIST = "{ sessions(pageSize: 100, sort: {field: TITLE}) { totalCount items { title } } }"


async def listed(graphql) -> list[str]:
    data = (await graphql.execute(LIST))["sessions"]
    assert data["totalCount"] == len(data["items"])
    return [item["title"] for item in data["items"]]


async def opened(graphql, session) -> bool:
    data = await graphql.execute("query($id: ID!) { session(id: $id) { id } }", {"id": str(session.id)})
    return data["session"] is not None


async def sessions_of_two_mentors():
    org = await make_org()
    asha = await make_user(org, "MENTOR")
    ravi = await make_user(org, "MENTOR")
    meena = await make_user(org, "MENTEE")
    kiran = await make_user(org, "MENTEE")
    sessions = {
        "Asha public": await make_session(org, asha, title="Asha public", type=SessionType.PUBLIC),
        "Asha private for Meena": await make_session(
            org, asha, title="Asha private for Meena", type=SessionType.PRIVATE, invited=(meena,)
        ),
        "Ravi public, Meena enrolled": await make_session(
            org, ravi, title="Ravi public, Meena enrolled", type=SessionType.PUBLIC, enrolled=(meena,)
        ),
        "Ravi private for Kiran": await make_session(
            org, ravi, title="Ravi private for Kiran", type=SessionType.PRIVATE, invited=(kiran,)
        ),
        "Ravi deleted": await make_session(org, ravi, title="Ravi deleted", deleted_at=utcnow()),
    }
    return org, {"asha": asha, "ravi": ravi, "meena": meena, "kiran": kiran}, sessions


async def test_a_manager_sees_every_session_of_the_organisation(graphql, db):
    org, _, sessions = await sessions_of_two_mentors()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    assert await listed(graphql) == [
        "Asha private for Meena",
        "Asha public",
        "Ravi private for Kiran",
        "Ravi public, Meena enrolled",
    ]


async def test_a_mentor_sees_only_their_own_sessions(graphql, db):
    _, people, sessions = await sessions_of_two_mentors()
    await graphql.login(people["asha"].email)
    assert await listed(graphql) == ["Asha private for Meena", "Asha public"]
    assert not await opened(graphql, sessions["Ravi public, Meena enrolled"])


async def test_a_mentee_sees_public_sessions_and_private_ones_they_are_invited_to(graphql, db):
    _, people, sessions = await sessions_of_two_mentors()
    await graphql.login(people["meena"].email)
    assert await listed(graphql) == ["Asha private for Meena", "Asha public", "Ravi public, Meena enrolled"]
    assert await opened(graphql, sessions["Asha private for Meena"])
    assert not await opened(graphql, sessions["Ravi private for Kiran"])


async def test_a_mentor_who_is_also_a_mentee_sees_both_sets(graphql, db):
    org, people, _ = await sessions_of_two_mentors()
    both = await make_user(org, "MENTOR", "MENTEE")
    await make_session(org, both, title="Own private", type=SessionType.PRIVATE, invited=(people["kiran"],))
    await graphql.login(both.email)
    assert await listed(graphql) == ["Asha public", "Own private", "Ravi public, Meena enrolled"]


async def test_a_person_without_a_role_sees_no_sessions(graphql, db):
    org, _, sessions = await sessions_of_two_mentors()
    nobody = await make_user(org)
    await graphql.login(nobody.email)
    assert await listed(graphql) == []
    assert not await opened(graphql, sessions["Asha public"])


async def test_a_deleted_session_is_gone_for_every_role(graphql, db):
    org, people, sessions = await sessions_of_two_mentors()
    manager = await make_user(org, "MANAGER")
    for person in (manager, people["ravi"], people["meena"]):
        await graphql.login(person.email)
        assert "Ravi deleted" not in await listed(graphql)
        assert not await opened(graphql, sessions["Ravi deleted"])
        facets = (await graphql.execute("{ sessionFacets { types { value count } } }"))["sessionFacets"]
        assert sum(o["count"] for o in facets["types"]) == len(await listed(graphql))
