"""Sign-in: Argon2 password hashes, throttled sign-in, session tokens (cookie or bearer), the CSRF rule."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import HTTPConnection
from tortoise import Tortoise

from backend import access_tokens, throttle
from backend.access_tokens import SignedIn
from backend.db import read_model
from backend.errors import ErrorCode, Refused, UserError
from backend.inputs import control_character_problem, length_problem
from backend.models import AuthToken, Organization, User, utcnow
from backend.observability import note_viewer
from backend.settings import get_settings

COOKIE_NAME = "sessiondesk_token"
TOKEN_LIFETIME = timedelta(days=14)
WRONG_CREDENTIALS = "The email or password is not right. Check both and try again."
_hasher = PasswordHasher()
# Verifying against a real hash when the email is unknown keeps sign-in timing from revealing accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
# Argon2 runs in these threads, never on the event loop (it takes tens of milliseconds and 64 MB each);
# a few at a time, so a flood of sign-ins queues here instead of exhausting memory.
_argon2_threads = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="argon2")

T = TypeVar("T")


async def _in_argon2_thread(work: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_argon2_threads, work, *args)


def hash_password(password: str) -> str:
    """For the command line and tests; request handlers use `hash_password_off_loop`."""
    return _hasher.hash(password)


async def hash_password_off_loop(password: str) -> str:
    return await _in_argon2_thread(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError, UnicodeEncodeError):  # a lone surrogate matches no password
        return False


def _digest(token: str) -> str:
    # Keyed by SECRET_KEY: a copy of the token table is useless without the key, and a new key signs everyone out.
    return hmac.new(get_settings().secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def _refused(field: str | None, code: ErrorCode, message: str) -> Refused:
    return Refused([UserError(field=field, code=code, message=message)])


async def sign_in(email: str, password: str, client_address: str, now: datetime | None = None) -> User:
    """The person these credentials belong to, or `Refused`: wrong credentials (one message for a wrong
    email and a wrong password), TOO_MANY_ATTEMPTS while throttled (see backend/throttle.py), or INVALID
    for an e-mail with control characters (which never reaches the database)."""
    now = now or utcnow()
    email = email.strip().lower()
    problem = length_problem(email, User, "email", "email address") or control_character_problem(email, "email")
    if problem:
        raise _refused("email", ErrorCode.INVALID, problem)
    attempt = await throttle.begin(email, client_address, now)
    if isinstance(attempt, throttle.Locked):
        raise _refused(None, ErrorCode.TOO_MANY_ATTEMPTS, attempt.message)
    user = await User.get_or_none(email=email)
    stored = user.password_hash if user and user.password_hash else ""
    if not await _in_argon2_thread(_verify, stored or _DUMMY_HASH, password) or user is None or not stored:
        raise _refused("password", ErrorCode.INVALID, WRONG_CREDENTIALS)
    await throttle.succeeded(attempt)
    if _hasher.check_needs_rehash(stored):
        # Hashed with older Argon2 parameters: store it as today's parameters would.
        user.password_hash = await hash_password_off_loop(password)
        await User.filter(id=user.id, password_hash=stored).update(password_hash=user.password_hash)
    return user


async def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    note_viewer(user.id)  # the request's log line names who signed in
    await AuthToken.create(user=user, token_hash=_digest(token), expires_at=utcnow() + TOKEN_LIFETIME)
    return token


async def revoke_token(token: str) -> None:
    await AuthToken.filter(token_hash=_digest(token)).delete()


def request_token(request: HTTPConnection) -> tuple[str | None, bool]:
    """The token a request carries, and whether it came from the cookie (which needs the CSRF header)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None, False
    cookie = request.cookies.get(COOKIE_NAME)
    return (cookie or None), bool(cookie)


@functools.cache
def _caller_statement(dialect: str) -> str:
    """The person a token signs in, with their organisation (columns named "organization.<column>"), by the
    token's digest and a moment it must not have expired by; one statement, written once per database."""
    user, organization, token = User._meta, Organization._meta, AuthToken._meta
    columns = [f'u."{c}"' for c in user.fields_db_projection.values()]
    columns += [f'o."{c}" AS "organization.{c}"' for c in organization.fields_db_projection.values()]
    digest, now = ("$1", "$2") if dialect == "postgres" else ("?", "?")
    return (
        f'SELECT {", ".join(columns)} FROM "{user.db_table}" u '
        f'JOIN "{token.db_table}" t ON t."user_id" = u."id" '
        f'JOIN "{organization.db_table}" o ON o."id" = u."organization_id" '
        f'WHERE t."token_hash" = {digest} AND t."expires_at" > {now} LIMIT 1'
    )


async def user_for_token(token: str | None) -> User | None:
    if not token:
        return None
    # The person with their organisation, in a statement written once: this runs for every request, and the
    # ORM's building of the same query cost three times the statement's round trip.
    connection = Tortoise.get_connection("default")
    statement = _caller_statement(connection.capabilities.dialect)
    _, rows = await connection.execute_query(statement, [_digest(token), utcnow()])
    user = None
    if rows:
        columns = dict(rows[0])
        organization = {
            name.removeprefix("organization."): columns.pop(name)
            for name in list(columns)
            if name.startswith("organization.")
        }
        user = read_model(User, columns)
        user.organization = read_model(Organization, organization)
    note_viewer(user.id if user else None)
    return user


async def users_for_tokens(tokens: Collection[str]) -> dict[str, User]:
    """`signed_in_with` for many tokens at once, in a query for each kind (access tokens, browser sign-ins):
    token → person, for those still signed in."""
    access = [token for token in tokens if access_tokens.is_access_token(token)]
    digests = {_digest(token): token for token in tokens if token not in access}
    found = await AuthToken.filter(token_hash__in=list(digests), expires_at__gt=utcnow()).select_related(
        "user__organization"
    )
    return {digests[row.token_hash]: row.user for row in found} | await access_tokens.users_for_secrets(access)


async def signed_in_with(token: str | None, client_address: str | None = None) -> SignedIn | None:
    """Who the token signs in, and what it may do: an access token (`sdat_…`, see backend/access_tokens.py)
    with its scopes, or a browser or `login` sign-in, which may do everything. `client_address` is noted
    as an access token's "last used from"."""
    if access_tokens.is_access_token(token):
        return await access_tokens.signed_in_with(token, client_address)
    user = await user_for_token(token)
    return SignedIn(user) if user else None


def client_address(request: HTTPConnection) -> str:
    return request.client.host if request.client else ""


def csrf_ok(request: HTTPConnection, from_cookie: bool) -> bool:
    """Cookie-authenticated writes must carry X-Requested-With, which a cross-site form cannot set."""
    if not from_cookie or request.scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return True
    return "x-requested-with" in request.headers


async def request_user(request: HTTPConnection) -> User | None:
    token, from_cookie = request_token(request)
    if not csrf_ok(request, from_cookie):
        return None
    signed_in = await signed_in_with(token, client_address(request))
    return signed_in.user if signed_in else None


async def purge_expired_tokens(now: datetime | None = None) -> int:
    """Delete sign-ins past their expiry; the number deleted."""
    return await AuthToken.filter(expires_at__lte=now or utcnow()).delete()
