"""Who may ask: the signed-in check every query and mutation starts from, and what an access token's scopes allow."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from backend.access_tokens import ALL_SCOPES, TokenScope
from backend.graphql.context import Info, request_channel
from backend.models import User
from backend.sessions.history import Origin


class NotSignedIn(GraphQLError):
    def __init__(self) -> None:
        super().__init__(
            "You are not signed in. Sign in with the login mutation, or send Authorization: Bearer <token>.",
            extensions={"code": "UNAUTHENTICATED"},
        )


def signed_in(info: Info) -> User:
    viewer = info.context.viewer
    if viewer is None:
        raise NotSignedIn()
    return viewer


class Forbidden(GraphQLError):
    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "FORBIDDEN"})


def missing_write_scope() -> Forbidden:
    return Forbidden(
        "This access token has the READ scope only; a mutation needs the WRITE scope. "
        "Create a token with READ and WRITE in Settings → Access tokens."
    )


class TokenScopes(SchemaExtension):
    """A mutation needs the WRITE scope; queries and subscriptions are reads. Checked before the
    operation is validated or run, so nothing of a refused mutation happens."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        scopes = getattr(context.context, "scopes", ALL_SCOPES)
        if context.graphql_document is not None and TokenScope.WRITE not in scopes:
            try:
                operation_type = context.operation_type
            except RuntimeError:  # no such operation: reported by validation
                operation_type = None
            if operation_type == OperationType.MUTATION:
                context.pre_execution_errors = [missing_write_scope(), *(context.pre_execution_errors or [])]
        yield


def signed_in_with_password(info: Info) -> User:
    """The viewer, who must have signed in with their password (the browser, or `login`): an access token
    cannot make more of them, as on GitHub."""
    viewer = signed_in(info)
    if info.context.access_token_id is not None:
        raise Forbidden("Access tokens are made by a person signed in with their password, not by another token.")
    return viewer


def acting(info: Info) -> Origin:
    """The signed-in person making a change, and through which channel."""
    return Origin.of(signed_in(info), request_channel(info.context.request))
