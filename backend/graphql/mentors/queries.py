"""Mentor queries."""

from __future__ import annotations

import strawberry

from backend import people
from backend.graphql.context import Info
from backend.graphql.errors import require_id
from backend.graphql.mentors.types import MentorProfile
from backend.graphql.permissions import signed_in


@strawberry.type
class MentorQueries:
    @strawberry.field(description="A mentor of the viewer's organisation, or null.")
    async def mentor(self, info: Info, id: strawberry.ID) -> MentorProfile | None:
        found = await people.find_mentor(signed_in(info), require_id(id, "Mentor ID"))
        return MentorProfile.of(found) if found else None
