"""mentorAvailability: a mentor's busy time with R4's gap, for managers — and that a session fits exactly
when it stays outside every busy interval, as the session rules decide."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.models import SessionStatus
from tests.support.factories import make_org, make_session, make_user
from tests.support.graphql_client import client_for
from tests.support.session_requests import CREATE, DAY, a_desk, as_utc, ist, mutate, refusals, session_form

AVAILABILITY = """
query($mentorId: ID!, $from: DateTime!, $to: DateTime!) {
  mentorAvailability(mentorId: $mentorId, from: $from, to: $to) {
    startsAt endsAt sessionId title status sessionStartsAt sessionEndsAt
  }
}
"""


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


async def test_a_manager_sees_the_mentors_upcoming_and_live_sessions_widened_by_r4s_gap(http, db):
    desk = await a_desk()
    lesson = await make_session(desk.org, desk.mentor, title="Lesson", starts_at=at(ist("15:00")))
    live = await make_session(
        desk.org, desk.mentor, title="Running", starts_at=at(ist("10:00")), status=SessionStatus.LIVE
    )
    # None of these is busy time: completed, deleted, another mentor's, or outside the range.
    await make_session(desk.org, desk.mentor, starts_at=at(ist("12:00")), status=SessionStatus.COMPLETED)
    await make_session(desk.org, desk.mentor, starts_at=at(ist("18:00")), deleted_at=at(ist("09:00")))
    await make_session(desk.org, desk.other_mentor, starts_at=at(ist("20:00")))
    await make_session(desk.org, desk.mentor, starts_at=at(ist("15:00", DAY + timedelta(days=1))))
    manager = await client_for(http, desk.manager)

    found = await manager.execute(
        AVAILABILITY, {"mentorId": str(desk.mentor.id), "from": ist("00:00"), "to": ist("23:59")}
    )

    assert found["mentorAvailability"] == [
        {
            "startsAt": as_utc(ist("09:59")),
            "endsAt": as_utc(ist("11:01")),
            "sessionId": str(live.id),
            "title": "Running",
            "status": "LIVE",
            "sessionStartsAt": as_utc(ist("10:00")),
            "sessionEndsAt": as_utc(ist("11:00")),
        },
        {
            "startsAt": as_utc(ist("14:59")),
            "endsAt": as_utc(ist("16:01")),
            "sessionId": str(lesson.id),
            "title": "Lesson",
            "status": "UPCOMING",
            "sessionStartsAt": as_utc(ist("15:00")),
            "sessionEndsAt": as_utc(ist("16:00")),
        },
    ]


async def test_a_new_session_fits_exactly_when_it_stays_outside_every_busy_interval(http, db):
    desk = await a_desk()
    await make_session(desk.org, desk.mentor, title="Lesson", starts_at=at(ist("15:00")))
    manager = await client_for(http, desk.manager)
    (busy,) = (
        await manager.execute(AVAILABILITY, {"mentorId": str(desk.mentor.id), "from": ist("00:00"), "to": ist("23:59")})
    )["mentorAvailability"]

    async def create(starts_at: str) -> set:
        return refusals(await mutate(manager, CREATE, input=session_form(desk.mentor, startsAt=starts_at)))

    # Inside the busy interval, a minute either side of the session itself: R4 refuses (back to back).
    assert await create(ist("16:00")) == {("startsAt", "MENTOR_BUSY")}
    assert await create(ist("14:00")) == {("startsAt", "MENTOR_BUSY")}  # ends 15:00, touching its start
    # Touching the busy interval's edges: allowed.
    assert as_utc(ist("16:01")) == busy["endsAt"]
    assert await create(ist("16:01")) == set()
    assert as_utc(ist("14:59")) == busy["startsAt"]
    assert await create(ist("13:59")) == set()  # ends 14:59


async def test_a_range_includes_a_session_whose_gap_reaches_into_it(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=at(ist("22:00")), duration=120)
    manager = await client_for(http, desk.manager)
    next_day = DAY + timedelta(days=1)

    async def ids(start: str, end: str) -> list[str]:
        found = await manager.execute(AVAILABILITY, {"mentorId": str(desk.mentor.id), "from": start, "to": end})
        return [b["sessionId"] for b in found["mentorAvailability"]]

    assert await ids(ist("00:00", next_day), ist("12:00", next_day)) == [str(session.id)]  # runs past midnight
    assert await ids(ist("00:00", next_day - timedelta(days=2)), ist("21:59")) == []  # the gap starts 21:59
    assert await ids(ist("00:00", next_day - timedelta(days=2)), ist("22:00")) == [str(session.id)]
    # Busy intervals and ranges meet without overlapping at their edges: the gap ends 00:01.
    assert await ids(ist("00:01", next_day), ist("12:00", next_day)) == []


async def test_only_managers_ask_for_at_most_31_days_about_their_own_organisations_mentors(http, db):
    desk = await a_desk()
    elsewhere = await make_user(await make_org(), "MENTOR")
    manager = await client_for(http, desk.manager)
    mentor = await client_for(http, desk.mentor)
    week = {"mentorId": str(desk.mentor.id), "from": ist("00:00"), "to": ist("00:00", DAY + timedelta(days=7))}

    (message,) = await mentor.errors(AVAILABILITY, week)
    assert "Only session managers" in message
    (message,) = await manager.errors(AVAILABILITY, {**week, "to": ist("00:01", DAY + timedelta(days=31))})
    assert "at most 31 days" in message
    assert (await manager.execute(AVAILABILITY, {**week, "to": ist("00:00", DAY + timedelta(days=31))})) == {
        "mentorAvailability": []
    }
    (message,) = await manager.errors(AVAILABILITY, {**week, "to": week["from"]})
    assert "must come after" in message
    (message,) = await manager.errors(AVAILABILITY, {**week, "mentorId": str(elsewhere.id)})
    assert f"no mentor with ID {elsewhere.id} in your organisation" in message
