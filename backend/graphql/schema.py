"""The one GraphQL schema: each domain's queries and mutations merged."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from backend.graphql import error_policy
from backend.graphql.auth.mutations import AuthMutations
from backend.graphql.auth.queries import AuthQueries
from backend.graphql.bulk_upload.mutations import BulkUploadMutations
from backend.graphql.bulk_upload.queries import BulkUploadQueries
from backend.graphql.limits import RequestLimits
from backend.graphql.mentors.queries import MentorQueries
from backend.graphql.people.queries import PeopleQueries
from backend.graphql.sessions.mutations import SessionMutations
from backend.graphql.sessions.queries import SessionQueries

Query = merge_types("Query", (AuthQueries, SessionQueries, MentorQueries, PeopleQueries, BulkUploadQueries))
Mutation = merge_types("Mutation", (AuthMutations, SessionMutations, BulkUploadMutations))


class AppSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Instead of logging every error with a traceback (Strawberry's default): see error_policy.
        error_policy.process_errors(errors, execution_context)


schema = AppSchema(query=Query, mutation=Mutation, extensions=[RequestLimits])


def export_sdl() -> str:
    return schema.as_str() + "\n"
