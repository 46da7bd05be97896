"""Session mutations: each parses its input, calls the domain, and shapes the payload."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from backend.errors import Refused
from backend.graphql.context import Info
from backend.graphql.errors import UserError, read_upload, require_id, user_errors
from backend.graphql.permissions import signed_in
from backend.graphql.sessions.inputs import CreateSessionInput, MeetingInput, UpdateSessionInput
from backend.graphql.sessions.types import Session
from backend.models import Session as SessionModel
from backend.sessions import changes, images, lifecycle, writing


@strawberry.type
class SessionPayload:
    session: Session | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteSessionPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(work: Awaitable[SessionModel]) -> SessionPayload:
    try:
        return SessionPayload(session=Session.of(await work))
    except Refused as refused:
        return SessionPayload(errors=user_errors(refused.errors))


# What `notify: false` silences, mutation by mutation (mail is gathered per person; see docs/mail.md).
NOTIFY_UPDATE = (
    "false: the mentor and mentees are not mailed about this change of date, time, duration, title or time zone "
    "(no other field of a session is ever mailed). Reminders still go out."
)
NOTIFY_MEETING = "false: the mentor and mentees are not mailed the new meeting details. Reminders still go out."
NOTIFY_DELETE = "false: the mentor and mentees are not mailed the cancellation."
NOTIFY_INVITE = "false: the invited mentees are not mailed their invitation."
NOTIFY_REMOVE = "false: the removed mentees are not mailed that they were removed."


@strawberry.type
class SessionMutations:
    @strawberry.mutation(description="Publish a new session (managers).")
    async def create_session(self, info: Info, input: CreateSessionInput) -> SessionPayload:
        return await _payload(writing.apply(changes.plan_create, signed_in(info), input.to_domain()))

    @strawberry.mutation(description="Change session details while upcoming (R1).")
    async def update_session(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateSessionInput,
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_UPDATE)] = True,
    ) -> SessionPayload:
        return await _payload(
            writing.apply(
                changes.plan_update, signed_in(info), require_id(id, "Session ID"), input.to_domain(), notify=notify
            )
        )

    @strawberry.mutation(description="Change the meeting while upcoming or live (R2).")
    async def update_meeting(
        self,
        info: Info,
        id: strawberry.ID,
        input: MeetingInput,
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_MEETING)] = True,
    ) -> SessionPayload:
        return await _payload(
            writing.apply(
                changes.plan_meeting, signed_in(info), require_id(id, "Session ID"), input.to_domain(), notify=notify
            )
        )

    @strawberry.mutation(description="Delete an upcoming session (R3); it leaves every list.")
    async def delete_session(
        self,
        info: Info,
        id: strawberry.ID,
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_DELETE)] = True,
    ) -> DeleteSessionPayload:
        try:
            deleted = await writing.apply(
                changes.plan_delete, signed_in(info), require_id(id, "Session ID"), notify=notify
            )
        except Refused as refused:
            return DeleteSessionPayload(errors=user_errors(refused.errors))
        return DeleteSessionPayload(deleted_id=strawberry.ID(str(deleted.id)))

    @strawberry.mutation(description="Invite mentees of the organisation by email, within the seats limit (R6).")
    async def invite_mentees(
        self,
        info: Info,
        session_id: strawberry.ID,
        emails: list[str],
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_INVITE)] = True,
    ) -> SessionPayload:
        return await _payload(
            writing.apply(
                changes.plan_invite, signed_in(info), require_id(session_id, "Session ID"), emails, notify=notify
            )
        )

    @strawberry.mutation(description="Remove mentees (invited or enrolled) from an upcoming session.")
    async def remove_mentees(
        self,
        info: Info,
        session_id: strawberry.ID,
        mentee_ids: list[strawberry.ID],
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_REMOVE)] = True,
    ) -> SessionPayload:
        ids = [require_id(i, "menteeIds entry") for i in mentee_ids]
        return await _payload(
            writing.apply(
                changes.plan_remove, signed_in(info), require_id(session_id, "Session ID"), ids, notify=notify
            )
        )

    @strawberry.mutation(description="Set the session image: JPEG, PNG or WebP up to 5 MB (multipart upload).")
    async def set_session_image(self, info: Info, session_id: strawberry.ID, image: Upload) -> SessionPayload:
        viewer = signed_in(info)
        data = await read_upload(image, "image", images.MAX_BYTES + 1)
        return await _payload(images.set_session_image(viewer, require_id(session_id, "Session ID"), data))

    @strawberry.mutation
    async def remove_session_image(self, info: Info, session_id: strawberry.ID) -> SessionPayload:
        return await _payload(images.remove_session_image(signed_in(info), require_id(session_id, "Session ID")))

    @strawberry.mutation(description="The mentor starts their session, from 15 minutes before its start.")
    async def start_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(lifecycle.start_session(signed_in(info), require_id(id, "Session ID")))

    @strawberry.mutation(description="The mentor ends their live session.")
    async def end_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(lifecycle.end_session(signed_in(info), require_id(id, "Session ID")))

    @strawberry.mutation(description="A mentee joins a public session, seats permitting.")
    async def enroll_in_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(lifecycle.enroll_in_session(signed_in(info), require_id(id, "Session ID")))

    @strawberry.mutation(description="A mentee leaves a session they enrolled in, before it starts.")
    async def leave_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(lifecycle.leave_session(signed_in(info), require_id(id, "Session ID")))

    @strawberry.mutation(description="A mentee rates a completed session they attended, 1–5 stars, once.")
    async def rate_session(self, info: Info, id: strawberry.ID, stars: int) -> SessionPayload:
        session_id = require_id(id, "Session ID")

        async def rate() -> SessionModel:
            await lifecycle.rate_session(signed_in(info), session_id, stars)
            return await SessionModel.get(id=session_id)

        return await _payload(rate())
