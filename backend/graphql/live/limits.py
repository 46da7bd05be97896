"""How many live-update connections and subscriptions one person may hold open in this app process, and
what their subscriptions may cost.

An event is read once per process, but each subscription then answers its own selection for each session
it hears of: its price (the query cost estimate of one event, taken when it subscribes) times the sessions.
The caps (LIVE_MAX_CONNECTIONS, LIVE_MAX_SUBSCRIPTIONS) and the cost budget per person (COST_PER_PERSON,
the prices of their open subscriptions added up) keep a forgotten script, a hundred tabs or a costly
selection from making every click cost the server seconds. An event with more sessions than a subscription
may be sent one by one (price × sessions over ONE_BY_ONE_COST) reaches it as one message naming them.

A slot is taken when a connection is signed in or a subscription starts, and given back when it ends,
however it ends (completed, stopped, socket closed).
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
# The prices of one person's open subscriptions added up, per process. The browser's subscription costs 2;
# one that asks for a session's mentees costs about 1,000 (priced at the seats maximum).
COST_PER_PERSON = 2_000
# An event reaches a subscription session by session while price × sessions is at most this (or it is
# about one session); otherwise as one message with the sessions' IDs (a bulk upload's batch of 500).
ONE_BY_ONE_COST = 100


class OpenPerPerson:
    """What each person holds open now: person ID → count (and the cost of what they hold)."""

    def __init__(self) -> None:
        self.open: Counter[int] = Counter()
        self.cost: Counter[int] = Counter()

    def take(self, person_id: int, limit: int, cost: int = 0) -> bool:
        """One more for this person, unless they hold `limit` already."""
        if self.open[person_id] >= limit:
            return False
        self.open[person_id] += 1
        self.cost[person_id] += cost
        return True

    def give_back(self, person_id: int, cost: int = 0) -> None:
        self.open[person_id] -= 1
        self.cost[person_id] -= cost
        if self.open[person_id] <= 0:
            del self.open[person_id]
            del self.cost[person_id]


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


class SubscriptionsTooCostly(GraphQLError):
    def __init__(self, price: int, open_cost: int) -> None:
        super().__init__(
            f"This subscription costs {price:,} for each session it hears of, and your open subscriptions "
            f"{open_cost:,} already: together over the {COST_PER_PERSON:,} one person may have open. Ask for "
            "fewer fields (a session's mentees cost the most), or end other subscriptions.",
            extensions={"code": "SUBSCRIPTIONS_TOO_COSTLY", "limit": COST_PER_PERSON, "actual": price + open_cost},
        )


class RunsQueriesOfItsOwn(GraphQLError):
    def __init__(self) -> None:
        super().__init__(
            "A subscription cannot ask for paged lists (such as a mentor's sessions): each would be read again "
            "for every subscriber at every event. Subscribe to the events, and query the list when one comes.",
            extensions={"code": "QUERY_TOO_COMPLEX"},
        )


@contextlib.contextmanager
def subscription_slot(person_id: int, price: int) -> Iterator[None]:
    """Holds one of the person's subscription slots, and `price` of their cost budget, for the block;
    refuses with TOO_MANY_SUBSCRIPTIONS when they hold every slot, SUBSCRIPTIONS_TOO_COSTLY when the price
    does not fit in what is left of the budget."""
    limit = get_settings().live_max_subscriptions
    if subscriptions.cost[person_id] + price > COST_PER_PERSON:
        raise SubscriptionsTooCostly(price, subscriptions.cost[person_id])
    if not subscriptions.take(person_id, limit, price):
        raise TooManySubscriptions(limit)
    try:
        yield
    finally:
        subscriptions.give_back(person_id, price)
