"""A subscription outlives the request that signed it in: its sign-in is checked when it subscribes, and
again every RECHECK_SECONDS for all of this process's open subscriptions together, in one query. A token
signed out, revoked or expired ends its subscriptions (UNAUTHENTICATED) at the next check; a person whose
roles changed meanwhile is seen with the new ones. The checks keep their own time: subscribing again
restarts no clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from backend import auth, events
from backend.graphql.context import Context
from backend.graphql.permissions import NotSignedIn

log = logging.getLogger("backend.graphql.live")

RECHECK_SECONDS = 2.0


@dataclass(eq=False)
class Watched:
    context: Context
    subscription: events.Subscription


class SignInWatch:
    """This process's open subscriptions and the sign-ins they run under."""

    def __init__(self) -> None:
        self.watched: set[Watched] = set()
        self.task: asyncio.Task | None = None
        self.emptied = asyncio.Event()  # set when the last subscription ends: the checks stop

    @contextlib.asynccontextmanager
    async def watch(self, context: Context, subscription: events.Subscription) -> AsyncIterator[None]:
        """Checks the sign-in now (refused: UNAUTHENTICATED) and then with the others until the block ends;
        a failed check interrupts `subscription` with NotSignedIn."""
        signed_in = await auth.signed_in_with(context.token)
        if signed_in is None:
            raise NotSignedIn()
        context.viewer = signed_in.user
        watched = Watched(context, subscription)
        self.watched.add(watched)
        self.emptied.clear()
        if self.task is None or self.task.done():
            self.emptied = asyncio.Event()
            self.task = asyncio.get_running_loop().create_task(self._check_every_few_seconds())
        try:
            yield
        finally:
            self.watched.discard(watched)
            if not self.watched:
                self.emptied.set()

    async def _check_every_few_seconds(self) -> None:
        while self.watched:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.emptied.wait(), RECHECK_SECONDS)
            if not self.watched:
                return
            try:
                await self.check()
            except Exception as error:  # the database is away: the subscriptions go on, checked next time
                log.warning("Could not check the sign-ins of live subscriptions (%s)", error)

    async def check(self) -> None:
        """One query for every open subscription's sign-in."""
        watched = list(self.watched)
        if not watched:
            return
        signed_in = await auth.users_for_tokens({w.context.token for w in watched if w.context.token})
        for each in watched:
            viewer = signed_in.get(each.context.token or "")
            if viewer is None:
                each.subscription.interrupt(NotSignedIn())
            else:
                each.context.viewer = viewer

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None


sign_ins = SignInWatch()
