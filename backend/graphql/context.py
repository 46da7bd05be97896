"""What every resolver can reach: the request, the signed-in viewer and the per-request loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from backend.graphql.loaders import Loaders
from backend.models import User


@dataclass
class Context:
    request: Request
    response: Response
    viewer: User | None
    token: str | None
    loaders: Loaders = field(default_factory=Loaders)


Info = StrawberryInfo[Context, None]
