"""Sending the outbox: over SMTP when SMTP_URL is set, otherwise as .eml files in DATA_DIR/outbox.

Any number of app processes may run a sender. Each pass claims a batch by moving the messages'
`next_attempt_at` a short lease ahead (MAIL_LEASE_SECONDS), so no other pass takes them, and renews the
lease while it sends (a heartbeat); each message is marked sent as soon as the server accepted it. A
failure is recorded and retried later with a growing delay, so an SMTP outage delays mail but loses none.
A message fails for good (FAILED, kept with the server's answer, re-queued with `sessiondesk outbox
--retry ID`) when the server refuses it permanently (a 5xx answer) or after FAIL_AFTER_ATTEMPTS attempts
spread over at least FAIL_AFTER. A process that dies mid-batch stops renewing: its lease runs out within
MAIL_LEASE_SECONDS and another process sends what it had not sent — at least once, never lost; only the
message in flight at the moment of death can go twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from backend.background import BackgroundWorker
from backend.mail import calendar, notices
from backend.mail.outbox import SUBJECT_MAX_LENGTH, Attachment, Mail, new_mail
from backend.models import OutboxMessage, utcnow
from backend.settings import Settings

log = logging.getLogger("backend.mail")

BATCH_SIZE = 100
SMTP_TIMEOUT_SECONDS = 20
RETRY_DELAYS = [timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=5)]
MAX_RETRY_DELAY = timedelta(minutes=15)
POLL_SECONDS = 2.0
LAST_ERROR_MAX_LENGTH = 2000
# A message still failing after this many attempts over at least this long is marked FAILED (the retry
# delays make about a hundred attempts in a day; both must hold, so a sender that was not running for a
# day does not fail mail it never tried).
FAIL_AFTER_ATTEMPTS = 10
FAIL_AFTER = timedelta(hours=24)


def permanent(error: BaseException) -> bool:
    """Whether the SMTP server refused the message for good (a 5xx answer), so trying again cannot help."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(refused.code >= 500 for refused in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 10 s, 30 s, 2 min, 5 min, then 15 min."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else MAX_RETRY_DELAY


class SmtpUrlError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpUrlError(
                f"SMTP_URL {parts.scheme}://{parts.hostname or ''}… is not usable; "
                "write it as smtp://user:password@host:port (or smtps:// for TLS from the start)."
            )
        use_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if use_tls else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
        )


def sender_domain(settings: Settings) -> str:
    return parseaddr(settings.mail_from)[1].rpartition("@")[2] or "sessiondesk.local"


async def composed(message: OutboxMessage) -> Mail | None:
    """What a queued message says: a notice is written now, from the sessions as they are (None when it
    has nothing left to tell); any other message was written when it was queued."""
    if message.notice is not None:
        return await notices.compose(message)
    return Mail(
        message.recipients[0] if message.recipients else "",
        message.subject,
        message.text_body,
        message.html_body,
        [Attachment.from_json(stored) for stored in message.attachments],
    )


def build_email(message: OutboxMessage, mail: Mail, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = ", ".join(message.recipients)
    email["Subject"] = " ".join(mail.subject.split())[:SUBJECT_MAX_LENGTH]
    email["Date"] = format_datetime(message.created_at)
    # Stable across retries, so a mail client can drop a copy that a crashed sender sent twice.
    email["Message-ID"] = f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{sender_domain(settings)}>"
    email.set_content(mail.text)
    if mail.html:
        email.add_alternative(mail.html, subtype="html")
    invitations: list[Attachment] = []
    files: list[Attachment] = []
    for attachment in mail.attachments:
        (invitations if calendar.is_calendar(attachment) else files).append(attachment)
    calendar.add_to_email(email, invitations)
    for attachment in files:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename
        )
    return email


def render(message: OutboxMessage, mail: Mail, settings: Settings, *, for_smtp: bool) -> bytes:
    """The message as bytes, ready for the server or an .eml file."""
    built = build_email(message, mail, settings)
    return built.as_bytes(policy=SMTP_POLICY) if for_smtp else bytes(built)


def eml_path(message: OutboxMessage, subject: str, settings: Settings) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")[:60].rstrip("-") or "message"
    return settings.outbox_dir / f"{message.id}-{slug}.eml"


def write_eml(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".eml.partial")
    partial.write_bytes(data)
    # A reader of the folder never sees half a message; a retry overwrites the same file.
    os.replace(partial, path)


class SmtpConnectionFailed(Exception):
    """The server could not be reached or refused the sign-in: nothing in this batch can be sent."""


class SmtpTransport:
    """One SMTP connection, opened on first use and shared by the messages of a batch."""

    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender  # the envelope sender
        self.client: aiosmtplib.SMTP | None = None

    async def send(self, data: bytes, recipients: list[str]) -> None:
        if self.client is None or not self.client.is_connected:
            self.client = aiosmtplib.SMTP(
                hostname=self.server.hostname,
                port=self.server.port,
                username=self.server.username,
                password=self.server.password,
                use_tls=self.server.use_tls,
                timeout=SMTP_TIMEOUT_SECONDS,
            )
            try:
                await self.client.connect()
            except (aiosmtplib.SMTPException, OSError) as error:
                self.client = None
                raise SmtpConnectionFailed(
                    f"Could not reach the SMTP server {self.server.hostname}:{self.server.port}: {error}"
                ) from error
        await self.client.sendmail(self.sender, recipients, data)

    async def close(self) -> None:
        if self.client is not None and self.client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await self.client.quit()


async def claim(now: datetime, lease: timedelta, batch_size: int = BATCH_SIZE) -> list[OutboxMessage]:
    """Take a batch of due messages for this pass by moving their next attempt past the lease."""
    async with in_transaction() as connection:
        # On PostgreSQL, concurrent passes skip each other's locked rows and, once the claim commits,
        # no longer see them as due. SQLite has no row locks (the call is ignored there) but lets one
        # writer at a time in, so a second claim sees the first one's lease or fails; it never takes the
        # same messages.
        messages = (
            await OutboxMessage.filter(sent_at=None, failed_at=None, dropped_at=None, next_attempt_at__lte=now)
            .filter(Q(send_before=None) | Q(send_before__gt=now))
            .order_by("next_attempt_at", "id")
            .limit(batch_size)
            .select_for_update(skip_locked=True)
            .using_db(connection)
        )
        if messages:
            await (
                OutboxMessage.filter(id__in=[message.id for message in messages])
                .using_db(connection)
                .update(next_attempt_at=now + lease)
            )
    return messages


class Claim:
    """The messages a pass took, its own for a lease from the last renewal. A heartbeat renews the lease
    every third of it while the pass runs, so a batch takes as long as the server needs, while a killed
    process's batch is free again one lease later. The pass sends only while its last renewal is less than
    half a lease old: when the database stops taking renewals, it stops before another process may start.

    The lease's end the pass wrote (`until`) is its mark on the messages: a renewal moves only those that
    still carry it. A message another pass claimed once the lease had run out (this process stood still
    longer than a lease) carries that pass's mark: this pass lets it go and never sends or records it."""

    def __init__(self, messages: list[OutboxMessage], now: datetime, lease: timedelta) -> None:
        self.messages = messages
        self.unsettled = {message.id for message in messages}
        self.now, self.lease = now, lease
        self.until = now + lease  # as `claim` wrote it
        self.started = self.renewed = time.monotonic()

    @property
    def held(self) -> bool:
        return time.monotonic() - self.renewed < self.lease.total_seconds() / 2

    def holds(self, message: OutboxMessage) -> bool:
        """Still this pass's to send: not settled, and not taken over by another pass."""
        return message.id in self.unsettled

    def settle(self, message: OutboxMessage) -> None:
        """Sent, failed or dropped: no longer renewed (a retry keeps the delay recorded for it)."""
        self.unsettled.discard(message.id)

    async def renew(self) -> None:
        beat = time.monotonic()
        # The pass's own clock, moved on by the time it has run (a test may give a pass a later `now`).
        until = self.now + timedelta(seconds=beat - self.started) + self.lease
        renewing = list(self.unsettled)
        try:
            await OutboxMessage.filter(id__in=renewing, sent_at=None, next_attempt_at=self.until).update(
                next_attempt_at=until
            )
            kept = set(await OutboxMessage.filter(id__in=renewing, next_attempt_at=until).values_list("id", flat=True))
        except Exception:  # a database hiccup: the next beat tries again, and `held` stops the pass meanwhile
            log.warning("Could not renew the lease of %s message(s)", len(renewing), exc_info=True)
            return
        if lost := self.unsettled.intersection(renewing).difference(kept):
            log.warning("%s message(s) of this pass were taken over by another once its lease ran out", len(lost))
            self.unsettled -= lost
        self.until, self.renewed = until, beat

    async def heartbeat(self) -> None:
        while self.unsettled:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            await self.renew()

    @contextlib.asynccontextmanager
    async def renewed_while_sending(self) -> AsyncIterator[Claim]:
        task = asyncio.create_task(self.heartbeat(), name="mail lease heartbeat")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


DROPPED_LATE = "Dropped: not sent before its send-by time (a reminder of a session that has started)."


async def drop_late(now: datetime) -> int:
    """Messages that are worthless late and were not sent in time are dropped, never sent late."""
    return await OutboxMessage.filter(sent_at=None, failed_at=None, dropped_at=None, send_before__lte=now).update(
        dropped_at=now, last_error=DROPPED_LATE
    )


async def record_sent(message: OutboxMessage, now: datetime) -> None:
    # Written as soon as the server accepted it: a process dying now sends only this message twice.
    await OutboxMessage.filter(id=message.id).update(
        sent_at=now, attempts=F("attempts") + 1, last_error="", failing_since=None
    )


NOTHING_TO_TELL = "Dropped: nothing left to tell when it was due (the changes cancelled out, or the person left)."


async def record_dropped(message: OutboxMessage, now: datetime) -> None:
    await OutboxMessage.filter(id=message.id).update(dropped_at=now, last_error=NOTHING_TO_TELL)


async def record_failure(message: OutboxMessage, error: BaseException | str, now: datetime) -> None:
    attempts = message.attempts + 1
    text = str(error) or type(error).__name__
    failing_since = message.failing_since or now
    give_up = (isinstance(error, BaseException) and permanent(error)) or (
        attempts >= FAIL_AFTER_ATTEMPTS and now - failing_since >= FAIL_AFTER
    )
    if give_up:
        log.warning("Mail %s failed for good after %s attempt(s): %s", message.id, attempts, text)
    else:
        log.warning("Mail %s not sent (attempt %s): %s", message.id, attempts, text)
    await OutboxMessage.filter(id=message.id).update(
        attempts=attempts,
        last_error=text[:LAST_ERROR_MAX_LENGTH],
        next_attempt_at=now + retry_delay(attempts),
        failing_since=failing_since,
        failed_at=now if give_up else None,
    )


async def send(message: OutboxMessage, transport: SmtpTransport | None, settings: Settings) -> bool:
    """Write and send one message; False when a notice had nothing left to tell."""
    mail = await composed(message)
    if mail is None:
        return False
    if transport is None:
        content = render(message, mail, settings, for_smtp=False)
        await asyncio.to_thread(write_eml, content, eml_path(message, mail.subject, settings))
    else:
        await transport.send(render(message, mail, settings, for_smtp=True), message.recipients)
    return True


@dataclass
class BatchOutcome:
    sent: int = 0
    server_down: bool = False


async def deliver_batch(claim: Claim, settings: Settings, now: datetime) -> BatchOutcome:
    """Send a claimed batch, recording each message's outcome as it comes."""
    transport = (
        SmtpTransport(SmtpServer.from_url(settings.smtp_url), parseaddr(settings.mail_from)[1])
        if settings.smtp_url
        else None
    )
    outcome = BatchOutcome()
    try:
        async with claim.renewed_while_sending():
            for index, message in enumerate(claim.messages):
                if not claim.held:
                    log.warning("The mail lease could not be renewed; the rest of the batch waits for it to run out")
                    break
                if not claim.holds(message):
                    continue
                try:
                    written = await send(message, transport, settings)
                except SmtpConnectionFailed as error:
                    # The server is down: every message of the batch waits for a later attempt, none is lost.
                    for waiting in filter(claim.holds, claim.messages[index:]):
                        claim.settle(waiting)
                        await record_failure(waiting, error, now)
                    outcome.server_down = True
                    break
                except Exception as error:
                    claim.settle(message)
                    await record_failure(message, error, now)
                    continue
                claim.settle(message)
                if written:
                    await record_sent(message, now)
                    outcome.sent += 1
                else:
                    await record_dropped(message, now)
    finally:
        if transport is not None:
            await transport.close()
    return outcome


async def deliver_pending(settings: Settings, *, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Send every message that is due, batch after batch; returns how many were sent.

    `now` is the time of this pass (tests pass a later time instead of waiting for a retry).
    """
    now = now or utcnow()
    lease = timedelta(seconds=settings.mail_lease_seconds)
    sent = 0
    await drop_late(now)
    while True:
        messages = await claim(now, lease, batch_size)
        if not messages:
            return sent
        outcome = await deliver_batch(Claim(messages, now, lease), settings, now)
        sent += outcome.sent
        # With the server down, the rest waits for a later pass instead of each batch trying it again.
        if outcome.server_down or len(messages) < batch_size:
            return sent


class MailSender(BackgroundWorker):
    """Sends the outbox in the background of an app process: every few seconds, and soon after an enqueue."""

    name = "mail sender"
    poll_seconds = POLL_SECONDS
    wakeup = new_mail

    def __init__(self, settings: Settings, poll_seconds: float | None = None) -> None:
        super().__init__(poll_seconds)
        self.settings = settings

    def start(self) -> None:
        if self.settings.smtp_url:
            SmtpServer.from_url(self.settings.smtp_url)  # a wrong SMTP_URL stops the app starting, with the fix
        super().start()

    async def run_pass(self) -> str | None:
        sent = await deliver_pending(self.settings)
        return f"sent {sent} message(s)" if sent else None
