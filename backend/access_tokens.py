"""Access tokens: named, scoped, expiring secrets with which a person's scripts and API clients sign in.

A token's secret is `sdat_` and 43 random URL-safe characters (256 bits), shown once when it is made; the
prefix lets secret scanners recognise a leaked one. Only its SHA-256 digest is stored: a high-entropy
secret needs no slow hash, and the digest is not keyed by SECRET_KEY, so rotating that key signs browsers
out but leaves scripts working. Every request looks its token up by digest (one indexed query, like a
browser sign-in), so a revoked or expired token is refused at once by every app process; a revocation is
also told over the event bus, which ends the open subscriptions signed in with it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TypeGuard

from tortoise.expressions import Q

from backend.errors import ErrorCode, Refused, UserError, refused
from backend.inputs import control_character_problem, instant_problem
from backend.models import AccessToken, User, utcnow
from backend.observability import note_viewer

PREFIX = "sdat_"
NAME_MAX = 100
TOKENS_PER_PERSON_MAX = 50
LONGEST_LIFETIME = timedelta(days=366)
# "Last used" is written at most this often per token, so that a busy script does not cost a write per request.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenScope(str, Enum):
    READ = "READ"  # queries, subscriptions and downloads
    WRITE = "WRITE"  # mutations too; implies READ


ALL_SCOPES = frozenset(TokenScope)


@dataclass(frozen=True)
class SignedIn:
    """Who a request's token signs in, and what it may do. A browser (or `login`) sign-in may do everything."""

    user: User
    scopes: frozenset[TokenScope] = ALL_SCOPES
    access_token_id: int | None = None


def is_access_token(secret: str | None) -> TypeGuard[str]:
    return secret is not None and secret.startswith(PREFIX)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_of(token: AccessToken) -> frozenset[TokenScope]:
    return frozenset(TokenScope(scope) for scope in token.scopes.split(",") if scope)


def _stored_scopes(scopes: Iterable[TokenScope]) -> str:
    given = set(scopes)
    if TokenScope.WRITE in given:
        given.add(TokenScope.READ)
    return ",".join(scope.value for scope in TokenScope if scope in given)


async def create(
    owner: User, name: str, scopes: Iterable[TokenScope], expires_at: datetime, now: datetime | None = None
) -> tuple[AccessToken, str]:
    """A new token of `owner` and its secret (which is not kept: the caller shows it once), or `Refused`."""
    now = now or utcnow()
    name = name.strip()
    stored_scopes = _stored_scopes(scopes)
    problems = []
    if not name:
        problems.append(UserError("name", ErrorCode.REQUIRED, "Give the token a name, such as “Weekly report”."))
    elif len(name) > NAME_MAX:
        problems.append(
            UserError("name", ErrorCode.INVALID, f"The name has {len(name)} characters; use at most {NAME_MAX}.")
        )
    elif problem := control_character_problem(name, "name"):
        problems.append(UserError("name", ErrorCode.INVALID, problem))
    if not stored_scopes:
        problems.append(UserError("scopes", ErrorCode.REQUIRED, "Choose READ, or READ and WRITE."))
    if expires_at.tzinfo is None:
        problems.append(UserError("expiresAt", ErrorCode.INVALID, "Give the expiry a time zone, such as Z."))
    elif problem := instant_problem(expires_at):
        problems.append(UserError("expiresAt", ErrorCode.INVALID, problem))
    elif expires_at <= now:
        problems.append(UserError("expiresAt", ErrorCode.IN_PAST, "The expiry is in the past; choose a later one."))
    elif expires_at > now + LONGEST_LIFETIME:
        problems.append(
            UserError("expiresAt", ErrorCode.INVALID, "A token lives at most a year; choose an expiry within 366 days.")
        )
    if problems:
        raise Refused(problems)
    if await AccessToken.filter(user_id=owner.id, expires_at__gt=now).count() >= TOKENS_PER_PERSON_MAX:
        raise refused(
            ErrorCode.INVALID,
            f"You have {TOKENS_PER_PERSON_MAX} access tokens, the most one person may have; revoke one first.",
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = await AccessToken.create(
        user=owner, name=name, scopes=stored_scopes, token_digest=digest(secret), expires_at=expires_at
    )
    return token, secret


def _theirs(viewer: User) -> Q:
    """Tokens the viewer may see and revoke: their own; a manager, their organisation's."""
    if viewer.is_manager:
        return Q(user__organization_id=viewer.organization_id)
    return Q(user_id=viewer.id)


async def visible_tokens(viewer: User, now: datetime | None = None) -> list[AccessToken]:
    """The viewer's tokens that have not expired (a manager: the organisation's), newest first, with their owners."""
    return (
        await AccessToken.filter(_theirs(viewer), expires_at__gt=now or utcnow())
        .select_related("user")
        .order_by("-created_at", "-id")
    )


async def revoke(viewer: User, token_id: int) -> AccessToken:
    """Deletes the token, so the next request that sends it is refused, or `Refused` with NOT_FOUND."""
    token = await AccessToken.filter(_theirs(viewer), id=token_id).select_related("user").first()
    if token is None:
        raise refused(ErrorCode.NOT_FOUND, f"There is no access token with ID {token_id} of yours to revoke.", "id")
    await AccessToken.filter(id=token.id).delete()
    return token


async def signed_in_with(secret: str, client_address: str | None, now: datetime | None = None) -> SignedIn | None:
    """Who the access token signs in, or None when it is unknown, revoked or expired. Notes when and where it
    was used, at most once a LAST_USED_EVERY (a subscription's re-checks pass no address and note nothing)."""
    now = now or utcnow()
    token = (
        await AccessToken.filter(token_digest=digest(secret), expires_at__gt=now)
        .select_related("user__organization")
        .first()
    )
    note_viewer(token.user_id if token else None)
    if token is None:
        return None
    stale = token.last_used_at is None or token.last_used_at <= now - LAST_USED_EVERY
    if client_address is not None and stale:
        # Conditional, so that processes using the token at the same moment write it once.
        await AccessToken.filter(Q(last_used_at=None) | Q(last_used_at__lte=now - LAST_USED_EVERY), id=token.id).update(
            last_used_at=now, last_used_from=client_address[:64]
        )
    return SignedIn(user=token.user, scopes=scopes_of(token), access_token_id=token.id)


async def users_for_secrets(secrets: Collection[str], now: datetime | None = None) -> dict[str, User]:
    """`signed_in_with` for many access tokens in one query (a subscription's re-check, which notes no use):
    secret → person, for those neither revoked nor expired."""
    if not secrets:
        return {}
    digests = {digest(secret): secret for secret in secrets}
    found = await AccessToken.filter(token_digest__in=list(digests), expires_at__gt=now or utcnow()).select_related(
        "user__organization"
    )
    return {digests[token.token_digest]: token.user for token in found}


async def purge_expired(now: datetime | None = None) -> int:
    """Delete access tokens past their expiry (no request can use them, no list shows them); the number deleted."""
    return await AccessToken.filter(expires_at__lte=now or utcnow()).delete()
