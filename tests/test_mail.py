"""The outbox and its sender: mail goes out once, with the change it tells of, even through an SMTP outage."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
from datetime import timedelta

import pytest

from backend.db import transaction
from backend.mail.outbox import Attachment, enqueue
from backend.mail.sender import Claim, MailSender, SmtpUrlError, claim, deliver_batch, deliver_pending, retry_delay
from backend.models import OutboxMessage, utcnow
from tests.support.databases import make_settings
from tests.support.server import wait_until_async

# Also run on PostgreSQL behind PgBouncer (transaction pooling), as production may serve them.
pytestmark = pytest.mark.through_pgbouncer


async def test_mail_queued_in_a_change_that_rolls_back_is_never_sent(db, smtp_server):
    settings = smtp_server.use(db)

    with pytest.raises(RuntimeError):
        async with transaction():
            await enqueue(["mentee@example.test"], "Rescheduled", "text", "<p>html</p>")
            raise RuntimeError("the change failed")

    assert await deliver_pending(settings) == 0
    assert smtp_server.messages == []
    assert await OutboxMessage.all().count() == 0


async def test_mail_queued_in_a_committed_change_arrives_as_text_and_html(db, smtp_server):
    settings = smtp_server.use(db)

    async with transaction():
        await enqueue(
            ["asha@example.test", "ravi@example.test"],
            "Rescheduled: Lesson planning",
            "Plain words",
            "<p>Rich words</p>",
        )

    assert await deliver_pending(settings) == 2
    assert sorted(m["To"] for m in smtp_server.messages) == ["asha@example.test", "ravi@example.test"]
    assert sorted(smtp_server.envelope_recipients) == [["asha@example.test"], ["ravi@example.test"]]
    message = smtp_server.messages[0]
    assert message["Subject"] == "Rescheduled: Lesson planning"
    assert message["From"] == settings.mail_from
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Plain words"
    assert message.get_body(("html",)).get_content().strip() == "<p>Rich words</p>"
    assert all(m.sent_at is not None for m in await OutboxMessage.all())


async def test_each_recipient_gets_one_message_even_if_listed_twice(db, smtp_server):
    settings = smtp_server.use(db)

    await enqueue(["asha@example.test", "Asha@Example.test ", ""], "Hello", "text", "")

    assert await deliver_pending(settings) == 1
    assert [m["To"] for m in smtp_server.messages] == ["asha@example.test"]


async def test_mail_waits_out_an_smtp_outage_and_then_arrives_exactly_once(db, smtp_server):
    settings = smtp_server.use(db)
    await enqueue(["mentee@example.test"], "Cancelled: Lesson planning", "text", "<p>html</p>")
    now = utcnow()

    smtp_server.stop()
    assert await deliver_pending(settings, now=now) == 0

    waiting = await OutboxMessage.get()
    assert waiting.sent_at is None
    assert waiting.attempts == 1
    assert "Could not reach the SMTP server" in waiting.last_error
    assert waiting.next_attempt_at == now + timedelta(seconds=10)

    smtp_server.start()
    assert await deliver_pending(settings, now=now + timedelta(seconds=5)) == 0  # not due yet
    assert await deliver_pending(settings, now=now + timedelta(seconds=10)) == 1
    assert await deliver_pending(settings, now=now + timedelta(hours=1)) == 0

    assert [m["Subject"] for m in smtp_server.messages] == ["Cancelled: Lesson planning"]
    sent = await OutboxMessage.get()
    assert sent.sent_at is not None
    assert sent.last_error == ""


async def test_an_outage_delays_every_waiting_message_and_loses_none(db, smtp_server):
    settings = smtp_server.use(db)
    await enqueue([f"mentee{n}@example.test" for n in range(5)], "Invited", "text", "")
    now = utcnow()

    smtp_server.stop()
    assert await deliver_pending(settings, now=now, batch_size=2) == 0
    # The pass stopped at the first batch the server could not take; the rest is still due.
    assert await OutboxMessage.filter(attempts=1).count() == 2

    smtp_server.start()
    assert await deliver_pending(settings, now=now + timedelta(minutes=1), batch_size=2) == 5
    assert sorted(m["To"] for m in smtp_server.messages) == [f"mentee{n}@example.test" for n in range(5)]


def test_retries_wait_longer_each_time_up_to_fifteen_minutes():
    delays = [retry_delay(attempts) for attempts in range(1, 8)]

    assert delays[:5] == [
        timedelta(seconds=10),
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=5),
        timedelta(minutes=15),
    ]
    assert delays[5:] == [timedelta(minutes=15)] * 2


async def test_a_refused_address_does_not_hold_up_the_others(db, smtp_server):
    settings = smtp_server.use(db)
    smtp_server.refused_addresses.add("gone@example.test")
    await enqueue(["gone@example.test", "here@example.test"], "Invited", "text", "")
    now = utcnow()

    assert await deliver_pending(settings, now=now) == 1
    assert [m["To"] for m in smtp_server.messages] == ["here@example.test"]
    refused = await OutboxMessage.get(sent_at=None)
    assert refused.recipients == ["gone@example.test"]
    # 550 is a permanent refusal: the message fails for good at once, kept with the server's answer.
    assert "550" in refused.last_error and "No such mailbox" in refused.last_error
    assert refused.failed_at == now and refused.attempts == 1
    assert await deliver_pending(settings, now=now + timedelta(hours=1)) == 0
    assert (await OutboxMessage.get(id=refused.id)).attempts == 1


async def test_two_senders_at_once_send_each_message_once(db, smtp_server):
    settings = smtp_server.use(db)
    addresses = [f"mentee{n}@example.test" for n in range(30)]
    await enqueue(addresses, "Rescheduled", "text", "<p>html</p>")

    sent = await asyncio.gather(
        deliver_pending(settings, batch_size=4),
        deliver_pending(settings, batch_size=4),
        deliver_pending(settings, batch_size=4),
    )

    assert sum(sent) == 30
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(addresses)
    assert await OutboxMessage.filter(sent_at=None).count() == 0


async def test_a_pass_that_stood_still_past_its_lease_leaves_what_another_took_over_to_it(db, smtp_server):
    settings = smtp_server.use(db)
    await enqueue(["asha@example.test", "ravi@example.test"], "Rescheduled", "text", "<p>html</p>")
    now, lease = utcnow(), timedelta(seconds=60)
    stalled = Claim(await claim(now, lease), now, lease)
    # Asha's lease ran out while the first pass stood still, and a second pass took her message and sent it.
    later = now + timedelta(seconds=1)
    [asha] = [m for m in await OutboxMessage.all() if m.recipients == ["asha@example.test"]]
    await OutboxMessage.filter(id=asha.id).update(next_attempt_at=now)  # as if the lease had run out
    taken_over = await claim(later, lease)
    assert [m.id for m in taken_over] == [asha.id]
    await deliver_batch(Claim(taken_over, later, lease), settings, later)

    # The first pass wakes up: its renewal finds Asha's message marked by the other pass, and lets it go.
    await stalled.renew()
    await deliver_batch(stalled, settings, now)

    assert sorted(m["To"] for m in smtp_server.messages) == ["asha@example.test", "ravi@example.test"]
    assert (await OutboxMessage.get(id=asha.id)).attempts == 1


async def test_without_smtp_url_mail_is_written_to_the_outbox_folder(db, tmp_path):
    settings = dataclasses.replace(db, data_dir=tmp_path, smtp_url=None)
    await enqueue(["mentee@example.test"], "Cancelled: Lesson planning!", "Plain words", "<p>Rich words</p>")
    message = await OutboxMessage.get()

    assert await deliver_pending(settings) == 1

    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [f"{message.id}-cancelled-lesson-planning.eml"]
    written = email.message_from_bytes(
        (tmp_path / "outbox" / f"{message.id}-cancelled-lesson-planning.eml").read_bytes(), policy=email.policy.default
    )
    assert written["To"] == "mentee@example.test"
    assert written["Subject"] == "Cancelled: Lesson planning!"
    assert written.get_body(("plain",)).get_content().strip() == "Plain words"
    assert await deliver_pending(settings) == 0


async def test_an_attachment_arrives_byte_for_byte(db, smtp_server):
    settings = smtp_server.use(db)
    content = "\ufeffAction,Title,Status\r\nCreate,Café für alle,Valid\r\n".encode() + bytes(range(256))

    await enqueue(
        ["manager@example.test"], "Bulk upload finished", "text", "<p>html</p>",
        [Attachment("sessions-result.csv", "text/csv", content)],
    )  # fmt: skip
    await deliver_pending(settings)

    (message,) = smtp_server.messages
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "sessions-result.csv"
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_payload(decode=True) == content
    assert message.get_body(("plain",)).get_content().strip() == "text"


async def test_the_background_sender_sends_mail_soon_after_it_is_queued(db, smtp_server):
    settings = smtp_server.use(db)
    sender = MailSender(settings, poll_seconds=60)  # only the wake-up after enqueue can send in time
    sender.start()
    try:
        await enqueue(["mentee@example.test"], "Invited", "text", "")

        async def sent() -> bool:
            return bool(smtp_server.messages)

        await wait_until_async(sent, 10, "the queued mail sent")
    finally:
        await sender.stop()

    assert [m["To"] for m in smtp_server.messages] == ["mentee@example.test"]


def test_a_wrong_smtp_url_stops_the_sender_starting_with_the_fix(tmp_path):
    sender = MailSender(make_settings(tmp_path, SMTP_URL="http://mail.example.test"))

    with pytest.raises(SmtpUrlError, match=r"smtp://user:password@host:port"):
        sender.start()
