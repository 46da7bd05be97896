"""The one GraphQL schema: each domain's queries and mutations merged."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from backend.graphql.auth.mutations import AuthMutations
from backend.graphql.auth.queries import AuthQueries
from backend.graphql.bulk_upload.mutations import BulkUploadMutations
from backend.graphql.bulk_upload.queries import BulkUploadQueries
from backend.graphql.live.subscriptions import LiveSubscriptions
from backend.graphql.mentors.availability import AvailabilityQueries
from backend.graphql.mentors.queries import MentorQueries
from backend.graphql.people.queries import PeopleQueries
from backend.graphql.sessions.mutations import SessionMutations
from backend.graphql.sessions.queries import SessionQueries
from backend.observability import GraphQLObservability

Query = merge_types(
    "Query", (AuthQueries, SessionQueries, MentorQueries, AvailabilityQueries, PeopleQueries, BulkUploadQueries)
)
Mutation = merge_types("Mutation", (AuthMutations, SessionMutations, BulkUploadMutations))
Subscription = merge_types("Subscription", (LiveSubscriptions,))

schema = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=[GraphQLObservability])


def export_sdl() -> str:
    return schema.as_str() + "\n"
