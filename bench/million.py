"""A million sessions against a hundred thousand: the list, a search, the facets, the export and a bulk upload.

    .venv/bin/python bench/million.py                          # seeds both databases first (minutes)
    .venv/bin/python bench/million.py --small-url postgres://…/db100k --large-url postgres://…/db1m

Two databases of the demo data (`seed --demo`: manager@example.org sees 80% of the sessions), one with
100,000 sessions and one with 1,000,000, each served by its own `sessiondesk serve` (one process) at the same
time, so that both see the same load. As that manager, interleaved, medians:

- the first list page of 25 with `totalCount`, a search ("numeracy") and `sessionFacets`: at 1,000,000 within
  2x of their time at 100,000;
- the CSV export of every session the manager sees: rows per second at 1,000,000 at least 0.8x of those at
  100,000, and the server's memory growing by at most 50 MB while it streams (flat);
- a bulk upload of 10,000 creates (in free slots after the last session), into each database in turn: within
  5 s at 1,000,000 (on an idle machine; the time at 100,000 beside it says what the load did).

The load average is printed at the start and the end: on a shared machine the ratios, measured in the same
run, mean more than the times.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import asyncpg  # noqa: E402
from against_floor import (  # noqa: E402
    FACETS_QUERY,
    PAGE_QUERY,
    PAGE_SIZE,
    Goal,
    Http,
    Report,
    Server,
    csv_file,
    interleaved,
    load,
    login,
    machine,
    median,
    ms,
    organisation,
    pg_url,
    plan_rows,
    upload_file,
    wait_for_upload,
)
from throwaway import seeded_or_given  # noqa: E402

# The list as the browser asks for it: its count exact up to a cap (matchCount), then "1,000+".
SEARCH_QUERY = """query($page: Int!, $pageSize: Int!) { sessions(search: "numeracy", page: $page, pageSize: $pageSize) {
  matchCount { count exact } hasNextPage
  items { id title type status startsAt durationMinutes menteeCount mentor { id name } }
} }"""
# The same search counting every match exactly (totalCount), as an API client may still ask: for comparison.
SEARCH_QUERY_EXACT = SEARCH_QUERY.replace("matchCount { count exact }", "totalCount")
FIGURES = ("list", "export", "upload")


async def export_rate(server: Server, token: str) -> tuple[float, float, int]:
    """(seconds, peak memory growth in MB, rows) of one CSV download of everything the manager sees."""
    http = Http(server.port, token)
    baseline, peak, sampling = server.rss_mb(), 0.0, True

    async def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, server.rss_mb() - baseline)
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    status, body, _ = await http.request("GET", "/exports/sessions.csv")
    seconds = time.perf_counter() - started
    sampling = False
    await sampler
    await http.close()
    if status != 200:
        raise SystemExit(f"the download answered {status}")
    return seconds, peak, body.count(b"\n") - 1


async def upload_seconds(pool: asyncpg.Pool, server: Server, token: str, count: int, n: int) -> float:
    """Seconds from sending a file of `count` creates (in free slots after the last session) until the job
    has applied every row; the sessions are deleted again afterwards."""
    org = await organisation(pool)
    after = await pool.fetchval('SELECT MAX(ends_at) FROM "session"')
    rows = plan_rows(org, count, after.replace(minute=0, second=0, microsecond=0) + timedelta(days=30), f"Upload {n}")
    started = time.perf_counter()
    state = await wait_for_upload(pool, await upload_file(server.port, token, csv_file(rows)))
    seconds = time.perf_counter() - started
    if (state["status"], state["valid_rows"]) != ("COMPLETED", len(rows)):
        raise SystemExit(f"the upload did not apply every row: {dict(state)}")
    await pool.execute('DELETE FROM "session" WHERE title LIKE $1', f"Upload {n} %")
    return seconds


async def run(args: argparse.Namespace) -> None:
    print(f"Machine: {machine()}; load average at start {load()}")
    report = Report("at 1,000,000", "at 100,000")
    async with (
        seeded_or_given(args.small_url, 100_000, args.postgres_url) as small_env,
        seeded_or_given(args.large_url, 1_000_000, args.postgres_url) as large_env,
    ):
        servers = {"100k": Server(small_env), "1M": Server(large_env)}
        try:
            for server in servers.values():
                await server.ready()
            tokens = {name: await login(server.port) for name, server in servers.items()}
            https = {name: Http(server.port, tokens[name]) for name, server in servers.items()}
            for name, env in (("100k", small_env), ("1M", large_env)):
                async with asyncpg.create_pool(pg_url(env["DATABASE_URL"]), min_size=1, max_size=2) as pool:
                    total = await pool.fetchval('SELECT COUNT(*) FROM "session"')
                    print(f"{name}: {total:,} sessions")

            variables = {"page": 1, "pageSize": PAGE_SIZE}
            runs = {
                f"{what} {name}": (lambda http=http, query=query: http.graphql(query, variables))
                for what, query in (
                    ("page", PAGE_QUERY),
                    ("search", SEARCH_QUERY),
                    ("exact search", SEARCH_QUERY_EXACT),
                    ("facets", FACETS_QUERY),
                )
                for name, http in https.items()
            }
            for run in runs.values():  # warm-up
                await run()
            t = await interleaved(args.rounds, runs)
            for what, label in (
                ("page", f"first page of {PAGE_SIZE} with totalCount"),
                ("search", 'a search ("numeracy"), first page with matchCount (the list\'s count)'),
                ("exact search", "the same search with totalCount (every match counted; no goal)"),
                ("facets", "sessionFacets, nothing ticked"),
            ):
                large, small = median(t[f"{what} 1M"]), median(t[f"{what} 100k"])
                ratio = large / small
                report.add(
                    Goal(
                        f"{label} at 1,000,000 vs 100,000 sessions",
                        ms(large),
                        ms(small),
                        f"{ratio:.2f}x",
                        "none" if what == "exact search" else "goal <= 2x",
                        ratio <= 2,
                        f"{ratio / 2 - 1:.0%}",
                        judged=what != "exact search",
                    )
                )
            for http in https.values():
                await http.close()
            if "export" in args.only:
                await export_goal(report, servers, tokens)
            if "upload" in args.only:
                await upload_goal(report, servers, tokens, args, small_env, large_env)
        finally:
            for server in servers.values():
                server.stop()
    report.print()
    print(f"\nLoad average at the end {load()} (a 2-core machine is idle below 1).")


async def export_goal(report: Report, servers: dict[str, Server], tokens: dict[str, str]) -> None:

    exports = {name: await export_rate(server, tokens[name]) for name, server in servers.items()}
    (large_s, large_mb, large_rows), (small_s, small_mb, small_rows) = exports["1M"], exports["100k"]
    large_rate, small_rate = large_rows / large_s, small_rows / small_s
    ratio = large_rate / small_rate
    report.add(
        Goal(
            f"CSV export: {large_rows:,} rows, memory +{large_mb:.0f} MB (100k: {small_rows:,} rows, "
            f"+{small_mb:.0f} MB)",
            f"{large_rate:,.0f} rows/s",
            f"{small_rate:,.0f} rows/s",
            f"{ratio:.2f}x",
            "goal >= 0.8x the rate, <= +50 MB",
            ratio >= 0.8 and large_mb <= 50,
        )
    )


async def upload_goal(
    report: Report,
    servers: dict[str, Server],
    tokens: dict[str, str],
    args: argparse.Namespace,
    small_env: dict[str, str],
    large_env: dict[str, str],
) -> None:
    times: dict[str, list[float]] = {"1M": [], "100k": []}
    for n in range(args.upload_rounds):
        for name in ("1M", "100k") if n % 2 == 0 else ("100k", "1M"):
            env = large_env if name == "1M" else small_env
            async with asyncpg.create_pool(pg_url(env["DATABASE_URL"]), min_size=1, max_size=2) as pool:
                times[name].append(await upload_seconds(pool, servers[name], tokens[name], args.upload_rows, n))
    large, small = median(times["1M"]), median(times["100k"])
    report.add(
        Goal(
            f"bulk upload of {args.upload_rows:,} creates (goal at 1,000,000: <= 5 s on an idle machine)",
            f"{large:.2f} s",
            f"{small:.2f} s",
            f"{large / small:.2f}x",
            "goal <= 5 s",
            large <= 5,
            f"{large / 5 - 1:.0%}",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small-url", help="an already seeded database of 100,000 sessions (tallies folded)")
    parser.add_argument("--large-url", help="an already seeded database of 1,000,000 sessions (tallies folded)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--upload-rows", type=int, default=10_000)
    parser.add_argument("--upload-rounds", type=int, default=1)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", nargs="+", choices=FIGURES, default=list(FIGURES), help="some figures only")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
