"""Live updates: what just changed, told to every app process once it is committed.

The domain calls `publish_changes` (sessions created, edited, deleted, started, ended, mentees changed)
and `publish_bulk_upload` (an upload's progress) after its transaction commits. Events carry IDs only.

- SQLite (one app process): events go straight to this process's subscribers.
- PostgreSQL (any number of processes): events are sent with `NOTIFY` on one channel. Every process,
  this one included, hears them on its own `LISTEN` connection and hands them to its subscribers.

Each process reads what an event is about once, however many of its subscribers hear it
(`SessionsChanged.read_once`); each subscriber (a GraphQL subscription) keeps only what its viewer may see,
with the visibility rules of the queries, so a payload never carries anything to filter out.

While the LISTEN connection is down, events are lost: once it is back, every subscriber is interrupted
with `EventsMissed` (as is one that fell too far behind), and reads afresh. So is every subscriber of every
process when an event could not be sent (its NOTIFY failed): once the database takes a notice of that.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise

from backend.metrics import LIVE_SUBSCRIPTIONS
from backend.outages import database_unavailable
from backend.settings import get_settings

log = logging.getLogger("backend.events")

CHANNEL = "sessiondesk_events"
# NOTIFY payloads must stay under 8,000 bytes: a bulk upload batch is split into messages of this many IDs.
IDS_PER_MESSAGE = 500
# Sent on the channel when an event could not be: every process's subscribers must read afresh.
MISSED_NOTICE = json.dumps({"t": "missed"})
# A subscriber that falls this far behind is cut off rather than let its queue grow without bound.
QUEUE_LIMIT = 10_000


class SessionEventKind(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    MEETING_UPDATED = "MEETING_UPDATED"
    DELETED = "DELETED"
    STARTED = "STARTED"
    ENDED = "ENDED"
    MENTEES_CHANGED = "MENTEES_CHANGED"


T = TypeVar("T")


@dataclass(frozen=True)
class SessionsChanged:
    kind: SessionEventKind
    organization_id: int
    session_ids: tuple[int, ...]
    # What this process read for the event, shared by all its subscribers (see `read_once`).
    _read: dict[str, asyncio.Future] = field(default_factory=dict, compare=False, repr=False)

    async def read_once(self, read: Callable[[], Awaitable[T]]) -> T:
        """What `read()` answers, read by the first subscriber that asks; the others wait for that answer.
        One subscriber stopping while it waits does not stop the read for the others."""
        if "read" not in self._read:
            self._read["read"] = asyncio.ensure_future(read())
        return await asyncio.shield(self._read["read"])


@dataclass(frozen=True)
class BulkUploadChanged:
    upload_id: int


Event = SessionsChanged | BulkUploadChanged


class EventsMissed(Exception):
    """Events may have been lost: the LISTEN connection was down a while, or the subscriber did not keep up
    with them. Whatever it shows may be stale: it must read afresh."""


def encode(event: Event) -> list[str]:
    if isinstance(event, BulkUploadChanged):
        return [json.dumps({"t": "bulk", "id": event.upload_id})]
    ids = list(event.session_ids)
    return [
        json.dumps({"t": "sessions", "kind": event.kind.value, "org": event.organization_id, "ids": chunk})
        for chunk in (ids[i : i + IDS_PER_MESSAGE] for i in range(0, len(ids), IDS_PER_MESSAGE))
    ]


def described(event: Event) -> str:
    """For the log, however many sessions the event names: "UPDATED of 2 sessions of organisation 7"."""
    if isinstance(event, BulkUploadChanged):
        return f"the progress of bulk upload {event.upload_id}"
    return f"{event.kind.value} of {len(event.session_ids)} sessions of organisation {event.organization_id}"


def decode(payload: str) -> Event | None:
    try:
        data = json.loads(payload)
        if data["t"] == "bulk":
            return BulkUploadChanged(int(data["id"]))
        if data["t"] == "sessions":
            return SessionsChanged(SessionEventKind(data["kind"]), int(data["org"]), tuple(int(i) for i in data["ids"]))
    except (ValueError, KeyError, TypeError):
        pass
    log.warning("Ignored a malformed event: %.200s", payload)
    return None


class Subscription:
    """One subscriber's queue of events, and why it must stop or read afresh, if it must."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self.interruption: Exception | None = None

    def put(self, event: Event) -> None:
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.interrupt(EventsMissed())
            return
        self.queue.put_nowait(event)

    def interrupt(self, reason: Exception) -> None:
        """`get` raises `reason` (once) instead of answering the next event: `EventsMissed`, or a reason of
        the subscriber's own (its sign-in is gone). The events queued are dropped: they are stale."""
        self.interruption = reason
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)  # wakes a waiting `get`

    async def get(self, timeout: float | None = None) -> Event | None:
        """The next event; None after `timeout` seconds without one. Raises the interruption, if any."""
        try:
            event = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            event = None
        if self.interruption is not None:
            reason, self.interruption = self.interruption, None
            raise reason
        return event


# Query parameters of DATABASE_URL that size Tortoise's connection pool or set its statement cache (off behind
# PgBouncer): asyncpg would send them to PostgreSQL as settings of the listening connection, which refuses
# them ("unrecognized configuration parameter"), so they are left out of its address.
POOL_PARAMETERS = {
    "minsize",
    "maxsize",
    "max_queries",
    "max_inactive_connection_lifetime",
    "statement_cache_size",
    "max_cached_statement_lifetime",
    "max_cacheable_statement_size",
}


def listener_dsn(database_url: str) -> str:
    """DATABASE_URL without the pool's parameters:
    "postgres://u@db/sd?maxsize=20&sslmode=require" → "postgres://u@db/sd?sslmode=require"."""
    parts = urlsplit(database_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in query if name not in POOL_PARAMETERS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class EventBus:
    """This process's subscribers, and on PostgreSQL the LISTEN connection that feeds them."""

    def __init__(self) -> None:
        self.subscriptions: set[Subscription] = set()
        self.listener: asyncpg.Connection | None = None
        self.listener_dsn: str | None = None
        self.lock = asyncio.Lock()
        self.reconnecting: asyncio.Task | None = None
        # Sends MISSED_NOTICE after an event could not be published, until the database takes it.
        self.telling_missed: asyncio.Task | None = None

    # --- sending -------------------------------------------------------------------------------------

    async def publish(self, event: Event) -> None:
        """Tell every subscriber of every process; call after the change is committed. Never raises:
        the change is made either way, and a subscriber that missed it catches up when it reads again."""
        try:
            if get_settings().is_postgres:
                connection = Tortoise.get_connection("default")
                for payload in encode(event):
                    await connection.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, payload])
            else:
                self.deliver(event)
        except Exception as error:
            self._not_published(event, error)

    def _not_published(self, event: Event, error: Exception) -> None:
        """The change is made but nobody heard of it: every subscriber is told it missed events, as after a
        LISTEN outage. On PostgreSQL that is a notice on the channel, sent as soon as the database takes it,
        so the subscribers of every process hear it and read afresh once there is something to read."""
        if database_unavailable(error):  # an outage is no bug: one line, no traceback
            log.warning(
                "Could not publish %s, the database is unavailable (%s: %s); subscribers will be told they missed it",
                described(event),
                type(error).__name__,
                error,
            )
        else:
            log.exception("Could not publish %s; subscribers will be told they missed it", described(event))
        if not get_settings().is_postgres:
            self.interrupt_all()
        elif self.telling_missed is None or self.telling_missed.done():
            self.telling_missed = asyncio.get_running_loop().create_task(self._tell_missed())

    async def _tell_missed(self) -> None:
        delay = 0.5
        while True:
            try:
                connection = Tortoise.get_connection("default")
                await connection.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, MISSED_NOTICE])
                return
            except Exception as error:
                if not database_unavailable(error):
                    log.exception("Could not tell subscribers they missed an event")
                    return
                log.warning("Telling subscribers they missed an event failed (%s); trying again in %s s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    def deliver(self, event: Event) -> None:
        for subscription in list(self.subscriptions):
            subscription.put(event)

    # --- receiving -----------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        """Events from now on, until the block ends. On PostgreSQL this process listens before it returns,
        so nothing committed after the call is missed."""
        subscription = Subscription()
        if get_settings().is_postgres:
            await self.listen()
        self.subscriptions.add(subscription)
        LIVE_SUBSCRIPTIONS.inc()
        try:
            yield subscription
        finally:
            self.subscriptions.discard(subscription)
            LIVE_SUBSCRIPTIONS.dec()

    async def start(self) -> None:
        """On PostgreSQL, listen now, at startup: a subscriber is then listening as soon as its subscription
        starts, rather than once a connection is made for it (events committed meanwhile would be missed).
        If the database is away, the first subscriber tries again."""
        if not get_settings().is_postgres:
            return
        try:
            await self.listen()
        except Exception as error:
            log.warning("Could not listen for live updates at startup (%r); the first subscriber tries again", error)

    async def listen(self) -> None:
        dsn = listener_dsn(get_settings().listener_url)
        async with self.lock:
            if self.listener is not None and not self.listener.is_closed() and self.listener_dsn == dsn:
                return
            await self._close_listener()
            listener = await asyncpg.connect(dsn)
            await listener.add_listener(CHANNEL, self._heard)
            listener.add_termination_listener(self._lost)
            self.listener, self.listener_dsn = listener, dsn

    def _heard(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        if payload == MISSED_NOTICE:
            self.interrupt_all()
            return
        event = decode(payload)
        if event is not None:
            self.deliver(event)

    def _lost(self, connection: Any) -> None:
        if connection is not self.listener:
            return
        self.listener = None
        log.warning("The connection that listens for live updates was lost; connecting again.")
        if self.subscriptions and (self.reconnecting is None or self.reconnecting.done()):
            self.reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.5
        while self.subscriptions and self.listener is None:
            try:
                await self.listen()
            except Exception as error:  # the database is away: try again a little later
                log.warning("Listening for live updates failed (%s); trying again in %s s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
        # What was committed meanwhile was never heard: every subscriber must read afresh.
        self.interrupt_all()

    def interrupt_all(self) -> None:
        for subscription in list(self.subscriptions):
            subscription.interrupt(EventsMissed())

    async def _close_listener(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None and not listener.is_closed():
            with contextlib.suppress(Exception):
                await listener.close(timeout=5)

    async def close(self) -> None:
        async with self.lock:
            await self._close_listener()
        for task in (self.reconnecting, self.telling_missed):
            if task is not None:
                task.cancel()
        self.reconnecting = self.telling_missed = None


bus = EventBus()


# --- what the domain calls --------------------------------------------------------------------------


class ChangeLike(Protocol):
    """What `backend.sessions.changes.Change` offers; spelt out here so this module imports no domain code."""

    def event_kind(self) -> SessionEventKind | None: ...

    @property
    def session(self) -> Any: ...


async def publish_changes(changes: Iterable[ChangeLike]) -> None:
    """Events for committed changes, one message per kind and organisation."""
    grouped: dict[tuple[SessionEventKind, int], list[int]] = {}
    for change in changes:
        kind = change.event_kind()
        if kind is not None and change.session.id:
            grouped.setdefault((kind, change.session.organization_id), []).append(change.session.id)
    for (kind, organization_id), ids in grouped.items():
        await bus.publish(SessionsChanged(kind, organization_id, tuple(ids)))


async def publish_sessions(kind: SessionEventKind, organization_id: int, session_ids: Iterable[int]) -> None:
    ids = tuple(session_ids)
    if ids:
        await bus.publish(SessionsChanged(kind, organization_id, ids))


async def publish_bulk_upload(upload_id: int) -> None:
    await bus.publish(BulkUploadChanged(upload_id))
