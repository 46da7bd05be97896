"""The outbox: mail is stored in the database, in the same transaction as the change it tells of."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from backend.models import OutboxMessage, utcnow

log = logging.getLogger("backend.mail")

SUBJECT_MAX_LENGTH = 300

# Events of the mail senders running in this process: set after an enqueue so mail goes out without
# waiting for the next poll. Only a shortcut; the poll is what other processes rely on.
new_mail_events: set[asyncio.Event] = set()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    def to_json(self) -> dict:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content_base64": base64.b64encode(self.content).decode("ascii"),
        }

    @classmethod
    def from_json(cls, stored: dict) -> Attachment:
        return cls(stored["filename"], stored["content_type"], base64.b64decode(stored["content_base64"]))


def _deliverable(address: str) -> bool:
    # An address with a line break or space could smuggle headers into the message; user emails are
    # validated when people are added, so this only guards against a caller's mistake.
    return "@" in address and not any(c.isspace() or ord(c) < 32 for c in address)


def _recipients(addresses: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for raw in addresses:
        address = (raw or "").strip()
        if not address or address.lower() in seen:
            continue
        if not _deliverable(address):
            log.warning("Not queueing mail to %r: not an email address", address)
            continue
        seen.add(address.lower())
        unique.append(address)
    return unique


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
    addresses = _recipients(recipients)
    if not addresses:
        return
    subject = " ".join(subject.split())[:SUBJECT_MAX_LENGTH]
    stored_attachments = [attachment.to_json() for attachment in attachments]
    now = utcnow()
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                recipients=[address],
                subject=subject,
                text_body=text,
                html_body=html,
                attachments=stored_attachments,
                next_attempt_at=now,
            )
            for address in addresses
        ]
    )
    for event in new_mail_events:
        event.set()
