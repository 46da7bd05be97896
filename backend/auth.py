"""Sign-in: Argon2 password hashes, throttled sign-in, session tokens (cookie or bearer), the CSRF rule."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import HTTPConnection

from backend import access_tokens, throttle
from backend.access_tokens import SignedIn
from backend.errors import ErrorCode, Refused, UserError
from backend.inputs import control_character_problem
from backend.models import AuthToken, User, utcnow
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
    problem = control_character_problem(email, "email")
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


async def user_for_token(token: str | None) -> User | None:
    if not token:
        return None
    # The person, asked for directly (with their organisation): half the cost of fetching the token and
    # following it to them, and this runs for every request.
    user = (
        await User.filter(tokens__token_hash=_digest(token), tokens__expires_at__gt=utcnow())
        .select_related("organization")
        .first()
    )
    note_viewer(user.id if user else None)
    return user


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
