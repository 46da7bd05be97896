"""`sessiondesk worker` (backend/cli.py): the background work as a process of its own, for web processes
started with BACKGROUND_WORK=worker."""

from __future__ import annotations

import asyncio

from aiosmtpd.controller import Controller

from backend.mail.outbox import enqueue
from backend.models import OutboxMessage
from tests.support.server import START_SECONDS, ServerProcess, fact, free_port, server_env, wait_until_async

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


class StallingSmtpServer:
    """An SMTP server that accepts the first message and never answers the next: a sender sending to it
    stays in the middle of its batch, with one message in flight (received, not yet accepted)."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.in_flight: list[str] = []
        self.url = f"smtp://127.0.0.1:{(port := free_port())}"
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.accepted:
            self.in_flight.extend(envelope.rcpt_tos)
            await asyncio.Event().wait()  # never answered; cancelled when the server stops
        self.accepted.extend(envelope.rcpt_tos)
        return "250 Message accepted"


async def test_mail_claimed_by_a_killed_worker_is_sent_by_another_within_its_lease(db, smtp_server):
    # Given a worker killed while its claim holds five messages: one sent, one in flight, three waiting
    recipients = [f"mentee{n}@example.org" for n in range(5)]
    await enqueue(recipients, "Your session", "Hello", "<p>Hello</p>")
    stalling = StallingSmtpServer()
    stalling.controller.start()
    env = server_env(db.data_dir, db.database_url, SECRET_KEY=db.secret_key, MAIL_LEASE_SECONDS="3")
    first = ServerProcess({**env, "SMTP_URL": stalling.url}, db.data_dir / "worker-1.log", verb="worker")
    second = None
    try:
        await wait_until_async(fact(lambda: stalling.in_flight), START_SECONDS, "the first worker mid-batch")

        async def lease_ends() -> set:
            return set(await OutboxMessage.filter(sent_at=None).values_list("next_attempt_at", flat=True))

        claimed = await lease_ends()

        async def renewed() -> bool:
            return not (await lease_ends()) & claimed

        await wait_until_async(renewed, DEADLINE_SECONDS, "the living worker renewing its lease")
        first.kill()

        # When a second worker runs
        second = ServerProcess({**env, "SMTP_URL": smtp_server.url}, db.data_dir / "worker-2.log", verb="worker")

        async def all_sent() -> bool:
            return await OutboxMessage.filter(sent_at=None).count() == 0

        await wait_until_async(all_sent, START_SECONDS, "the second worker sending the first one's claim")
    finally:
        first.kill()
        if second is not None:
            second.stop()
        stalling.controller.stop()

    # Then every message was accepted once, and only the one in flight at the kill reached a server twice
    sent_again = [message["To"] for message in smtp_server.messages]
    assert sorted(stalling.accepted + sent_again) == recipients
    assert set(sent_again) & set(stalling.accepted + stalling.in_flight) == set(stalling.in_flight)
