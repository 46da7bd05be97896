"""GraphQL types of a session, the session list and its filters."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.types.base import StrawberryObjectDefinition

from backend import models
from backend.graphql.context import Info
from backend.graphql.errors import BadArgument
from backend.graphql.permissions import signed_in
from backend.graphql.sessions.activity import ActivityPage, activity_page
from backend.sessions import history, listing, rules
from backend.sessions.visibility import SensitiveField, may_see

if TYPE_CHECKING:
    from backend.graphql.mentors.types import MentorProfile

# The domain's enums are the GraphQL enums: strawberry.enum registers each class as it is (and returns
# it), and the names below are plain aliases, so type checkers see the real classes.
strawberry.enum(models.SessionStatus, description="UPCOMING → LIVE → COMPLETED")
SessionStatus = models.SessionStatus
strawberry.enum(models.SessionType)
SessionType = models.SessionType
strawberry.enum(models.MeetingPlatform)
MeetingPlatform = models.MeetingPlatform
strawberry.enum(models.SessionTimeZone, description="The zone a session is shown in to its people.")
SessionTimeZone = models.SessionTimeZone
strawberry.enum(models.AttendanceKind, description="ENROLLED: joined by themselves; INVITED: added by a manager.")
AttendanceKind = models.AttendanceKind
strawberry.enum(listing.SortField)
SessionSortField = listing.SortField
strawberry.enum(listing.SortDirection)
SortDirection = listing.SortDirection


@strawberry.input(description="Lists are OR within a field and AND across fields.")
class SessionFilter:
    statuses: list[SessionStatus] | None = None
    types: list[SessionType] | None = None
    platforms: list[MeetingPlatform] | None = None
    categories: list[str] | None = None
    recommended_for: list[str] | None = None
    mediums: list[str] | None = None
    mentor_ids: list[strawberry.ID] | None = None
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    mentee_count_at_most: int | None = strawberry.field(
        default=None,
        description="Sessions with at most this many mentees (invited plus enrolled); 0: no mentees yet.",
    )
    nearly_full: bool | None = strawberry.field(
        default=None,
        description=(
            "true: sessions with 80% of their seats taken or more (full ones too), as the Workspace overview "
            "says nearly full; false: the others."
        ),
    )
    attending: bool | None = strawberry.field(
        default=None,
        description="true: sessions the viewer is invited to or enrolled in; false: the others.",
    )


@strawberry.input
class SessionSort:
    field: SessionSortField = listing.SortField.START_TIME
    direction: SortDirection = listing.SortDirection.ASC


@strawberry.type
class Meeting:
    platform: MeetingPlatform
    link: str | None
    passcode: str | None


@strawberry.type(description="A mentee of a session and whether they enrolled or were invited.")
class SessionMentee:
    id: strawberry.ID
    name: str
    email: str
    designation: str
    kind: AttendanceKind
    added_at: datetime


@strawberry.type
class Session:
    # Plain values, copied from the model once: a field without a resolver costs the GraphQL executor a
    # fraction of one with a resolver, and a page of 100 sessions has thousands of them.
    # The model, or a list page's plain row of the same columns (listing.SessionRow).
    model: strawberry.Private[models.Session | listing.SessionRow]
    # The session's mentor when it was read with the session (a list page reads its mentors in the same
    # statement); otherwise the `mentor` field asks the request's loader.
    known_mentor: strawberry.Private[models.User | listing.MentorRow | None]
    id: strawberry.ID
    title: str
    description: str
    type: SessionType
    status: SessionStatus
    starts_at: datetime = strawberry.field(description="UTC instant.")
    ends_at: datetime = strawberry.field(description="UTC instant: startsAt + durationMinutes.")
    duration_minutes: int
    time_zone: SessionTimeZone
    mentee_count: int = strawberry.field(description="Invited plus enrolled mentees.")
    enrolled_count: int
    invited_count: int
    seats_limit: int
    medium: str = strawberry.field(description="The language the session is held in.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    version: int = strawberry.field(
        description="Raised by every change of the session; send it as expectedVersion so that nobody's change is "
        "silently overwritten."
    )
    deleted_at: datetime | None = strawberry.field(description="When it was deleted (Recently deleted only).")

    @classmethod
    def of(
        cls, model: models.Session | listing.SessionRow, mentor: models.User | listing.MentorRow | None = None
    ) -> Session:
        return cls(
            model=model,
            known_mentor=mentor,
            id=strawberry.ID(str(model.id)),
            title=model.title,
            description=model.description,
            type=model.type,
            status=model.status,
            starts_at=model.starts_at,
            ends_at=model.ends_at,
            duration_minutes=model.duration_minutes,
            time_zone=model.time_zone,
            mentee_count=model.mentee_count,
            enrolled_count=model.enrolled_count,
            invited_count=model.invited_count,
            seats_limit=model.seats_limit,
            medium=model.medium,
            created_at=model.created_at,
            updated_at=model.updated_at,
            started_at=model.started_at,
            completed_at=model.completed_at,
            version=model.version,
            deleted_at=model.deleted_at,
        )

    @strawberry.field(graphql_type=Annotated["MentorProfile", strawberry.lazy("backend.graphql.mentors.types")])
    def mentor(self, info: Info) -> MentorProfile | Awaitable[MentorProfile]:
        # Answered at once when the mentor was read with the session (a list page's 25 mentors then cost
        # the executor no coroutine each); otherwise through the request's loader.
        if self.known_mentor is not None:
            return _mentor_profile(info, self.known_mentor)
        return self._loaded_mentor(info)

    async def _loaded_mentor(self, info: Info) -> MentorProfile:
        mentor = await info.context.loaders.user.load(self.model.mentor_id)
        if mentor is None:  # the mentor is a required foreign key, so this cannot happen
            raise LookupError(f"Session {self.model.id} has no mentor {self.model.mentor_id}.")
        return _mentor_profile(info, mentor)

    @strawberry.field(description="Seats still free: seatsLimit − menteeCount.")
    def seats_left(self) -> int:
        return max(0, self.model.seats_limit - self.model.mentee_count)

    @strawberry.field(description="Visible to managers and the session's mentor; empty for others.")
    async def mentees(self, info: Info, kind: AttendanceKind | None = None) -> list[SessionMentee]:
        if not may_see(info.context.viewer, SensitiveField.MENTEES, self.model, attends=False):
            return []
        return [
            SessionMentee(
                id=strawberry.ID(str(a.mentee.id)),
                name=a.mentee.name,
                email=a.mentee.email,
                designation=a.mentee.designation,
                kind=a.kind,
                added_at=a.created_at,
            )
            for a in await info.context.loaders.attendances.load(self.model.id)
            if kind is None or a.kind == kind
        ]

    @strawberry.field
    async def recommended_for(self, info: Info) -> list[str]:
        return (await info.context.loaders.labels.load(self.model.id)).get(models.LabelKind.RECOMMENDED_FOR, [])

    @strawberry.field
    async def categories(self, info: Info) -> list[str]:
        return (await info.context.loaders.labels.load(self.model.id)).get(models.LabelKind.CATEGORY, [])

    @strawberry.field(description="Link and passcode are shown to managers, the mentor and the session's mentees.")
    async def meeting(self, info: Info) -> Meeting:
        viewer = info.context.viewer
        attends = bool(
            viewer and viewer.is_mentee and await info.context.loaders.attends(viewer.id).load(self.model.id)
        )

        def shown(field: SensitiveField, value: str) -> str | None:
            return (value or None) if may_see(viewer, field, self.model, attends) else None

        return Meeting(
            platform=self.model.meeting_platform,
            link=shown(SensitiveField.MEETING_LINK, self.model.meeting_link),
            passcode=shown(SensitiveField.MEETING_PASSCODE, self.model.meeting_passcode),
        )

    @strawberry.field(description="How the viewer takes part as a mentee (ENROLLED or INVITED); null when not.")
    async def viewer_attendance(self, info: Info) -> AttendanceKind | None:
        viewer = info.context.viewer
        if viewer is None or not viewer.is_mentee:
            return None
        return await info.context.loaders.attendance_kind(viewer.id).load(self.model.id)

    @strawberry.field(description="The stars (1–5) the viewer gave this session; null when they have not rated it.")
    async def viewer_stars(self, info: Info) -> int | None:
        viewer = info.context.viewer
        if viewer is None or not viewer.is_mentee or self.model.status != SessionStatus.COMPLETED:
            return None
        return await info.context.loaders.stars_given(viewer.id).load(self.model.id)

    @strawberry.field(description="Whether the mentor and mentees are mailed reminders before the start.")
    def reminders_enabled(self) -> bool:
        return self.model.reminders_enabled

    @strawberry.field
    def image_url(self) -> str | None:
        return f"/media/{self.model.image_path}" if self.model.image_path else None

    @strawberry.field(description="The session's changes, newest first (managers): its timeline.")
    async def history(self, info: Info, page: int = 1, page_size: int = 20) -> ActivityPage:
        return await activity_page(info, history.ActivityFilter(session_id=self.model.id), page, page_size)

    @strawberry.field(description="Whether the viewer may edit the details now (R1).")
    def can_edit(self, info: Info) -> bool:
        return rules.edit_blocked_reason(signed_in(info), self.model) is None

    @strawberry.field(description="Why the details cannot be edited now, or null.")
    def edit_blocked_reason(self, info: Info) -> str | None:
        return rules.edit_blocked_reason(signed_in(info), self.model)

    @strawberry.field(description="Whether the viewer may edit the meeting now (R2).")
    def can_edit_meeting(self, info: Info) -> bool:
        return rules.meeting_edit_blocked_reason(signed_in(info), self.model) is None

    @strawberry.field
    def meeting_edit_blocked_reason(self, info: Info) -> str | None:
        return rules.meeting_edit_blocked_reason(signed_in(info), self.model)

    @strawberry.field(description="Whether the viewer may delete the session now (R3).")
    def can_delete(self, info: Info) -> bool:
        return rules.delete_blocked_reason(signed_in(info), self.model) is None

    @strawberry.field
    def delete_blocked_reason(self, info: Info) -> str | None:
        return rules.delete_blocked_reason(signed_in(info), self.model)


def _mentor_profile(info: Info, mentor: models.User | listing.MentorRow) -> MentorProfile:
    # The profile lists the mentor's sessions, so its module imports this one. This side names the type
    # lazily and finds its class in the schema, which has it from that lazy name, instead of importing it back.
    profile = info.schema.get_type_by_name("MentorProfile")
    assert isinstance(profile, StrawberryObjectDefinition)
    return cast("type[MentorProfile]", profile.origin).of(mentor)


@strawberry.type(description="How many sessions match a list, counted exactly up to a cap.")
class MatchCount:
    count: int = strawberry.field(
        description=f"The number of matching sessions when `exact`; otherwise {listing.COUNT_EXACT_UP_TO:,}, "
        "and more match (show it as such, e.g. '1,000+')."
    )
    exact: bool = strawberry.field(description="False when more sessions match than `count`.")


@strawberry.type
class SessionPage:
    items: list[Session]
    total_count: int = strawberry.field(
        description="Every matching session, counted exactly: on a large search this reads every match (see "
        "`matchCount`)."
    )
    match_count: MatchCount = strawberry.field(
        description=f"How many sessions match, exact up to {listing.COUNT_EXACT_UP_TO:,}: what a list shows. "
        "Costs about the same whatever the number of sessions."
    )
    page: int
    page_size: int
    total_pages: int
    has_next_page: bool
    has_previous_page: bool

    @classmethod
    def from_domain(cls, page: listing.SessionPage) -> SessionPage:
        return cls(
            items=[Session.of(s, mentor=s.mentor) for s in page.items],
            total_count=page.total_count,
            match_count=MatchCount(count=page.match_count, exact=page.match_count_exact),
            page=page.page,
            page_size=page.page_size,
            total_pages=page.total_pages,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
        )


@strawberry.type(description="One filter checkbox: its value and how many sessions ticking it would show.")
class FacetOption:
    value: str
    count: int


@strawberry.type
class SessionFacets:
    statuses: list[FacetOption]
    types: list[FacetOption]
    platforms: list[FacetOption]
    categories: list[FacetOption]
    recommended_for: list[FacetOption]
    mediums: list[FacetOption]

    @classmethod
    def from_domain(cls, facets: listing.SessionFacets) -> SessionFacets:
        def options(found: list[listing.FacetOption]) -> list[FacetOption]:
            return [FacetOption(value=o.value, count=o.count) for o in found]

        return cls(
            statuses=options(facets.statuses),
            types=options(facets.types),
            platforms=options(facets.platforms),
            categories=options(facets.categories),
            recommended_for=options(facets.recommended_for),
            mediums=options(facets.mediums),
        )


def to_domain_filter(filter: SessionFilter | None) -> listing.SessionFilter:
    if filter is None:
        return listing.SessionFilter()
    try:
        return listing.SessionFilter(
            statuses=list(filter.statuses or []),
            types=list(filter.types or []),
            platforms=list(filter.platforms or []),
            categories=list(filter.categories or []),
            recommended_for=list(filter.recommended_for or []),
            mediums=list(filter.mediums or []),
            mentor_ids=[listing.filter_mentor_id(i, "mentorIds entry") for i in filter.mentor_ids or []],
            starts_from=listing.filter_instant(filter.starts_from, "filter.startsFrom"),
            starts_to=listing.filter_instant(filter.starts_to, "filter.startsTo"),
            mentee_count_at_most=filter.mentee_count_at_most,
            nearly_full=filter.nearly_full,
            attending=filter.attending,
        )
    except listing.ListError as error:
        raise BadArgument(str(error)) from error


def to_domain_sort(sort: SessionSort | None) -> listing.SessionSort:
    return listing.SessionSort(field=sort.field, direction=sort.direction) if sort else listing.SessionSort()
