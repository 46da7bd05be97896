"""The one GraphQL schema: each domain's queries and mutations merged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import Executor, GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from backend import compat
from backend.graphql import error_policy
from backend.graphql.auth.access_tokens import AccessTokenMutations
from backend.graphql.auth.mutations import AuthMutations
from backend.graphql.auth.queries import AuthQueries
from backend.graphql.bulk_upload.mutations import BulkUploadMutations
from backend.graphql.bulk_upload.queries import BulkUploadQueries
from backend.graphql.calendar.mutations import CalendarMutations
from backend.graphql.limits import QueryLimits, TokenLimit
from backend.graphql.live.subscriptions import LiveSubscriptions, OwnContext
from backend.graphql.mentors.availability import AvailabilityQueries
from backend.graphql.mentors.queries import MentorQueries
from backend.graphql.people.queries import PeopleQueries
from backend.graphql.permissions import TokenScopes
from backend.graphql.sessions.activity import ActivityQueries
from backend.graphql.sessions.mutations import SessionMutations
from backend.graphql.sessions.queries import SessionQueries
from backend.graphql.sessions.sync import SyncQueries
from backend.graphql.vocabulary.schema import VocabularyMutations, VocabularyQueries
from backend.observability import GraphQLObservability

Query = merge_types(
    "Query",
    (
        AuthQueries,
        SessionQueries,
        SyncQueries,
        MentorQueries,
        AvailabilityQueries,
        PeopleQueries,
        BulkUploadQueries,
        VocabularyQueries,
        ActivityQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutations,
        AccessTokenMutations,
        SessionMutations,
        BulkUploadMutations,
        VocabularyMutations,
        CalendarMutations,
    ),
)
Subscription = merge_types("Subscription", (LiveSubscriptions,))


class AppSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Instead of logging every error with a traceback (Strawberry's default): see error_policy.
        error_policy.process_errors(errors, execution_context)


class EventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with each subscription event's copy memoising only its own work: shared,
    the memo grew by every event of a subscription (see compat.forget_collected_subfields)."""

    def build_per_event_executor(self, payload: Any) -> Executor:
        executor = super().build_per_event_executor(payload)
        compat.forget_collected_subfields(executor)
        return executor


class ParsedOnce(ParserCache):
    """Strawberry's parser cache, except for text that does not parse: that is left to Strawberry's own
    parsing, which answers the syntax error as a GraphQL error. Raised from the cache, the error escapes a
    subscription's handler: the subscriber hears nothing and the server logs a traceback."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            context.graphql_document = None  # parsed again by Strawberry, which reports the error
        yield


# A page of the list is mostly the same few query texts: each is parsed and validated once per process
# (bounded caches, so unusual queries cannot grow memory), which is most of a small request's cost.
# The request limits depend on the variables and the caller as well: the token count runs before the
# parser (cache), and the limits after the cached validation, keeping their answers by text, variables
# and caller (graphql/limits.py).
schema = AppSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    execution_context_class=EventExecutor,
    extensions=[
        GraphQLObservability,
        TokenLimit,
        lambda: ParsedOnce(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        QueryLimits,
        OwnContext,
        TokenScopes,
    ],
)


def export_sdl() -> str:
    return schema.as_str() + "\n"
