"""Who may ask: the signed-in check every query and mutation starts from."""

from __future__ import annotations

from graphql import GraphQLError

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


def acting(info: Info) -> Origin:
    """The signed-in person making a change, and through which channel."""
    return Origin.of(signed_in(info), request_channel(info.context.request))
