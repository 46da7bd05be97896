"""CPU per list request: the app's against the GraphQL floor's, in one process, and where the app's goes.

    .venv/bin/python bench/profile_request.py                                # seeds 20,000 sessions
    .venv/bin/python bench/profile_request.py --database-url postgres://…/db  # an already seeded database
    .venv/bin/python bench/profile_request.py --profile cumulative           # and cProfile's top functions
    .venv/bin/python bench/profile_request.py --pyinstrument bare            # and pyinstrument's call tree

Both apps (backend.app and bench/graphql_floor.py) answer `sessions(page: 1, pageSize: 25)` without and with
`totalCount` through httpx's ASGI transport, interleaved, as manager@example.org. The figure is CPU time
(`time.process_time`) per request, medians of blocks of requests: on a machine shared with others it moves far
less than wall time does, and one process's CPU per request is what bounds its throughput. The client's own
CPU (httpx) is counted on both sides alike. The database's time is not CPU of this process.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from against_floor import MANAGER, PAGE_QUERY, PAGE_QUERY_BARE, PAGE_SIZE  # noqa: E402
from throwaway import seeded_or_given  # noqa: E402

from backend import auth  # noqa: E402
from backend.models import User  # noqa: E402
from backend.settings import load_settings, use_settings  # noqa: E402


async def run(args: argparse.Namespace) -> None:
    async with seeded_or_given(args.database_url, args.sessions, args.postgres_url) as env:
        os.environ.update(env)  # the floor reads DATABASE_URL and SECRET_KEY from the environment
        settings = use_settings(load_settings(env))
        import graphql_floor

        from backend.app import create_app

        app = create_app(settings)
        async with app.router.lifespan_context(app), graphql_floor.lifespan(graphql_floor.app):
            token = await auth.issue_token(await User.get(email=MANAGER))
            headers = {"Authorization": f"Bearer {token}"}
            variables = {"page": 1, "pageSize": PAGE_SIZE}
            clients = {
                name: httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://bench")
                for name, asgi in (("ours", app), ("floor", graphql_floor.app))
            }

            async def request(who: str, query: str) -> None:
                response = await clients[who].post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                assert response.status_code == 200 and "errors" not in response.json(), response.text

            pairs = [
                (who, kind, query)
                for kind, query in (("bare", PAGE_QUERY_BARE), ("counted", PAGE_QUERY))
                for who in ("ours", "floor")
            ]
            for who, _, query in pairs:
                for _ in range(20):
                    await request(who, query)
            cpu: dict[tuple[str, str], list[float]] = {(who, kind): [] for who, kind, _ in pairs}
            for n in range(args.blocks):
                for who, kind, query in pairs if n % 2 == 0 else reversed(pairs):
                    started = time.process_time()
                    for _ in range(args.block):
                        await request(who, query)
                    cpu[(who, kind)].append((time.process_time() - started) / args.block)
            print(f"CPU per request, median of {args.blocks} blocks of {args.block} (load {os.getloadavg()[0]:.1f}):")
            for kind in ("bare", "counted"):
                ours, floor = statistics.median(cpu[("ours", kind)]), statistics.median(cpu[("floor", kind)])
                label = "without totalCount" if kind == "bare" else "with totalCount"
                print(f"  {label}: ours {ours * 1000:.2f} ms, floor {floor * 1000:.2f} ms, ratio {ours / floor:.2f}x")
            if args.pyinstrument:
                from pyinstrument import Profiler

                with Profiler(interval=0.0002) as sampler:
                    for _ in range(args.block * 4):
                        await request("ours", PAGE_QUERY if args.pyinstrument == "counted" else PAGE_QUERY_BARE)
                print(sampler.output_text(unicode=False, color=False, show_all=False))
            if args.profile:
                profiler = cProfile.Profile(time.process_time)  # CPU, not the waits for the database
                profiler.enable()
                for _ in range(args.block * 4):
                    await request("ours", PAGE_QUERY)
                profiler.disable()
                stats = pstats.Stats(profiler).sort_stats(args.profile)
                stats.print_stats(args.only or "", 40)
                print_by_package(stats)
            for client in clients.values():
                await client.aclose()


def print_by_package(stats: pstats.Stats) -> None:
    """Own time by library (or by module of ours): which layer the CPU goes to."""
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        path = Path(filename)
        if "site-packages" in path.parts:
            name = path.parts[path.parts.index("site-packages") + 1]
        elif ROOT in path.parents:
            name = str(path.relative_to(ROOT))
        else:
            name = "python" if filename != "~" else "built-ins"
        by_package[name] = by_package.get(name, 0.0) + own
    total = sum(by_package.values())
    for name, own in sorted(by_package.items(), key=lambda item: -item[1])[:20]:
        print(f"  {own / total:6.1%}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--database-url", help="an already seeded database (seed --demo, tallies folded)")
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--block", type=int, default=50, help="requests per block")
    parser.add_argument("--profile", choices=("tottime", "cumulative"), help="print cProfile's top functions")
    parser.add_argument(
        "--pyinstrument", choices=("bare", "counted"), help="profile the app's page (without or with totalCount)"
    )
    parser.add_argument("--only", help="print only functions whose file and name match this pattern (e.g. backend)")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
