"""The session tallies (migration 0008, PostgreSQL) always sum to what counting the sessions gives,
whatever changes them, and a manager's list counts read them and agree with counting."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import asyncpg

from backend.housekeeping import Housekeeper
from backend.models import (
    LabelKind,
    MeetingPlatform,
    Session,
    SessionLabel,
    SessionLabelTally,
    SessionStatus,
    SessionTally,
    SessionType,
    utcnow,
)
from backend.sessions import listing, tallies
from backend.sessions.listing import SessionFilter
from tests.support.databases import ON_POSTGRES
from tests.support.factories import make_org, make_session, make_user
from tests.support.server import wait_until_async

COMBINATION = ("status", "type", "meeting_platform", "medium")


def _value(value: object) -> str:
    return str(getattr(value, "value", value))


async def counted(org_id: int) -> tuple[Counter, Counter]:
    """What the tallies should say, counted from the sessions and labels themselves."""
    sessions = Counter()
    for s in await Session.filter(organization_id=org_id, deleted_at__isnull=True).values(*COMBINATION):
        sessions[tuple(_value(s[c]) for c in COMBINATION)] += 1
    labels = Counter()
    rows = await SessionLabel.filter(session__organization_id=org_id, session__deleted_at__isnull=True).values(
        "kind", "value", *(f"session__{c}" for c in COMBINATION)
    )
    for row in rows:
        labels[(_value(row["kind"]), row["value"], *(_value(row[f"session__{c}"]) for c in COMBINATION))] += 1
    return sessions, labels


async def tallied(org_id: int) -> tuple[Counter, Counter]:
    sessions, labels = Counter(), Counter()
    for row in await SessionTally.filter(organization_id=org_id).values(*COMBINATION, "n"):
        sessions[tuple(row[c] for c in COMBINATION)] += row["n"]
    for row in await SessionLabelTally.filter(organization_id=org_id).values("kind", "value", *COMBINATION, "n"):
        labels[(row["kind"], row["value"], *(row[c] for c in COMBINATION))] += row["n"]
    return +sessions, +labels  # unary + drops what sums to zero


async def assert_tallies_right(org_id: int) -> None:
    assert await tallied(org_id) == await counted(org_id)


@ON_POSTGRES
async def test_every_kind_of_change_keeps_the_tallies_right_and_folding_keeps_their_sums(db):
    org, other_org = await make_org(), await make_org()
    mentor, other_mentor = await make_user(org, "MENTOR"), await make_user(other_org, "MENTOR")
    sessions = [
        await make_session(org, mentor, categories=("Communication", "Leadership"), recommended_for=("Teachers",)),
        await make_session(org, mentor, type=SessionType.PRIVATE, medium="Hindi"),
        await make_session(org, mentor, platform=MeetingPlatform.ZOOM, status=SessionStatus.LIVE),
        await make_session(org, mentor, categories=(), recommended_for=()),
    ]
    await make_session(other_org, other_mentor, categories=("Communication",))
    await assert_tallies_right(org.id)

    first, second, third, fourth = sessions
    first.status = SessionStatus.LIVE  # one column of the combination
    await first.save(update_fields=["status"])
    await assert_tallies_right(org.id)
    second.title = "Renamed"  # nothing tallied
    await second.save(update_fields=["title"])
    await Session.filter(id__in=[first.id, third.id]).update(medium="Tamil", type=SessionType.PRIVATE)  # several
    await assert_tallies_right(org.id)
    await SessionLabel.create(session=fourth, kind=LabelKind.CATEGORY, value="Leadership", position=0)
    await SessionLabel.filter(session_id=first.id, value="Communication").delete()
    await SessionLabel.filter(value="Leadership").update(value="Leading")  # a vocabulary rename
    await assert_tallies_right(org.id)
    second.deleted_at = utcnow()  # marked deleted: it and its labels stop counting
    await second.save(update_fields=["deleted_at"])
    await assert_tallies_right(org.id)
    second.deleted_at = None  # and counted again
    await second.save(update_fields=["deleted_at"])
    await SessionLabel.create(session=second, kind=LabelKind.RECOMMENDED_FOR, value="Parents", position=1)
    await assert_tallies_right(org.id)
    await Session.filter(id=third.id).delete()  # deleted outright: its labels go by cascade
    await assert_tallies_right(org.id)
    later = utcnow() + timedelta(days=400)
    await Session.bulk_create(
        [
            Session(
                organization=org,
                mentor=mentor,
                title=f"Batch {n}",
                description="",
                type=SessionType.PUBLIC,
                starts_at=later + timedelta(days=n),
                ends_at=later + timedelta(days=n, hours=1),
                duration_minutes=60,
                medium="English",
            )
            for n in range(5)
        ]
    )
    await assert_tallies_right(org.id)
    assert await tallied(other_org.id) == await counted(other_org.id)

    before = await tallied(org.id)
    rows_before = await SessionTally.all().count() + await SessionLabelTally.all().count()
    gone = await tallies.fold(org.id)
    assert await tallied(org.id) == before
    sessions_left = await SessionTally.filter(organization_id=org.id).count()
    labels_left = await SessionLabelTally.filter(organization_id=org.id).count()
    assert (sessions_left, labels_left) == (len(before[0]), len(before[1]))  # one row per combination left
    assert gone == rows_before - await SessionTally.all().count() - await SessionLabelTally.all().count() > 0
    assert await tallies.fold(org.id) == 0  # folded already: nothing left to fold
    await tallies.fold()  # every organisation's
    assert await tallied(org.id) == before
    await assert_tallies_right(other_org.id)


FILTERS = [
    SessionFilter(),
    SessionFilter(statuses=[SessionStatus.UPCOMING, SessionStatus.LIVE]),
    SessionFilter(types=[SessionType.PRIVATE], mediums=["Hindi", "English"]),
    SessionFilter(platforms=[MeetingPlatform.ZOOM], statuses=[SessionStatus.COMPLETED]),
]


@ON_POSTGRES
async def test_a_managers_counts_come_from_the_tallies_and_agree_with_counting_the_sessions(
    db, monkeypatch, sql_statements
):
    org = await make_org()
    manager, mentor = await make_user(org, "MANAGER"), await make_user(org, "MENTOR")
    for n in range(12):
        await make_session(
            org,
            mentor,
            status=list(SessionStatus)[n % 3],
            type=list(SessionType)[n % 2],
            platform=list(MeetingPlatform)[n % 3],
            medium=["English", "Hindi"][n % 2],
            categories=(("Communication",), ("Leadership", "Communication"), ())[n % 3],
            recommended_for=("Teachers",) if n % 4 else (),
        )
    gone = await make_session(org, mentor, medium="Hindi")
    gone.deleted_at = utcnow()
    await gone.save(update_fields=["deleted_at"])
    for f in FILTERS:
        assert listing._tallied(manager, f, None)
        sql_statements.clear()
        page = await listing.session_page(manager, f, page_size=5)
        from_tallies = await listing.session_facets(manager, f)
        counts = [s for s in sql_statements if "COUNT(" in s.upper() or "SUM(" in s.upper()]
        assert len(counts) == 3 and all("_tally" in s for s in counts)  # the count, the combinations, the labels
        with monkeypatch.context() as patched:
            patched.setattr(listing, "_tallied", lambda *_: False)
            counted_page = await listing.session_page(manager, f, page_size=5)
            counted_facets = await listing.session_facets(manager, f)
        assert page.total_count == counted_page.total_count
        assert from_tallies == counted_facets


async def test_only_a_managers_list_with_column_filters_on_postgresql_is_counted_from_the_tallies(db):
    org = await make_org()
    manager, mentor = await make_user(org, "MANAGER"), await make_user(org, "MENTOR")
    mentee = await make_user(org, "MENTEE")
    assert listing._tallied(manager, SessionFilter(mediums=["English"]), "") == db.is_postgres
    assert listing._tallied(manager, SessionFilter(), None) == db.is_postgres
    assert not listing._tallied(manager, SessionFilter(), "alpha")  # a search
    assert not listing._tallied(manager, SessionFilter(categories=["Communication"]), None)  # a label
    assert not listing._tallied(manager, SessionFilter(mentor_ids=[mentor.id]), None)
    assert not listing._tallied(manager, SessionFilter(starts_from=utcnow()), None)
    assert not listing._tallied(manager, SessionFilter(nearly_full=True), None)
    assert not listing._tallied(mentor, SessionFilter(), None)  # sees only some sessions
    assert not listing._tallied(mentee, SessionFilter(), None)
    if not db.is_postgres:  # SQLite keeps no tallies: nothing to fold, nothing written
        await make_session(org, mentor)
        assert await tallies.fold() == 0 and await SessionTally.all().count() == 0


@ON_POSTGRES
async def test_a_count_that_reads_many_rows_folds_them(db):
    org = await make_org()
    manager, mentor = await make_user(org, "MANAGER"), await make_user(org, "MENTOR")
    await make_session(org, mentor)
    await SessionTally.bulk_create(
        [
            SessionTally(
                organization_id=org.id, status="UPCOMING", type="PUBLIC", meeting_platform="ZOOM", medium="English", n=n
            )
            for n in [1, -1] * (tallies.FOLD_AFTER // 2 + 1)
        ]
    )
    assert await tallies.count(org.id, {}) == 1
    await asyncio.gather(*tallies._tasks)
    assert await SessionTally.filter(organization_id=org.id).count() == 1
    assert (await listing.session_page(manager)).total_count == 1


async def waiting_for(url: str, holder: asyncpg.Connection) -> None:
    """Returns once another PostgreSQL session waits for a lock that `holder`'s transaction holds. Asked on
    a connection of its own, outside a transaction (which would see the server's activity as it began)."""
    watcher = await asyncpg.connect(url)
    try:

        async def blocked() -> bool:
            query = "SELECT count(*) > 0 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))"
            return bool(await watcher.fetchval(query, holder.get_server_pid()))

        await wait_until_async(blocked, 30, "a transaction waiting for the lock held")
    finally:
        await watcher.close()


@ON_POSTGRES
async def test_a_label_added_while_its_session_is_being_deleted_is_tallied_by_what_the_session_became(db):
    """Two transactions at once: one marks a session deleted, the other adds a label to it. The label's
    trigger waits for the session's change, so the label is not counted under a session that is gone."""
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    session = await make_session(org, mentor)
    url = db.database_url.replace("postgres://", "postgresql://", 1)
    deleting, labelling = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        deleting_tx = deleting.transaction()
        await deleting_tx.start()
        await deleting.execute('UPDATE "session" SET deleted_at = now() WHERE id = $1', session.id)
        adding = asyncio.create_task(
            labelling.execute(
                "INSERT INTO session_label (session_id, kind, value, position) VALUES ($1, 'CATEGORY', 'Late', 9)",
                session.id,
            )
        )
        await waiting_for(url, deleting)
        assert not adding.done()  # waiting for the session's row
        await deleting_tx.commit()
        await adding
    finally:
        await deleting.close()
        await labelling.close()
    await assert_tallies_right(org.id)
    assert await tallied(org.id) == (Counter(), Counter())


@ON_POSTGRES
async def test_a_page_from_the_tallies_is_one_statement(db, sql_statements):
    org = await make_org()
    manager, mentor = await make_user(org, "MANAGER"), await make_user(org, "MENTOR")
    for _ in range(3):
        await make_session(org, mentor)
    upcoming = SessionFilter(statuses=[SessionStatus.UPCOMING])
    sql_statements.clear()
    page = await listing.session_page(manager, upcoming, page_size=2)
    assert (page.total_count, len(page.items)) == (3, 2)
    assert len(sql_statements) == 1 and "session_tally" in sql_statements[0]  # the page, its mentors and count
    past_the_end = await listing.session_page(manager, upcoming, page=5, page_size=2)
    assert (past_the_end.total_count, past_the_end.items) == (3, [])


@ON_POSTGRES
async def test_the_housekeeper_folds_everyones_tallies(db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    for _ in range(3):
        await make_session(org, mentor)
    before = await tallied(org.id)
    done = await Housekeeper(db).run_pass()
    # 3 session rows into 1, and 6 label rows (2 labels a session) into 2
    assert done is not None and "folded 6 row(s) of the session tallies" in done
    assert await tallied(org.id) == before and await SessionTally.filter(organization_id=org.id).count() == 1


@ON_POSTGRES
async def test_a_rebuild_waits_for_a_change_under_way_and_counts_it_once(db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    session = await make_session(org, mentor)
    await make_session(org, mentor)
    await SessionTally.create(
        organization_id=org.id, status="LIVE", type="PUBLIC", meeting_platform="ZOOM", medium="English", n=7
    )
    assert await tallies.disagreeing() == [org.id]
    url = db.database_url.replace("postgres://", "postgresql://", 1)
    deleting = await asyncpg.connect(url)
    try:
        transaction = deleting.transaction()
        await transaction.start()
        await deleting.execute('UPDATE "session" SET deleted_at = now() WHERE id = $1', session.id)
        rebuilding = asyncio.create_task(tallies.rebuild())
        await waiting_for(url, deleting)
        assert not rebuilding.done()  # it waits for the deletion, which its count must see
        await transaction.commit()
        await rebuilding
    finally:
        await deleting.close()
    assert await tallies.disagreeing() == []
    await assert_tallies_right(org.id)
    assert sum((await tallied(org.id))[0].values()) == 1
