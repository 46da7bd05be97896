"""Find mentors and mentees of the viewer's organisation by name or email (managers only)."""

from __future__ import annotations

import strawberry

from backend import people
from backend.graphql.auth.types import User
from backend.graphql.context import Info
from backend.graphql.errors import BadArgument
from backend.graphql.permissions import signed_in


async def _find(info: Info, role: people.Role, search: str | None, first: int) -> list[User]:
    try:
        found = await people.find_people(signed_in(info), role, search, first)
    except people.FindError as error:
        raise BadArgument(str(error)) from error
    return [User(model=u) for u in found]


@strawberry.type
class PeopleQueries:
    @strawberry.field(description="Mentees of the organisation whose name or email contains the search (managers).")
    async def find_mentees(self, info: Info, search: str | None = None, first: int = 20) -> list[User]:
        return await _find(info, people.Role.MENTEE, search, first)

    @strawberry.field(description="Mentors of the organisation whose name or email contains the search (managers).")
    async def find_mentors(self, info: Info, search: str | None = None, first: int = 20) -> list[User]:
        return await _find(info, people.Role.MENTOR, search, first)
