"""R4 under concurrency: managers booking one mentor at the same moment, each over their own connection,
must never both win — on PostgreSQL the exclusion constraint `session_mentor_no_clash` settles it in the
database; on SQLite the writers take turns."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import httpx
import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError

from backend.models import Session, SessionStatus, utcnow
from backend.sessions import directory
from backend.sessions.directory import Directory
from backend.sessions.writing import BOOKED_MEANWHILE, BUSY_MEANWHILE
from tests.support.databases import ON_POSTGRES
from tests.support.factories import make_session, make_user
from tests.support.graphql_client import GraphQLClient
from tests.support.session_requests import CREATE, UPDATE, a_desk, ist, mutate, refusals, session_form


@contextlib.asynccontextmanager
async def managers(app, desk, count: int):
    """`count` session managers of the desk's organisation, each signed in on an HTTP client of their own."""
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for n in range(count):
            manager = await make_user(desk.org, "MANAGER", email=f"manager{n}@race.test")
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
            )
            client = await GraphQLClient(http).login(manager.email)
            http.cookies.clear()  # each speaks by bearer token, as an API client does
            clients.append(client)
        yield clients


def outcome(payloads: list[dict]) -> tuple[int, set]:
    """How many requests won, and what the others were told."""
    winners = [p for p in payloads if p["errors"] == []]
    refused = set().union(*(refusals(p) for p in payloads if p["errors"]))
    return len(winners), refused


@pytest.fixture
def every_request_passes_the_python_check_together(monkeypatch):
    """Writers that do not take turns (as a bulk upload checking preloaded bookings): the first `parties`
    R4 checks are held until all of them are made, so none saw the others' booking and only the
    database can stop the losers. Checks after those (a change run again) are not held."""

    def arrange(parties: int) -> None:
        monkeypatch.setattr(directory, "take_turns_booking", no_turns)
        barrier = asyncio.Barrier(parties)
        check = Directory.clash
        held = []

        async def clash_then_wait(self, *args, **kwargs):
            found = await check(self, *args, **kwargs)
            if len(held) < parties:
                held.append(found)
                async with asyncio.timeout(20):
                    await barrier.wait()
            return found

        monkeypatch.setattr(Directory, "clash", clash_then_wait)

    async def no_turns(mentor_id: int) -> None:
        pass

    return arrange


# --- both backends ---------------------------------------------------------------------------------


async def test_of_eight_managers_booking_one_mentor_slot_at_once_exactly_one_wins(app, db):
    desk = await a_desk()

    async with managers(app, desk, 8) as clients:
        payloads = await asyncio.gather(*(
            mutate(client, CREATE, input=session_form(desk.mentor, title=f"Booking {n}", startsAt=ist("15:00")))
            for n, client in enumerate(clients)
        ))  # fmt: skip

    assert outcome(payloads) == (1, {("startsAt", "MENTOR_BUSY")}), [p["errors"] for p in payloads]
    winner = next(p["session"]["title"] for p in payloads if p["session"])
    # the bookings took turns, so each loser is told which session took the slot
    for payload in payloads:
        assert payload["session"] or payload["errors"][0]["message"].startswith(f"Ravi Kumar already has “{winner}”")
    assert await Session.filter(mentor_id=desk.mentor.id).count() == 1


async def test_touching_overlapping_and_enclosing_bookings_made_at_once_leave_exactly_one(app, db):
    desk = await a_desk()
    # All of them hold 4 pm, so every pair clashes: 3–4 pm touches 4–5 pm, 3:30–4:30 overlaps both,
    # 2–6 pm encloses all, 3:45–4:15 sits inside three of them.
    slots = [("15:00", 60), ("16:00", 60), ("15:30", 60), ("14:00", 240), ("15:45", 30), ("16:00", 30)]

    async with managers(app, desk, len(slots)) as clients:
        payloads = await asyncio.gather(*(
            mutate(client, CREATE, input=session_form(desk.mentor, startsAt=ist(start), durationMinutes=minutes))
            for client, (start, minutes) in zip(clients, slots, strict=True)
        ))  # fmt: skip

    assert outcome(payloads) == (1, {("startsAt", "MENTOR_BUSY")}), [p["errors"] for p in payloads]
    assert await Session.filter(mentor_id=desk.mentor.id).count() == 1


async def test_two_managers_moving_two_sessions_of_a_mentor_into_one_slot_at_once_move_only_one(app, db):
    desk = await a_desk()
    morning = await make_session(desk.org, desk.mentor, title="Morning", starts_at=datetime.fromisoformat(ist("09:00")))
    noon = await make_session(desk.org, desk.mentor, title="Noon", starts_at=datetime.fromisoformat(ist("12:00")))

    async with managers(app, desk, 2) as (first, second):
        payloads = await asyncio.gather(
            mutate(first, UPDATE, id=str(morning.id), input={"startsAt": ist("18:00")}),
            mutate(second, UPDATE, id=str(noon.id), input={"startsAt": ist("18:30")}),
        )

    assert outcome(payloads) == (1, {("startsAt", "MENTOR_BUSY")}), [p["errors"] for p in payloads]
    moved = next(p["session"]["title"] for p in payloads if p["session"])
    assert next(p for p in payloads if p["errors"])["errors"][0]["message"].startswith(
        f"Ravi Kumar already has “{moved}”"
    )


async def test_bookings_of_different_mentors_made_at_once_all_succeed(app, db):
    desk = await a_desk()
    mentors = [desk.mentor, desk.other_mentor] + [await make_user(desk.org, "MENTOR") for _ in range(3)]

    async with managers(app, desk, len(mentors)) as clients:
        payloads = await asyncio.gather(*(
            mutate(client, CREATE, input=session_form(mentor, startsAt=ist("15:00")))
            for client, mentor in zip(clients, mentors, strict=True)
        ))  # fmt: skip

    assert outcome(payloads) == (len(mentors), set())


# --- PostgreSQL: the database itself keeps R4 ----------------------------------------------------


@ON_POSTGRES
async def test_when_every_request_passed_the_check_together_the_database_lets_only_one_book(
    app, db, every_request_passes_the_python_check_together
):
    desk = await a_desk()
    every_request_passes_the_python_check_together(3)  # within the connection pool of 5

    async with managers(app, desk, 3) as clients:
        payloads = await asyncio.gather(*(
            mutate(client, CREATE, input=session_form(desk.mentor, startsAt=ist(start)))
            # an hour each, all holding 3:30 pm
            for client, start in zip(clients, ["15:00", "15:30", "14:30"], strict=True)
        ))  # fmt: skip

    winners, refused = outcome(payloads)
    assert winners == 1, payloads
    # Refused by the constraint, by the rules when the change ran again after a deadlock, or — when
    # the writers deadlocked each time it ran — asked to try again; never booked, never an error.
    assert refused <= {("startsAt", "MENTOR_BUSY"), (None, "CONFLICT")}, payloads
    for told in [p["errors"][0]["message"] for p in payloads if p["errors"]]:
        assert told in (BOOKED_MEANWHILE, BUSY_MEANWHILE) or told.startswith("Ravi Kumar already has"), told
    assert await Session.filter(mentor_id=desk.mentor.id).count() == 1


@ON_POSTGRES
async def test_two_sessions_moved_into_one_slot_at_once_only_one_moves(
    app, db, every_request_passes_the_python_check_together
):
    desk = await a_desk()
    morning = await make_session(desk.org, desk.mentor, starts_at=datetime.fromisoformat(ist("09:00")))
    noon = await make_session(desk.org, desk.mentor, starts_at=datetime.fromisoformat(ist("12:00")))
    every_request_passes_the_python_check_together(2)

    async with managers(app, desk, 2) as (first, second):
        payloads = await asyncio.gather(
            mutate(first, UPDATE, id=str(morning.id), input={"startsAt": ist("18:00")}),
            mutate(second, UPDATE, id=str(noon.id), input={"startsAt": ist("18:30")}),
        )

    winners, refused = outcome(payloads)
    assert winners == 1 and refused <= {("startsAt", "MENTOR_BUSY"), (None, "CONFLICT")}, payloads
    evening = datetime.fromisoformat(ist("18:00"))
    moved = [s for s in await Session.filter(id__in=[morning.id, noon.id]) if s.starts_at >= evening]
    assert len(moved) == 1


INSERT = """
INSERT INTO "session" (organization_id, mentor_id, title, description, type, status, starts_at, ends_at,
  duration_minutes, time_zone, medium, meeting_platform, meeting_link, meeting_passcode, seats_limit,
  enrolled_count, invited_count, mentee_count, image_path, created_at, updated_at, deleted_at)
VALUES ($1, $2, 'Inserted by hand', '', 'PUBLIC', $3, $4, $5, 60, 'IST', 'English', 'BIG_BLUE_BUTTON', '', '', 20,
  0, 0, 0, '', now(), now(), $6)
"""


async def insert_by_hand(desk, mentor, start: str, status: str = "UPCOMING", deleted_at=None) -> None:
    starts_at = datetime.fromisoformat(ist(start))
    await Tortoise.get_connection("default").execute_query(
        INSERT, [desk.org.id, mentor.id, status, starts_at, starts_at + timedelta(minutes=60), deleted_at]
    )


@ON_POSTGRES
@pytest.mark.parametrize(
    "start",
    ["15:00", "15:30", "14:00", "16:00"],
    ids=["same", "overlapping", "ending as it starts", "starting as it ends"],
)
async def test_the_database_refuses_a_clashing_insert_that_bypasses_the_rules(db, start):
    desk = await a_desk()
    await make_session(desk.org, desk.mentor, starts_at=datetime.fromisoformat(ist("15:00")), duration=60)

    with pytest.raises(IntegrityError, match="session_mentor_no_clash"):
        await insert_by_hand(desk, desk.mentor, start)

    assert await Session.filter(mentor_id=desk.mentor.id).count() == 1


@ON_POSTGRES
async def test_the_database_lets_deleted_completed_and_other_mentors_sessions_share_the_time(db):
    desk = await a_desk()
    await make_session(desk.org, desk.mentor, starts_at=datetime.fromisoformat(ist("15:00")), duration=60)

    await insert_by_hand(desk, desk.mentor, "15:00", deleted_at=utcnow())
    await insert_by_hand(desk, desk.mentor, "15:30", status=SessionStatus.COMPLETED.value)
    await insert_by_hand(desk, desk.other_mentor, "15:00")
    await insert_by_hand(desk, desk.mentor, "16:01")

    assert await Session.all().count() == 5


@ON_POSTGRES
async def test_the_database_refuses_a_live_session_clashing_with_an_upcoming_one(db):
    desk = await a_desk()
    await make_session(desk.org, desk.mentor, starts_at=datetime.fromisoformat(ist("15:00")), duration=60)

    with pytest.raises(IntegrityError, match="session_mentor_no_clash"):
        await insert_by_hand(desk, desk.mentor, "15:45", status=SessionStatus.LIVE.value)
