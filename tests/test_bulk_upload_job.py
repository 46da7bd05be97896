"""The bulk upload job: claimed by one runner only, resumed after a crash without applying any row
twice, and checking rows in a number of statements that does not grow with the rows."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from backend.bulk_upload import job
from backend.models import BulkUpload, BulkUploadRow, BulkUploadStatus, Session, utcnow
from backend.sessions import writing
from tests.support.bulk_upload import create, csv_bytes, people, result_of, row, upload
from tests.support.factories import PASSWORD, make_session

ROOT = Path(__file__).resolve().parent.parent


async def test_of_several_runners_asking_at_once_exactly_one_gets_the_job(graphql, db):
    p = await people(graphql)
    await upload(graphql.http, graphql.token, csv_bytes([create(p.mentor)]))

    claimed = await asyncio.gather(*(job.claim(f"runner-{n}") for n in range(5)))

    winners = [c for c in claimed if c is not None]
    assert len(winners) == 1
    assert winners[0].status == BulkUploadStatus.RUNNING and winners[0].lease_expires_at > utcnow()
    assert await job.claim("late-runner") is None  # its lease is fresh


async def test_a_job_whose_runner_died_is_resumed_without_applying_a_row_twice(graphql, db, monkeypatch):
    p = await people(graphql)
    rows = [create(p.mentor, f"Session {n}", days_ahead=10 + n) for n in range(5)]
    payload = await upload(graphql.http, graphql.token, csv_bytes(rows))
    monkeypatch.setattr(job, "BATCH_ROWS", 2)
    real_persist = writing.persist
    calls = 0

    async def dies_in_the_second_batch(planned, now=None):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise asyncio.CancelledError()  # the process is killed mid-batch: its transaction rolls back
        await real_persist(planned, now)

    monkeypatch.setattr(writing, "persist", dies_in_the_second_batch)
    upload_id = int(payload["bulkUpload"]["id"])
    claimed = await job.claim("doomed-runner")
    with contextlib.suppress(asyncio.CancelledError):
        await job.run_claimed(claimed, "doomed-runner")
    monkeypatch.setattr(writing, "persist", real_persist)

    stuck = await BulkUpload.get(id=upload_id)
    assert (stuck.status, stuck.processed_rows, stuck.lease_owner) == (BulkUploadStatus.RUNNING, 2, "doomed-runner")
    assert await Session.all().count() == 2
    assert await job.run_pending() == 0  # the lease still holds: nobody takes the job over yet

    await BulkUpload.filter(id=upload_id).update(lease_expires_at=utcnow() - timedelta(seconds=1))
    assert await job.run_pending() == 1

    result = await result_of(graphql, str(upload_id))
    assert (result["status"], result["processedRows"], result["validRows"]) == ("COMPLETED", 5, 5)
    titles = sorted(await Session.all().values_list("title", flat=True))
    assert titles == [f"Session {n}" for n in range(5)]  # each row applied exactly once
    assert [r["rowNumber"] for r in result["rows"]] == [2, 3, 4, 5, 6]


async def test_a_resumed_dry_run_still_lets_later_rows_see_the_earlier_ones(graphql, db, monkeypatch):
    p = await people(graphql)
    rows = [create(p.mentor, "First"), create(p.mentor, "Second, same time"), create(p.mentor, "Third, same time")]
    payload = await upload(graphql.http, graphql.token, csv_bytes(rows), dry_run=True)
    upload_id = int(payload["bulkUpload"]["id"])
    monkeypatch.setattr(job, "BATCH_ROWS", 1)
    owner = "runner-stopped-after-one-row"
    recorded = 0

    def stop_after_the_first_row():
        return recorded >= 1

    real_record = job.Job.record

    async def record(self, batch):
        nonlocal recorded
        await real_record(self, batch)
        recorded += len(batch)

    monkeypatch.setattr(job.Job, "record", record)
    await job.run_claimed(await job.claim(owner), owner, stop_after_the_first_row)
    assert (await BulkUpload.get(id=upload_id)).processed_rows == 1

    await job.run_pending()

    result = await result_of(graphql, str(upload_id))
    assert [r["status"] for r in result["rows"]] == ["VALID", "INVALID", "INVALID"]
    assert "already has “First”" in result["rows"][1]["message"]


async def test_checking_rows_takes_the_same_number_of_statements_for_5_rows_as_for_60(graphql, db, sql_statements):
    p = await people(graphql)
    sessions = [await make_session(p.org, p.other_mentor, title=f"Existing {n}") for n in range(30)]

    async def statements_for(count: int, dry_run: bool) -> int:
        rows = []
        for n in range(count):
            if n % 2:
                rows.append(
                    row(action="Edit", id=sessions[n // 2].id, title=f"Edited {n}", mentees=p.mentees[n % 3].email)
                )
            else:
                rows.append(create(p.mentor, f"New {n}", days_ahead=10 + n, mentees=p.mentees[n % 3].email))
        await upload(graphql.http, graphql.token, csv_bytes(rows), dry_run=dry_run)
        sql_statements.clear()
        await job.run_pending()
        return len(sql_statements)

    assert await statements_for(5, dry_run=True) == await statements_for(60, dry_run=True)
    creates_only = []
    for count in (5, 60):
        await upload(
            graphql.http,
            graphql.token,
            csv_bytes([create(p.mentor, f"Bulk {count}-{n}", days_ahead=100 + count + n) for n in range(count)]),
        )
        sql_statements.clear()
        await job.run_pending()
        creates_only.append(len(sql_statements))
    assert creates_only[0] == creates_only[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_server_killed_mid_upload_leaves_a_job_another_process_finishes_exactly_once(graphql, db):
    p = await people(graphql)
    rows = [create(p.mentor if n % 2 else p.other_mentor, f"Killed {n}", days_ahead=10 + n // 2) for n in range(3000)]
    port = _free_port()
    env = {**os.environ, "DATA_DIR": str(db.data_dir), "DATABASE_URL": db.database_url, "SECRET_KEY": db.secret_key}
    server = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        import httpx

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(200):
                try:
                    await client.get("/bulk-upload/sample.csv")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            from tests.support.graphql_client import GraphQLClient

            remote = await GraphQLClient(client).login(p.manager.email, PASSWORD)
            payload = await upload(client, remote.token, csv_bytes(rows))
            upload_id = int(payload["bulkUpload"]["id"])
            deadline = time.monotonic() + 60
            while (await BulkUpload.get(id=upload_id)).processed_rows == 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # no shutdown, no hand-over: as if the machine died
        server.wait()

    killed = await BulkUpload.get(id=upload_id)
    assert killed.status == BulkUploadStatus.RUNNING and 0 < killed.processed_rows < 3000
    assert await Session.filter(title__startswith="Killed").count() == killed.valid_rows

    await BulkUpload.filter(id=upload_id).update(lease_expires_at=utcnow() - timedelta(seconds=1))  # time passes
    assert await job.run_pending() == 1

    done = await BulkUpload.get(id=upload_id)
    assert (done.status, done.processed_rows, done.valid_rows) == (BulkUploadStatus.COMPLETED, 3000, 3000)
    assert await BulkUploadRow.filter(upload_id=upload_id).count() == 3000
    assert await Session.filter(title__startswith="Killed").count() == 3000
    titles = await Session.filter(title__startswith="Killed").values_list("title", flat=True)
    assert len(set(titles)) == 3000
