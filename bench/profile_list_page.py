"""Where a list page's time goes on our side, stage by stage, in one process on PostgreSQL.

    .venv/bin/python bench/profile_list_page.py                  # 100,000 sessions
    .venv/bin/python bench/profile_list_page.py --sessions 20000 --profile   # and cProfile's top functions

Seeds the demo data into a throwaway database (as bench/against_floor.py does), then times, as
manager@example.org, the median of each stage of `sessions(page: 1, pageSize: 25)` asked the way
against_floor.py asks it:

- the page's SQL statement sent as text through the ORM's connection (the database's share);
- the sign-in lookup (`auth.user_for_token`);
- `listing.session_page` (the ORM: building the statement, the page with its mentors and count, models);
- `schema.execute` of the query (the above plus GraphQL execution of 25 items);
- the whole request through the app (ASGI, middleware, sign-in, GraphQL, JSON), without a network.

The differences between neighbouring stages are what each layer adds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from against_floor import MANAGER, PAGE_QUERY, PAGE_SIZE, PASSWORD  # noqa: E402
from throwaway import seeded_postgres  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from backend import auth  # noqa: E402
from backend.app import create_app  # noqa: E402
from backend.graphql.context import Context  # noqa: E402
from backend.graphql.schema import schema  # noqa: E402
from backend.models import User  # noqa: E402
from backend.sessions import listing  # noqa: E402


async def median_ms(run: Callable[[], Awaitable[object]], rounds: int) -> float:
    for _ in range(20):  # warm-up: connections, statement caches, the parser and validation caches
        await run()
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        await run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def run(args: argparse.Namespace) -> None:
    async with seeded_postgres(args.sessions, args.postgres_url) as (_, settings):
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            connection = Tortoise.get_connection("default")
            manager = await User.get(email=MANAGER)
            token = await auth.issue_token(manager)
            viewer = await auth.user_for_token(token)
            assert viewer is not None
            variables = {"page": 1, "pageSize": PAGE_SIZE}
            page_sql, page_values = await _page_statement(viewer)

            async def execute() -> None:
                result = await schema.execute(
                    PAGE_QUERY,
                    variable_values=variables,
                    context_value=Context(request=None, response=None, viewer=viewer, token=token),  # type: ignore[arg-type]
                )
                assert not result.errors, result.errors

            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
                headers = {"Authorization": f"Bearer {token}"}
                body = {"query": PAGE_QUERY, "variables": variables}

                async def request() -> None:
                    response = await client.post("/graphql", json=body, headers=headers)
                    assert response.status_code == 200 and "errors" not in response.json(), response.text

                stages = {
                    "the page's SQL statement (database)": lambda: connection.execute_query(page_sql, page_values),
                    "sign-in lookup (auth.user_for_token)": lambda: auth.user_for_token(token),
                    "listing.session_page (ORM)": lambda: listing.session_page(viewer, page_size=PAGE_SIZE),
                    "schema.execute (the page and GraphQL)": execute,
                    "the whole request through the app": request,
                }
                print(f"\n{MANAGER} (password {PASSWORD}), first page of {PAGE_SIZE}, median of {args.rounds}:")
                for name, stage in stages.items():
                    print(f"  {name}: {await median_ms(stage, args.rounds):.2f} ms")
                if args.profile:
                    profiler = cProfile.Profile()
                    profiler.enable()
                    for _ in range(args.rounds):
                        await request()
                    profiler.disable()
                    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


async def _page_statement(viewer: User) -> tuple[str, list[object]]:
    """The SQL the ORM sends for the page, as it sends it."""
    sent: list[tuple[str, list[object]]] = []
    connection = Tortoise.get_connection("default")
    original = connection.execute_query

    async def recording(sql: str, values: list | None = None):  # type: ignore[no-untyped-def]
        sent.append((sql, values or []))
        return await original(sql, values)

    connection.execute_query = recording  # type: ignore[method-assign]
    try:
        await listing.session_page(viewer, page_size=PAGE_SIZE)
    finally:
        connection.execute_query = original  # type: ignore[method-assign]
    # A manager's page is one statement: the page, its mentors and its count (the app's background
    # workers may send theirs meanwhile).
    return next(statement for statement in sent if "session_tally" in statement[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of the request")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
