"""Looking after the outbox: its states for the operator and the metrics, re-queueing failed mail, and
deleting sent mail after MAIL_KEEP_DAYS.

A message is PENDING (not sent yet, retried with a growing delay), SENT, or FAILED (the server refused
it for good, or it kept failing for a day; see backend/mail/sender.py). Failed messages are kept until
someone re-queues them; nothing deletes them. A reminder not sent before its session started (or whose
session was deleted, moved or started) is DROPPED: never sent, not counted as pending, deleted like sent mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.functions import Count, Min

from backend.db import after_commit
from backend.mail.outbox import new_mail
from backend.models import OutboxMessage, utcnow

PENDING, SENT, FAILED, DROPPED = "PENDING", "SENT", "FAILED", "DROPPED"


def state(message: OutboxMessage) -> str:
    if message.sent_at is not None:
        return SENT
    if message.dropped_at is not None:
        return DROPPED
    return FAILED if message.failed_at is not None else PENDING


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sent: int
    failed: int
    oldest_pending_seconds: float  # 0 when nothing is pending


async def counts(now: datetime | None = None) -> OutboxCounts:
    """How many messages are in each state, and how long the oldest pending one has waited."""
    now = now or utcnow()
    sent = await OutboxMessage.filter(sent_at__not_isnull=True).count()
    failed = await OutboxMessage.filter(sent_at=None, failed_at__not_isnull=True).count()
    pending = (
        await OutboxMessage.filter(sent_at=None, failed_at=None, dropped_at=None)
        .annotate(count=Count("id"), oldest=Min("created_at"))
        .values("count", "oldest")
    )[0]
    oldest = pending["oldest"]
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return OutboxCounts(pending=pending["count"], sent=sent, failed=failed, oldest_pending_seconds=age)


LIST_LIMIT = 1000


async def unsent(failed_only: bool = False, limit: int = LIST_LIMIT) -> list[OutboxMessage]:
    """Messages not sent (pending and failed, or failed only), oldest first."""
    query = OutboxMessage.filter(sent_at=None)
    if failed_only:
        query = query.filter(failed_at__not_isnull=True)
    return await query.order_by("created_at", "id").limit(limit)


class RetryRefused(ValueError):
    pass


async def retry(ids: list[int], now: datetime | None = None) -> list[int]:
    """Put these unsent messages back in the queue as new (attempts counted from zero again); due at once.

    Refuses (naming them) IDs that do not exist or were sent, before changing anything."""
    now = now or utcnow()
    found = {
        i: (sent_at, dropped_at)
        for i, sent_at, dropped_at in await OutboxMessage.filter(id__in=ids).values_list("id", "sent_at", "dropped_at")
    }
    missing = [i for i in ids if i not in found]
    sent = [i for i in ids if i in found and found[i][0] is not None]
    dropped = [i for i in ids if i in found and found[i][0] is None and found[i][1] is not None]
    problems = []
    if missing:
        problems.append("no message " + ", ".join(map(str, missing)))
        problems[-1] += " in the outbox (sent mail is deleted after MAIL_KEEP_DAYS)"
    if sent:
        problems.append("message " + ", ".join(map(str, sent)) + " was already sent")
    if dropped:
        problems.append(
            "message " + ", ".join(map(str, dropped)) + " is a reminder that was dropped: its time has passed"
        )
    if problems:
        raise RetryRefused("Nothing re-queued: " + "; ".join(problems) + ".")
    await OutboxMessage.filter(id__in=ids, sent_at=None).update(
        failed_at=None, failing_since=None, attempts=0, next_attempt_at=now
    )
    await after_commit(new_mail)
    return sorted(set(ids))


async def prune_sent(keep_days: int, now: datetime | None = None) -> int:
    """Delete messages sent more than `keep_days` days ago; how many were deleted."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    return await OutboxMessage.filter(Q(sent_at__lt=cutoff) | Q(dropped_at__lt=cutoff)).delete()
