"""`sessiondesk worker` (backend/cli.py): the background work as a process of its own, for web processes
started with BACKGROUND_WORK=worker."""

from __future__ import annotations

from backend.mail.outbox import enqueue
from backend.models import OutboxMessage
from tests.support.server import ServerProcess, server_env, wait_until_async

DEADLINE_SECONDS = 60


async def test_the_worker_process_sends_queued_mail_and_stops_cleanly_on_sigterm(db, smtp_server):
    env = server_env(db.data_dir, db.database_url, SECRET_KEY=db.secret_key, SMTP_URL=smtp_server.url)
    worker = ServerProcess(env, db.data_dir / "worker.log", verb="worker")
    try:
        await enqueue(["asha@example.org"], "Your session", "Hello Asha", "<p>Hello Asha</p>")

        async def sent_and_recorded() -> bool:
            # The server receives the mail before the worker records it as sent: wait for both facts.
            return await OutboxMessage.filter(sent_at__isnull=False).count() == 1

        await wait_until_async(sent_and_recorded, DEADLINE_SECONDS, "the worker sends the mail and records it")
        assert [message["Subject"] for message in smtp_server.messages] == ["Your session"]
    finally:
        output = worker.stop()
    assert worker.process.returncode == 0, output
    assert "Background worker stopped" in output
