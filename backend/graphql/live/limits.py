"""How many live-update connections and subscriptions one person may hold open in this app process.

Each `sessionEvents` subscription reads every change again as its viewer, so one person with many open
subscriptions multiplies the database's work; the caps (LIVE_MAX_CONNECTIONS, LIVE_MAX_SUBSCRIPTIONS)
keep a forgotten script or a hundred tabs from doing that. A slot is taken when a connection is signed in
or a subscription starts, and given back when it ends, however it ends (completed, stopped, socket closed).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator

from graphql import GraphQLError

from backend.settings import get_settings

# The close code of a connection refused for being one too many: the WebSocket standard's "policy
# violation" (graphql-transport-ws already gives 4429 to a repeated connection_init). A close reason must
# fit in 123 bytes.
TOO_MANY_CONNECTIONS_CODE = 1008


class OpenPerPerson:
    """What each person holds open now: person ID → count."""

    def __init__(self) -> None:
        self.open: Counter[int] = Counter()

    def take(self, person_id: int, limit: int) -> bool:
        """One more for this person, unless they hold `limit` already."""
        if self.open[person_id] >= limit:
            return False
        self.open[person_id] += 1
        return True

    def give_back(self, person_id: int) -> None:
        self.open[person_id] -= 1
        if self.open[person_id] <= 0:
            del self.open[person_id]


connections = OpenPerPerson()
subscriptions = OpenPerPerson()


def too_many_connections_reason() -> str:
    limit = get_settings().live_max_connections
    return f"Too many live connections: at most {limit} per person. Close SessionDesk in other tabs."


class TooManySubscriptions(GraphQLError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You have {limit} live subscriptions open already, the most one person may have at once "
            "(LIVE_MAX_SUBSCRIPTIONS). Close SessionDesk in other tabs, or end subscriptions of your other "
            "connections, then subscribe again.",
            extensions={"code": "TOO_MANY_SUBSCRIPTIONS", "limit": limit},
        )


@contextlib.contextmanager
def subscription_slot(person_id: int) -> Iterator[None]:
    """Holds one of the person's subscription slots for the block; refuses with TOO_MANY_SUBSCRIPTIONS
    when they hold them all."""
    limit = get_settings().live_max_subscriptions
    if not subscriptions.take(person_id, limit):
        raise TooManySubscriptions(limit)
    try:
        yield
    finally:
        subscriptions.give_back(person_id)
