"""Finding people: managers find the mentors and mentees of their organisation by name or email."""

from __future__ import annotations

from tests.support.factories import make_org, make_user

FIND = """
query($search: String, $first: Int!) {
  findMentors(search: $search, first: $first) { name email }
  findMentees(search: $search, first: $first) { name email }
}
"""


async def find(graphql, search: str | None = None, first: int = 20) -> dict:
    return await graphql.execute(FIND, {"search": search, "first": first})


async def test_a_manager_finds_mentors_and_mentees_of_the_organisation_by_name_or_email(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await make_user(org, "MENTOR", name="Asha Rao", email="asha@example.test")
    await make_user(org, "MENTOR", "MENTEE", name="Ravi Kumar", email="ravi@example.test")
    await make_user(org, "MENTEE", name="Meena Iyer", email="meena.rao@example.test")
    await make_user(await make_org(), "MENTOR", "MENTEE", name="Rao Elsewhere", email="rao@other.test")
    await graphql.login(manager.email)

    assert await find(graphql, "  RAO ") == {
        "findMentors": [{"name": "Asha Rao", "email": "asha@example.test"}],
        "findMentees": [{"name": "Meena Iyer", "email": "meena.rao@example.test"}],
    }
    everyone = await find(graphql, "")
    assert [p["name"] for p in everyone["findMentors"]] == ["Asha Rao", "Ravi Kumar"]
    assert [p["name"] for p in everyone["findMentees"]] == ["Meena Iyer", "Ravi Kumar"]
    assert [p["name"] for p in (await find(graphql, first=1))["findMentors"]] == ["Asha Rao"]


async def test_people_who_are_not_managers_find_nobody(graphql, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR", "MENTEE")
    await make_user(org, "MENTOR", "MENTEE")
    await graphql.login(mentor.email)
    assert await find(graphql) == {"findMentors": [], "findMentees": []}


async def test_first_must_be_between_1_and_50(graphql, db):
    manager = await make_user(await make_org(), "MANAGER")
    await graphql.login(manager.email)
    for first in (0, 51):
        messages = await graphql.errors(FIND, {"first": first})
        assert set(messages) == {f"first must be between 1 and 50; you asked for {first}."}
