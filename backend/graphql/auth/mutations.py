"""Sign in and out; the browser gets an HttpOnly SameSite cookie, API clients the bearer token."""

from __future__ import annotations

import strawberry

from backend import auth
from backend.errors import Refused
from backend.graphql.auth.types import LoginPayload, LogoutPayload, User
from backend.graphql.context import Info
from backend.graphql.errors import user_errors
from backend.settings import get_settings


@strawberry.type
class AuthMutations:
    @strawberry.mutation(
        description=(
            "Sign in: sets the session cookie and returns a bearer token. After 5 wrong passwords for one "
            "email from one address within 15 minutes (or 100 from one address) it answers TOO_MANY_ATTEMPTS "
            "there for a while."
        )
    )
    async def login(self, info: Info, email: str, password: str) -> LoginPayload:
        client = info.context.request.client
        try:
            user = await auth.sign_in(email, password, client.host if client else "")
        except Refused as refused:
            return LoginPayload(errors=user_errors(refused.errors))
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

    @strawberry.mutation(
        description=(
            "Sign out: ends the token this request is signed in with (other devices stay signed in) and "
            "clears the cookie. Always answers errors: [], also when already signed out."
        )
    )
    async def logout(self, info: Info) -> LogoutPayload:
        if info.context.token:
            await auth.revoke_token(info.context.token)
        info.context.response.delete_cookie(auth.COOKIE_NAME, path="/")
        return LogoutPayload()
