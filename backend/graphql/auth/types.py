"""The signed-in person."""

from __future__ import annotations

from enum import Enum

import strawberry

from backend import calendar_feed, models
from backend.graphql.auth.access_tokens import AccessToken, viewer_access_tokens
from backend.graphql.context import Info
from backend.graphql.errors import UserError


@strawberry.enum
class Role(Enum):
    MANAGER = "MANAGER"
    MENTOR = "MENTOR"
    MENTEE = "MENTEE"


@strawberry.type
class Organization:
    id: strawberry.ID
    name: str


@strawberry.type
class User:
    model: strawberry.Private[models.User]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    def email(self) -> str:
        return self.model.email

    @strawberry.field
    def designation(self) -> str:
        return self.model.designation

    @strawberry.field
    def roles(self) -> list[Role]:
        return [Role(r) for r in self.model.roles]

    @strawberry.field(
        description="The signed-in person's own calendar feed (upcoming sessions) to subscribe to; "
        "null for anyone else. Keep it private: whoever has it sees the sessions. resetCalendarFeed makes a new one."
    )
    async def calendar_feed_url(self, info: Info) -> str | None:
        viewer = info.context.viewer
        if viewer is None or viewer.id != self.model.id:
            return None
        return calendar_feed.feed_url(str(info.context.request.base_url), await calendar_feed.feed_token(viewer))

    @strawberry.field(
        description="The signed-in person's access tokens that have not expired (a manager: the organisation's); "
        "empty for anyone else."
    )
    async def access_tokens(self, info: Info) -> list[AccessToken]:
        viewer = info.context.viewer
        if viewer is None or viewer.id != self.model.id:
            return []
        return await viewer_access_tokens(info)

    @strawberry.field
    def organization(self) -> Organization:
        org = self.model.organization
        return Organization(id=strawberry.ID(str(org.id)), name=org.name)


@strawberry.type
class LoginPayload:
    user: User | None = None
    token: str | None = strawberry.field(default=None, description="Send as Authorization: Bearer <token>.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    errors: list[UserError] = strawberry.field(default_factory=list)
