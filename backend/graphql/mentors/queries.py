"""Mentor queries."""

from __future__ import annotations

import strawberry
from tortoise.expressions import Q, Subquery

from backend.graphql.context import Info
from backend.graphql.errors import require_id
from backend.graphql.mentors.types import MentorProfile
from backend.graphql.permissions import signed_in
from backend.models import Session, User


@strawberry.type
class MentorQueries:
    @strawberry.field(description="A mentor of the viewer's organisation, or null.")
    async def mentor(self, info: Info, id: strawberry.ID) -> MentorProfile | None:
        viewer = signed_in(info)
        mentor_id = require_id(id, "Mentor ID")
        # Someone who hosted sessions keeps a profile even after losing the mentor role.
        hosted = Q(id__in=Subquery(Session.filter(mentor_id=mentor_id).values("mentor_id")))
        found = (
            await User.filter(Q(is_mentor=True) | hosted, id=mentor_id, organization_id=viewer.organization_id)
            .select_related("organization")
            .first()
        )
        return MentorProfile.of(found) if found else None
