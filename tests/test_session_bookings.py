"""Rule R4 (docs/rules.md) as a session manager meets it: a mentor is never booked for two sessions at once,
nor back to back, whatever zone the times are given in.
Through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.models import Session, SessionStatus, utcnow
from tests.support.factories import make_session
from tests.support.session_requests import (
    DELETE,
    create,
    ist,
    messages,
    mutate,
    refusals,
    signed_in_desk,
    utc,
)

CLASHES = [
    ("the same hour", "15:00", 60),
    ("a 4 pm start right after 3-4 pm", "16:00", 60),
    ("an end at 3 pm right before 3-4 pm", "14:00", 60),
    ("a session enclosing 3-4 pm", "14:00", 240),
    ("a session inside 3-4 pm", "15:15", 30),
    ("an overlap of the start", "14:30", 60),
]


@pytest.mark.parametrize("case,start,minutes", CLASHES, ids=[c[0] for c in CLASHES])
async def test_a_mentor_cannot_be_booked_for_overlapping_or_back_to_back_sessions(graphql, db, case, start, minutes):
    desk = await signed_in_desk(graphql)
    await create(graphql, desk.mentor, title="Three to four", startsAt=ist("15:00"), durationMinutes=60)

    payload = await create(graphql, desk.mentor, startsAt=ist(start), durationMinutes=minutes)

    assert refusals(payload) == {("startsAt", "MENTOR_BUSY")}
    assert "Ravi Kumar already has “Three to four”" in messages(payload)
    assert "15:00 to 16:00 IST" in messages(payload)
    assert await Session.all().count() == 1


async def test_a_gap_of_a_minute_is_enough_between_two_sessions_of_a_mentor(graphql, db):
    desk = await signed_in_desk(graphql)
    await create(graphql, desk.mentor, startsAt=ist("15:00"), durationMinutes=60)

    after = await create(graphql, desk.mentor, startsAt=ist("16:01"))
    before = await create(graphql, desk.mentor, startsAt=ist("13:59"))

    assert (after["errors"], before["errors"]) == ([], [])


async def test_a_clash_is_found_whatever_zone_the_times_are_given_in(graphql, db):
    desk = await signed_in_desk(graphql)
    await create(graphql, desk.mentor, startsAt=ist("15:00"), durationMinutes=60)  # 09:30–10:30 UTC

    payload = await create(graphql, desk.mentor, startsAt=utc("10:30"))

    assert refusals(payload) == {("startsAt", "MENTOR_BUSY")}


async def test_two_mentors_can_hold_sessions_at_the_same_time(graphql, db):
    desk = await signed_in_desk(graphql)
    await create(graphql, desk.mentor)

    payload = await create(graphql, desk.other_mentor)

    assert payload["errors"] == []


async def test_a_live_session_keeps_its_mentor_busy(graphql, db):
    desk = await signed_in_desk(graphql)
    live = await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(minutes=10)
    )

    payload = await create(graphql, desk.mentor, startsAt=(live.ends_at - timedelta(minutes=1)).isoformat())

    assert refusals(payload) == {("startsAt", "MENTOR_BUSY")}


@pytest.mark.parametrize("freed_by", ["deleted", "completed"])
async def test_a_deleted_or_completed_session_frees_its_slot(graphql, db, freed_by):
    desk = await signed_in_desk(graphql)
    first = (await create(graphql, desk.mentor, startsAt=ist("15:00")))["session"]
    if freed_by == "deleted":
        assert (await mutate(graphql, DELETE, id=first["id"]))["errors"] == []
    else:  # ended early, the mentor's time is free again
        await Session.filter(id=int(first["id"])).update(status=SessionStatus.COMPLETED, completed_at=utcnow())

    payload = await create(graphql, desk.mentor, startsAt=ist("15:00"))

    assert payload["errors"] == []
