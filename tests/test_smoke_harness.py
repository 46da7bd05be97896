from tests.support.factories import make_org, make_session, make_user


async def test_manager_sees_their_sessions(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, title="Alpha")
    await graphql.login(manager.email)
    data = await graphql.execute("{ sessions { totalCount items { title } } }")
    assert data["sessions"]["items"] == [{"title": "Alpha"}]
