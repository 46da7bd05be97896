"""Mentor queries."""

from __future__ import annotations

import strawberry

from backend.graphql.context import Info
from backend.graphql.errors import require_id
from backend.graphql.mentors.types import MentorProfile
from backend.graphql.permissions import signed_in
from backend.models import User


@strawberry.type
class MentorQueries:
    @strawberry.field(description="A mentor of the viewer's organisation, or null.")
    async def mentor(self, info: Info, id: strawberry.ID) -> MentorProfile | None:
        viewer = signed_in(info)
        found = await User.get_or_none(
            id=require_id(id, "Mentor ID"), organization_id=viewer.organization_id, is_mentor=True
        ).select_related("organization")
        return MentorProfile(model=found) if found else None
