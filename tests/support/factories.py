"""Test data made straight in the database: organisations, people and sessions."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from backend.auth import hash_password
from backend.models import (
    Attendance,
    AttendanceKind,
    LabelKind,
    MeetingPlatform,
    Organization,
    Session,
    SessionLabel,
    SessionStatus,
    SessionType,
    User,
    utcnow,
)

PASSWORD = "secret-pass-1"
_PASSWORD_HASH = hash_password(PASSWORD)
_numbers = itertools.count(1)


async def make_org(name: str | None = None) -> Organization:
    return await Organization.create(name=name or f"Org {next(_numbers)}")


async def make_user(org: Organization, *roles: str, name: str | None = None, email: str | None = None) -> User:
    n = next(_numbers)
    return await User.create(
        organization=org,
        email=email or f"user{n}@example.test",
        name=name or f"Person {n}",
        password_hash=_PASSWORD_HASH,
        is_manager="MANAGER" in roles,
        is_mentor="MENTOR" in roles,
        is_mentee="MENTEE" in roles,
    )


async def make_session(
    org: Organization,
    mentor: User,
    *,
    title: str = "Lesson planning",
    starts_at: datetime | None = None,
    duration: int = 60,
    type: SessionType = SessionType.PUBLIC,
    status: SessionStatus = SessionStatus.UPCOMING,
    platform: MeetingPlatform = MeetingPlatform.BIG_BLUE_BUTTON,
    medium: str = "English",
    categories: tuple[str, ...] = ("Communication",),
    recommended_for: tuple[str, ...] = ("Teachers",),
    invited: tuple[User, ...] = (),
    enrolled: tuple[User, ...] = (),
    **fields,
) -> Session:
    """A published session; each call defaults to a fresh slot days apart so mentors are never double-booked."""
    starts_at = starts_at or utcnow().replace(microsecond=0) + timedelta(days=next(_numbers))
    session = await Session.create(
        organization=org,
        mentor=mentor,
        title=title,
        description=f"About {title.lower()}.",
        type=type,
        status=status,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration),
        duration_minutes=duration,
        medium=medium,
        meeting_platform=platform,
        meeting_link={
            MeetingPlatform.GOOGLE_MEET: "https://meet.google.com/abc-defg-hij",
            MeetingPlatform.ZOOM: "https://zoom.us/j/1234567890",
        }.get(platform, ""),
        meeting_passcode="123456" if platform == MeetingPlatform.ZOOM else "",
        invited_count=len(invited),
        enrolled_count=len(enrolled),
        mentee_count=len(invited) + len(enrolled),
        started_at=starts_at if status != SessionStatus.UPCOMING else None,
        completed_at=starts_at + timedelta(minutes=duration) if status == SessionStatus.COMPLETED else None,
        **fields,
    )
    await SessionLabel.bulk_create(
        [SessionLabel(session=session, kind=LabelKind.CATEGORY, value=v, position=i) for i, v in enumerate(categories)]
        + [
            SessionLabel(session=session, kind=LabelKind.RECOMMENDED_FOR, value=v, position=i)
            for i, v in enumerate(recommended_for)
        ]
    )
    await Attendance.bulk_create(
        [Attendance(session=session, mentee=m, kind=AttendanceKind.INVITED) for m in invited]
        + [Attendance(session=session, mentee=m, kind=AttendanceKind.ENROLLED) for m in enrolled]
    )
    return session
