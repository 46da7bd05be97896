"""Work an app process does in the background: a pass every few seconds, and soon after a wake-up.

Every app process runs the same workers; what they work on lives in the database, claimed with leases,
so it does not matter which process does a pass. A wake-up is only a shortcut within one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from backend import metrics
from backend.outages import database_unavailable

log = logging.getLogger("backend.background")


class Wakeup:
    """Lets code that just queued work (a mail, an upload) start the workers of this process at once; call
    it once the work is committed (`backend.db.after_commit`), so the worker finds it."""

    def __init__(self) -> None:
        self.events: set[asyncio.Event] = set()

    def __call__(self) -> None:
        for event in self.events:
            event.set()


class BackgroundWorker:
    """Subclasses say what one pass does (`run_pass`), how often it runs, and which wake-up starts it."""

    name = "background worker"
    poll_seconds = 2.0
    wakeup: Wakeup | None = None

    def __init__(self, poll_seconds: float | None = None) -> None:
        if poll_seconds is not None:
            self.poll_seconds = poll_seconds
        self.woken = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.stopping = False

    async def run_pass(self) -> str | None:
        """One pass; returns what it did in a few words (logged), or None when there was nothing to do."""
        raise NotImplementedError

    def start(self) -> None:
        if self.wakeup is not None:
            self.wakeup.events.add(self.woken)
        self.task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self, grace_seconds: float = 10) -> None:
        if self.wakeup is not None:
            self.wakeup.events.discard(self.woken)
        if self.task is None:
            return
        self.stopping = True
        self.woken.set()
        # Let a pass in progress finish its step; work cut short is taken up by a later pass.
        done, _ = await asyncio.wait({self.task}, timeout=grace_seconds)
        if not done:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self.task = None

    async def run(self) -> None:
        while not self.stopping:
            failed = False
            try:
                event = await self.run_pass()
            except Exception as error:  # a database or network hiccup must not end the loop
                failed = True
                if database_unavailable(error):  # an outage, not a bug: one line, no traceback
                    log.warning(
                        "%s: the database is unavailable (%s: %s); trying again in %s s",
                        self.name,
                        type(error).__name__,
                        error,
                        self.poll_seconds,
                        extra={"worker": self.name},
                    )
                else:
                    log.exception(
                        "%s failed; trying again in %s s", self.name, self.poll_seconds, extra={"worker": self.name}
                    )
            else:
                if event:
                    log.info("%s: %s", self.name, event, extra={"worker": self.name})
            metrics.worker_ran(self.name, failed)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), self.poll_seconds)
            self.woken.clear()
