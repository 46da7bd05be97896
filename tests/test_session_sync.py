"""Cursor pages and the change feed, as an API client that mirrors sessions uses them: pages that neither
skip nor repeat while sessions come and go, a deep page as cheap as the first, and a feed that ends a
racing sync with exactly the server's sessions — also when transactions commit out of order."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from backend.models import Session, SessionChange, SessionType, utcnow
from tests.support.databases import ON_POSTGRES
from tests.support.factories import make_org, make_session, make_user
from tests.support.session_requests import DELETE, a_desk, mutate

PAGE = """query($first: Int!, $after: String, $sort: SessionSort, $filter: SessionFilter) {
  sessionsConnection(first: $first, after: $after, sort: $sort, filter: $filter) {
    edges { cursor node { id title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
CHANGES = """query($since: String, $first: Int! = 100) { sessionChanges(since: $since, first: $first) {
  cursor hasMore changes { kind sessionId session { id title } } } }"""
OFFSET = "query($sort: SessionSort) { sessions(pageSize: 100, sort: $sort) { items { id title } } }"


async def all_pages(graphql, first: int, sort: dict | None = None, between=None) -> list[str]:
    ids, after = [], None
    while True:
        data = (await graphql.execute(PAGE, {"first": first, "after": after, "sort": sort}))["sessionsConnection"]
        ids += [edge["node"]["id"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return ids
        after = data["pageInfo"]["endCursor"]
        if between:
            await between()


@pytest.fixture
async def desk(db):
    return await a_desk()


@pytest.mark.parametrize(
    "sort",
    [
        None,
        {"field": "TITLE", "direction": "DESC"},
        {"field": "MENTEE_COUNT", "direction": "ASC"},
        {"field": "CREATED_AT", "direction": "DESC"},
    ],
)
async def test_cursor_pages_read_every_session_once_in_the_lists_order(graphql, desk, sort):
    start = utcnow() + timedelta(days=3)
    mentors = [desk.mentor, desk.other_mentor, await make_user(desk.org, "MENTOR")]
    for number in range(13):  # ties on every sort column: the ID breaks them
        await make_session(
            desk.org,
            mentors[number % 3],
            title=f"{'ab'[number % 2]}{'C' if number % 3 else 'c'}",
            starts_at=start + timedelta(days=number // 3),
            invited=(desk.asha,) if number % 2 else (),
        )
    await graphql.login(desk.manager.email)

    paged = await all_pages(graphql, first=4, sort=sort)

    expected = [item["id"] for item in (await graphql.execute(OFFSET, {"sort": sort}))["sessions"]["items"]]
    assert paged == expected and len(paged) == 13


async def test_sessions_added_and_deleted_between_pages_neither_skip_nor_repeat_the_others(graphql, desk):
    start = utcnow() + timedelta(days=3)
    sessions = [
        await make_session(desk.org, desk.mentor, starts_at=start + timedelta(hours=5 * n), title=f"S{n}")
        for n in range(20)
    ]
    await graphql.login(desk.manager.email)
    chance = random.Random(7)
    deleted: set[str] = set()

    async def meanwhile() -> None:
        # A new session before and after the reader's place, and one not yet read deleted.
        for hours in (1, 5 * 19 + 2):
            mentor = await make_user(desk.org, "MENTOR")
            await make_session(desk.org, mentor, starts_at=start + timedelta(hours=hours + chance.random()))
        doomed = sessions.pop(chance.randrange(len(sessions)))
        await Session.filter(id=doomed.id).update(deleted_at=utcnow())
        deleted.add(str(doomed.id))

    paged = await all_pages(graphql, first=3, between=meanwhile)

    assert len(paged) == len(set(paged))
    kept_throughout = {str(s.id) for s in sessions}
    assert kept_throughout <= set(paged)


async def test_a_deep_page_costs_the_same_statements_as_the_first(graphql, desk, sql_statements):
    for _ in range(30):
        await make_session(desk.org, desk.mentor)
    await graphql.login(desk.manager.email)
    first_page = (await graphql.execute(PAGE, {"first": 5}))["sessionsConnection"]
    cursor = first_page["pageInfo"]["endCursor"]
    for _ in range(4):
        cursor = (await graphql.execute(PAGE, {"first": 5, "after": cursor}))["sessionsConnection"]["pageInfo"][
            "endCursor"
        ]

    sql_statements.clear()
    await graphql.execute(PAGE, {"first": 5})
    on_first = len(sql_statements)
    sql_statements.clear()
    deep = (await graphql.execute(PAGE, {"first": 5, "after": cursor}))["sessionsConnection"]

    assert len(sql_statements) == on_first
    assert len(deep["edges"]) == 5 and deep["pageInfo"]["hasPreviousPage"]
    assert "OFFSET" not in " ".join(sql_statements).upper()


async def test_a_cursor_of_another_order_or_not_ours_is_refused_with_what_to_do(graphql, desk):
    await make_session(desk.org, desk.mentor)
    await make_session(desk.org, desk.mentor)
    await graphql.login(desk.manager.email)
    cursor = (await graphql.execute(PAGE, {"first": 1}))["sessionsConnection"]["pageInfo"]["endCursor"]

    other_order = await graphql.errors(PAGE, {"first": 1, "after": cursor, "sort": {"field": "TITLE"}})
    garbage = await graphql.errors(PAGE, {"first": 1, "after": "bm90IGEgY3Vyc29y"})
    feed_cursor = (await graphql.execute(CHANGES))["sessionChanges"]["cursor"]
    swapped = await graphql.errors(PAGE, {"first": 1, "after": feed_cursor})
    too_many = await graphql.errors(PAGE, {"first": 101})

    assert other_order == [
        "The cursor belongs to a list in another order; pass the same sort as the page it came from."
    ]
    assert "is not one this API gave here" in garbage[0] and "is not one this API gave here" in swapped[0]
    assert too_many == ["first must be between 1 and 100; you asked for 101."]


async def test_cursor_pages_show_a_mentee_only_what_the_list_shows_them(graphql, desk):
    await make_session(desk.org, desk.mentor, title="Open")
    await make_session(desk.org, desk.mentor, title="Closed", type=SessionType.PRIVATE)
    await make_session(desk.org, desk.mentor, title="Theirs", type=SessionType.PRIVATE, invited=(desk.asha,))
    await graphql.login(desk.asha.email)

    data = (await graphql.execute(PAGE, {"first": 10}))["sessionsConnection"]

    assert sorted(edge["node"]["title"] for edge in data["edges"]) == ["Open", "Theirs"]


# --- the change feed -----------------------------------------------------------------------------


async def changes(graphql, since: str | None, first: int = 100) -> dict:
    return (await graphql.execute(CHANGES, {"since": since, "first": first}))["sessionChanges"]


async def follow(graphql, cursor: str, mirror: dict[str, str | None], until, first: int = 100) -> tuple[str, list]:
    """Applies changes to `mirror` (ID → title) until `until(mirror)` holds, within a deadline; the last
    cursor and every change told. On PostgreSQL a change is told once every transaction that began
    before it has ended (other databases of the server count too), so the feed is read until it has
    caught up, as a polling client does."""
    deadline = asyncio.get_running_loop().time() + 30
    told: list[dict] = []
    while True:
        page = await changes(graphql, cursor, first)
        told += page["changes"]
        for change in page["changes"]:
            if change["session"] is None:
                mirror.pop(change["sessionId"], None)
            else:
                mirror[change["sessionId"]] = change["session"]["title"]
        cursor = page["cursor"]
        if not page["hasMore"] and until(mirror):
            return cursor, told
        assert asyncio.get_running_loop().time() < deadline, f"The feed did not catch up: {mirror}"
        if not page["hasMore"]:
            await asyncio.sleep(0.02)  # polling, as a client does


async def test_changes_since_a_cursor_are_told_once_each_with_tombstones_for_deletions(graphql, desk):
    kept = await make_session(desk.org, desk.mentor, title="Kept")
    doomed = await make_session(desk.org, desk.mentor, title="Doomed")
    await graphql.login(desk.manager.email)
    now = await changes(graphql, None)
    assert now["changes"] == [] and not now["hasMore"]
    mirror: dict[str, str | None] = {str(kept.id): "Kept", str(doomed.id): "Doomed"}

    created = await make_session(desk.org, desk.mentor, title="New")
    await Session.filter(id=kept.id).update(title="Kept, renamed")
    await Session.filter(id=kept.id).update(title="Kept, renamed twice")
    assert (await mutate(graphql, DELETE, id=str(doomed.id), notify=False))["errors"] == []
    cursor, told = await follow(graphql, now["cursor"], mirror, lambda m: str(doomed.id) not in m)

    assert sorted((c["kind"], c["sessionId"], (c["session"] or {}).get("title")) for c in told) == sorted(
        [
            ("CREATED", str(created.id), "New"),
            ("UPDATED", str(kept.id), "Kept, renamed twice"),
            ("DELETED", str(doomed.id), None),
        ]
    )
    # Nothing new since: the next call tells nothing.
    assert (await changes(graphql, cursor))["changes"] == []


async def test_a_mentee_hears_of_private_sessions_they_are_not_in_as_ids_only(graphql, desk):
    await graphql.login(desk.asha.email)
    cursor = (await changes(graphql, None))["cursor"]

    closed = await make_session(desk.org, desk.mentor, title="Closed", type=SessionType.PRIVATE)
    public = await make_session(desk.org, desk.mentor, title="Open")
    _, told = await follow(graphql, cursor, {}, lambda m: str(public.id) in m)

    by_id = {c["sessionId"]: c for c in told}
    assert by_id[str(public.id)]["session"]["title"] == "Open"
    assert by_id[str(closed.id)] == {"kind": "DELETED", "sessionId": str(closed.id), "session": None}


async def test_other_organisations_changes_are_not_told(graphql, desk):
    await graphql.login(desk.manager.email)
    cursor = (await changes(graphql, None))["cursor"]
    elsewhere = await make_org()
    await make_session(elsewhere, await make_user(elsewhere, "MENTOR"))
    ours = await make_session(desk.org, desk.mentor)

    _, told = await follow(graphql, cursor, {}, lambda m: str(ours.id) in m)

    assert [c["sessionId"] for c in told] == [str(ours.id)]


async def test_a_long_feed_comes_in_pages_that_say_there_is_more(graphql, desk):
    await graphql.login(desk.manager.email)
    cursor = (await changes(graphql, None))["cursor"]
    made = {str((await make_session(desk.org, desk.mentor)).id) for _ in range(7)}

    _, told = await follow(graphql, cursor, {}, lambda m: set(m) == made, first=3)

    assert sorted(c["sessionId"] for c in told) == sorted(made)


async def test_a_cursor_older_than_the_log_keeps_is_refused_as_expired(graphql, desk):
    from backend.graphql.sessions.sync import feed_cursor
    from backend.sessions.feed import FeedPosition

    await graphql.login(desk.manager.email)
    old = feed_cursor(FeedPosition(0, utcnow() - timedelta(days=31)))

    body = await graphql.post(CHANGES, {"since": old})

    assert body["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
    assert "read the sessions again from the start" in body["errors"][0]["message"]


async def test_a_sync_racing_inserts_and_deletes_ends_with_exactly_the_servers_sessions(graphql, desk):
    for _ in range(12):
        await make_session(desk.org, desk.mentor)
    await graphql.login(desk.manager.email)
    chance = random.Random(11)
    done = asyncio.Event()

    async def other_people() -> None:
        for step in range(40):
            if step % 3 == 2:
                alive = await Session.filter(organization_id=desk.org.id, deleted_at=None).values_list("id", flat=True)
                await Session.filter(id=chance.choice(alive)).update(deleted_at=utcnow())
            else:
                await make_session(desk.org, chance.choice([desk.mentor, desk.other_mentor]))
            await asyncio.sleep(0)
        done.set()

    writer = asyncio.create_task(other_people())
    # The client: a cursor first, then every page, then the changes since the cursor.
    cursor = (await changes(graphql, None))["cursor"]
    mirror: dict[str, str | None] = dict.fromkeys(await all_pages(graphql, first=5))
    cursor, _ = await follow(graphql, cursor, mirror, lambda _: done.is_set(), first=4)
    await writer
    server = {
        str(i) for i in await Session.filter(organization_id=desk.org.id, deleted_at=None).values_list("id", flat=True)
    }

    await follow(graphql, cursor, mirror, lambda mirrored: set(mirrored) == server, first=4)
    assert set(mirror) == server


@ON_POSTGRES
async def test_a_transaction_that_commits_after_a_later_one_is_still_told(database, db, graphql):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    cursor = (await changes(graphql, None))["cursor"]
    first_wrote, let_first_commit = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with in_transaction() as connection:
            await connection.execute_query(
                "UPDATE \"session\" SET title = 'Slow' WHERE id = $1", [slow_session.id]
            )  # takes the lower transaction ID
            first_wrote.set()
            await let_first_commit.wait()

    slow_session = await make_session(desk.org, desk.mentor, title="Before")
    cursor, _ = await follow(graphql, cursor, {}, lambda seen: str(slow_session.id) in seen)
    slow = asyncio.create_task(slow_writer())
    await first_wrote.wait()
    quick = await make_session(desk.org, desk.mentor, title="Quick")  # a later transaction, committed first

    # The quick one is told at once …
    told: dict[str, str | None] = {}
    cursor, _ = await follow(graphql, cursor, told, lambda seen: str(quick.id) in seen)
    assert told == {str(quick.id): "Quick"}
    # … and the slow one, committed after, is still told after it: the cursor did not pass it by.
    let_first_commit.set()
    await slow
    await follow(graphql, cursor, told, lambda seen: str(slow_session.id) in seen)

    assert told == {str(slow_session.id): "Slow", str(quick.id): "Quick"}


async def test_the_housekeeper_prunes_the_log_but_keeps_its_newest_row(db, desk):
    from backend.sessions import feed

    await make_session(desk.org, desk.mentor)
    await make_session(desk.org, desk.mentor)
    await SessionChange.all().update(changed_at=utcnow() - timedelta(days=40))

    logged = await SessionChange.all().count()

    assert await feed.prune() == logged - 1
    assert await SessionChange.all().count() == 1
