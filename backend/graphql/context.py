"""What every resolver can reach: the request, the signed-in viewer and the per-request loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from backend import auth
from backend.access_tokens import ALL_SCOPES, TokenScope
from backend.graphql.loaders import Loaders
from backend.models import ActivityChannel, User


@dataclass
class Context:
    """For a subscription (a websocket), `request` is the websocket and the context lasts as long as the
    connection: a subscription starts fresh `loaders` for each event it sends."""

    request: HTTPConnection
    response: Response  # over a websocket, a stand-in that goes nowhere (no cookies there)
    viewer: User | None
    token: str | None
    # What the token may do: an access token's scopes; a browser or `login` sign-in may do everything.
    scopes: frozenset[TokenScope] = ALL_SCOPES
    # Set when the request signed in with an access token (which cannot make more of them).
    access_token_id: int | None = None
    loaders: Loaders = field(default_factory=Loaders)
    # The payload of a websocket's connection_init message (graphql-transport-ws).
    connection_params: dict[str, Any] | None = None


Info = StrawberryInfo[Context, None]


def request_channel(request: HTTPConnection) -> ActivityChannel:
    """Where a change asked over GraphQL comes from, as its history records it: the app signs in with its
    cookie; anything sending a bearer token is a GraphQL client."""
    _, from_cookie = auth.request_token(request)
    return ActivityChannel.BROWSER if from_cookie else ActivityChannel.API
