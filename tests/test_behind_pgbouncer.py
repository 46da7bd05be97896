"""Eight app processes (two `sessiondesk serve --workers 4`, as two hosts would run them) behind PgBouncer in
transaction pooling mode: live updates, a bulk upload, reminders and the outbox all work, and PostgreSQL sees
no more connections than PgBouncer's pool plus one listener per process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from backend.models import Attendance, BulkUpload, BulkUploadStatus, MeetingPlatform, OutboxMessage, Session, utcnow
from tests.support.bulk_upload import create, csv_bytes, upload
from tests.support.databases import BACKENDS, PGBOUNCER_POOL_SIZE, POSTGRES_ADMIN_URL
from tests.support.factories import PASSWORD, make_session
from tests.support.graphql_client import GraphQLClient
from tests.support.live_client import LiveClient, listening
from tests.support.server import ServerProcess, server_env, serving, wait_until_async
from tests.support.session_requests import CREATE, a_desk, mutate, session_form

HOSTS, WORKERS = 2, 4
EVENTS = "subscription { sessionEvents { kind session { title } } }"

pytestmark = [
    pytest.mark.through_pgbouncer,
    pytest.mark.parametrize("database", [b for b in BACKENDS if b == "pgbouncer"], indirect=True),
]


def host(db, smtp_url: str, log: Path) -> contextlib.AbstractContextManager[ServerProcess]:
    """`sessiondesk serve --workers 4` through PgBouncer, each worker's pool allowed 20 connections (eight
    such processes would ask for 160 of PostgreSQL's 100 without the pooler)."""
    env = server_env(
        db.data_dir,
        db.database_url + "&maxsize=20",
        LISTEN_DATABASE_URL=db.listener_url,
        SECRET_KEY="s" * 48,
        SMTP_URL=smtp_url,
        REMINDER_MINUTES="60",
    )
    return serving(env, log, "--workers", str(WORKERS), ready="/healthz")


@contextlib.asynccontextmanager
async def connections_seen(database_name: str) -> AsyncIterator[list[int]]:
    """The most connections PostgreSQL held to the database at any moment of the block (sampled often)."""
    most = [0]
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"))

    async def sample() -> None:
        while True:
            count = await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database_name)
            most[0] = max(most[0], count)
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    try:
        yield most
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        await admin.close()


async def test_eight_app_processes_serve_live_updates_bulk_uploads_reminders_and_mail_through_pgbouncer(
    database, db, smtp_server, tmp_path
):
    desk = await a_desk()
    # Due for its one-hour reminder as soon as a process looks: mentor, enrolled and invited mentee, all in it
    # since before the hour began.
    long_ago = utcnow() - timedelta(minutes=30)
    soon = await make_session(
        desk.org, desk.mentor, title="Soon", starts_at=utcnow().replace(microsecond=0) + timedelta(minutes=40),
        platform=MeetingPlatform.GOOGLE_MEET, enrolled=(desk.asha,), invited=(desk.kiran,), scheduled_at=long_ago,
    )  # fmt: skip
    await Attendance.filter(session_id=soon.id).update(created_at=long_ago)
    database_name = db.listener_url.rsplit("/", 1)[1]

    async with connections_seen(database_name) as most:
        with contextlib.ExitStack() as hosts:
            logs = [tmp_path / f"host{n}.log" for n in range(HOSTS)]
            urls = [hosts.enter_context(host(db, smtp_server.url, log)).url for log in logs]
            async with httpx.AsyncClient(base_url=urls[0], timeout=60) as http_a:
                manager = await GraphQLClient(http_a).login(desk.manager.email, PASSWORD)
                async with contextlib.AsyncExitStack() as stack:
                    # Subscribers on both hosts, as many as workers, so that most processes listen.
                    subscribers = [
                        await stack.enter_async_context(LiveClient.connect(urls[n % HOSTS], manager.token))
                        for n in range(HOSTS * WORKERS)
                    ]
                    operations = [await live.subscribe(EVENTS) for live in subscribers]
                    await listening(*urls, subscriptions=len(subscribers))

                    # Live updates: a session made through host A reaches every subscriber on both hosts.
                    made = await mutate(manager, CREATE, input=session_form(desk.mentor, title="Made on A"))
                    assert made["errors"] == [], made
                    for live, operation in zip(subscribers, operations, strict=True):
                        event = (await live.next(operation))["sessionEvents"]
                        assert (event["kind"], event["session"]["title"]) == ("CREATED", "Made on A")

                # The bulk job: an upload through host B is run to the end by whichever process claims it.
                async with httpx.AsyncClient(base_url=urls[1], timeout=60) as http_b:
                    rows = [create(desk.mentor, f"Bulk {n}", days_ahead=30 + n) for n in range(50)]
                    payload = await upload(http_b, manager.token, csv_bytes(rows))
                upload_id = int(payload["bulkUpload"]["id"])

                async def finished() -> bool:
                    return (await BulkUpload.get(id=upload_id)).status == BulkUploadStatus.COMPLETED

                await wait_until_async(finished, 90, "the bulk upload completed")

                # Reminders and the outbox: every queued mail is sent.
                async def all_sent() -> bool:
                    reminded = {m["To"] for m in smtp_server.messages if m["Subject"].startswith("Reminder: Soon")}
                    unsent = await OutboxMessage.filter(sent_at=None).exists()
                    return len(reminded) == 3 and not unsent

                await wait_until_async(all_sent, 90, "the reminders and every queued mail were sent")
        # Every process has stopped: nothing more can be sent.

    done = await BulkUpload.get(id=upload_id)
    assert (done.processed_rows, done.valid_rows) == (50, 50)
    assert await Session.filter(title__startswith="Bulk ").count() == 50
    assert len(smtp_server.messages) == await OutboxMessage.all().count() > 3  # each mail sent once
    reminders = [m["To"] for m in smtp_server.messages if m["Subject"].startswith("Reminder: Soon")]
    assert sorted(reminders) == sorted(p.email for p in (desk.mentor, desk.asha, desk.kiran))
    # The pool's connections, one listener per process, none more (max_connections stays at 100).
    assert 0 < most[0] <= PGBOUNCER_POOL_SIZE + HOSTS * WORKERS, most[0]
