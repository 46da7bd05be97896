"""Find mentors and mentees of the viewer's organisation by name or email (managers only)."""

from __future__ import annotations

import strawberry
from tortoise.expressions import Q

from backend.graphql.auth.types import User
from backend.graphql.context import Info
from backend.graphql.errors import BadArgument
from backend.graphql.permissions import signed_in
from backend.inputs import control_character_problem
from backend.models import User as UserModel

MAX_FIRST = 50


async def _find(info: Info, search: str | None, first: int, **role) -> list[User]:
    viewer = signed_in(info)
    if not 1 <= first <= MAX_FIRST:
        raise BadArgument(f"first must be between 1 and {MAX_FIRST}; you asked for {first}.")
    if problem := control_character_problem(search, "search"):
        raise BadArgument(problem)
    if not viewer.is_manager:
        return []
    query = UserModel.filter(organization_id=viewer.organization_id, **role).select_related("organization")
    text = (search or "").strip()
    if text:
        query = query.filter(Q(name__icontains=text) | Q(email__icontains=text))
    return [User(model=u) for u in await query.order_by("name", "id").limit(first)]


@strawberry.type
class PeopleQueries:
    @strawberry.field(description="Mentees of the organisation whose name or email contains the search (managers).")
    async def find_mentees(self, info: Info, search: str | None = None, first: int = 20) -> list[User]:
        return await _find(info, search, first, is_mentee=True)

    @strawberry.field(description="Mentors of the organisation whose name or email contains the search (managers).")
    async def find_mentors(self, info: Info, search: str | None = None, first: int = 20) -> list[User]:
        return await _find(info, search, first, is_mentor=True)
