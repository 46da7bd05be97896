"""Access tokens over GraphQL: make one (its secret shown once), list them, revoke one."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend import access_tokens, models
from backend.errors import Refused
from backend.graphql.context import Info
from backend.graphql.errors import UserError, require_id, user_errors
from backend.graphql.permissions import signed_in, signed_in_with_password

strawberry.enum(
    access_tokens.TokenScope,
    description="READ: queries, subscriptions and downloads. WRITE: mutations too (a WRITE token can read).",
)
TokenScope = access_tokens.TokenScope


@strawberry.type(description="A person's access token, without its secret (which is shown once, when it is made).")
class AccessToken:
    id: strawberry.ID
    name: str
    scopes: list[TokenScope]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = strawberry.field(description="Noted at most once a minute.")
    last_used_from: str | None = strawberry.field(description="The client address of that use.")
    owner_name: str
    owner_email: str

    @classmethod
    def of(cls, token: models.AccessToken) -> AccessToken:
        return cls(
            id=strawberry.ID(str(token.id)),
            name=token.name,
            scopes=[scope for scope in TokenScope if scope in access_tokens.scopes_of(token)],
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            last_used_from=token.last_used_from or None,
            owner_name=token.user.name,
            owner_email=token.user.email,
        )


async def viewer_access_tokens(info: Info) -> list[AccessToken]:
    return [AccessToken.of(token) for token in await access_tokens.visible_tokens(signed_in(info))]


@strawberry.type
class CreateAccessTokenPayload:
    access_token: AccessToken | None = None
    secret: str | None = strawberry.field(
        default=None, description="Send as Authorization: Bearer <secret>. Shown this once only: keep it now."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeAccessTokenPayload:
    access_token: AccessToken | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccessTokenMutations:
    @strawberry.mutation(
        description=(
            "Make an access token for scripts and API clients: a name, READ or READ and WRITE, and an expiry "
            "within a year. Needs a password sign-in (not another access token)."
        )
    )
    async def create_access_token(
        self, info: Info, name: str, scopes: list[TokenScope], expires_at: datetime
    ) -> CreateAccessTokenPayload:
        owner = signed_in_with_password(info)
        try:
            token, secret = await access_tokens.create(owner, name, scopes, expires_at)
        except Refused as refused:
            return CreateAccessTokenPayload(errors=user_errors(refused.errors))
        token.user = owner
        return CreateAccessTokenPayload(access_token=AccessToken.of(token), secret=secret)

    @strawberry.mutation(
        description=(
            "Revoke an access token: refused from the next request on. Managers may revoke their organisation's."
        )
    )
    async def revoke_access_token(self, info: Info, id: strawberry.ID) -> RevokeAccessTokenPayload:
        viewer = signed_in(info)
        try:
            token = await access_tokens.revoke(viewer, require_id(id, "Access token ID"))
        except Refused as refused:
            return RevokeAccessTokenPayload(errors=user_errors(refused.errors))
        return RevokeAccessTokenPayload(access_token=AccessToken.of(token))
