"""Session mutations: each parses its input, calls the domain, and shapes the payload."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from backend.errors import Refused
from backend.graphql.context import Info
from backend.graphql.errors import UserError, read_upload, require_id, user_errors
from backend.graphql.permissions import acting, signed_in
from backend.graphql.sessions.inputs import CreateSessionInput, MeetingInput, UpdateSessionInput
from backend.graphql.sessions.types import Session
from backend.models import Session as SessionModel
from backend.sessions import changes, images, lifecycle, trash, writing

ExpectedVersion = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "The session's version the change was made from: when someone changed the session since, the change "
            "is refused with STALE, naming who changed which fields when, and `session` holds it as it is now."
        )
    ),
]


@strawberry.type
class SessionPayload:
    session: Session | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteSessionPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
    session: Session | None = strawberry.field(default=None, description="On STALE: the session as it is now.")


@strawberry.type(description="One Delete row of a bulk upload, its session asked back.")
class RestoredRow:
    row_number: int
    session_id: strawberry.ID
    session: Session | None
    errors: list[UserError]


@strawberry.type
class RestoreUploadPayload:
    rows: list[RestoredRow] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(work: Awaitable[SessionModel]) -> SessionPayload:
    try:
        return SessionPayload(session=Session.of(await work))
    except changes.Stale as stale:
        return SessionPayload(session=Session.of(stale.session), errors=user_errors(stale.errors))
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
        origin, data = acting(info), input.to_domain()
        return await _payload(writing.apply(lambda d: changes.plan_create(origin.person, data, d), origin))

    @strawberry.mutation(description="Change session details while upcoming (R1).")
    async def update_session(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateSessionInput,
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_UPDATE)] = True,
        expected_version: ExpectedVersion = None,
    ) -> SessionPayload:
        origin, session_id, data = acting(info), require_id(id, "Session ID"), input.to_domain()
        return await _payload(
            writing.apply(
                lambda d: changes.plan_update(
                    origin.person, session_id, data, d, notify=notify, expected_version=expected_version
                ),
                origin,
            )
        )

    @strawberry.mutation(description="Change the meeting while upcoming or live (R2).")
    async def update_meeting(
        self,
        info: Info,
        id: strawberry.ID,
        input: MeetingInput,
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_MEETING)] = True,
        expected_version: ExpectedVersion = None,
    ) -> SessionPayload:
        origin, session_id, meeting = acting(info), require_id(id, "Session ID"), input.to_domain()
        return await _payload(
            writing.apply(
                lambda d: changes.plan_meeting(
                    origin.person, session_id, meeting, d, notify=notify, expected_version=expected_version
                ),
                origin,
            )
        )

    @strawberry.mutation(description="Delete an upcoming session (R3); it leaves every list, and can be restored.")
    async def delete_session(
        self,
        info: Info,
        id: strawberry.ID,
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_DELETE)] = True,
        expected_version: ExpectedVersion = None,
    ) -> DeleteSessionPayload:
        origin, session_id = acting(info), require_id(id, "Session ID")
        try:
            deleted = await writing.apply(
                lambda d: changes.plan_delete(
                    origin.person, session_id, d, notify=notify, expected_version=expected_version
                ),
                origin,
            )
        except changes.Stale as stale:
            return DeleteSessionPayload(errors=user_errors(stale.errors), session=Session.of(stale.session))
        except Refused as refused:
            return DeleteSessionPayload(errors=user_errors(refused.errors))
        return DeleteSessionPayload(deleted_id=strawberry.ID(str(deleted.id)))

    @strawberry.mutation(
        description=(
            "Bring back a deleted session (managers): while it is in Recently deleted (TRASH_KEEP_DAYS), still in "
            "the future, its mentor free (R4) and its mentees within its seats (R6). Mentor and mentees are told."
        )
    )
    async def restore_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(trash.restore_session(acting(info), require_id(id, "Session ID")))

    @strawberry.mutation(
        description="Restore the sessions one of your bulk uploads deleted (its Delete rows): one answer per row."
    )
    async def restore_bulk_upload_deletions(self, info: Info, upload_id: strawberry.ID) -> RestoreUploadPayload:
        try:
            restored = await trash.restore_upload_deletions(acting(info), require_id(upload_id, "Upload ID"))
        except Refused as refused:
            return RestoreUploadPayload(errors=user_errors(refused.errors))
        return RestoreUploadPayload(
            rows=[
                RestoredRow(
                    row_number=r.row_number,
                    session_id=strawberry.ID(str(r.session_id)),
                    session=Session.of(r.session) if r.session else None,
                    errors=user_errors(r.errors),
                )
                for r in restored
            ]
        )

    @strawberry.mutation(description="Invite mentees of the organisation by email, within the seats limit (R6).")
    async def invite_mentees(
        self,
        info: Info,
        session_id: strawberry.ID,
        emails: list[str],
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_INVITE)] = True,
        expected_version: ExpectedVersion = None,
    ) -> SessionPayload:
        origin, the_id = acting(info), require_id(session_id, "Session ID")
        return await _payload(
            writing.apply(
                lambda d: changes.plan_invite(
                    origin.person, the_id, emails, d, notify=notify, expected_version=expected_version
                ),
                origin,
            )
        )

    @strawberry.mutation(description="Remove mentees (invited or enrolled) from an upcoming session.")
    async def remove_mentees(
        self,
        info: Info,
        session_id: strawberry.ID,
        mentee_ids: list[strawberry.ID],
        notify: Annotated[bool, strawberry.argument(description=NOTIFY_REMOVE)] = True,
        expected_version: ExpectedVersion = None,
    ) -> SessionPayload:
        ids = [require_id(i, "menteeIds entry") for i in mentee_ids]
        origin, the_id = acting(info), require_id(session_id, "Session ID")
        return await _payload(
            writing.apply(
                lambda d: changes.plan_remove(
                    origin.person, the_id, ids, d, notify=notify, expected_version=expected_version
                ),
                origin,
            )
        )

    @strawberry.mutation(description="Set the session image: JPEG, PNG or WebP up to 5 MB (multipart upload).")
    async def set_session_image(
        self,
        info: Info,
        session_id: strawberry.ID,
        image: Upload,
        expected_version: ExpectedVersion = None,
    ) -> SessionPayload:
        origin = acting(info)
        data = await read_upload(image, "image", images.MAX_BYTES + 1)
        return await _payload(
            images.set_session_image(origin, require_id(session_id, "Session ID"), data, expected_version)
        )

    @strawberry.mutation
    async def remove_session_image(
        self, info: Info, session_id: strawberry.ID, expected_version: ExpectedVersion = None
    ) -> SessionPayload:
        return await _payload(
            images.remove_session_image(acting(info), require_id(session_id, "Session ID"), expected_version)
        )

    @strawberry.mutation(description="The mentor starts their session, from 15 minutes before its start.")
    async def start_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(lifecycle.start_session(acting(info), require_id(id, "Session ID")))

    @strawberry.mutation(description="The mentor ends their live session.")
    async def end_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(lifecycle.end_session(acting(info), require_id(id, "Session ID")))

    @strawberry.mutation(description="A mentee joins a public session, seats permitting.")
    async def enroll_in_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(lifecycle.enroll_in_session(acting(info), require_id(id, "Session ID")))

    @strawberry.mutation(description="A mentee leaves a session they enrolled in, before it starts.")
    async def leave_session(self, info: Info, id: strawberry.ID) -> SessionPayload:
        return await _payload(lifecycle.leave_session(acting(info), require_id(id, "Session ID")))

    @strawberry.mutation(description="A mentee rates a completed session they attended, 1–5 stars, once.")
    async def rate_session(self, info: Info, id: strawberry.ID, stars: int) -> SessionPayload:
        session_id = require_id(id, "Session ID")

        async def rate() -> SessionModel:
            await lifecycle.rate_session(signed_in(info), session_id, stars)
            return await SessionModel.get(id=session_id)

        return await _payload(rate())
