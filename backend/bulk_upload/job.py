"""The background job that works through an uploaded file. Its state lives in the database, so any
app process can run it and nothing is lost when one stops.

A runner claims a PENDING job, or a RUNNING one whose lease ran out (its process died), with a
conditional UPDATE checked by its row count: of several processes asking at once exactly one gets it.
The lease is short (10 s): a heartbeat renews it every 3 s while the job runs, so a crashed process's job
is taken over within 15 s. Every transaction that records results also renews it, conditional on
still holding it, so a process that lost its job can never record anything more.

Rows run in file order, checked against one directory preloaded for the whole file (its sessions, mentors
and mentees, and its mentors' bookings around the days it names: the cost follows the file, not the
organisation), which each row's change updates so the next row sees it. A real run applies them in
batches: one transaction plans a batch's rows, writes their changes with `persist`, and records each
row's result and the job's counters; when someone else changed the organisation's sessions since, the
directory is loaded again first (on SQLite writers take turns, so nothing can change between that check
and the write; on PostgreSQL the exclusion constraint and `persist`'s check of updated_at catch it). If
the database refuses
the batch (a clash caught by PostgreSQL's exclusion constraint, a session someone else changed
meanwhile), the batch is rolled back and done again one row per transaction, so one row's failure
never touches another. A result is written in the same transaction as its row's change, so a resumed
job starts at the first row without a result and never applies a row twice. A dry run plans every row
against one directory that imagines the rows before, and records the same results without changing
anything.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from tortoise import Tortoise
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from backend.background import BackgroundWorker, Wakeup
from backend.bulk_upload import messages, parse, results
from backend.bulk_upload.rows import Outcome, check_row, references
from backend.db import after_commit, column, insert_rows, transaction
from backend.errors import Refused, parse_id
from backend.events import publish_bulk_upload, publish_changes
from backend.mail.notifications import notify_bulk_upload_finished
from backend.models import (
    Activity,
    ActivityChannel,
    Attendance,
    BulkRowStatus,
    BulkUpload,
    BulkUploadRow,
    BulkUploadStatus,
    OutboxMessage,
    Session,
    SessionLabel,
    SessionReminder,
    User,
    utcnow,
)
from backend.outages import database_unavailable
from backend.sessions import writing
from backend.sessions.changes import Change
from backend.sessions.directory import Directory
from backend.sessions.history import Origin

log = logging.getLogger("backend.bulk_upload")

# A running job renews its lease every HEARTBEAT_SECONDS; when its process dies the lease runs out within
# LEASE, and a runner of another process, polling every POLL_SECONDS, takes the job over: at most
# LEASE + POLL_SECONDS (12 s) after the crash.
LEASE = timedelta(seconds=10)
HEARTBEAT_SECONDS = 3.0
BATCH_ROWS = 500
RESULT_COLUMNS = ("upload_id", "row_number", "action", "session_id", "status", "message", "cells")
POLL_SECONDS = 2.0
# Subscribers to an upload's progress hear of it at least this often while rows are being recorded.
PROGRESS_ROWS = 500
PROGRESS_SECONDS = 2.0

# After applying this many rows, the tables an upload fills are analysed at once (PostgreSQL): the
# planner's statistics would otherwise describe the tables before the upload until autovacuum comes by,
# and the facets of a grown organisation were planned for an empty one (80 s instead of milliseconds).
ANALYZE_AFTER_ROWS = 1000
ANALYZED_TABLES = (Session, SessionLabel, Attendance, OutboxMessage, SessionReminder)

# Events of the runners in this process: set after an upload so the job starts at once. Only a
# shortcut; the poll is what other processes rely on.
wake = Wakeup()


def dumps(cells: list[str]) -> str:
    """The cells as the JSON column holds them (as Tortoise writes JSONField)."""
    return json.dumps(cells, separators=(",", ":"))


async def between_rows() -> None:
    """Let the event loop serve others between two rows: checking a row needs no database (the directory
    is preloaded), so a 500-row batch would otherwise hold the loop for its whole length."""
    await asyncio.sleep(0)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLost(Exception):
    """Another process took the job over; this one must not record anything more."""


class Stopping(Exception):
    """The app is shutting down; the job is handed back to be resumed."""


class Heartbeat:
    """Renews the job's lease every few seconds while it runs, in a task of its own (outside the rows'
    transactions), so a slow batch never lets the lease run out; notices when another process took it."""

    def __init__(self, upload_id: int, owner: str) -> None:
        self.upload_id, self.owner = upload_id, owner
        self.lost = False
        self.task: asyncio.Task[None] | None = None

    async def beat(self) -> None:
        while not self.lost:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self.renew()

    async def renew(self) -> None:
        """One beat: the lease runs for another LEASE from now, or `lost` says another runner holds it."""
        try:
            renewed = await BulkUpload.filter(id=self.upload_id, lease_owner=self.owner).update(
                lease_expires_at=utcnow() + LEASE
            )
        except Exception:  # a database hiccup: the next beat tries again, within the lease
            log.warning("Bulk upload %s: could not renew its lease", self.upload_id, exc_info=True)
            return
        self.lost = not renewed

    def __enter__(self) -> Heartbeat:
        self.task = asyncio.create_task(self.beat(), name=f"bulk upload {self.upload_id} heartbeat")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.task is not None:
            self.task.cancel()


def _claimable(now: datetime) -> Q:
    return Q(status=BulkUploadStatus.PENDING) | Q(status=BulkUploadStatus.RUNNING, lease_expires_at__lt=now)


async def claim(owner: str) -> BulkUpload | None:
    """The oldest job waiting or abandoned, now leased to `owner`; None when there is none."""
    now = utcnow()
    for upload_id in await BulkUpload.filter(_claimable(now)).order_by("id").limit(10).values_list("id", flat=True):
        taken = await BulkUpload.filter(Q(id=upload_id) & _claimable(now)).update(
            status=BulkUploadStatus.RUNNING, lease_owner=owner, lease_expires_at=now + LEASE
        )
        if taken:
            await BulkUpload.filter(id=upload_id, started_at=None).update(started_at=now)
            return await BulkUpload.get(id=upload_id)
    return None


async def sessions_version(organization_id: int) -> int | None:
    """Changes whenever a session of the organisation changes, however and by whom: each change raises its
    session's version and records it in the history in the same transaction, so the newest history entry
    of the organisation is one probe of an index (organization_id, id) however many sessions there are."""
    newest = await column(Activity.filter(organization_id=organization_id).order_by("-id").limit(1), "id", int)
    return newest[0] if newest else None


class Job:
    """One claimed upload, worked through from its first row without a result."""

    def __init__(
        self,
        upload: BulkUpload,
        owner: str,
        stopping: Callable[[], bool] = lambda: False,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self.upload = upload
        self.owner = owner
        self.stopping = stopping
        self.heartbeat = heartbeat
        self.directory: Directory | None = None
        self.version: int | None = None
        self.unreported_rows = 0
        self.reported_at = time.monotonic()

    async def report_progress(self, rows: int, now: bool = False) -> None:
        """Tell subscribers after `rows` more rows were committed: every PROGRESS_ROWS rows or
        PROGRESS_SECONDS seconds, whichever comes first (or `now`)."""
        self.unreported_rows += rows
        if now or self.unreported_rows >= PROGRESS_ROWS or time.monotonic() - self.reported_at >= PROGRESS_SECONDS:
            await publish_bulk_upload(self.upload.id)
            self.unreported_rows, self.reported_at = 0, time.monotonic()

    async def run(self) -> None:
        await publish_bulk_upload(self.upload.id)  # processing started
        table = parse.read_table(self.upload.content)
        self.id_position = table.id_position
        self.actor = await User.get(id=self.upload.uploader_id)
        self.origin = Origin.of(self.actor, ActivityChannel.BULK_UPLOAD, self.upload.id)
        done = set(await column(BulkUploadRow.filter(upload_id=self.upload.id), "row_number", int))
        if self.upload.dry_run:
            await self.check_all(table.rows, done)
        else:
            await self.apply_all([row for row in table.rows if row.number not in done])
        await self.finish()

    def _check_stopping(self) -> None:
        if self.heartbeat is not None and self.heartbeat.lost:
            raise LeaseLost()
        if self.stopping():
            raise Stopping()

    async def apply_all(self, rows: list[parse.Row]) -> None:
        start = 0
        while start < len(rows):
            self._check_stopping()
            batch: list[tuple[parse.Row, Outcome]] = []
            try:
                async with writing.serialised():
                    await self.apply_batch(rows, start, batch)
            except (LeaseLost, Stopping):
                raise
            except Exception as error:  # a clash, a session changed meanwhile, a deadlock: see the module doc
                if database_unavailable(error):
                    raise  # no row is at fault: the job is resumed once the database is back
                log.info(
                    "Bulk upload %s: a batch was refused (%r); applying its rows one by one", self.upload.id, error
                )
                self.directory = None  # it imagined the refused batch
                refused = rows[start : start + max(len(batch), 1)]
                await self.apply_one_by_one(refused)
                start += len(refused)
                continue
            await self.report_progress(len(batch), now=True)
            start += len(batch)
        if len(rows) >= ANALYZE_AFTER_ROWS:
            await analyze_tables()

    async def apply_batch(self, rows: list[parse.Row], start: int, batch: list[tuple[parse.Row, Outcome]]) -> None:
        """Plan the rows from `start` into `batch` and write them; call inside a transaction."""
        # One directory serves the whole file; it is loaded again only when someone else changed the
        # organisation's sessions meanwhile (on SQLite nobody can between this check and the write).
        if self.directory is None or await sessions_version(self.actor.organization_id) != self.version:
            self.directory = Directory(self.actor.organization_id)
            await self.directory.preload(**references(rows[start:]))
        changed: set[int] = set()
        for row in rows[start : start + BATCH_ROWS]:
            # `persist` writes each session once, so a second change of a session waits for the next batch.
            if parse_id(row.value("id")) in changed:
                break
            outcome = await check_row(self.actor, row, self.directory)
            await between_rows()
            if outcome.change is not None and not outcome.change.created:
                changed.add(outcome.change.session.id)
            batch.append((row, outcome))
        changes = [outcome.change for _, outcome in batch if outcome.change is not None]
        await writing.persist(changes, self.origin)
        await after_commit(lambda: publish_changes(changes))  # tell live subscribers about the sessions
        await self.record(batch)
        self.version = await sessions_version(self.actor.organization_id)

    async def apply_one_by_one(self, rows: list[parse.Row]) -> None:
        for row in rows:
            outcomes: list[Outcome] = []

            async def plan(directory: Directory, row: parse.Row = row, outcomes: list[Outcome] = outcomes) -> Change:
                outcomes.append(outcome := await check_row(self.actor, row, directory))
                if outcome.errors:
                    raise Refused(outcome.errors)
                assert outcome.change is not None  # a row without errors has its change
                return outcome.change

            async def record(change: Change, row: parse.Row = row, outcomes: list[Outcome] = outcomes) -> None:
                await self.record([(row, outcomes[-1])])

            try:
                await writing.apply(plan, self.origin, then=record)
            except Refused as refused:
                outcome = outcomes[-1] if outcomes else Outcome(action=row.value("action"), session_id=None)
                outcome.change, outcome.errors = None, refused.errors
                async with in_transaction():
                    await self.record([(row, outcome)])
            await self.report_progress(1)

    async def check_all(self, rows: list[parse.Row], done: set[int]) -> None:
        directory = Directory(self.actor.organization_id)
        await directory.preload(**references(rows))
        batch: list[tuple[parse.Row, Outcome]] = []
        for row in rows:
            # Rows checked before a restart are checked again, unrecorded, so later rows still see them.
            outcome = await check_row(self.actor, row, directory)
            await between_rows()
            if row.number not in done:
                batch.append((row, outcome))
            if len(batch) >= BATCH_ROWS:
                await self.record_batch(batch)
                batch = []
        await self.record_batch(batch)

    async def record_batch(self, batch: list[tuple[parse.Row, Outcome]]) -> None:
        self._check_stopping()
        async with in_transaction():
            await self.record(batch)
        await self.report_progress(len(batch), now=True)

    def result_row(self, row: parse.Row, outcome: Outcome) -> tuple[int, int, str, int | None, str, str, str]:
        """The row's result, as RESULT_COLUMNS of bulk_upload_row."""
        cells, session_id = list(row.cells), outcome.session_id
        if outcome.change is not None and outcome.change.created:
            session_id = outcome.change.session.id  # None in a dry run
            cells[self.id_position] = str(session_id or "")
        status = BulkRowStatus.INVALID if outcome.errors else BulkRowStatus.VALID
        return (self.upload.id, row.number, outcome.action, session_id, status.value, outcome.message, dumps(cells))

    async def record(self, batch: list[tuple[parse.Row, Outcome]]) -> None:
        """The rows' results and the job's counters, and a renewed lease; inside the rows' transaction."""
        if not batch:
            return
        await insert_rows(BulkUploadRow, RESULT_COLUMNS, [self.result_row(row, outcome) for row, outcome in batch])
        invalid = sum(1 for _, outcome in batch if outcome.errors)
        renewed = await BulkUpload.filter(id=self.upload.id, lease_owner=self.owner).update(
            processed_rows=F("processed_rows") + len(batch),
            valid_rows=F("valid_rows") + (len(batch) - invalid),
            invalid_rows=F("invalid_rows") + invalid,
            lease_expires_at=utcnow() + LEASE,
        )
        if not renewed:
            raise LeaseLost()

    async def finish(self) -> None:
        """Completed, and the uploader told, with the result file attached (dry runs too)."""
        async with transaction():
            finished = await BulkUpload.filter(id=self.upload.id, lease_owner=self.owner).update(
                status=BulkUploadStatus.COMPLETED, finished_at=utcnow(), lease_owner="", lease_expires_at=None
            )
            if not finished:
                raise LeaseLost()
            upload = await BulkUpload.get(id=self.upload.id)
            await notify_bulk_upload_finished(
                self.actor,
                upload.filename,
                upload.dry_run,
                upload.valid_rows,
                upload.invalid_rows,
                await results.result_csv(upload),
                results.in_the_app(results.result_url(upload)) or "",
                results.result_page(upload),
            )
        await publish_bulk_upload(self.upload.id)


async def analyze_tables() -> None:
    """Fresh planner statistics for the tables an upload fills (PostgreSQL; SQLite plans without them)."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect != "postgres":
        return
    tables = ", ".join(f'"{model._meta.db_table}"' for model in ANALYZED_TABLES)
    try:
        await connection.execute_script(f"ANALYZE {tables}")
    except Exception:  # statistics are a help, never a reason to fail the upload
        log.warning("Could not analyse the tables after a bulk upload", exc_info=True)


async def hand_back(upload_id: int | None, owner: str) -> None:
    """Let the lease of `owner`'s job (or jobs) run out now, so the next runner of any process resumes it."""
    now = utcnow()
    mine = BulkUpload.filter(lease_owner=owner, status=BulkUploadStatus.RUNNING, lease_expires_at__gt=now)
    if upload_id is not None:
        mine = mine.filter(id=upload_id)
    if await mine.update(lease_expires_at=now):
        log.info("Bulk upload %s: handed back (this process is stopping); the next runner resumes it", upload_id or "")


async def run_claimed(upload: BulkUpload, owner: str, stopping: Callable[[], bool] = lambda: False) -> None:
    log.info("Bulk upload %s: working on it (%s rows, dry run: %s)", upload.id, upload.total_rows, upload.dry_run)
    try:
        with Heartbeat(upload.id, owner) as heartbeat:
            await Job(upload, owner, stopping, heartbeat).run()
    except Stopping:
        # Handed back at once rather than when the lease runs out, so another process resumes it.
        await hand_back(upload.id, owner)
    except LeaseLost:
        log.warning("Bulk upload %s was taken over by another process; this one stops.", upload.id)
    except Exception as error:
        if database_unavailable(error):
            # Not the file's fault: its lease runs out and a runner resumes it once the database is back.
            log.warning("Bulk upload %s: the database went away; it is resumed when it is back (%r)", upload.id, error)
            return
        log.exception("Bulk upload %s stopped by an error", upload.id)
        current = await BulkUpload.get(id=upload.id)
        await BulkUpload.filter(id=upload.id, lease_owner=owner).update(
            status=BulkUploadStatus.FAILED,
            message=messages.JOB_STOPPED.format(done=current.processed_rows, total=current.total_rows),
            finished_at=utcnow(),
            lease_owner="",
            lease_expires_at=None,
        )
    else:
        log.info("Bulk upload %s: finished", upload.id)
        return  # finishing told the subscribers already
    await publish_bulk_upload(upload.id)


async def run_pending(owner: str | None = None, stopping: Callable[[], bool] = lambda: False) -> int:
    """Run every job that is waiting or abandoned, one after another; how many were run."""
    owner = owner or new_owner()
    count = 0
    while not stopping() and (upload := await claim(owner)) is not None:
        await run_claimed(upload, owner, stopping)
        count += 1
    return count


class BulkUploadRunner(BackgroundWorker):
    """Runs bulk upload jobs in the background of an app process: every few seconds, and at once after an upload.
    Stopping lets a batch in progress commit or roll back as a whole; the job is resumed by the next runner."""

    name = "bulk upload runner"
    poll_seconds = POLL_SECONDS
    wakeup = wake

    def __init__(self, poll_seconds: float | None = None) -> None:
        super().__init__(poll_seconds)
        self.owner = new_owner()

    async def stop(self, grace_seconds: float = 10) -> None:
        await super().stop(grace_seconds)
        # A batch that outlasted the grace period was cancelled (and rolled back): hand its job back too.
        await hand_back(None, self.owner)

    async def run_pass(self) -> str | None:
        ran = await run_pending(self.owner, lambda: self.stopping)
        return f"worked on {ran} upload(s)" if ran else None
