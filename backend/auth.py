"""Sign-in: Argon2 password hashes, session tokens (cookie or bearer), and the CSRF rule."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import HTTPConnection

from backend.models import AuthToken, User, utcnow
from backend.observability import note_viewer
from backend.settings import get_settings

COOKIE_NAME = "sessiondesk_token"
TOKEN_LIFETIME = timedelta(days=14)
_hasher = PasswordHasher()
# Verifying against a real hash when the email is unknown keeps sign-in timing from revealing accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _digest(token: str) -> str:
    # Keyed by SECRET_KEY: a copy of the token table is useless without the key, and a new key signs everyone out.
    return hmac.new(get_settings().secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


async def authenticate(email: str, password: str) -> User | None:
    user = await User.get_or_none(email=email.strip().lower())
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
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
    found = (
        await AuthToken.filter(token_hash=_digest(token), expires_at__gt=utcnow())
        .select_related("user__organization")
        .first()
    )
    user = found.user if found else None
    note_viewer(user.id if user else None)
    return user


def csrf_ok(request: HTTPConnection, from_cookie: bool) -> bool:
    """Cookie-authenticated writes must carry X-Requested-With, which a cross-site form cannot set."""
    if not from_cookie or request.scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return True
    return "x-requested-with" in request.headers


async def request_user(request: HTTPConnection) -> User | None:
    token, from_cookie = request_token(request)
    if not csrf_ok(request, from_cookie):
        return None
    return await user_for_token(token)
