"""Sign in and out; the browser gets an HttpOnly SameSite cookie, API clients the bearer token."""

from __future__ import annotations

import strawberry

from backend import auth
from backend.errors import ErrorCode
from backend.graphql.auth.types import LoginPayload, LogoutPayload, User
from backend.graphql.context import Info
from backend.graphql.errors import UserError
from backend.settings import get_settings

WRONG_CREDENTIALS = "The email or password is not right. Check both and try again."


@strawberry.type
class AuthMutations:
    @strawberry.mutation(description="Sign in: sets the session cookie and returns a bearer token.")
    async def login(self, info: Info, email: str, password: str) -> LoginPayload:
        user = await auth.authenticate(email, password)
        if user is None:
            return LoginPayload(errors=[UserError(field="password", code=ErrorCode.INVALID, message=WRONG_CREDENTIALS)])
        await user.fetch_related("organization")
        token = await auth.issue_token(user)
        info.context.response.set_cookie(
            auth.COOKIE_NAME,
            token,
            max_age=int(auth.TOKEN_LIFETIME.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=not get_settings().debug and info.context.request.url.scheme == "https",
            path="/",
        )
        return LoginPayload(user=User(model=user), token=token)

    @strawberry.mutation(description="Sign out: ends this sign-in and clears the cookie.")
    async def logout(self, info: Info) -> LogoutPayload:
        if info.context.token:
            await auth.revoke_token(info.context.token)
        info.context.response.delete_cookie(auth.COOKIE_NAME, path="/")
        return LogoutPayload()
