"""Benchmark of cursor pages: the first page of `sessionsConnection` against a page deep in 100,000
sessions (and the offset list's page at the same depth), through the real app on a throwaway PostgreSQL
database seeded with `seed --demo`.

    .venv/bin/python bench/cursor_pages.py                       # 100,000 sessions
    .venv/bin/python bench/cursor_pages.py --sessions 20000 --repeat 5

A keyset page starts where the cursor points (an index range scan), so its cost should not grow with
depth; an offset page reads and throws away every row before it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from list_sessions import Bench  # noqa: E402
from throwaway import seeded_postgres  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.auth import issue_token  # noqa: E402
from backend.db import close_database, open_database  # noqa: E402
from backend.graphql.sessions.sync import list_cursor  # noqa: E402
from backend.models import User  # noqa: E402
from backend.sessions import listing  # noqa: E402

CONNECTION = """query($first: Int!, $after: String) { sessionsConnection(first: $first, after: $after) {
  edges { cursor node { id title type status startsAt durationMinutes menteeCount mentor { id name } } }
  pageInfo { hasNextPage endCursor } } }"""
OFFSET = """query($page: Int!) { sessions(page: $page, pageSize: 25) {
  items { id title type status startsAt durationMinutes menteeCount mentor { id name } } } }"""
CHANGES = "query($since: String) { sessionChanges(since: $since) { cursor changes { kind sessionId } } }"


async def run(args: argparse.Namespace) -> None:
    async with seeded_postgres(args.sessions, args.postgres_url) as (_, settings):
        await open_database(settings)
        try:
            manager = await User.get(email="manager@example.org").select_related("organization")
            token = await issue_token(manager)
            everything = listing.order_sessions(await listing.find_sessions(manager))
            total = await everything.count()
            depth = total * 9 // 10
            at = await everything.offset(depth - 1).first()
            assert at is not None
            sort = listing.SessionSort()
            deep_cursor = list_cursor(listing.Position(sort, at.starts_at, at.id))
            transport = httpx.ASGITransport(app=create_app(settings))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=None, headers={"Authorization": f"Bearer {token}"}
            ) as client:
                bench = Bench(client, args.repeat)

                def page(query: str, **variables: object):  # type: ignore[no-untyped-def]
                    async def go() -> str:
                        data = await bench.graphql(query, variables)
                        found = next(iter(data.values()))
                        return f"{len(found.get('edges', found.get('items', [])))} sessions"

                    return go

                await bench.time("connection: first page (25)", page(CONNECTION, first=25))
                await bench.time(f"connection: page after row {depth:,}", page(CONNECTION, first=25, after=deep_cursor))
                await bench.time("offset list: page 1 (25)", page(OFFSET, page=1))
                await bench.time(f"offset list: page {depth // 25:,} (25)", page(OFFSET, page=depth // 25))
                since = (await bench.graphql(CHANGES, {}))["sessionChanges"]["cursor"]
                await bench.time("sessionChanges since now", page(CHANGES, since=since))
                bench.print()
                first, deep = bench.rows[0][1], bench.rows[1][1]
                print(f"\nDeep cursor page / first page: {deep / first:.2f} (medians), of {total:,} sessions")
                print(f"Load average while measuring: {os.getloadavg()}")
            _, plan = await Tortoise.get_connection("default").execute_query(
                "EXPLAIN (ANALYZE, BUFFERS) " + listing_sql(manager, at)
            )
            print("\nPlan of the deep page:\n" + "\n".join(row["QUERY PLAN"] for row in plan))
        finally:
            await close_database()


def listing_sql(manager: User, at) -> str:  # type: ignore[no-untyped-def]
    return (
        f'SELECT id FROM "session" WHERE organization_id = {manager.organization_id} AND deleted_at IS NULL '
        f"AND starts_at >= '{at.starts_at.isoformat()}' AND (starts_at > '{at.starts_at.isoformat()}' "
        f"OR (starts_at = '{at.starts_at.isoformat()}' AND id > {at.id})) ORDER BY starts_at, id LIMIT 26"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="how many sessions to seed (default 100000)")
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="an admin connection that may create databases",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (after one warm-up)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
