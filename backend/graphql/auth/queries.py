"""Who is signed in."""

from __future__ import annotations

import strawberry

from backend.graphql.auth.types import User
from backend.graphql.context import Info


@strawberry.type
class AuthQueries:
    @strawberry.field(description="The signed-in person, or null when signed out.")
    def viewer(self, info: Info) -> User | None:
        viewer = info.context.viewer
        return User(model=viewer) if viewer else None
