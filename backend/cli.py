"""The `sessiondesk` command: migrate, seed, create-user, serve, worker, outbox, tallies, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypedDict, TypeVar

from backend.settings import Settings, get_settings, secret_key_problem

T = TypeVar("T")


async def _with_database(work: Callable[[], Awaitable[T]]) -> T:
    from backend.db import close_database, open_database

    await open_database(get_settings())
    try:
        return await work()
    finally:
        await close_database()


def cmd_migrate(args: argparse.Namespace) -> None:
    from backend.db import migrate

    asyncio.run(migrate(get_settings()))
    print("Database is up to date.")


def cmd_seed(args: argparse.Namespace) -> None:
    from backend.seed import MAX_SESSIONS, seed_demo

    if not args.demo:
        sys.exit("Nothing to seed: pass --demo to add the demo organisations, people and sessions.")
    if not 1 <= args.sessions <= MAX_SESSIONS:
        sys.exit(f"--sessions must be between 1 and {MAX_SESSIONS}; you gave {args.sessions}.")
    print(asyncio.run(_with_database(lambda: seed_demo(args.sessions, get_settings().seats_limit))))


def cmd_create_user(args: argparse.Namespace) -> None:
    from backend.seed import create_user

    roles = sorted(set(args.role))
    try:
        user = asyncio.run(_with_database(lambda: create_user(args.email, args.name, args.password, args.org, roles)))
    except ValueError as error:
        sys.exit(str(error))
    print(f"Created {user.email} ({', '.join(roles)}) in {args.org}.")


GRACEFUL_SHUTDOWN_SECONDS = 15


class ProxyOptions(TypedDict):
    proxy_headers: bool
    forwarded_allow_ips: str


def proxy_options(settings: Settings) -> ProxyOptions:
    """uvicorn's proxy options: X-Forwarded-For and X-Forwarded-Proto are believed only from these
    addresses, so the client address (sign-in throttling) and https (the Secure cookie) cannot be forged."""
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}


def cmd_serve(args: argparse.Namespace) -> None:
    import os
    import shutil
    import tempfile

    import uvicorn

    from backend.observability import logging_config
    from backend.settings import PROMETHEUS_MULTIPROC_DIR, prometheus_multiproc_dir

    settings = get_settings()
    problem = secret_key_problem(settings)
    if problem:
        sys.exit(problem)
    if args.workers < 1:
        sys.exit(f"--workers must be at least 1; you gave {args.workers}.")
    own_folder = None
    if args.workers > 1:
        # Every worker process writes its metrics here, and a scrape of any of them adds them all up.
        folder = prometheus_multiproc_dir()
        if folder is None:
            folder = own_folder = tempfile.mkdtemp(prefix="sessiondesk-metrics-")
            os.environ[PROMETHEUS_MULTIPROC_DIR] = folder
        for stale in Path(folder).glob("*.db"):  # counts of an earlier run would be added to this one's
            stale.unlink()
    try:
        uvicorn.run(
            "backend.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=logging_config(settings.log_format),
            access_log=False,  # the app logs one line per request itself (backend/observability.py)
            # On SIGTERM, requests in flight get this long before the background workers stop (a bulk job
            # is handed back then), well inside a 30 s stop grace period.
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            # A websocket frame is never read past the JSON body limit (the app checks it again).
            ws_max_size=settings.json_max_bytes,
            **proxy_options(settings),
        )
    finally:
        if own_folder is not None:
            shutil.rmtree(own_folder, ignore_errors=True)


def cmd_worker(args: argparse.Namespace) -> None:
    import logging.config

    from backend.observability import logging_config

    settings = get_settings()
    logging.config.dictConfig(logging_config(settings.log_format))
    asyncio.run(run_worker(settings))


async def run_worker(settings: Settings) -> None:
    """`sessiondesk worker`: the background work that `serve` runs in-process (mail, bulk upload jobs,
    reminders, housekeeping), as a process of its own for web processes started with BACKGROUND_WORK=worker,
    so that building mail and working through uploads never share an interpreter with web requests. Every
    worker claims its work in the database, so any number of web and worker processes may run at once.
    Runs until SIGTERM or SIGINT, then stops cleanly (a bulk job is handed back)."""
    import logging
    import signal

    from backend.app import background_workers
    from backend.db import close_database, open_database

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await open_database(settings)
    workers = background_workers(settings)
    try:
        for worker in workers:
            worker.start()
        logging.getLogger("backend.background").info("Background worker running")
        await stop.wait()
    finally:
        for worker in workers:
            await worker.stop()
        await close_database()
    logging.getLogger("backend.background").info("Background worker stopped")


def cmd_outbox(args: argparse.Namespace) -> None:
    from backend.mail import maintenance

    async def work() -> str:
        if args.retry:
            try:
                retried = await maintenance.retry(args.retry)
            except maintenance.RetryRefused as refused:
                sys.exit(str(refused))
            return f"Re-queued {len(retried)} message(s): {', '.join(map(str, retried))}; they go out at the next pass."
        counts = await maintenance.counts()
        lines = [
            f"Outbox: {counts.pending} pending, {counts.failed} failed, {counts.sent} sent "
            f"(kept {get_settings().mail_keep_days} days)."
        ]
        shown = counts.failed if args.failed else counts.pending + counts.failed
        if shown > maintenance.LIST_LIMIT:
            lines.append(f"The {maintenance.LIST_LIMIT} oldest of {shown}:")
        for message in await maintenance.unsent(failed_only=args.failed):
            lines.append(
                f"{message.id}\t{maintenance.state(message)}\t{message.attempts} attempt(s)\t"
                f"queued {message.created_at:%Y-%m-%d %H:%M} UTC\t{', '.join(message.recipients)}\t{message.subject}"
            )
            if message.last_error:
                lines.append(f"\t{' '.join(message.last_error.split())}")
        return "\n".join(lines)

    print(asyncio.run(_with_database(work)))


def cmd_tallies(args: argparse.Namespace) -> None:
    from backend.sessions import tallies

    if not get_settings().is_postgres:
        sys.exit("SQLite keeps no session tallies (lists are counted from the sessions); nothing to check.")

    async def work() -> list[int]:
        if args.rebuild:
            await tallies.rebuild()
        return await tallies.disagreeing()

    wrong = asyncio.run(_with_database(work))
    if wrong:
        sys.exit(
            f"The session tallies of {len(wrong)} organisation(s) ({', '.join(map(str, wrong[:20]))}) do not agree "
            "with their sessions; run `sessiondesk tallies --rebuild` to count them again."
        )
    print(f"The session tallies agree with the sessions{' (counted again)' if args.rebuild else ''}.")


def cmd_export_schema(args: argparse.Namespace) -> None:
    from backend.graphql.schema import export_sdl

    sdl = export_sdl()
    if args.output:
        Path(args.output).write_text(sdl)
    else:
        sys.stdout.write(sdl)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sessiondesk", description="SessionDesk: manage mentoring sessions.")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=cmd_migrate)

    seed = commands.add_parser("seed", help="add demo data")
    seed.add_argument("--demo", action="store_true", help="two organisations, people and sessions")
    seed.add_argument("--sessions", type=int, default=120, help="how many sessions (1..1000000)")
    seed.set_defaults(run=cmd_seed)

    create_user = commands.add_parser("create-user", help="add a person (and their organisation if new)")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--name", required=True)
    create_user.add_argument("--password", required=True)
    create_user.add_argument("--org", required=True, help="organisation name")
    create_user.add_argument("--role", action="append", required=True, choices=["MANAGER", "MENTOR", "MENTEE"])
    create_user.set_defaults(run=cmd_create_user)

    serve = commands.add_parser("serve", help="run the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=cmd_serve)

    worker = commands.add_parser(
        "worker", help="run the background work (mail, bulk uploads, reminders, housekeeping) until stopped"
    )
    worker.set_defaults(run=cmd_worker)

    outbox = commands.add_parser("outbox", help="list unsent mail (pending and failed) or re-queue messages")
    outbox.add_argument("--failed", action="store_true", help="list failed messages only")
    outbox.add_argument("--retry", type=int, nargs="+", metavar="ID", help="re-queue these messages")
    outbox.set_defaults(run=cmd_outbox)

    tally = commands.add_parser("tallies", help="check the session tallies (PostgreSQL) against the sessions")
    tally.add_argument("--rebuild", action="store_true", help="count them again from the sessions first")
    tally.set_defaults(run=cmd_tallies)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL (schema.graphql)")
    export.add_argument("--output", help="write to this file instead of standard output")
    export.set_defaults(run=cmd_export_schema)

    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
