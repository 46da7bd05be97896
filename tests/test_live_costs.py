"""What a query or a subscription may cost: the estimate takes the operation's own variable defaults, and a
subscription is priced when it subscribes, within a budget per person."""

from __future__ import annotations

import pytest

from tests.support.factories import make_org, make_session, make_user

# Without $p, the page is the operation's default (100), not the field's (10): 100 × (1 + 1 + 1,100).
LARGE_BY_DEFAULT = """query($p: Int! = 100) { sessions(pageSize: $p) { items { mentor {
    sessions(pageSize: 100) { items { id } } } } } }"""


@pytest.fixture
async def manager(graphql, db):
    org = await make_org()
    person = await make_user(org, "MANAGER", "MENTOR")
    await make_session(org, person)
    await graphql.login(person.email)
    return person


async def test_a_page_size_left_to_the_operations_default_is_priced_at_that_default(graphql, manager):
    body = await graphql.post(LARGE_BY_DEFAULT)

    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["actual"] == 111_301
    # Sent with a small page, the same text runs.
    assert (await graphql.post(LARGE_BY_DEFAULT, {"p": 5})).get("errors") is None
