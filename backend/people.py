"""The people domain: who a manager may find, whose mentor profile may be seen, and what a profile
counts (sessions hosted, the rating mentees gave). GraphQL only translates these answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from backend.inputs import control_character_problem
from backend.models import Rating, Session, SessionStatus, User

MAX_FOUND = 50


class Role(Enum):
    MENTOR = "MENTOR"
    MENTEE = "MENTEE"


class FindError(ValueError):
    """An argument of a people search that cannot be used; the message says what to send instead."""


async def find_people(viewer: User, role: Role, search: str | None, first: int) -> list[User]:
    """People of the viewer's organisation with the role whose name or email contains the search,
    by name. Only managers find anyone; everyone else gets an empty list."""
    if not 1 <= first <= MAX_FOUND:
        raise FindError(f"first must be between 1 and {MAX_FOUND}; you asked for {first}.")
    if problem := control_character_problem(search, "search"):
        raise FindError(problem)
    if not viewer.is_manager:
        return []
    has_role = Q(is_mentor=True) if role == Role.MENTOR else Q(is_mentee=True)
    query = User.filter(has_role, organization_id=viewer.organization_id).select_related("organization")
    text = (search or "").strip()
    if text:
        query = query.filter(Q(name__icontains=text) | Q(email__icontains=text))
    return await query.order_by("name", "id").limit(first)


async def find_mentor(viewer: User, mentor_id: int) -> User | None:
    """A mentor of the viewer's organisation. Someone who hosted sessions keeps a profile even after
    losing the mentor role; anyone else is None."""
    hosted = Q(id__in=Subquery(Session.filter(mentor_id=mentor_id).values("mentor_id")))
    return (
        await User.filter(Q(is_mentor=True) | hosted, id=mentor_id, organization_id=viewer.organization_id)
        .select_related("organization")
        .first()
    )


async def users_by_id(ids: Sequence[int]) -> list[User | None]:
    """The people with these IDs (with their organisation), in the same order; None for a missing one."""
    found = {u.id: u for u in await User.filter(id__in=list(ids)).select_related("organization")}
    return [found.get(i) for i in ids]


async def sessions_hosted(mentor_ids: Sequence[int]) -> list[int]:
    """For each mentor, the completed sessions they started (deleted ones do not count)."""
    rows = (
        await Session.filter(
            mentor_id__in=list(mentor_ids),
            status=SessionStatus.COMPLETED,
            started_at__isnull=False,
            deleted_at__isnull=True,
        )
        .annotate(n=Count("id"))
        .group_by("mentor_id")
        .values("mentor_id", "n")
    )
    counts = {r["mentor_id"]: r["n"] for r in rows}
    return [counts.get(i, 0) for i in mentor_ids]


async def star_counts(mentor_ids: Sequence[int]) -> list[dict[int, int]]:
    """For each mentor, how many votes of each number of stars mentees gave them."""
    rows = (
        await Rating.filter(mentor_id__in=list(mentor_ids))
        .annotate(n=Count("id"))
        .group_by("mentor_id", "stars")
        .values("mentor_id", "stars", "n")
    )
    by_mentor: dict[int, dict[int, int]] = defaultdict(dict)
    for r in rows:
        by_mentor[r["mentor_id"]][r["stars"]] = r["n"]
    return [by_mentor[i] for i in mentor_ids]


@dataclass(frozen=True)
class MentorRating:
    average: float | None  # mean stars to one decimal; None before the first vote
    votes: int
    breakdown: list[tuple[int, int]]  # (stars, votes), 5 stars down to 1


def mentor_rating(counts: dict[int, int]) -> MentorRating:
    votes = sum(counts.values())
    average = round(sum(stars * n for stars, n in counts.items()) / votes, 1) if votes else None
    return MentorRating(average=average, votes=votes, breakdown=[(s, counts.get(s, 0)) for s in range(5, 0, -1)])
