"""The signed-in person."""

from __future__ import annotations

from enum import Enum

import strawberry

from backend import models
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
