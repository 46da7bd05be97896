"""Subscriptions (graphql-transport-ws on /graphql): session events and a bulk upload's progress.

Each subscription listens on this process's event bus (`backend.events`), reads what changed again and
sends only what its viewer may see, with the visibility rules of the queries. Each holds one of its
viewer's subscription slots while it runs (`limits.py`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

from backend import auth, events
from backend.bulk_upload import uploads
from backend.db import column
from backend.graphql.bulk_upload.types import BulkUpload
from backend.graphql.context import Info
from backend.graphql.errors import require_id
from backend.graphql.live import limits
from backend.graphql.loaders import Loaders
from backend.graphql.permissions import NotSignedIn, signed_in
from backend.graphql.sessions.types import Session
from backend.models import BulkUploadStatus
from backend.sessions.visibility import visible_sessions

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
# A subscription checks at most this often that its sign-in still holds (signed out, expired): a
# connection outlives the request that signed it in.
SIGN_IN_RECHECK_SECONDS = 60.0


@strawberry.type(description="Something happened to a session the viewer can see.")
class SessionEvent:
    kind: SessionEventKind  # type: ignore[valid-type]
    session_id: strawberry.ID
    session: Session | None = strawberry.field(
        description="The session as it is now; null when it was deleted (DELETED)."
    )


class _SignIn:
    """The viewer of a long-lived subscription, read again from its token now and then."""

    def __init__(self, info: Info) -> None:
        self.info = info
        self.checked_at = time.monotonic()

    async def check(self) -> None:
        if time.monotonic() - self.checked_at < SIGN_IN_RECHECK_SECONDS:
            return
        self.checked_at = time.monotonic()
        signed_in = await auth.signed_in_with(self.info.context.token)
        if signed_in is None:
            raise NotSignedIn()
        self.info.context.viewer = signed_in.user  # roles may have changed meanwhile


def _end_if_revoked(info: Info, event: events.Event | None) -> None:
    """A subscription signed in with an access token ends as soon as that token is revoked."""
    token_id = info.context.access_token_id
    if isinstance(event, events.AccessTokenRevoked) and token_id is not None and event.token_id == token_id:
        raise NotSignedIn()


async def _session_events(info: Info, event: events.SessionsChanged) -> list[SessionEvent]:
    """The event as the viewer may hear it (an event of the viewer's organisation: `session_events` only
    passes those, before the sign-in is checked again)."""
    viewer = signed_in(info)
    ids = list(event.session_ids)
    if event.kind == events.SessionEventKind.DELETED:
        # Told to those who could see the session before it was deleted.
        seen = set(await column(visible_sessions(viewer, include_deleted=True).filter(id__in=ids), "id", int))
        return [SessionEvent(kind=event.kind, session_id=strawberry.ID(str(i)), session=None) for i in ids if i in seen]
    found = {s.id: s for s in await visible_sessions(viewer).filter(id__in=ids)}
    info.context.loaders = Loaders()  # what the session's fields load is read afresh for each event
    return [
        SessionEvent(kind=event.kind, session_id=strawberry.ID(str(i)), session=Session.of(found[i]))
        for i in ids
        if i in found
    ]


@strawberry.type
class LiveSubscriptions:
    @strawberry.subscription(
        description=(
            "Every change of a session the viewer may see, as it happens, with the session as it is now. "
            "Events about sessions the viewer cannot see are never sent."
        )
    )
    async def session_events(self, info: Info) -> AsyncGenerator[SessionEvent, None]:
        viewer = signed_in(info)
        sign_in = _SignIn(info)
        with limits.subscription_slot(viewer.id):
            async with events.bus.subscribe() as subscription:
                while True:
                    event = await subscription.get()
                    _end_if_revoked(info, event)
                    if (
                        isinstance(event, events.SessionsChanged)
                        and event.organization_id == signed_in(info).organization_id
                    ):
                        await sign_in.check()
                        for session_event in await _session_events(info, event):
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
        with limits.subscription_slot(viewer.id):
            async with events.bus.subscribe() as subscription:
                found = await uploads.find_upload(viewer, upload_id)
                if found is None:
                    raise GraphQLError(
                        f"There is no bulk upload with ID {upload_id} of yours; check the ID in your upload history.",
                        extensions={"code": "NOT_FOUND"},
                    )
                yield BulkUpload(model=found)
                while found.status not in FINISHED:
                    event = await subscription.get(timeout=PROGRESS_HEARTBEAT_SECONDS)
                    _end_if_revoked(info, event)
                    if isinstance(event, events.SessionsChanged | events.AccessTokenRevoked):
                        continue
                    if isinstance(event, events.BulkUploadChanged) and event.upload_id != upload_id:
                        continue
                    found = await uploads.find_upload(viewer, upload_id)
                    if found is None:
                        return
                    yield BulkUpload(model=found)
