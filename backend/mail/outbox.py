"""The outbox: mail is stored in the database, in the same transaction as the change it tells of (a
session's news as a notice written when it is sent, backend/mail/notices.py; other mail as written)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from backend.background import Wakeup
from backend.db import after_commit
from backend.models import OutboxMessage, utcnow

log = logging.getLogger("backend.mail")

SUBJECT_MAX_LENGTH = 300

# Events of the mail senders running in this process: set after an enqueue so mail goes out without
# waiting for the next poll. Only a shortcut; the poll is what other processes rely on.
new_mail = Wakeup()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content_base64": base64.b64encode(self.content).decode("ascii"),
        }

    @classmethod
    def from_json(cls, stored: dict[str, str]) -> Attachment:
        return cls(stored["filename"], stored["content_type"], base64.b64decode(stored["content_base64"]))


def _deliverable(address: str) -> bool:
    # An address with a line break or space could smuggle headers into the message; user emails are
    # validated when people are added, so this only guards against a caller's mistake.
    return "@" in address and not any(c.isspace() or ord(c) < 32 for c in address)


@dataclass(frozen=True)
class Mail:
    """One message to one person, as queued."""

    recipient: str
    subject: str
    text: str
    html: str
    attachments: Sequence[Attachment] = ()
    # Dropped instead of sent once this instant has passed (a reminder is worthless after the start).
    send_before: datetime | None = None


async def enqueue(
    recipients: list[str],
    subject: str,
    text: str,
    html: str,
    attachments: Sequence[Attachment] = (),
) -> None:
    """Queue one message per recipient (one bad address never holds up the others).

    Uses the current connection, so inside `async with in_transaction():` the mail is sent only if
    the transaction commits.
    """
    await enqueue_mails([Mail(address, subject, text, html, attachments) for address in recipients])


async def enqueue_mails(mails: Iterable[Mail]) -> None:
    """Queue messages written for each person, in one statement; like `enqueue`, part of the current transaction."""
    seen: set[str] = set()
    now = utcnow()
    rows = []
    for mail in mails:
        address = (mail.recipient or "").strip()
        if not address or address.lower() in seen:
            continue
        if (row := message_row(mail, now)) is not None:
            seen.add(address.lower())
            rows.append(row)
    await _write(rows)


def message_row(mail: Mail, now: datetime) -> OutboxMessage | None:
    """The outbox row of one mail, not yet written; None for an address mail cannot go to."""
    address = (mail.recipient or "").strip()
    if not _deliverable(address):
        log.warning("Not queueing mail to %r: not an email address", address)
        return None
    return OutboxMessage(
        recipients=[address],
        subject=" ".join(mail.subject.split())[:SUBJECT_MAX_LENGTH],
        text_body=mail.text,
        html_body=mail.html,
        attachments=[attachment.to_json() for attachment in mail.attachments],
        next_attempt_at=now,
        send_before=mail.send_before,
    )


async def _write(rows: list[OutboxMessage]) -> None:
    if not rows:
        return
    await OutboxMessage.bulk_create(rows)
    await after_commit(new_mail)
