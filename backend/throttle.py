"""Sign-in throttling, kept in the database so that it holds across every app process.

Per e-mail *and* client address: after 5 failed passwords for an e-mail from one address within 15 minutes,
that address is locked out of that e-mail for 30 seconds; each further failure (once the lock has passed)
doubles the lock, up to 15 minutes. While locked, every attempt for the e-mail from that address is refused
— even with the right password — without the password being checked. A streak is forgotten 15 minutes after
its last lock ended, and a successful sign-in from the address clears it. Someone guessing at another
person's e-mail locks out only their own address: the owner, elsewhere, signs in as usual (a lock per
e-mail alone handed any stranger a way to lock the owner out).

Per client address: 100 failures within 15 minutes lock the address until the oldest of them is 15 minutes
old. A successful sign-in does not clear these (an attacker with one valid account must not reset them).

An attempt is written down *before* its password is checked and counts against later attempts at once,
so a burst of parallel guesses cannot all slip in before the first failure is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.db import column
from backend.models import SignInFailure

EMAIL_FAILURES = 5
WINDOW = timedelta(minutes=15)
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
ADDRESS_FAILURES = 100
# Failures older than this are no longer read (and the background worker deletes them).
HORIZON = timedelta(days=1)


def lock_length(failures: int) -> timedelta:
    """The lock after the given number of failures in a streak (5 → 30 s, 6 → 60 s, … up to 15 min)."""
    if failures < EMAIL_FAILURES:
        return timedelta(0)
    doublings = min(failures - EMAIL_FAILURES, 10)
    lock: timedelta = min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)
    return lock


def email_locked_until(failed_at: list[datetime]) -> datetime | None:
    """When the e-mail's lock ends, from its failures in time order; None if it was never locked.

    Until the first lock, failures count within a sliding 15-minute window. Once locked, the streak goes
    on with every failure made less than 15 minutes after the previous lock ended."""
    streak: list[datetime] = []
    locked_until: datetime | None = None
    for at in failed_at:
        if locked_until is not None and at > locked_until + WINDOW:
            streak, locked_until = [], None
        if locked_until is None:
            streak = [earlier for earlier in streak if earlier > at - WINDOW]
        streak.append(at)
        if len(streak) >= EMAIL_FAILURES:
            locked_until = at + lock_length(len(streak))
    return locked_until


def address_locked_until(failed_at: list[datetime], now: datetime) -> datetime | None:
    """When the address may try again, from its failures in time order; None if it may now."""
    recent = [at for at in failed_at if at > now - WINDOW]
    if len(recent) < ADDRESS_FAILURES:
        return None
    # The address is free again once all but ADDRESS_FAILURES - 1 of these have left the window.
    return recent[len(recent) - ADDRESS_FAILURES] + WINDOW


@dataclass(frozen=True)
class Attempt:
    """An attempt allowed to check its password; its row already counts as a failure."""

    row_id: int
    email: str
    client_address: str


@dataclass(frozen=True)
class Locked:
    seconds: int

    @property
    def message(self) -> str:
        unit = "second" if self.seconds == 1 else "seconds"
        return f"Too many attempts; try again in {self.seconds} {unit}."


async def begin(email: str, client_address: str, now: datetime) -> Attempt | Locked:
    """Record an attempt and decide whether its password may be checked."""
    email, client_address = email[:254], client_address[:64]
    row = await SignInFailure.create(email=email, client_address=client_address, failed_at=now)
    since = now - HORIZON
    by_email = await column(
        SignInFailure.filter(
            email=email, client_address=client_address, cleared=False, failed_at__gt=since, id__lt=row.id
        ).order_by("failed_at", "id"),
        "failed_at",
        datetime,
    )
    by_address = await column(
        SignInFailure.filter(client_address=client_address, failed_at__gt=now - WINDOW, id__lt=row.id).order_by(
            "failed_at", "id"
        ),
        "failed_at",
        datetime,
    )
    email_end = email_locked_until(by_email)
    address_end = address_locked_until(by_address, now)
    ends = [end for end in (email_end, address_end) if end]
    wait = max(ends, default=now) - now
    if wait > timedelta(0):
        # A refused attempt is not a failure: it neither lengthens the lock nor counts for the address.
        await SignInFailure.filter(id=row.id).delete()
        return Locked(seconds=math.ceil(wait.total_seconds()))
    return Attempt(row_id=row.id, email=email, client_address=client_address)


async def succeeded(attempt: Attempt) -> None:
    """The password was right: the attempt was no failure, and the e-mail's streak from this address is over."""
    await SignInFailure.filter(id=attempt.row_id).delete()
    await SignInFailure.filter(
        email=attempt.email, client_address=attempt.client_address, id__lt=attempt.row_id
    ).update(cleared=True)


async def forget_old(now: datetime) -> int:
    """Delete failures too old to count; the number deleted."""
    return await SignInFailure.filter(failed_at__lt=now - HORIZON).delete()
