"""`sessiondesk worker` (backend/cli.py): the background work as a process of its own, for web processes
started with BACKGROUND_WORK=worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from backend.mail.outbox import enqueue
from backend.models import OutboxMessage

SESSIONDESK = str(Path(sys.executable).parent / "sessiondesk")
DEADLINE_SECONDS = 60


async def until(fact, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not await fact():
        assert time.monotonic() < deadline, f"not within {DEADLINE_SECONDS} s: {what}"
        await asyncio.sleep(0.05)


async def test_the_worker_process_sends_queued_mail_and_stops_cleanly_on_sigterm(db, smtp_server):
    env = {
        **os.environ,
        "DATA_DIR": str(db.data_dir),
        "DATABASE_URL": db.database_url,
        "SECRET_KEY": db.secret_key,
        "SMTP_URL": smtp_server.url,
    }
    worker = subprocess.Popen([SESSIONDESK, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        await enqueue(["asha@example.org"], "Your session", "Hello Asha", "<p>Hello Asha</p>")

        async def arrived() -> bool:
            return len(smtp_server.messages) == 1

        await until(arrived, "the worker sends the mail")
        assert smtp_server.messages[0]["Subject"] == "Your session"
        assert await OutboxMessage.filter(sent_at__isnull=False).count() == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=DEADLINE_SECONDS)
    assert worker.returncode == 0, stderr.decode()
    assert "Background worker stopped" in stderr.decode()
