"""Inputs of the session mutations. Fields are optional in the schema so that a missing value comes
back as a REQUIRED UserError naming the field, together with every other problem of the input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from backend.graphql.errors import require_id
from backend.graphql.sessions.types import MeetingPlatform, SessionTimeZone, SessionType
from backend.sessions.rules import MeetingInput as DomainMeeting
from backend.sessions.rules import SessionInput


@strawberry.input
class MeetingInput:
    platform: MeetingPlatform | None = None
    link: str | None = None
    passcode: str | None = None

    def to_domain(self) -> DomainMeeting:
        return DomainMeeting(platform=self.platform, link=self.link, passcode=self.passcode)


SHARED_FIELDS = (
    "title",
    "description",
    "starts_at",
    "time_zone",
    "duration_minutes",
    "recommended_for",
    "categories",
    "medium",
    "invite_emails",
    "seats_limit",
    "reminders_enabled",
)


@strawberry.input
class CreateSessionInput:
    title: str | None = None
    description: str | None = None
    type: SessionType | None = None
    mentor_id: strawberry.ID | None = None
    starts_at: datetime | None = strawberry.field(default=None, description="ISO 8601 with offset.")
    time_zone: SessionTimeZone | None = strawberry.field(
        default=None, description="Shown to mentor and mentees; IST when absent."
    )
    duration_minutes: int | None = None
    recommended_for: list[str] | None = None
    categories: list[str] | None = None
    medium: str | None = None
    meeting: MeetingInput | None = None
    invite_emails: list[str] | None = None
    seats_limit: int | None = None
    reminders_enabled: bool | None = strawberry.field(
        default=None, description="Mail the mentor and mentees reminders before the start; true when absent."
    )

    def to_domain(self) -> SessionInput:
        mentor_id = require_id(self.mentor_id, "mentorId") if self.mentor_id is not None else None
        return session_input(self, type=self.type, mentor_id=mentor_id)


@strawberry.input(description="Absent fields keep their value; inviteEmails, when given, is the new invited list.")
class UpdateSessionInput:
    title: str | None = None
    description: str | None = None
    starts_at: datetime | None = None
    time_zone: SessionTimeZone | None = None
    duration_minutes: int | None = None
    recommended_for: list[str] | None = None
    categories: list[str] | None = None
    medium: str | None = None
    meeting: MeetingInput | None = None
    invite_emails: list[str] | None = None
    seats_limit: int | None = None
    reminders_enabled: bool | None = None

    def to_domain(self) -> SessionInput:
        return session_input(self)


def session_input(given: CreateSessionInput | UpdateSessionInput, **extra: Any) -> SessionInput:
    """The domain's input from the fields both mutations share (absent stays None: unchanged)."""
    shared = {name: getattr(given, name) for name in SHARED_FIELDS}
    return SessionInput(**shared, meeting=given.meeting.to_domain() if given.meeting else None, **extra)
