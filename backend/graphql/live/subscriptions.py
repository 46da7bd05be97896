"""Subscriptions (graphql-transport-ws on /graphql): session events and a bulk upload's progress.

Each process reads an event's sessions once, with what their fields load, for all its subscribers
(`_read`, through loaders that hold nothing particular to a viewer); each subscription keeps what its
viewer may see (`may_see_session`, the queries' visibility rules in memory) and answers its selection from
what was read. A subscription is priced when it subscribes (the query cost estimate of one event) and holds
one of its viewer's subscription slots and that much of their cost budget while it runs (`limits.py`); its
sign-in is checked with every other subscription's every few seconds (`sign_ins.py`). See
docs/live-updates.md.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import AsyncGenerator, Iterator, Sequence

import strawberry
from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension

from backend import events, models
from backend.bulk_upload import uploads
from backend.graphql.bulk_upload.types import BulkUpload
from backend.graphql.context import Context, Info
from backend.graphql.errors import require_id
from backend.graphql.limits import Measure, measure_operation
from backend.graphql.live import limits
from backend.graphql.live.sign_ins import sign_ins
from backend.graphql.loaders import Loaders
from backend.graphql.permissions import signed_in
from backend.graphql.sessions.types import Session
from backend.models import BulkUploadStatus
from backend.sessions.visibility import may_see_session
from backend.settings import get_settings

log = logging.getLogger("backend.graphql.live")

SessionEventKind = strawberry.enum(
    events.SessionEventKind,
    description=(
        "CREATED, UPDATED (details), MEETING_UPDATED (meeting only), DELETED, STARTED (now live), "
        "ENDED (completed), MENTEES_CHANGED (invited, removed, enrolled or left)."
    ),
)

# While an upload runs, its subscribers get a message at least this often even when no rows were
# recorded meanwhile (a long batch), so a progress bar shows the job is alive.
PROGRESS_HEARTBEAT_SECONDS = 2.0
FINISHED = (BulkUploadStatus.COMPLETED, BulkUploadStatus.FAILED)


@strawberry.type(
    description=(
        "Something happened to sessions the viewer can see: one session (sessionId, session), or many at once "
        "(a bulk upload's batch: sessionId and session are null, sessionIds lists them; read them again)."
    )
)
class SessionEvent:
    kind: SessionEventKind  # type: ignore[valid-type]
    session_id: strawberry.ID | None = strawberry.field(description="The session; null when the event is about many.")
    session_ids: list[strawberry.ID] = strawberry.field(
        description="The sessions the event is about: [sessionId], or the many of a batch that the viewer may see."
    )
    session: Session | None = strawberry.field(
        description="The session as it is now; null when it was deleted (DELETED) or when the event is about many."
    )


class EventsMissed(GraphQLError):
    def __init__(self) -> None:
        super().__init__(
            "Live updates were interrupted (the server lost its connection to the database a while, or this "
            "subscription fell behind), and changes may have been missed. Read what you show again, and "
            "subscribe again.",
            extensions={"code": "EVENTS_MISSED"},
        )


class OwnContext(SchemaExtension):
    """Each operation over a websocket runs with its own copy of the connection's context: a subscription
    sets its viewer (checked again now and then) and each event's loaders there without touching the
    other subscriptions of its connection."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and isinstance(context.request, WebSocket):
            self.execution_context.context = dataclasses.replace(context, loaders=Loaders())
        yield


class EventLoaders(Loaders):
    """The loaders of one event's sessions, shared by all of this process's subscribers to it: they hold
    only what is the same for every viewer. Whether a viewer attends a session is answered from the
    sessions' mentees, read with them, not by a query of each viewer's own."""

    def __init__(self, mentee_ids: dict[int, frozenset[int]]) -> None:
        super().__init__()
        self.mentee_ids = mentee_ids

    def attends(self, viewer_id: int) -> DataLoader[int, bool]:
        async def load(session_ids: Sequence[int]) -> list[bool]:
            return [viewer_id in self.mentee_ids.get(i, frozenset()) for i in session_ids]

        return DataLoader(load_fn=load, cache=False)


@dataclasses.dataclass(frozen=True)
class EventRead:
    """An event's sessions as this process read them (deleted ones too), in the event's order."""

    sessions: list[models.Session]
    shown: dict[int, Session]
    mentee_ids: dict[int, frozenset[int]]
    loaders: EventLoaders


async def _read(event: events.SessionsChanged) -> EventRead:
    ids = list(event.session_ids)
    found = {s.id: s for s in await models.Session.filter(id__in=ids, organization_id=event.organization_id)}
    mentees: dict[int, set[int]] = defaultdict(set)
    for session_id, mentee_id in await models.Attendance.filter(session_id__in=list(found)).values_list(
        "session_id", "mentee_id"
    ):
        mentees[session_id].add(mentee_id)
    mentee_ids = {i: frozenset(mentees[i]) for i in found}
    sessions = [found[i] for i in ids if i in found]
    return EventRead(sessions, {s.id: Session.of(s) for s in sessions}, mentee_ids, EventLoaders(mentee_ids))


def _price(info: Info) -> Measure:
    """What one message costs this subscription (for sessionEvents: one event of one session), estimated as
    the queries' cost is."""
    raw = info._raw_info  # graphql-core's resolve info: the operation's fragments (Strawberry shows no others)
    cap = get_settings().graphql_max_cost
    return measure_operation(raw.schema, raw.operation, raw.fragments, info.variable_values, cap)


async def _session_events(info: Info, event: events.SessionsChanged, price: int) -> list[SessionEvent]:
    """The event as the viewer may hear it: nothing, its sessions one by one, or one message naming them."""
    try:
        read = await event.read_once(lambda: _read(event))
    except Exception as error:  # the database is away: the viewer cannot be told what changed
        log.warning(
            "Could not read %s of %d sessions for live updates (%r)", event.kind.value, len(event.session_ids), error
        )
        raise EventsMissed() from error
    viewer = signed_in(info)
    deleted = event.kind == events.SessionEventKind.DELETED
    # Deletions are told to those who could see the session before it was deleted.
    seen = [s for s in read.sessions if may_see_session(viewer, s, read.mentee_ids[s.id], include_deleted=deleted)]
    if len(seen) > 1 and len(seen) * price > limits.ONE_BY_ONE_COST:
        ids = [strawberry.ID(str(s.id)) for s in seen]
        return [SessionEvent(kind=event.kind, session_id=None, session_ids=ids, session=None)]
    info.context.loaders = read.loaders
    return [
        SessionEvent(
            kind=event.kind,
            session_id=strawberry.ID(str(s.id)),
            session_ids=[strawberry.ID(str(s.id))],
            session=None if deleted else read.shown[s.id],
        )
        for s in seen
    ]


@strawberry.type
class LiveSubscriptions:
    @strawberry.subscription(
        description=(
            "Every change of a session the viewer may see, as it happens, with the session as it is now. "
            "Events about sessions the viewer cannot see are never sent. Completes with EVENTS_MISSED when "
            "changes may have been missed (read again, and subscribe again)."
        )
    )
    async def session_events(self, info: Info) -> AsyncGenerator[SessionEvent, None]:
        viewer = signed_in(info)
        measure = _price(info)
        if measure.own_queries:  # read again for every subscriber at every event: the list is for queries
            raise limits.RunsQueriesOfItsOwn()
        price = measure.cost
        with limits.subscription_slot(viewer.id, price):
            async with events.bus.subscribe() as subscription, sign_ins.watch(info.context, subscription):
                while True:
                    try:
                        event = await subscription.get()
                    except events.EventsMissed:
                        raise EventsMissed() from None
                    if (
                        isinstance(event, events.SessionsChanged)
                        and event.organization_id == signed_in(info).organization_id
                    ):
                        for session_event in await _session_events(info, event, price):
                            yield session_event

    @strawberry.subscription(
        description=(
            "One of the viewer's bulk uploads as it is worked through: now, when processing starts, at least "
            "every 500 rows or 2 seconds while it runs, and at the end (then the subscription completes)."
        )
    )
    async def bulk_upload_progress(self, info: Info, id: strawberry.ID) -> AsyncGenerator[BulkUpload, None]:
        viewer = signed_in(info)
        upload_id = require_id(id, "Bulk upload ID")
        # Listening starts before the first read, so no change between the two is missed.
        # Only the viewer's own upload is read, once per message: its price counts, lists included.
        with limits.subscription_slot(viewer.id, _price(info).cost):
            async with events.bus.subscribe() as subscription, sign_ins.watch(info.context, subscription):
                found = await uploads.find_upload(signed_in(info), upload_id)
                if found is None:
                    raise GraphQLError(
                        f"There is no bulk upload with ID {upload_id} of yours; check the ID in your upload history.",
                        extensions={"code": "NOT_FOUND"},
                    )
                yield BulkUpload(model=found)
                while found.status not in FINISHED:
                    try:
                        event = await subscription.get(timeout=PROGRESS_HEARTBEAT_SECONDS)
                    except events.EventsMissed:
                        event = None  # read again below: the upload as it is now
                    if isinstance(event, events.SessionsChanged):
                        continue
                    if isinstance(event, events.BulkUploadChanged) and event.upload_id != upload_id:
                        continue
                    found = await uploads.find_upload(signed_in(info), upload_id)
                    if found is None:
                        return
                    yield BulkUpload(model=found)
