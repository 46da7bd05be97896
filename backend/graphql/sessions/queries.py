"""Session queries: the list, its filter counts, and one session."""

from __future__ import annotations

from dataclasses import replace

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from backend.errors import Refused
from backend.graphql.context import Info
from backend.graphql.errors import BadArgument, require_id
from backend.graphql.permissions import signed_in
from backend.graphql.sessions.types import (
    MatchCount,
    Session,
    SessionFacets,
    SessionFilter,
    SessionPage,
    SessionSort,
    to_domain_filter,
    to_domain_sort,
)
from backend.sessions import listing, trash
from backend.sessions.visibility import visible_sessions

# The fields of a page that need the count of every session in the list, and the one that counts up to a cap.
COUNTED_FIELDS = {"totalCount", "totalPages"}
CAPPED_FIELDS = {"matchCount"}


def _asks_for(selections: list[Selection], names: set[str]) -> bool:
    """Whether any of these fields is selected, directly or in a fragment (whatever its directives say:
    counting a page that did not need it costs time, not correctness)."""
    return any(s.name in names if isinstance(s, SelectedField) else _asks_for(s.selections, names) for s in selections)


async def list_sessions(
    info: Info,
    filter: SessionFilter | None,
    search: str | None,
    sort: SessionSort | None,
    page: int,
    page_size: int,
    mentor_id: int | None = None,
) -> SessionPage:
    domain_filter = to_domain_filter(filter)
    selections = info.selected_fields[0].selections
    counting = (
        listing.Counting.EXACT
        if _asks_for(selections, COUNTED_FIELDS)
        else listing.Counting.UP_TO_CAP
        if _asks_for(selections, CAPPED_FIELDS)
        else listing.Counting.NONE
    )
    if mentor_id is not None:
        domain_filter = replace(domain_filter, mentor_ids=[mentor_id])
    try:
        found = await listing.session_page(
            signed_in(info),
            domain_filter,
            search,
            to_domain_sort(sort),
            page=page,
            page_size=page_size,
            counting=counting,
        )
    except listing.ListError as error:
        raise BadArgument(str(error)) from error
    return SessionPage.from_domain(found)


@strawberry.type
class SessionQueries:
    @strawberry.field(description="The sessions the viewer sees, filtered, searched, sorted and paged.")
    async def sessions(
        self,
        info: Info,
        filter: SessionFilter | None = None,
        search: str | None = None,
        sort: SessionSort | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> SessionPage:
        return await list_sessions(info, filter, search, sort, page, page_size)

    @strawberry.field(description="Every filter option with the number of sessions it would show.")
    async def session_facets(
        self, info: Info, filter: SessionFilter | None = None, search: str | None = None
    ) -> SessionFacets:
        try:
            facets = await listing.session_facets(signed_in(info), to_domain_filter(filter), search)
        except listing.ListError as error:
            raise BadArgument(str(error)) from error
        return SessionFacets.from_domain(facets)

    @strawberry.field(
        description="Sessions deleted within TRASH_KEEP_DAYS, most recently deleted first (managers): Recently deleted."
    )
    async def deleted_sessions(self, info: Info, page: int = 1, page_size: int = 20) -> SessionPage:
        try:
            found = await trash.deleted_sessions(signed_in(info), page, page_size)
        except Refused as refused:
            raise BadArgument(refused.errors[0].message, refused.errors[0].code.value) from refused
        pages = max(1, -(-found.total_count // page_size))
        return SessionPage(
            items=[Session.of(s) for s in found.items],
            total_count=found.total_count,
            match_count=MatchCount(count=found.total_count, exact=True),
            page=page,
            page_size=page_size,
            total_pages=pages,
            has_next_page=page < pages,
            has_previous_page=page > 1,
        )

    @strawberry.field(description="One session, or null when it does not exist or is not the viewer's to see.")
    async def session(self, info: Info, id: strawberry.ID) -> Session | None:
        found = await visible_sessions(signed_in(info)).get_or_none(id=require_id(id, "Session ID"))
        return Session.of(found) if found else None
