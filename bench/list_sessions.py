"""Benchmark of the session list at scale: seed N demo sessions into a fresh database, then time the list,
a search, a filtered page, the filter counts and the CSV download through the real app.

    .venv/bin/python bench/list_sessions.py                      # SQLite, 100,000 sessions
    .venv/bin/python bench/list_sessions.py --postgres           # a throwaway PostgreSQL database
    .venv/bin/python bench/list_sessions.py --sessions 20000 --repeat 5

The demo seed puts 80% of the sessions in the organisation of manager@example.org, who runs every query.
On PostgreSQL it also prints the query plans of a search, to show whether the trigram indexes are used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from throwaway import throwaway_environment  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.auth import issue_token  # noqa: E402
from backend.db import close_database, migrate, open_database  # noqa: E402
from backend.models import User  # noqa: E402
from backend.seed import seed_demo  # noqa: E402
from backend.sessions import listing  # noqa: E402
from backend.settings import load_settings, use_settings  # noqa: E402

LIST_QUERY = """
query($filter: SessionFilter, $search: String, $sort: SessionSort, $page: Int!, $pageSize: Int!) {
  sessions(filter: $filter, search: $search, sort: $sort, page: $page, pageSize: $pageSize) {
    totalCount page pageSize totalPages hasNextPage hasPreviousPage
    items { id title type status startsAt durationMinutes menteeCount mentor { id name } }
  }
}
"""
FACETS_QUERY = """
query($filter: SessionFilter, $search: String) {
  sessionFacets(filter: $filter, search: $search) {
    statuses { value count } types { value count } platforms { value count }
    categories { value count } recommendedFor { value count } mediums { value count }
  }
}
"""
FILTER = {"statuses": ["UPCOMING"], "categories": ["Leadership"], "mediums": ["Hindi"]}
COMMON_SEARCH = "planning"  # one topic in sixteen: thousands of matches
RARE_SEARCH = "#4242"  # a handful of titles
MENTOR_SEARCH = "asha"  # a mentor's name


class Bench:
    def __init__(self, client: httpx.AsyncClient, repeat: int) -> None:
        self.client = client
        self.repeat = repeat
        self.rows: list[tuple[str, float, float, str]] = []

    async def graphql(self, query: str, variables: dict) -> dict:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise SystemExit(f"GraphQL failed: {response.status_code} {json.dumps(body)[:500]}")
        return body["data"]

    async def time(self, name: str, run: Callable[[], Awaitable[str]]) -> None:
        await run()  # warm-up: connection, caches, the first plan
        timings, result = [], ""
        for _ in range(self.repeat):
            started = time.perf_counter()
            result = await run()
            timings.append((time.perf_counter() - started) * 1000)
        self.rows.append((name, statistics.median(timings), min(timings), result))

    def page(self, **variables) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            found = (await self.graphql(LIST_QUERY, {"page": 1, "pageSize": 10, **variables}))["sessions"]
            return f"{len(found['items'])} of {found['totalCount']}"

        return run

    def facets(self, **variables) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            found = (await self.graphql(FACETS_QUERY, variables))["sessionFacets"]
            return f"{sum(o['count'] for o in found['statuses'])} counted"

        return run

    def download(self, url: str) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            size = lines = 0
            async with self.client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    lines += chunk.count(b"\r\n")
            return f"{lines - 1} rows, {size / 1_000_000:.1f} MB"

        return run

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        print(f"\n{'query':<{width}}  {'median ms':>10}  {'min ms':>8}  result")
        print(f"{'-' * width}  {'-' * 10}  {'-' * 8}  {'-' * 24}")
        for name, median, fastest, result in self.rows:
            print(f"{name:<{width}}  {median:>10.1f}  {fastest:>8.1f}  {result}")


async def explain_search(manager: User, term: str) -> None:
    """The plans PostgreSQL picks for a search page, with the literal inlined and as the app sends it."""
    connection = Tortoise.get_connection("default")
    page = listing.order_sessions(await listing.find_sessions(manager, search=term)).limit(10)
    count = await listing.find_sessions(manager, search=term)
    print(f"\n--- search {term!r}: the SQL Tortoise emits (placeholders as sent to asyncpg)")
    print(page.sql())
    for label, query in (("page", page), ("count", count.only("id"))):
        inline = query.sql(params_inline=True)
        _, rows = await connection.execute_query(f"EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) {inline}")
        print(f"\n--- EXPLAIN ANALYZE, {label} of search {term!r} (literal inlined)")
        print("\n".join(r["QUERY PLAN"] for r in rows))


async def explain_title_only(term: str) -> None:
    """Whether the title index can serve a title-only match: tells the expression matches Tortoise's."""
    connection = Tortoise.get_connection("default")
    _, rows = await connection.execute_query(
        'EXPLAIN (COSTS OFF) SELECT id FROM "session" '
        f"WHERE UPPER(CAST(\"title\" AS VARCHAR)) LIKE UPPER('%{term}%') ESCAPE '\\'"
    )
    print(f"\n--- EXPLAIN, title only {term!r}")
    print("\n".join(r["QUERY PLAN"] for r in rows))


async def run(args: argparse.Namespace) -> None:
    async with throwaway_environment(args.postgres, args.postgres_url) as env:
        settings = use_settings(load_settings(env))
        try:
            await migrate(settings)
            await open_database(settings)
            started = time.perf_counter()
            message = await seed_demo(args.sessions, settings.seats_limit)
            seeded = time.perf_counter() - started
            connection = Tortoise.get_connection("default")
            await connection.execute_script("ANALYZE")
            print(f"{'PostgreSQL' if args.postgres else 'SQLite'}: {message}")
            print(f"Seed time: {seeded:.1f} s for {args.sessions} sessions (with labels, mentees and ratings)")

            manager = await User.get(email="manager@example.org")
            token = await issue_token(manager)
            asha = await User.filter(organization_id=manager.organization_id, is_mentor=True).order_by("id").first()
            transport = httpx.ASGITransport(app=create_app(settings))
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://bench",
                timeout=None,
                headers={"Authorization": f"Bearer {token}"},
            ) as client:
                bench = Bench(client, args.repeat)
                await bench.time("first page (10, start time)", bench.page())
                await bench.time("first page (100, title)", bench.page(pageSize=100, sort={"field": "TITLE"}))
                await bench.time("page 500 (10, start time)", bench.page(page=500))
                await bench.time(f"search {COMMON_SEARCH!r}", bench.page(search=COMMON_SEARCH))
                await bench.time(f"search {RARE_SEARCH!r}", bench.page(search=RARE_SEARCH))
                await bench.time(f"search {MENTOR_SEARCH!r} (mentor name)", bench.page(search=MENTOR_SEARCH))
                await bench.time("filtered page (status+category+medium)", bench.page(filter=FILTER))
                await bench.time(
                    "filtered page, one mentor, title desc",
                    bench.page(filter={"mentorIds": [str(asha.id)]}, sort={"field": "TITLE", "direction": "DESC"}),
                )
                await bench.time("sessionFacets (nothing ticked)", bench.facets())
                await bench.time("sessionFacets (filter + search)", bench.facets(filter=FILTER, search=COMMON_SEARCH))
                await bench.time("sessions.csv (everything)", bench.download("/exports/sessions.csv"))
                await bench.time(
                    "sessions.csv (filtered)",
                    bench.download("/exports/sessions.csv?statuses=UPCOMING&categories=Leadership&mediums=Hindi"),
                )
                bench.print()

            if args.postgres:
                for term in (RARE_SEARCH, COMMON_SEARCH, MENTOR_SEARCH):
                    await explain_search(manager, term)
                await explain_title_only(RARE_SEARCH)
        finally:
            await close_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="how many sessions to seed (default 100000)")
    parser.add_argument("--postgres", action="store_true", help="use a throwaway PostgreSQL database")
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="an admin connection that may create databases",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per query (after one warm-up)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
