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
    VocabularyKind,
    VocabularyValue,
    utcnow,
)
from backend.sessions.rules import match_key

PASSWORD = "secret-pass-1"
_numbers = itertools.count(1)


# The lists of values every test organisation starts with, as a manager would have set them up.
VOCABULARY = {
    VocabularyKind.CATEGORY: ("Communication", "Life skills", "Leadership", "Pedagogy", "Career guidance", "Planning"),
    VocabularyKind.RECOMMENDED_FOR: ("Teachers", "School leaders", "Head teachers", "Block education officer"),
    VocabularyKind.MEDIUM: ("English", "Hindi", "Tamil"),
}


async def make_org(
    name: str | None = None, vocabulary: dict[VocabularyKind, tuple[str, ...]] = VOCABULARY
) -> Organization:
    org = await Organization.create(name=name or f"Org {next(_numbers)}")
    for kind, values in vocabulary.items():
        await add_vocabulary(org, kind, values)
    return org


async def add_vocabulary(org: Organization, kind: VocabularyKind, values: tuple[str, ...] | list[str]) -> None:
    """Adds the values the organisation's list lacks (matched as the app matches them)."""
    have = set(await VocabularyValue.filter(organization=org, kind=kind).values_list("match_key", flat=True))
    new = []
    for value in values:
        if match_key(value) not in have:
            have.add(match_key(value))
            new.append(
                VocabularyValue(
                    organization=org, kind=kind, value=value, match_key=match_key(value), position=len(have)
                )
            )
    if new:
        await VocabularyValue.bulk_create(new)


async def make_user(org: Organization, *roles: str, name: str | None = None, email: str | None = None) -> User:
    n = next(_numbers)
    return await User.create(
        organization=org,
        email=email or f"user{n}@example.test",
        name=name or f"Person {n}",
        # Hashed here, not once at import, so that it is hashed as the test's hasher hashes (tests/conftest.py).
        password_hash=hash_password(PASSWORD),
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
    await add_vocabulary(org, VocabularyKind.CATEGORY, categories)
    await add_vocabulary(org, VocabularyKind.RECOMMENDED_FOR, recommended_for)
    await add_vocabulary(org, VocabularyKind.MEDIUM, [medium])
    await Attendance.bulk_create(
        [Attendance(session=session, mentee=m, kind=AttendanceKind.INVITED) for m in invited]
        + [Attendance(session=session, mentee=m, kind=AttendanceKind.ENROLLED) for m in enrolled]
    )
    return session


def minutes_from_now(minutes: float) -> datetime:
    return utcnow().replace(microsecond=0) + timedelta(minutes=minutes)
