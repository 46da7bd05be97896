"""What the migrations leave in a PostgreSQL database: fast search indexes and rule R4 in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.models import SessionStatus
from tests.support.databases import ON_POSTGRES
from tests.support.factories import make_org, make_session, make_user

START = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)


pytestmark = ON_POSTGRES  # SQLite has no trigram indexes or exclusion constraints


@pytest.fixture
def postgres(db):
    return Tortoise.get_connection("default")


async def test_search_has_trigram_indexes_on_title_and_mentor_name(postgres):
    _, rows = await postgres.execute_query(
        "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN ('session_title_trgm', 'user_name_trgm') "
        "ORDER BY indexname"
    )
    found = {row["indexname"]: row["indexdef"] for row in rows}
    assert set(found) == {"session_title_trgm", "user_name_trgm"}
    for definition in found.values():
        assert "USING gin" in definition and "gin_trgm_ops" in definition and "upper(" in definition


async def test_the_mentor_clash_exclusion_constraint_exists(postgres):
    _, rows = await postgres.execute_query(
        "SELECT contype::text AS contype, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
        "WHERE conname = 'session_mentor_no_clash'"
    )
    assert len(rows) == 1 and rows[0]["contype"] == "x"
    assert "tstzrange(starts_at, ends_at, '[]'::text) WITH &&" in rows[0]["definition"]


async def test_the_database_refuses_back_to_back_sessions_of_one_mentor(postgres):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, starts_at=START, duration=60)
    with pytest.raises(IntegrityError):
        await make_session(org, mentor, starts_at=START + timedelta(minutes=60), duration=60)


async def test_the_database_allows_what_rule_r4_allows(postgres):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    other = await make_user(org, "MENTOR")
    await make_session(org, mentor, starts_at=START, duration=60)
    await make_session(org, mentor, starts_at=START + timedelta(minutes=61), duration=60)  # a minute apart
    await make_session(org, other, starts_at=START, duration=60)  # another mentor
    await make_session(org, mentor, starts_at=START, duration=60, status=SessionStatus.COMPLETED)
    await make_session(org, mentor, starts_at=START, duration=60, deleted_at=START)


async def test_counting_a_manager_s_sessions_can_be_an_index_only_scan(postgres):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    for n in range(3):
        await make_session(org, mentor, starts_at=START + timedelta(days=n))
    count_sql = f'SELECT COUNT(*) FROM "session" WHERE "organization_id"={org.id} AND "deleted_at" IS NULL'
    await postgres.execute_script('VACUUM ANALYZE "session"')  # what autovacuum does for a real table
    async with in_transaction() as connection:
        await connection.execute_script("SET LOCAL enable_seqscan = off")  # a table this small is read whole
        _, rows = await connection.execute_query(f"EXPLAIN (COSTS OFF) {count_sql}")
    plan = "\n".join(row["QUERY PLAN"] for row in rows)
    assert "Index Only Scan using session_live_per_org" in plan, plan


async def test_autovacuum_keeps_the_session_table_s_visibility_map_current(postgres):
    _, rows = await postgres.execute_query("SELECT reloptions FROM pg_class WHERE relname = 'session'")
    options = set(rows[0]["reloptions"])
    assert {"autovacuum_vacuum_insert_scale_factor=0.02", "autovacuum_vacuum_scale_factor=0.02"} <= options
