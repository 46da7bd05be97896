"""The Mentor Profile: who the mentor is, sessions hosted and the rating mentees gave."""

from __future__ import annotations

import strawberry

from backend import models, people
from backend.graphql.context import Info
from backend.graphql.sessions.queries import list_sessions
from backend.graphql.sessions.types import SessionFilter, SessionPage, SessionSort
from backend.sessions.listing import MentorRow


@strawberry.type
class RatingCount:
    stars: int
    count: int


@strawberry.type
class MentorRating:
    average: float | None = strawberry.field(description="Mean stars, one decimal; null before the first vote.")
    votes: int
    breakdown: list[RatingCount] = strawberry.field(description="Votes per star, 5 down to 1.")


@strawberry.type
class MentorProfile:
    # The model, or a list page's plain row of the mentor (listing.MentorRow).
    model: strawberry.Private[models.User | MentorRow]
    id: strawberry.ID
    name: str
    email: str
    designation: str

    @classmethod
    def of(cls, model: models.User | MentorRow) -> MentorProfile:
        return cls(
            model=model,
            id=strawberry.ID(str(model.id)),
            name=model.name,
            email=model.email,
            designation=model.designation,
        )

    @strawberry.field(description="The organisation's name.")
    def organization(self) -> str:
        return self.model.organization.name

    @strawberry.field(description="Completed sessions the mentor started.")
    async def sessions_hosted(self, info: Info) -> int:
        return await info.context.loaders.sessions_hosted.load(self.model.id)

    @strawberry.field
    async def rating(self, info: Info) -> MentorRating:
        found = people.mentor_rating(await info.context.loaders.star_counts.load(self.model.id))
        return MentorRating(
            average=found.average,
            votes=found.votes,
            breakdown=[RatingCount(stars=stars, count=n) for stars, n in found.breakdown],
        )

    @strawberry.field(description="The mentor's sessions that the viewer sees.")
    async def sessions(
        self,
        info: Info,
        filter: SessionFilter | None = None,
        search: str | None = None,
        sort: SessionSort | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> SessionPage:
        return await list_sessions(info, filter, search, sort, page, page_size, mentor_id=self.model.id)
