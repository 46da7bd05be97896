"""What writing the history of changes costs a bulk upload: the same 10,000-row file as bench/bulk_upload.py,
its job run in this process (no server, no mail sender beside it), timed as a whole and in the two steps
that exist only for the history — building each change's entry (`Change.history_entry`) and the one INSERT
of a batch's entries (`history.record`).

    .venv/bin/python bench/history_cost.py               # SQLite in a temporary folder
    .venv/bin/python bench/history_cost.py --postgres    # a throwaway PostgreSQL database
    .venv/bin/python bench/history_cost.py --rows 2000

bench/bulk_upload.py compares the whole upload before and after; this one says how much of it is the
history, which is steadier on a loaded machine than the difference of two runs.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bulk_upload  # noqa: E402
from throwaway import throwaway_environment  # noqa: E402

from backend.bulk_upload import job, uploads  # noqa: E402
from backend.db import close_database, open_database  # noqa: E402
from backend.models import User  # noqa: E402
from backend.sessions import changes, history  # noqa: E402
from backend.settings import load_settings, use_settings  # noqa: E402

spent = [0.0]


def timed(function):
    """`function` (async or not) with the time spent in it added to `spent`."""
    if asyncio.iscoroutinefunction(function):

        @functools.wraps(function)
        async def timed_async(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return timed_async

    @functools.wraps(function)
    def timed_sync(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    return timed_sync


async def main(args: argparse.Namespace) -> None:
    args.dry_run, args.invites = False, 0.1
    async with throwaway_environment(args.postgres, args.postgres_url) as env:
        data, _ = await bulk_upload.prepare(args, env)
        await open_database(use_settings(load_settings(env)))
        try:
            manager = await User.get(email="manager@bench.test")
            await uploads.submit(manager, "bench.csv", data, False)
            history.record = timed(history.record)
            changes.Change.history_entry = timed(changes.Change.history_entry)  # type: ignore[method-assign]
            started = time.perf_counter()
            await job.run_pending()
            total = time.perf_counter() - started
        finally:
            await close_database()
    print(f"{'PostgreSQL' if args.postgres else 'SQLite'}: {args.rows} rows")
    print(f"Job alone: {total:.2f} s; writing the history: {spent[0]:.2f} s ({100 * spent[0] / total:.1f} %)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="use a throwaway PostgreSQL database")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    asyncio.run(main(parser.parse_args()))
