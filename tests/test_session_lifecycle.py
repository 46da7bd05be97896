"""A session's life after publishing, through the API: the mentor starts and ends it, live sessions
left running are completed, mentees enrol, leave and rate — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.models import Attendance, Rating, Session, SessionStatus, SessionType, utcnow
from backend.sessions.lifecycle import END_GRACE, complete_overdue_sessions
from tests.support.factories import make_session, make_user, minutes_from_now
from tests.support.graphql_client import client_for
from tests.support.session_requests import DETAILS, END, ENROL, LEAVE, RATE, START, a_desk, messages, mutate, refusals

PROFILE = "query($id: ID!) { mentor(id: $id) { sessionsHosted rating { average votes breakdown { stars count } } } }"


# --- startSession / endSession ---------------------------------------------------------------------


async def test_a_mentor_starts_their_session_from_15_minutes_before_its_start(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(10))
    mentor = await client_for(http, desk.mentor)

    payload = await mutate(mentor, START, id=str(session.id))

    assert payload["errors"] == []
    assert payload["session"]["status"] == "LIVE"
    assert payload["session"]["startedAt"] is not None
    stored = await Session.get(id=session.id)
    assert (stored.status, stored.started_at is not None) == (SessionStatus.LIVE, True)


async def test_a_mentor_cannot_start_a_session_more_than_15_minutes_early(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(20))
    mentor = await client_for(http, desk.mentor)

    payload = await mutate(mentor, START, id=str(session.id))

    assert refusals(payload) == {(None, "TOO_EARLY")}
    assert "from 15 minutes before" in messages(payload)
    assert (await Session.get(id=session.id)).status == SessionStatus.UPCOMING


async def test_a_session_that_is_late_but_not_over_can_still_be_started(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(-20), duration=60)
    mentor = await client_for(http, desk.mentor)

    payload = await mutate(mentor, START, id=str(session.id))

    assert payload["session"]["status"] == "LIVE"


async def test_a_session_whose_time_is_over_cannot_be_started_and_says_to_reschedule(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(-90), duration=60)
    mentor = await client_for(http, desk.mentor)

    payload = await mutate(mentor, START, id=str(session.id))

    assert refusals(payload) == {(None, "NOT_EDITABLE")}
    assert "reschedule" in messages(payload)


async def test_a_session_is_started_only_once(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(5))
    mentor = await client_for(http, desk.mentor)
    await mutate(mentor, START, id=str(session.id))

    again = await mutate(mentor, START, id=str(session.id))

    assert refusals(again) == {(None, "ALREADY_DONE")}


async def test_a_mentor_cannot_start_or_end_another_mentors_session(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.other_mentor, starts_at=minutes_from_now(5))
    live = await make_session(desk.org, desk.other_mentor, status=SessionStatus.LIVE, starts_at=minutes_from_now(-300))
    mentor = await client_for(http, desk.mentor)

    started = await mutate(mentor, START, id=str(session.id))
    ended = await mutate(mentor, END, id=str(live.id))

    # another mentor's sessions are not theirs to see, so they are "not found" like any unknown ID
    assert refusals(started) == refusals(ended) == {("id", "NOT_FOUND")}
    assert (await Session.get(id=session.id)).status == SessionStatus.UPCOMING
    assert (await Session.get(id=live.id)).status == SessionStatus.LIVE


async def test_a_manager_who_is_not_the_mentor_cannot_start_the_session(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(5))
    manager = await client_for(http, desk.manager)

    payload = await mutate(manager, START, id=str(session.id))

    assert refusals(payload) == {(None, "PERMISSION_DENIED")}
    assert "own mentor" in messages(payload)


async def test_another_organisations_session_cannot_be_started(http, db):
    desk = await a_desk()
    elsewhere = await a_desk()
    theirs = await make_session(elsewhere.org, elsewhere.mentor, starts_at=minutes_from_now(5))
    outsider = await make_user(desk.org, "MENTOR", email="outsider-mentor@example.test")
    client = await client_for(http, outsider)

    payload = await mutate(client, START, id=str(theirs.id))
    missing = await mutate(client, START, id="424242")

    assert refusals(payload) == {("id", "NOT_FOUND")}
    assert payload["errors"][0]["message"].replace(str(theirs.id), "N") == missing["errors"][0]["message"].replace(
        "424242", "N"
    )


async def test_once_started_the_details_are_locked_but_the_meeting_stays_editable(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(5))
    await mutate(await client_for(http, desk.mentor), START, id=str(session.id))

    seen = await mutate(await client_for(http, desk.manager), DETAILS, id=str(session.id))

    assert (seen["canEdit"], seen["canEditMeeting"], seen["canDelete"]) == (False, True, False)
    assert seen["editBlockedReason"].startswith("The mentor has started this session")


async def test_a_mentor_ends_their_live_session_and_it_counts_as_hosted(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(5))
    mentor = await client_for(http, desk.mentor)
    await mutate(mentor, START, id=str(session.id))

    payload = await mutate(mentor, END, id=str(session.id))

    assert payload["errors"] == []
    assert payload["session"]["status"] == "COMPLETED"
    assert payload["session"]["completedAt"] is not None
    assert (payload["session"]["canEdit"], payload["session"]["canEditMeeting"]) == (False, False)
    assert (await mutate(mentor, PROFILE, id=str(desk.mentor.id)))["sessionsHosted"] == 1


async def test_only_a_live_session_can_be_ended(http, db):
    desk = await a_desk()
    upcoming = await make_session(desk.org, desk.mentor, starts_at=minutes_from_now(5))
    done = await make_session(desk.org, desk.mentor, status=SessionStatus.COMPLETED, starts_at=minutes_from_now(-600))
    mentor = await client_for(http, desk.mentor)

    for session in (upcoming, done):
        payload = await mutate(mentor, END, id=str(session.id))
        assert refusals(payload) == {(None, "NOT_EDITABLE")}
        assert "start it first" in messages(payload)
    assert (await Session.get(id=upcoming.id)).status == SessionStatus.UPCOMING


async def test_a_manager_who_is_not_the_mentor_cannot_end_the_session(http, db):
    desk = await a_desk()
    live = await make_session(desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=minutes_from_now(-10))

    payload = await mutate(await client_for(http, desk.manager), END, id=str(live.id))

    assert refusals(payload) == {(None, "PERMISSION_DENIED")}


# --- sessions left live past their end ------------------------------------------------------------


async def test_a_live_session_left_running_past_its_end_and_the_grace_is_completed(http, db):
    desk = await a_desk()
    now = utcnow()
    forgotten = await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=now - timedelta(hours=3), duration=60
    )
    ended_lately = now - END_GRACE + timedelta(minutes=5)
    in_grace = await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=ended_lately - timedelta(minutes=60), duration=60
    )
    running = await make_session(
        desk.org, desk.other_mentor, status=SessionStatus.LIVE, starts_at=now - timedelta(minutes=10), duration=60
    )
    not_started = await make_session(desk.org, desk.other_mentor, starts_at=now - timedelta(hours=5), duration=60)

    completed = await complete_overdue_sessions(now=now)

    assert completed == 1
    manager = await client_for(http, desk.manager)
    statuses = {
        s.id: (await mutate(manager, DETAILS, id=str(s.id)))["status"]
        for s in (forgotten, in_grace, running, not_started)
    }
    assert statuses == {forgotten.id: "COMPLETED", in_grace.id: "LIVE", running.id: "LIVE", not_started.id: "UPCOMING"}
    assert (await Session.get(id=forgotten.id)).completed_at is not None


async def test_completing_overdue_sessions_twice_changes_nothing_more(db):
    desk = await a_desk()
    now = utcnow()
    await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=now - timedelta(hours=3), duration=60
    )

    assert await complete_overdue_sessions(now=now) == 1
    assert await complete_overdue_sessions(now=now + timedelta(minutes=1)) == 0


async def test_an_auto_completed_session_can_be_rated_by_its_mentees(http, db):
    desk = await a_desk()
    now = utcnow()
    session = await make_session(desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=now - timedelta(hours=3),
                                 enrolled=(desk.asha,))  # fmt: skip
    await complete_overdue_sessions(now=now)

    payload = await mutate(await client_for(http, desk.asha), RATE, id=str(session.id), stars=4)

    assert payload["errors"] == []


# --- enrollInSession / leaveSession ------------------------------------------------------------------


async def test_a_mentee_enrols_in_a_public_session_and_takes_a_seat(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, seats_limit=5, invited=(desk.kiran,))
    asha = await client_for(http, desk.asha)

    payload = await mutate(asha, ENROL, id=str(session.id))

    assert payload["errors"] == []
    assert (
        payload["session"]["enrolledCount"],
        payload["session"]["invitedCount"],
        payload["session"]["menteeCount"],
    ) == (1, 1, 2)
    manager = await client_for(http, desk.manager)
    mentees = (await mutate(manager, DETAILS, id=str(session.id)))["mentees"]
    assert sorted((m["email"], m["kind"]) for m in mentees) == sorted(
        [(desk.kiran.email, "INVITED"), (desk.asha.email, "ENROLLED")]
    )


async def test_a_mentee_cannot_enrol_when_every_seat_is_taken(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, seats_limit=2, invited=(desk.kiran,), enrolled=(desk.meena,))

    payload = await mutate(await client_for(http, desk.asha), ENROL, id=str(session.id))

    assert refusals(payload) == {(None, "SEATS_FULL")}
    assert "All 2 seats are taken" in messages(payload)
    assert await Attendance.filter(session_id=session.id).count() == 2


async def test_the_last_seat_goes_to_the_mentee_who_takes_it(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, seats_limit=1)

    first = await mutate(await client_for(http, desk.asha), ENROL, id=str(session.id))
    second = await mutate(await client_for(http, desk.kiran), ENROL, id=str(session.id))

    assert first["errors"] == []
    assert refusals(second) == {(None, "SEATS_FULL")}


async def test_a_mentee_enrols_only_once(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    asha = await client_for(http, desk.asha)
    await mutate(asha, ENROL, id=str(session.id))

    again = await mutate(asha, ENROL, id=str(session.id))

    assert refusals(again) == {(None, "ALREADY_DONE")}
    assert (await Session.get(id=session.id)).enrolled_count == 1


async def test_a_private_session_is_by_invitation_only(http, db):
    desk = await a_desk()
    private = await make_session(desk.org, desk.mentor, type=SessionType.PRIVATE, invited=(desk.kiran,))

    stranger = await mutate(await client_for(http, desk.asha), ENROL, id=str(private.id))
    invited = await mutate(await client_for(http, desk.kiran), ENROL, id=str(private.id))

    assert refusals(stranger) == {("id", "NOT_FOUND")}  # a private session is not visible to others
    assert refusals(invited) == {(None, "PERMISSION_DENIED")}
    assert "invitation" in messages(invited)


async def test_a_mentee_cannot_enrol_in_another_organisations_session(http, db):
    desk = await a_desk()
    elsewhere = await a_desk()
    theirs = await make_session(elsewhere.org, elsewhere.mentor)

    payload = await mutate(await client_for(http, desk.asha), ENROL, id=str(theirs.id))

    assert refusals(payload) == {("id", "NOT_FOUND")}
    assert await Attendance.filter(session_id=theirs.id).count() == 0


async def test_a_completed_session_takes_no_more_enrolments(http, db):
    desk = await a_desk()
    done = await make_session(desk.org, desk.mentor, status=SessionStatus.COMPLETED, starts_at=minutes_from_now(-600))

    payload = await mutate(await client_for(http, desk.asha), ENROL, id=str(done.id))

    assert refusals(payload) == {(None, "NOT_EDITABLE")}


async def test_only_mentees_enrol(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)

    payload = await mutate(await client_for(http, desk.mentor), ENROL, id=str(session.id))

    assert refusals(payload) == {(None, "PERMISSION_DENIED")}


async def test_a_mentee_leaves_a_session_they_enrolled_in_and_frees_the_seat(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, seats_limit=1, enrolled=(desk.asha,))

    left = await mutate(await client_for(http, desk.asha), LEAVE, id=str(session.id))
    taken = await mutate(await client_for(http, desk.kiran), ENROL, id=str(session.id))

    assert left["errors"] == []
    assert (left["session"]["enrolledCount"], left["session"]["menteeCount"]) == (0, 0)
    assert taken["errors"] == []


async def test_an_invited_mentee_cannot_leave_by_themselves(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha,))

    payload = await mutate(await client_for(http, desk.asha), LEAVE, id=str(session.id))

    assert refusals(payload) == {(None, "NOT_FOUND")}
    assert "session manager" in messages(payload)
    assert await Attendance.filter(session_id=session.id).count() == 1


async def test_a_mentee_cannot_leave_once_the_session_started(http, db):
    desk = await a_desk()
    live = await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=minutes_from_now(-5), enrolled=(desk.asha,)
    )

    payload = await mutate(await client_for(http, desk.asha), LEAVE, id=str(live.id))

    assert refusals(payload) == {(None, "NOT_EDITABLE")}


# --- rateSession -----------------------------------------------------------------------------------


async def test_mentees_rate_a_completed_session_and_the_mentors_rating_shows_it(http, db):
    desk = await a_desk()
    session = await make_session(
        desk.org, desk.mentor, starts_at=minutes_from_now(5), enrolled=(desk.asha,), invited=(desk.kiran,)
    )
    mentor = await client_for(http, desk.mentor)
    await mutate(mentor, START, id=str(session.id))
    await mutate(mentor, END, id=str(session.id))

    asha = await mutate(await client_for(http, desk.asha), RATE, id=str(session.id), stars=5)
    kiran = await mutate(await client_for(http, desk.kiran), RATE, id=str(session.id), stars=2)

    assert asha["errors"] == kiran["errors"] == []
    profile = await mutate(mentor, PROFILE, id=str(desk.mentor.id))
    assert profile["rating"] == {
        "average": 3.5,
        "votes": 2,
        "breakdown": [{"stars": 5, "count": 1}, {"stars": 4, "count": 0}, {"stars": 3, "count": 0},
                      {"stars": 2, "count": 1}, {"stars": 1, "count": 0}],
    }  # fmt: skip


async def test_a_session_is_rated_once_per_mentee(http, db):
    desk = await a_desk()
    done = await make_session(
        desk.org, desk.mentor, status=SessionStatus.COMPLETED, starts_at=minutes_from_now(-600), enrolled=(desk.asha,)
    )
    asha = await client_for(http, desk.asha)
    await mutate(asha, RATE, id=str(done.id), stars=4)

    again = await mutate(asha, RATE, id=str(done.id), stars=1)

    assert refusals(again) == {(None, "ALREADY_DONE")}
    assert [r.stars for r in await Rating.filter(session_id=done.id)] == [4]


@pytest.mark.parametrize("stars", [0, 6, -1])
async def test_a_rating_is_one_to_five_stars(http, db, stars):
    desk = await a_desk()
    done = await make_session(
        desk.org, desk.mentor, status=SessionStatus.COMPLETED, starts_at=minutes_from_now(-600), enrolled=(desk.asha,)
    )

    payload = await mutate(await client_for(http, desk.asha), RATE, id=str(done.id), stars=stars)

    assert refusals(payload) == {("stars", "INVALID")}
    assert "1 to 5 stars" in messages(payload)
    assert await Rating.all().count() == 0


@pytest.mark.parametrize("status", [SessionStatus.UPCOMING, SessionStatus.LIVE])
async def test_a_session_can_be_rated_only_after_it_is_completed(http, db, status):
    desk = await a_desk()
    session = await make_session(
        desk.org, desk.mentor, status=status, starts_at=minutes_from_now(-5), enrolled=(desk.asha,)
    )

    payload = await mutate(await client_for(http, desk.asha), RATE, id=str(session.id), stars=5)

    assert refusals(payload) == {(None, "NOT_EDITABLE")}


async def test_only_mentees_who_attended_can_rate(http, db):
    desk = await a_desk()
    done = await make_session(
        desk.org, desk.mentor, status=SessionStatus.COMPLETED, starts_at=minutes_from_now(-600), enrolled=(desk.asha,)
    )

    payload = await mutate(await client_for(http, desk.kiran), RATE, id=str(done.id), stars=5)

    assert refusals(payload) == {(None, "PERMISSION_DENIED")}
    assert (await mutate(await client_for(http, desk.manager), PROFILE, id=str(desk.mentor.id)))["rating"]["votes"] == 0


# --- the mentee's desk: what a mentee sees of their own part -----------------------------------------

MINE = """query($attending: Boolean) {
  sessions(filter: { attending: $attending }, pageSize: 100) { items { id viewerAttendance viewerStars } }
}"""


async def test_a_mentee_sees_which_sessions_they_are_in_and_which_they_could_join(http, db):
    desk = await a_desk()
    enrolled = await make_session(desk.org, desk.mentor, title="Enrolled", enrolled=(desk.asha,))
    invited = await make_session(
        desk.org, desk.other_mentor, title="Invited", type=SessionType.PRIVATE, invited=(desk.asha,)
    )
    open_one = await make_session(desk.org, desk.mentor, title="Open", starts_at=minutes_from_now(600))
    asha = await client_for(http, desk.asha)

    mine = (await asha.execute(MINE, {"attending": True}))["sessions"]["items"]
    others = (await asha.execute(MINE, {"attending": False}))["sessions"]["items"]

    assert {(s["id"], s["viewerAttendance"]) for s in mine} == {
        (str(enrolled.id), "ENROLLED"),
        (str(invited.id), "INVITED"),
    }
    assert [(s["id"], s["viewerAttendance"]) for s in others] == [(str(open_one.id), None)]


async def test_a_mentee_sees_the_stars_they_gave_and_nobody_elses(http, db):
    desk = await a_desk()
    done = await make_session(
        desk.org,
        desk.mentor,
        status=SessionStatus.COMPLETED,
        starts_at=minutes_from_now(-600),
        enrolled=(desk.asha, desk.kiran),
    )
    await mutate(await client_for(http, desk.asha), RATE, id=str(done.id), stars=4)

    asha = (await (await client_for(http, desk.asha)).execute(MINE, {"attending": True}))["sessions"]["items"]
    kiran = (await (await client_for(http, desk.kiran)).execute(MINE, {"attending": True}))["sessions"]["items"]

    assert [s["viewerStars"] for s in asha] == [4]
    assert [s["viewerStars"] for s in kiran] == [None]
