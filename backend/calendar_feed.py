"""A person's calendar feed: the upcoming sessions they take part in, for a calendar app to subscribe to
(served at `GET /calendar/{token}.ics` by backend/calendar_feed_routes.py).

The token is long and random-looking: an HMAC (keyed by SECRET_KEY) of the person and a random salt
kept on the person. Only the token's SHA-256 digest is stored, to find the person when the feed is
fetched; the salt alone does not give the token, so a copy of the database does not open anyone's feed.
Resetting the feed draws a new salt, and the old URL answers 404. Changing SECRET_KEY resets every feed.

What a feed holds: a mentor's own sessions, a mentee's enrolled and invited ones, and every session of
the organisation for a manager (roles add up) — upcoming or live, not deleted, the soonest `FEED_LIMIT`.
The meeting is shown as the app shows it to that person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from tortoise.queryset import QuerySet

from backend.db import column
from backend.mail import calendar
from backend.mail.notifications import MeetingShown
from backend.models import Attendance, Session, SessionStatus, User, utcnow
from backend.sessions.visibility import participating_sessions
from backend.settings import get_settings

# A calendar app fetches the whole feed every time; the soonest sessions are the ones that matter.
FEED_LIMIT = 1000
PATH = "/calendar/{token}.ics"


def _token(person: User) -> str:
    key = get_settings().secret_key.encode()
    mac = hmac.new(key, f"calendar-feed:{person.id}:{person.calendar_feed_salt}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def feed_token(person: User) -> str:
    """The person's current feed token, made on first use (and after SECRET_KEY changed)."""
    if not person.calendar_feed_salt:
        await User.filter(id=person.id, calendar_feed_salt="").update(calendar_feed_salt=secrets.token_hex(16))
        person.calendar_feed_salt = (await User.get(id=person.id)).calendar_feed_salt  # a concurrent first use won
    token = _token(person)
    if person.calendar_feed_digest != _digest(token):
        person.calendar_feed_digest = _digest(token)
        await User.filter(id=person.id).update(calendar_feed_digest=person.calendar_feed_digest)
    return token


async def reset_feed(person: User) -> str:
    """A new token; the old URL stops working at once."""
    person.calendar_feed_salt = secrets.token_hex(16)
    person.calendar_feed_digest = _digest(_token(person))
    await User.filter(id=person.id).update(
        calendar_feed_salt=person.calendar_feed_salt, calendar_feed_digest=person.calendar_feed_digest
    )
    return _token(person)


def feed_url(base_url: str, token: str) -> str:
    """ "http://host/" + token → "http://host/calendar/<token>.ics"; PUBLIC_URL, when set, is the host."""
    return (get_settings().public_url or base_url.rstrip("/")) + PATH.format(token=token)


async def person_of(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    person = await User.filter(calendar_feed_digest=_digest(token)).select_related("organization").first()
    # The digest of a token made with an earlier SECRET_KEY no longer matches the person's token.
    return person if person is not None and hmac.compare_digest(_token(person), token) else None


def feed_sessions_query(person: User, now: datetime) -> QuerySet[Session]:
    """The person's sessions in the feed: those they see and take part in (the visibility policy)."""
    return (
        participating_sessions(person)
        .filter(status__in=[SessionStatus.UPCOMING, SessionStatus.LIVE], ends_at__gt=now)
        .order_by("starts_at", "id")
        .limit(FEED_LIMIT)
    )


async def feed_ics(person: User, now: datetime | None = None) -> bytes:
    now = now or utcnow()
    sessions = await feed_sessions_query(person, now)
    attended = set(
        await column(Attendance.filter(mentee_id=person.id, session_id__in=[s.id for s in sessions]), "session_id", int)
    )
    mentors = {u.id: u for u in await User.filter(id__in={s.mentor_id for s in sessions})}
    organizer = calendar.Organizer.from_mail_from(get_settings().mail_from)
    events = [
        calendar.session_event(
            session,
            organizer,
            attendee=None,
            mentor=mentors.get(session.mentor_id),
            meeting=MeetingShown.to(person, session, session.id in attended),
            stamp=now,
        )
        for session in sessions
    ]
    ics: bytes = calendar.calendar(events, name=f"SessionDesk: {person.name}").to_ical()
    return ics
