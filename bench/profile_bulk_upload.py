"""The bulk upload of bench/against_floor.py, run in this process under a profiler, to see where its time goes.

    .venv/bin/python bench/profile_bulk_upload.py                       # 20,000 sessions, 10,000 rows, pyinstrument
    .venv/bin/python bench/profile_bulk_upload.py --sessions 100000 --profiler cprofile
    .venv/bin/python bench/profile_bulk_upload.py --profiler none --rounds 3   # timings only
    .venv/bin/python bench/profile_bulk_upload.py --mail-sender --rounds 2 --profile-round 1   # as in the server

Seeds `seed --demo --sessions N` into a throwaway PostgreSQL database, submits the same file of creates in
free slots (a tenth invite a mentee) as manager@example.org, and runs the job (`run_pending`) in this
process: the time from the submitted file to the completed job, the SQL statements it sent, and the profile.
Beside the time it prints the CPU the job used — this process's (and of it, the garbage collector's) and the
database backends' — which a shared machine moves far less than the time: on an idle machine the time is
about their sum, plus the commits' waits.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import logging
import os
import pstats
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from against_floor import csv_file, floor_insert, organisation, pg_url, plan_rows  # noqa: E402
from throwaway import seeded_postgres  # noqa: E402

from backend.bulk_upload import job, uploads  # noqa: E402
from backend.db import close_database, open_database  # noqa: E402
from backend.mail import sender  # noqa: E402
from backend.mail.sender import MailSender  # noqa: E402
from backend.models import BulkUpload, OutboxMessage, User  # noqa: E402
from backend.settings import get_settings  # noqa: E402


class CpuMeter:
    """CPU seconds used by this process, by its garbage collector, and by the database's backends."""

    def __init__(self) -> None:
        self.gc_seconds = 0.0
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = time.process_time()
        else:
            self.gc_seconds += time.process_time() - self._gc_started

    @staticmethod
    async def backends(pool: asyncpg.Pool) -> dict[int, float]:
        """CPU seconds so far of each backend of this database (from /proc: PostgreSQL runs on this machine)."""
        tick = os.sysconf("SC_CLK_TCK")
        used = {}
        for row in await pool.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"):
            try:
                fields = Path(f"/proc/{row['pid']}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[row["pid"]] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        return used

    async def start(self, pool: asyncpg.Pool) -> None:
        self.process, self.gc_at_start, self.backends_at_start = (
            time.process_time(),
            self.gc_seconds,
            await self.backends(pool),
        )

    async def report(self, pool: asyncpg.Pool) -> str:
        process, collector = time.process_time() - self.process, self.gc_seconds - self.gc_at_start
        now = await self.backends(pool)
        database = sum(seconds - self.backends_at_start.get(pid, 0.0) for pid, seconds in now.items())
        return (
            f"CPU: this process {process:.2f} s (garbage collector {collector:.2f} s), "
            f"database backends {database:.2f} s"
        )


class StatementCounter(logging.Handler):
    """Counts the statements Tortoise's database client logs, by their first words."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kinds: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(("Created connection pool", "Closed connection pool")):
            self.kinds[" ".join(message.split()[:3])[:50]] += 1


async def one_round(args, pool: asyncpg.Pool, n: int, count_statements: bool, meter: CpuMeter) -> None:
    org = await organisation(pool)
    first_day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1500 + 60 * n)
    rows = plan_rows(org, args.rows, first_day, f"Bench upload {n}")
    manager = await User.get(email="manager@example.org")
    await meter.start(pool)
    started = time.perf_counter()
    upload, errors = await uploads.submit(manager, "bench.csv", csv_file(rows), False)
    assert upload is not None and not errors, errors
    submitted = time.perf_counter() - started
    counter = StatementCounter()
    client_log = logging.getLogger("tortoise.db_client")
    if count_statements:
        client_log.setLevel(logging.DEBUG)
        client_log.addHandler(counter)
    profiler: object = None
    if args.profiler == "pyinstrument" and n == args.profile_round:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="enabled")
        profiler.start()
    elif args.profiler == "cprofile" and n == args.profile_round:
        # CPU time, not wall time: on a shared machine, waiting for a core would be charged to whatever ran.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    await job.run_pending()
    elapsed = time.perf_counter() - started
    if isinstance(profiler, cProfile.Profile):
        profiler.disable()
    elif profiler is not None:
        profiler.stop()  # type: ignore[attr-defined]
    client_log.removeHandler(counter)
    done = await BulkUpload.get(id=upload.id)
    print(
        f"round {n}: {elapsed:.2f} s from the submitted file to {done.status.value} ({submitted:.2f} s to submit it), "
        f"{done.valid_rows} valid rows; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {await meter.report(pool)}")
    if count_statements:
        print(f"  {sum(counter.kinds.values())} statements: {dict(counter.kinds.most_common(12))}")
    if isinstance(profiler, cProfile.Profile):
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(args.top)
    elif profiler is not None:
        profiler.print(show_all=False)  # type: ignore[attr-defined]
    if args.mail_profile and n == args.profile_round:
        await profile_mail(args)
    await pool.execute('DELETE FROM "session" WHERE title LIKE $1', f"Bench upload {n} %")
    if args.floor:
        await meter.start(pool)
        started = time.perf_counter()
        ids = await floor_insert(pool, org, plan_rows(org, args.rows, first_day, f"Bench floor {n}"))
        print(f"  the floor (against_floor.py's plain INSERTs): {time.perf_counter() - started:.2f} s")
        print(f"  {await meter.report(pool)}")
        await pool.execute('DELETE FROM "session" WHERE id = ANY($1::int[])', ids)


async def profile_mail(args) -> None:
    """The cost of building the mail the upload queued, as the sender builds it (in its worker thread)."""
    settings = get_settings()
    messages = await OutboxMessage.filter(sent_at=None)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    size = 0
    for message in messages:
        mail = await sender.composed(message)  # None: a notice with nothing left to tell
        size += len(sender.render(message, mail, settings, for_smtp=True)) if mail is not None else 0
    profiler.disable()
    print(f"  building its {len(messages)} mails ({size / 1e6:.1f} MB): {time.perf_counter() - started:.2f} s")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    started = time.perf_counter()
    sent = await sender.deliver_pending(settings)
    print(f"  sending them (to .eml files): {sent} in {time.perf_counter() - started:.2f} s")


async def run(args: argparse.Namespace) -> None:
    async with seeded_postgres(args.sessions, args.postgres_url) as (env, settings):
        await open_database(settings)
        pool = await asyncpg.create_pool(pg_url(env["DATABASE_URL"]), min_size=1, max_size=2)
        # Like `sessiondesk serve`, whose mail sender builds and sends the upload's mail meanwhile.
        sender = MailSender(settings) if args.mail_sender else None
        if sender is not None:
            sender.start()
        try:
            meter = CpuMeter()
            for n in range(args.rounds):
                await one_round(args, pool, n, count_statements=args.statements and n == 0, meter=meter)
        finally:
            if sender is not None:
                await sender.stop()
            await pool.close()
            await close_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profiler", choices=("pyinstrument", "cprofile", "none"), default="pyinstrument")
    parser.add_argument("--sort", default="cumulative", help="cProfile's sort key")
    parser.add_argument("--top", type=int, default=60, help="how many cProfile lines")
    parser.add_argument("--profile-round", type=int, default=0, help="which round to profile (from 0)")
    parser.add_argument(
        "--mail-sender", action="store_true", help="run the mail sender in this process too, as the server does"
    )
    parser.add_argument("--mail-profile", action="store_true", help="profile building the mail of the profiled round")
    parser.add_argument("--floor", action="store_true", help="also time and meter the floor after each round")
    parser.add_argument("--statements", action="store_true", help="count the SQL statements of the first round")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
