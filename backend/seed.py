"""Demo data and people: two organisations with sessions in every status, type and platform."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from backend.auth import hash_password
from backend.db import insert_rows
from backend.models import (
    Attendance,
    AttendanceKind,
    LabelKind,
    MeetingPlatform,
    Organization,
    Rating,
    Session,
    SessionLabel,
    SessionStatus,
    SessionTimeZone,
    SessionType,
    User,
    VocabularyKind,
    VocabularyValue,
    utcnow,
)
from backend.sessions import tallies
from backend.sessions.rules import match_key

DEMO_PASSWORD = "demo1234"
# Sessions made and written at a time (with their labels, invitations and ratings): a million demo sessions
# are written in this many-row statements, one array per column, holding one chunk in memory at a time.
CHUNK = 10_000
MAX_SESSIONS = 1_000_000
DEMO_TWO_DESKS = "mentor-mentee"
TOPICS = [
    "Classroom communication",
    "Lesson planning",
    "Foundational literacy",
    "Numeracy games",
    "Leading a school",
    "Parent engagement",
    "Inclusive classrooms",
    "Assessment for learning",
    "Digital tools",
    "Storytelling",
    "Project-based learning",
    "Peer observation",
    "Wellbeing at work",
    "Science with everyday things",
    "Mentoring new teachers",
    "Reading circles",
]
CATEGORIES = ["Communication", "Life skills", "Leadership", "Pedagogy", "STEM", "Wellbeing"]
RECOMMENDED_FOR = ["Teachers", "Block education officer", "School leaders", "Cluster resource persons"]
MEDIUMS = ["English", "Hindi", "Kannada", "Tamil"]
DURATIONS = [30, 45, 60, 90, 120]
FIRST_NAMES = [
    "Asha",
    "Ravi",
    "Meena",
    "Arjun",
    "Lakshmi",
    "Vikram",
    "Priya",
    "Kiran",
    "Divya",
    "Suresh",
    "Anita",
    "Rahul",
    "Neha",
    "Manoj",
    "Kavya",
    "Sanjay",
    "Pooja",
    "Imran",
    "Farah",
    "Gopal",
]
LAST_NAMES = ["Rao", "Sharma", "Iyer", "Nair", "Patel", "Reddy", "Das", "Khan", "Menon", "Gupta"]


async def create_user(
    email: str, name: str, password: str, org_name: str, roles: list[str], designation: str = ""
) -> User:
    """Create a person (and their organisation if new); roles from MANAGER, MENTOR, MENTEE."""
    email = email.strip().lower()
    if await User.exists(email=email):
        raise ValueError(f"A user with email {email} already exists; choose another email.")
    org, _ = await Organization.get_or_create(name=org_name.strip())
    return await User.create(
        organization=org,
        email=email,
        name=name.strip(),
        designation=designation,
        password_hash=hash_password(password),
        is_manager="MANAGER" in roles,
        is_mentor="MENTOR" in roles,
        is_mentee="MENTEE" in roles,
    )


def _name(i: int) -> str:
    return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // len(FIRST_NAMES) + i) % len(LAST_NAMES)]}"


async def _people(
    org: Organization, domain: str, manager_email: str, mentors: int, mentees: int, password_hash: str
) -> tuple[list[User], list[User]]:
    users = [
        User(
            organization=org,
            email=manager_email,
            name="Sunita Manager",
            designation="Programme manager",
            password_hash=password_hash,
            is_manager=True,
        )
    ]
    users += [
        User(
            organization=org,
            email=f"mentor{i + 1}@{domain}",
            name=_name(i),
            designation="Mentor",
            password_hash=password_hash,
            is_mentor=True,
        )
        for i in range(mentors)
    ]
    users += [
        User(
            organization=org,
            email=f"mentee{i + 1}@{domain}",
            name=_name(i + 7),
            designation="Teacher",
            password_hash=password_hash,
            is_mentee=True,
        )
        for i in range(mentees)
    ]
    await User.bulk_create(users, batch_size=1000)
    found = await User.filter(organization=org).order_by("id")
    return [u for u in found if u.is_mentor], [u for u in found if u.is_mentee]


def _meeting(rng: random.Random, index: int) -> tuple[str, str, str]:
    """(platform, link, passcode) of the index-th demo session."""
    platform = list(MeetingPlatform)[index % 3]
    if platform == MeetingPlatform.GOOGLE_MEET:
        code = "".join(rng.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(10))
        return platform.value, f"https://meet.google.com/{code[:3]}-{code[3:7]}-{code[7:]}", ""
    if platform == MeetingPlatform.ZOOM:
        return platform.value, f"https://zoom.us/j/{rng.randint(10**9, 10**10 - 1)}", str(rng.randint(100000, 999999))
    return platform.value, "", ""


SESSION_COLUMNS = (
    "id",
    "organization_id",
    "mentor_id",
    "title",
    "description",
    "type",
    "status",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "time_zone",
    "medium",
    "meeting_platform",
    "meeting_link",
    "meeting_passcode",
    "seats_limit",
    "enrolled_count",
    "invited_count",
    "mentee_count",
    "image_path",
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
)


async def _write(sessions: list[Any], labels: list[Any], attendances: list[Any], ratings: list[Any]) -> None:
    await insert_rows(Session, SESSION_COLUMNS, sessions)
    await insert_rows(SessionLabel, ("session_id", "kind", "value", "position"), labels)
    await insert_rows(Attendance, ("session_id", "mentee_id", "kind", "created_at"), attendances)
    await insert_rows(Rating, ("session_id", "mentee_id", "mentor_id", "stars", "created_at"), ratings)
    for rows in (sessions, labels, attendances, ratings):
        rows.clear()


def _slot(
    index: int,
    mentor: User,
    mentors: int,
    now: datetime,
    next_past: dict[int, datetime],
    next_future: dict[int, datetime],
) -> tuple[SessionStatus, datetime]:
    """The status and start of the index-th session, on its mentor's timeline of 4-hour slots, so that no
    two of their sessions touch (rule R4): a few live now, three in ten completed, the rest upcoming."""
    if index < mentors // 2 and index % 2 == 0:
        return SessionStatus.LIVE, now - timedelta(minutes=10)
    if index % 10 < 3:
        next_past[mentor.id] -= timedelta(hours=4)
        return SessionStatus.COMPLETED, next_past[mentor.id] + timedelta(hours=4)
    next_future[mentor.id] += timedelta(hours=4)
    return SessionStatus.UPCOMING, next_future[mentor.id] - timedelta(hours=4)


def _session_row(
    session_id: int,
    index: int,
    org: Organization,
    mentor: User,
    timing: tuple[SessionStatus, datetime, int],
    session_type: SessionType,
    mentees: tuple[list[int], list[int]],
    seats: int,
    now: datetime,
    rng: random.Random,
) -> tuple:
    status, starts_at, duration = timing
    invited, enrolled = mentees
    ends_at = starts_at + timedelta(minutes=duration)
    topic = TOPICS[index % len(TOPICS)]
    return (
        session_id,
        org.id,
        mentor.id,
        f"{topic} #{index + 1}",
        f"A mentoring session on {topic.lower()}: practical ideas to try this week.",
        session_type.value,
        status.value,
        starts_at,
        ends_at,
        duration,
        (SessionTimeZone.IST if index % 5 else SessionTimeZone.UTC).value,
        MEDIUMS[index % len(MEDIUMS)],
        *_meeting(rng, index),
        seats,
        len(enrolled),
        len(invited),
        len(enrolled) + len(invited),
        "",
        now,
        now,
        starts_at if status != SessionStatus.UPCOMING else None,
        ends_at if status == SessionStatus.COMPLETED else None,
    )


async def _sessions(
    connection: BaseDBAsyncClient,
    org: Organization,
    mentors: list[User],
    mentees: list[User],
    count: int,
    rng: random.Random,
    seats: int,
) -> int:
    now = utcnow().replace(second=0, microsecond=0)
    last = await Session.all().order_by("-id").first()
    first_id = (last.id if last else 0) + 1
    sessions, labels, attendances, ratings = [], [], [], []
    mentee_ids = [m.id for m in mentees]
    next_past = {m.id: now - timedelta(days=1) for m in mentors}
    next_future = {m.id: now + timedelta(days=1, hours=rng.randint(0, 48)) for m in mentors}
    for index in range(count):
        mentor = mentors[index % len(mentors)]
        duration = rng.choice(DURATIONS)
        status, starts_at = _slot(index, mentor, len(mentors), now, next_past, next_future)
        session_type = SessionType.PRIVATE if index % 4 == 3 else SessionType.PUBLIC
        session_id = first_id + index
        invited = rng.sample(mentee_ids, k=1 if session_type == SessionType.PRIVATE else rng.randint(0, 3))
        enrolled = (
            []
            if session_type == SessionType.PRIVATE
            else rng.sample([m for m in mentee_ids if m not in invited], k=rng.randint(0, 5))
        )
        timing = (status, starts_at, duration)
        row = _session_row(session_id, index, org, mentor, timing, session_type, (invited, enrolled), seats, now, rng)
        sessions.append(row)
        for kind, choices in ((LabelKind.CATEGORY, CATEGORIES), (LabelKind.RECOMMENDED_FOR, RECOMMENDED_FOR)):
            for position, value in enumerate(rng.sample(choices, k=rng.randint(1, 2))):
                labels.append((session_id, kind.value, value, position))
        for attendance, people in ((AttendanceKind.INVITED, invited), (AttendanceKind.ENROLLED, enrolled)):
            attendances += [(session_id, mentee_id, attendance.value, now) for mentee_id in people]
        if status == SessionStatus.COMPLETED:
            ratings += [
                (session_id, mentee_id, mentor.id, rng.choice([3, 4, 4, 5, 5]), now)
                for mentee_id in invited + enrolled
                if rng.random() < 0.7
            ]
        if len(sessions) == CHUNK:
            await _write(sessions, labels, attendances, ratings)
    await _write(sessions, labels, attendances, ratings)
    if connection.capabilities.dialect == "postgres":
        # Sessions were given their IDs above; move the sequence past them.
        await connection.execute_script(
            "SELECT setval(pg_get_serial_sequence('session', 'id'), (SELECT MAX(id) FROM session))"
        )
    return count


# The lists a demo organisation starts with: the values its sessions use, and a few not used yet.
DEMO_VOCABULARY = {
    VocabularyKind.CATEGORY: [*CATEGORIES, "Career guidance", "Inclusive education"],
    VocabularyKind.RECOMMENDED_FOR: [*RECOMMENDED_FOR, "Head teachers", "Parents"],
    VocabularyKind.MEDIUM: [*MEDIUMS, "Marathi"],
}


async def _vocabulary(org: Organization) -> None:
    await VocabularyValue.bulk_create(
        [
            VocabularyValue(organization=org, kind=kind, value=value, match_key=match_key(value), position=position)
            for kind, values in DEMO_VOCABULARY.items()
            for position, value in enumerate(values, 1)
        ]
    )


async def seed_demo(sessions: int = 120, seats_limit: int = 20) -> str:
    if await User.exists(email="manager@example.org"):
        return "Demo data is already there (manager@example.org exists); nothing was added."
    rng = random.Random(20261128)
    password_hash = hash_password(DEMO_PASSWORD)
    async with in_transaction() as connection:
        made = 0
        for org_name, domain, share in (
            ("Demo Mentoring Programme", "example.org", 0.8),
            ("Other Mentoring Programme", "other.example.org", 0.2),
        ):
            org = await Organization.create(name=org_name)
            await _vocabulary(org)
            mentors, mentees = await _people(
                org, domain, f"manager@{domain}", 8 if share > 0.5 else 3, 40 if share > 0.5 else 12, password_hash
            )
            made += await _sessions(
                connection, org, mentors, mentees, max(4, round(sessions * share)), rng, seats_limit
            )
            if domain == "example.org":
                # Someone with two desks, to show the switch between them; made last, so no session is theirs.
                await User.create(
                    organization=org,
                    email=f"{DEMO_TWO_DESKS}@{domain}",
                    name="Zara Mentor-Mentee",
                    designation="Mentor and teacher",
                    password_hash=password_hash,
                    is_mentor=True,
                    is_mentee=True,
                )
    # The inserts left a tally row per combination and statement: fold them, as the housekeeper would.
    await tallies.fold()
    return (
        f"Made 2 organisations and {made} sessions. Sign in as manager@example.org, mentor1@example.org, "
        f"mentee1@example.org or {DEMO_TWO_DESKS}@example.org (mentor and mentee) with password {DEMO_PASSWORD}."
    )
