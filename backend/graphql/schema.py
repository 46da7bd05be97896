"""The one GraphQL schema: each domain's queries and mutations merged."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.tools import merge_types

from backend.graphql.auth.mutations import AuthMutations
from backend.graphql.auth.queries import AuthQueries
from backend.graphql.bulk_upload.mutations import BulkUploadMutations
from backend.graphql.bulk_upload.queries import BulkUploadQueries
from backend.graphql.calendar.mutations import CalendarMutations
from backend.graphql.mentors.queries import MentorQueries
from backend.graphql.people.queries import PeopleQueries
from backend.graphql.sessions.mutations import SessionMutations
from backend.graphql.sessions.queries import SessionQueries
from backend.graphql.vocabulary.schema import VocabularyMutations, VocabularyQueries
from backend.observability import GraphQLObservability

Query = merge_types(
    "Query", (AuthQueries, SessionQueries, MentorQueries, PeopleQueries, BulkUploadQueries, VocabularyQueries)
)
Mutation = merge_types(
    "Mutation", (AuthMutations, SessionMutations, BulkUploadMutations, VocabularyMutations, CalendarMutations)
)

# A page of the list is mostly the same few query texts: each is parsed and validated once per process
# (bounded caches, so unusual queries cannot grow memory), which is most of a small request's cost.
schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        GraphQLObservability,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ],
)


def export_sdl() -> str:
    return schema.as_str() + "\n"
