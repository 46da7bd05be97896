"""The background work of SessionDesk — mail, bulk upload jobs, reminders, overdue sessions, housekeeping —
run inside each `sessiondesk serve` process (BACKGROUND_WORK=in-process, the default) or as a process of
its own, `sessiondesk worker` (BACKGROUND_WORK=worker on the web processes), so that building mail and
working through uploads never share an interpreter with the web requests.

Every worker claims what it works on in the database (leases, row locks), so any number of web and worker
processes may run at once; see backend/background.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from backend.background import BackgroundWorker
from backend.bulk_upload.job import BulkUploadRunner
from backend.db import close_database, open_database
from backend.housekeeping import Housekeeper
from backend.mail.reminders import ReminderSender
from backend.mail.sender import MailSender
from backend.sessions.lifecycle import OverdueSessionCompleter
from backend.settings import Settings

log = logging.getLogger("backend.background")


def background_workers(settings: Settings) -> list[BackgroundWorker]:
    return [
        MailSender(settings),
        BulkUploadRunner(),
        OverdueSessionCompleter(),
        Housekeeper(settings),
        ReminderSender(settings),
    ]


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[list[BackgroundWorker]]:
    """The background workers, started for the block and stopped (their work handed back) after it."""
    workers = background_workers(settings)
    for worker in workers:
        worker.start()
    try:
        yield workers
    finally:
        for worker in workers:
            await worker.stop()


async def run_worker(settings: Settings) -> None:
    """`sessiondesk worker`: the background work until SIGTERM or SIGINT, then a clean stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await open_database(settings)
    try:
        async with running(settings):
            log.info("Background worker running (mail, bulk uploads, reminders, housekeeping)")
            await stop.wait()
    finally:
        await close_database()
    log.info("Background worker stopped")
