"""The bulk upload job: claimed by one runner only, resumed after a crash without applying any row
twice, and checking rows in a number of statements that does not grow with the rows."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import httpx
import pytest
from tortoise import Tortoise

from backend.bulk_upload import job, parse
from backend.bulk_upload.rows import references
from backend.models import BulkUpload, BulkUploadRow, BulkUploadStatus, Session, utcnow
from backend.sessions import writing
from backend.sessions.directory import Directory
from tests.support import outage
from tests.support.bulk_upload import create, csv_bytes, people, result_of, row, upload
from tests.support.databases import ON_POSTGRES
from tests.support.factories import PASSWORD, make_session, make_user
from tests.support.graphql_client import GraphQLClient
from tests.support.server import ServerProcess, fact, server_env, wait_until_async


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

    async def dies_in_the_second_batch(planned, origin, now=None):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise asyncio.CancelledError()  # the process is killed mid-batch: its transaction rolls back
        await real_persist(planned, origin, now)

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


@pytest.fixture
def no_heartbeat(monkeypatch):
    """A job's lease renewals (every HEARTBEAT_SECONDS) kept out of a statement count: a job that takes longer
    than a beat on a busy machine would otherwise count one more statement."""
    monkeypatch.setattr(job, "HEARTBEAT_SECONDS", 3600.0)


async def test_checking_rows_takes_the_same_number_of_statements_for_5_rows_as_for_60(
    graphql, db, sql_statements, no_heartbeat
):
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


class Clock:
    """The job's clock (its `utcnow`), moved by the test rather than by waiting."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


async def test_a_server_killed_mid_upload_leaves_a_job_another_process_finishes_exactly_once(
    graphql, db, tmp_path, monkeypatch
):
    p = await people(graphql)
    rows = [create(p.mentor if n % 2 else p.other_mentor, f"Killed {n}", days_ahead=10 + n // 2) for n in range(3000)]
    env = server_env(db.data_dir, db.database_url, SECRET_KEY=db.secret_key, LISTEN_DATABASE_URL=db.listener_url)
    server = ServerProcess(env, tmp_path / "server.log").ready("/healthz")
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            remote = await GraphQLClient(client).login(p.manager.email, PASSWORD)
            payload = await upload(client, remote.token, csv_bytes(rows))
            upload_id = int(payload["bulkUpload"]["id"])

        async def under_way() -> bool:
            return (await BulkUpload.get(id=upload_id)).processed_rows > 0

        await wait_until_async(under_way, 60, "the server applying the upload's first rows")
    finally:
        server.kill()  # no shutdown, no hand-over: as if the machine died

    killed = await BulkUpload.get(id=upload_id)
    assert killed.status == BulkUploadStatus.RUNNING and 0 < killed.processed_rows < 3000
    assert await Session.filter(title__startswith="Killed").count() == killed.valid_rows

    # Nobody hands the job back: it is taken over once the dead process's lease has run out.
    clock = Clock()
    monkeypatch.setattr(job, "utcnow", clock)
    clock.advance(job.LEASE)
    assert await job.run_pending() == 1

    done = await BulkUpload.get(id=upload_id)
    assert (done.status, done.processed_rows, done.valid_rows) == (BulkUploadStatus.COMPLETED, 3000, 3000)
    assert await BulkUploadRow.filter(upload_id=upload_id).count() == 3000
    assert await Session.filter(title__startswith="Killed").count() == 3000
    titles = await Session.filter(title__startswith="Killed").values_list("title", flat=True)
    assert len(set(titles)) == 3000


async def test_a_heartbeat_keeps_a_slow_job_s_lease_so_nobody_takes_it_over(graphql, db, monkeypatch):
    p = await people(graphql)
    rows = [create(p.mentor, f"Slow {n}", days_ahead=10 + n) for n in range(2)]
    payload = await upload(graphql.http, graphql.token, csv_bytes(rows), dry_run=True)
    clock = Clock()
    monkeypatch.setattr(job, "utcnow", clock)
    monkeypatch.setattr(job, "BATCH_ROWS", 1)
    checking, go_on = asyncio.Event(), asyncio.Event()
    real_check_row = job.check_row

    async def slow_check_row(actor, row, directory):
        checking.set()
        await go_on.wait()  # a row that takes longer than the lease, with no result recorded meanwhile
        return await real_check_row(actor, row, directory)

    monkeypatch.setattr(job, "check_row", slow_check_row)
    owner = "slow-runner"
    heartbeat = job.Heartbeat(int(payload["bulkUpload"]["id"]), owner)
    running = asyncio.create_task(job.Job(await job.claim(owner), owner, heartbeat=heartbeat).run())
    await checking.wait()

    for _ in range(3):  # three leases long, a beat in each
        clock.advance(job.LEASE * 0.9)
        await heartbeat.renew()
        clock.advance(job.LEASE * 0.2)  # past the lease it had before this beat
        assert await job.claim("intruder") is None
    go_on.set()
    await running

    assert not heartbeat.lost
    done = await BulkUpload.get(id=int(payload["bulkUpload"]["id"]))
    assert (done.status, done.processed_rows) == (BulkUploadStatus.COMPLETED, 2)


async def test_a_heartbeat_notices_when_another_process_took_the_job(graphql, db, monkeypatch):
    p = await people(graphql)
    payload = await upload(graphql.http, graphql.token, csv_bytes([create(p.mentor)]))
    upload_id = int(payload["bulkUpload"]["id"])
    clock = Clock()
    monkeypatch.setattr(job, "utcnow", clock)
    claimed = await job.claim("first-runner")
    heartbeat = job.Heartbeat(upload_id, "first-runner")

    clock.advance(timedelta(seconds=3))
    await heartbeat.renew()
    assert (await BulkUpload.get(id=upload_id)).lease_expires_at == claimed.lease_expires_at + timedelta(seconds=3)
    assert not heartbeat.lost
    await BulkUpload.filter(id=upload_id).update(lease_owner="second-runner", lease_expires_at=clock.now)
    await heartbeat.renew()
    assert heartbeat.lost
    taken = await BulkUpload.get(id=upload_id)
    assert taken.lease_owner == "second-runner" and taken.lease_expires_at == clock.now  # left alone

    # The job of a lost lease stops before its next batch and records nothing.
    with pytest.raises(job.LeaseLost):
        await job.Job(claimed, "first-runner", heartbeat=heartbeat).run()
    assert await BulkUploadRow.filter(upload_id=upload_id).count() == 0


async def test_applying_a_file_takes_the_same_statements_in_a_small_or_a_large_organisation(
    graphql, db, sql_statements, no_heartbeat
):
    p = await people(graphql)
    existing = [await make_session(p.org, p.mentor, title=f"Existing {n}") for n in range(3)]

    async def statements_for(tag: str) -> int:
        # Creates for both mentors, private ones inviting a mentee (invitations and their mail), and an edit.
        rows = [
            create(p.mentor if n % 2 else p.other_mentor, f"{tag} {n}", days_ahead=400 + n, time=f"{8 + n}:00")
            for n in range(4)
        ]
        rows += [
            create(p.mentor, f"{tag} private {n}", days_ahead=420 + n, type="Private", mentees=p.mentees[n].email)
            for n in range(2)
        ]
        rows += [row(action="Edit", id=existing[0].id, title=f"Edited by the {tag.lower()} file")]
        await upload(graphql.http, graphql.token, csv_bytes(rows))
        sql_statements.clear()
        await job.run_pending()
        assert await Session.filter(title__startswith=tag).count() == 6
        return len(sql_statements)

    small = await statements_for("Small")
    # The organisation grows: more mentees and mentors, and many more sessions of the same mentors at other
    # times, with mentees and labels of their own.
    grown_mentees = [await make_user(p.org, "MENTEE", email=f"grown{n}@example.test") for n in range(10)]
    for n in range(5):
        await make_user(p.org, "MENTOR", email=f"grown-mentor{n}@example.test")
    for n in range(60):
        await make_session(
            p.org, p.mentor if n % 2 else p.other_mentor, title=f"Grown {n}", invited=(grown_mentees[n % 10],)
        )
    await Session.filter(title__startswith="Small").delete()
    assert await statements_for("Large") == small


async def test_a_file_loads_only_its_mentors_bookings_around_the_days_it_names(graphql, db):
    p = await people(graphql)
    START = utcnow().replace(microsecond=0) + timedelta(days=200)
    near = await make_session(p.org, p.mentor, title="Near", starts_at=START + timedelta(hours=3))
    far = [await make_session(p.org, p.mentor, starts_at=START + timedelta(days=30 * n)) for n in range(1, 6)]
    other = await make_session(p.org, p.other_mentor, starts_at=START + timedelta(hours=6))
    rows = [create(p.mentor, "New", days_ahead=200, time="23:00")]
    table = parse.read_table(csv_bytes(rows).decode("utf-8-sig"))

    directory = Directory(p.org.id)
    await directory.preload(**references(table.rows))

    assert [b.session_id for b in directory.bookings[p.mentor.id]] == [near.id]
    assert p.other_mentor.id not in directory.bookings and other.mentor_id == p.other_mentor.id
    # A question outside the loaded days still finds a clash, from the database.
    clash = await directory.clash(p.mentor.id, far[2].starts_at, far[2].ends_at, None)
    assert clash is not None and clash.session_id == far[2].id


@ON_POSTGRES
async def test_an_upload_cut_off_by_a_database_outage_finishes_once_it_is_back_without_a_restart(
    graphql, db, monkeypatch, caplog
):
    p = await people(graphql)
    rows = [create(p.mentor if n % 2 else p.other_mentor, f"Outage {n}", days_ahead=10 + n // 2) for n in range(20)]
    payload = await upload(graphql.http, graphql.token, csv_bytes(rows))
    upload_id = int(payload["bulkUpload"]["id"])
    monkeypatch.setattr(job, "BATCH_ROWS", 5)
    monkeypatch.setattr(job, "LEASE", timedelta(seconds=1))
    real_report = job.Job.report_progress
    cut = asyncio.Event()

    async def database_goes_away_after_the_first_batch(self, rows, now=False):
        await real_report(self, rows, now)
        if not cut.is_set():
            cut.set()
            # Every connection dies before the runner can notice, and new ones are refused: its next
            # transaction is cut off at BEGIN, as in a restart.
            outage.begin_unnoticed(db.database_url, refuse=True)

    monkeypatch.setattr(job.Job, "report_progress", database_goes_away_after_the_first_batch)
    runner = job.BulkUploadRunner(poll_seconds=0.1)
    runner.start()
    try:
        await wait_until_async(
            fact(lambda: any("database went away" in r.getMessage() for r in caplog.records)), 30, "the runner to fail"
        )
        await outage.end(db.database_url)

        async def completed() -> bool:
            return (await BulkUpload.get(id=upload_id)).status == BulkUploadStatus.COMPLETED

        await wait_until_async(completed, 60, "the upload to complete")
    finally:
        await outage.end(db.database_url)
        await runner.stop()

    done = await BulkUpload.get(id=upload_id)
    assert (done.processed_rows, done.valid_rows) == (20, 20)
    titles = await Session.filter(title__startswith="Outage").values_list("title", flat=True)
    assert sorted(titles) == sorted(f"Outage {n}" for n in range(20))  # each row applied exactly once


async def test_a_dry_run_lets_other_requests_in_between_its_rows(graphql, db, monkeypatch):
    p = await people(graphql)
    rows = [create(p.mentor, f"Checked {n}", days_ahead=10 + n) for n in range(60)]
    await upload(graphql.http, graphql.token, csv_bytes(rows), dry_run=True)
    ticks = 0
    seen: list[int] = []
    real_check_row = job.check_row

    async def noting_the_ticks(actor, row, directory):
        seen.append(ticks)
        return await real_check_row(actor, row, directory)

    async def another_request() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    monkeypatch.setattr(job, "check_row", noting_the_ticks)
    other = asyncio.create_task(another_request())
    try:
        assert await job.run_pending() == 1
    finally:
        other.cancel()
    # Between every two rows the other task ran: a row never waits behind the rest of its batch.
    assert len(seen) == 60 and all(later > earlier for earlier, later in zip(seen, seen[1:], strict=False))


@ON_POSTGRES
async def test_after_a_large_upload_the_planner_statistics_of_its_tables_are_fresh(graphql, db, monkeypatch):
    p = await people(graphql)
    monkeypatch.setattr(job, "ANALYZE_AFTER_ROWS", 5)
    connection = Tortoise.get_connection("default")

    async def last_analysed() -> object:
        await connection.execute_query("SELECT pg_stat_clear_snapshot()")
        rows = await connection.execute_query_dict(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'session'"
        )
        return rows[0]["last_analyze"]

    before = await last_analysed()
    rows = [create(p.mentor, f"Analysed {n}", days_ahead=10 + n) for n in range(5)]
    await upload(graphql.http, graphql.token, csv_bytes(rows))
    assert await job.run_pending() == 1

    async def analysed() -> bool:
        return await last_analysed() not in (None, before)

    await wait_until_async(analysed, 30, "the session table to be analysed")


@ON_POSTGRES
async def test_statements_of_the_app_stop_after_the_statement_timeout(db):
    connection = Tortoise.get_connection("default")
    [row] = await connection.execute_query_dict("SHOW statement_timeout")
    assert row["statement_timeout"] == "30s"
