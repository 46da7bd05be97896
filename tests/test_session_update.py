"""updateSession: editing an upcoming session (rules R1, R4–R7 of docs/rules.md), what stays as it was, and
who may change sessions at all.
Through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.models import Attendance, Session, SessionStatus, SessionType, utcnow
from tests.support.factories import make_session
from tests.support.session_requests import (
    DELETE,
    DETAILS,
    INVITE,
    REMOVE,
    UPDATE,
    UPDATE_MEETING,
    a_desk,
    as_utc,
    create,
    from_now,
    ist,
    messages,
    mutate,
    refusals,
    signed_in_desk,
    without_id,
)


async def test_a_manager_edits_the_details_of_an_upcoming_session(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (await create(graphql, desk.mentor, seatsLimit=10))["session"]

    payload = await mutate(graphql, UPDATE, id=session["id"], input={
        "title": " Planning a term ", "description": "Twelve weeks at a glance.", "startsAt": ist("18:00"),
        "durationMinutes": 45, "timeZone": "UTC", "recommendedFor": ["Head teachers"],
        "categories": ["Leadership", "Planning"], "medium": "Tamil", "seatsLimit": 30,
    })  # fmt: skip

    assert payload["errors"] == []
    edited = await mutate(graphql, DETAILS, id=session["id"])
    assert edited == payload["session"]
    assert {k: edited[k] for k in ("title", "description", "startsAt", "endsAt", "durationMinutes", "timeZone")} == {
        "title": "Planning a term",
        "description": "Twelve weeks at a glance.",
        "startsAt": as_utc(ist("18:00")),
        "endsAt": as_utc(ist("18:45")),
        "durationMinutes": 45,
        "timeZone": "UTC",
    }
    assert (edited["recommendedFor"], edited["categories"]) == (["Head teachers"], ["Leadership", "Planning"])
    assert (edited["medium"], edited["seatsLimit"], edited["type"], edited["mentor"]) == (
        "Tamil",
        30,
        "PUBLIC",
        session["mentor"],
    )
    assert edited["updatedAt"] > session["updatedAt"]


async def test_an_edit_of_the_labels_alone_moves_the_last_changed_time(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (await create(graphql, desk.mentor, categories=["Pedagogy"]))["session"]

    payload = await mutate(graphql, UPDATE, id=session["id"], input={"categories": ["Pedagogy", "Communication"]})
    assert payload["errors"] == []
    assert payload["session"]["updatedAt"] > session["updatedAt"]
    again = await mutate(graphql, UPDATE, id=session["id"], input={"recommendedFor": ["Head teachers"]})
    assert again["errors"] == []
    assert again["session"]["updatedAt"] > payload["session"]["updatedAt"]

    edited = await mutate(graphql, DETAILS, id=session["id"])
    assert (edited["categories"], edited["recommendedFor"]) == (["Pedagogy", "Communication"], ["Head teachers"])
    assert edited["updatedAt"] == again["session"]["updatedAt"]


async def test_fields_left_out_of_an_edit_keep_their_values(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (
        await create(
            graphql,
            desk.mentor,
            inviteEmails=[desk.asha.email],
            meeting={"platform": "ZOOM", "link": "https://zoom.us/j/1", "passcode": "7"},
        )
    )["session"]

    payload = await mutate(graphql, UPDATE, id=session["id"], input={"title": "Only the title"})

    assert payload["errors"] == []
    unchanged = {k: v for k, v in payload["session"].items() if k not in ("title", "updatedAt")}
    assert unchanged == {k: v for k, v in session.items() if k not in ("title", "updatedAt")}


async def test_an_edit_with_many_problems_reports_them_all(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (await create(graphql, desk.mentor))["session"]

    payload = await mutate(graphql, UPDATE, id=session["id"], input={
        "title": "", "description": "x" * 5001, "startsAt": from_now(hours=-1), "categories": [],
        "medium": " ", "meeting": {"platform": "ZOOM"}, "inviteEmails": ["ghost@example.test"],
    })  # fmt: skip

    assert refusals(payload) == {
        ("title", "REQUIRED"),
        ("description", "INVALID"),
        ("startsAt", "IN_PAST"),
        ("categories", "REQUIRED"),
        ("medium", "REQUIRED"),
        ("meeting.link", "REQUIRED"),
        ("meeting.passcode", "REQUIRED"),
        ("inviteEmails", "NOT_FOUND"),
    }
    assert await mutate(graphql, DETAILS, id=session["id"]) == session


async def test_moving_a_session_into_the_past_is_refused(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (await create(graphql, desk.mentor))["session"]

    payload = await mutate(graphql, UPDATE, id=session["id"], input={"startsAt": from_now(minutes=-1)})

    assert refusals(payload) == {("startsAt", "IN_PAST")}


async def test_an_upcoming_session_whose_start_has_passed_can_still_be_corrected(graphql, db):
    desk = await signed_in_desk(graphql)
    late = await make_session(desk.org, desk.mentor, starts_at=utcnow().replace(microsecond=0) - timedelta(minutes=20))

    payload = await mutate(graphql, UPDATE, id=str(late.id), input={
        "title": "Renamed", "startsAt": late.starts_at.isoformat(), "medium": "Hindi",
    })  # fmt: skip

    assert payload["errors"] == []
    assert (payload["session"]["title"], payload["session"]["medium"]) == ("Renamed", "Hindi")


async def test_moving_a_session_onto_another_of_its_mentors_sessions_is_refused(graphql, db):
    desk = await signed_in_desk(graphql)
    await create(graphql, desk.mentor, title="Morning", startsAt=ist("10:00"))
    afternoon = (await create(graphql, desk.mentor, title="Afternoon", startsAt=ist("15:00")))["session"]

    moved = await mutate(graphql, UPDATE, id=afternoon["id"], input={"startsAt": ist("11:00")})
    lengthened = await mutate(
        graphql, UPDATE, id=afternoon["id"], input={"startsAt": ist("11:30"), "durationMinutes": 30}
    )

    assert refusals(moved) == {("startsAt", "MENTOR_BUSY")}
    assert "“Morning”" in messages(moved)
    assert lengthened["errors"] == []
    stretched = await mutate(
        graphql, UPDATE, id=afternoon["id"], input={"startsAt": ist("08:00"), "durationMinutes": 180}
    )
    assert refusals(stretched) == {("startsAt", "MENTOR_BUSY")}


async def test_a_longer_duration_that_runs_into_the_next_session_is_refused(graphql, db):
    desk = await signed_in_desk(graphql)
    first = (await create(graphql, desk.mentor, startsAt=ist("10:00"), durationMinutes=60))["session"]
    await create(graphql, desk.mentor, startsAt=ist("12:00"))

    payload = await mutate(graphql, UPDATE, id=first["id"], input={"durationMinutes": 120})

    assert refusals(payload) == {("startsAt", "MENTOR_BUSY")}


async def test_shifting_a_session_over_its_own_old_time_is_no_clash(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (await create(graphql, desk.mentor, startsAt=ist("15:00"), durationMinutes=60))["session"]

    later = await mutate(graphql, UPDATE, id=session["id"], input={"startsAt": ist("15:30")})
    longer = await mutate(graphql, UPDATE, id=session["id"], input={"durationMinutes": 120})

    assert (later["errors"], longer["errors"]) == ([], [])
    assert longer["session"]["endsAt"] == as_utc(ist("17:30"))


async def test_a_started_session_cannot_be_edited_and_says_the_mentor_started_it(graphql, db):
    desk = await signed_in_desk(graphql)
    live = await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(minutes=5)
    )

    payload = await mutate(graphql, UPDATE, id=str(live.id), input={"title": "Too late"})

    assert refusals(payload) == {(None, "NOT_EDITABLE")}
    assert messages(payload).startswith("The mentor has started this session")
    assert (await Session.get(id=live.id)).title == live.title


async def test_a_completed_session_cannot_be_edited(graphql, db):
    desk = await signed_in_desk(graphql)
    done = await make_session(
        desk.org, desk.mentor, status=SessionStatus.COMPLETED, starts_at=utcnow() - timedelta(days=2)
    )

    payload = await mutate(graphql, UPDATE, id=str(done.id), input={"title": "Too late"})

    assert refusals(payload) == {(None, "NOT_EDITABLE")}
    assert "completed" in messages(payload)


async def test_the_type_and_mentor_of_a_published_session_are_not_offered_for_editing(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (await create(graphql, desk.mentor))["session"]

    errors = await graphql.errors(
        'mutation($id: ID!) { updateSession(id: $id, input: {type: PRIVATE, mentorId: "1"}) { errors { code } } }',
        {"id": session["id"]},
    )

    assert any("type" in e and "UpdateSessionInput" in e for e in errors), errors
    assert any("mentorId" in e for e in errors), errors


async def test_an_edit_with_an_invite_list_replaces_the_invited_mentees_and_keeps_the_enrolled(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha, desk.kiran), enrolled=(desk.meena,))

    payload = await mutate(
        graphql, UPDATE, id=str(session.id), input={"inviteEmails": [desk.kiran.email, desk.meena.email]}
    )

    assert payload["errors"] == []
    assert sorted((m["email"], m["kind"]) for m in payload["session"]["mentees"]) == sorted(
        [(desk.kiran.email, "INVITED"), (desk.meena.email, "ENROLLED")]
    )
    assert (
        payload["session"]["invitedCount"],
        payload["session"]["enrolledCount"],
        payload["session"]["menteeCount"],
    ) == (1, 1, 2)


async def test_lowering_the_seats_below_the_mentees_already_in_is_refused(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha,), enrolled=(desk.kiran, desk.meena))

    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"seatsLimit": 2})
    exact = await mutate(graphql, UPDATE, id=str(session.id), input={"seatsLimit": 3})

    assert refusals(payload) == {("seatsLimit", "SEATS_FULL")}
    assert "3 mentees already" in messages(payload)
    assert exact["errors"] == []


async def test_an_invite_list_beyond_the_seats_is_refused_on_edit(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, seats_limit=2, enrolled=(desk.meena,))

    payload = await mutate(
        graphql, UPDATE, id=str(session.id), input={"inviteEmails": [desk.asha.email, desk.kiran.email]}
    )

    assert refusals(payload) == {("inviteEmails", "SEATS_FULL")}
    assert await Attendance.filter(session_id=session.id).count() == 1


async def test_a_private_session_cannot_be_left_without_invited_mentees_by_an_edit(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, type=SessionType.PRIVATE, invited=(desk.asha,))

    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"inviteEmails": []})

    assert refusals(payload) == {("inviteEmails", "REQUIRED")}


async def test_another_organisations_session_is_not_found_exactly_like_a_missing_one(graphql, db):
    desk = await signed_in_desk(graphql)
    elsewhere = await a_desk()
    theirs = await make_session(elsewhere.org, elsewhere.mentor, title="Not yours")

    for document, variables in [
        (UPDATE, {"input": {"title": "Mine now"}}),
        (UPDATE_MEETING, {"input": {"platform": "BIG_BLUE_BUTTON"}}),
        (DELETE, {}),
    ]:
        foreign = await mutate(graphql, document, id=str(theirs.id), **variables)
        missing = await mutate(graphql, document, id="424242", **variables)
        assert refusals(foreign) == {("id", "NOT_FOUND")}
        assert without_id(foreign, theirs.id) == without_id(missing, 424242)
    for document, variables in [(INVITE, {"emails": [desk.asha.email]}), (REMOVE, {"menteeIds": [str(desk.asha.id)]})]:
        foreign = await mutate(graphql, document, sessionId=str(theirs.id), **variables)
        missing = await mutate(graphql, document, sessionId="424242", **variables)
        assert without_id(foreign, theirs.id) == without_id(missing, 424242)
    assert (await Session.get(id=theirs.id)).title == "Not yours"
    assert (await mutate(graphql, DETAILS, id=str(theirs.id))) is None


@pytest.mark.parametrize("bad_id", ["abc", "-3", "0", "1.5", ""])
async def test_a_malformed_session_id_is_a_clear_graphql_error(graphql, db, bad_id):
    await signed_in_desk(graphql)

    errors = await graphql.errors(UPDATE, {"id": bad_id, "input": {"title": "x"}})

    assert errors == [f"Session ID {bad_id!r} is not a valid ID; IDs are positive whole numbers such as 42."]


@pytest.mark.parametrize("role", ["MENTOR", "MENTEE"])
async def test_only_session_managers_can_edit_change_the_meeting_delete_invite_or_remove(graphql, db, role):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha,))
    await graphql.login((desk.mentor if role == "MENTOR" else desk.asha).email)

    answers = [
        await mutate(graphql, UPDATE, id=str(session.id), input={"title": "Mine"}),
        await mutate(graphql, UPDATE_MEETING, id=str(session.id), input={"platform": "BIG_BLUE_BUTTON"}),
        await mutate(graphql, DELETE, id=str(session.id)),
        await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.kiran.email]),
        await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.asha.id)]),
    ]

    for payload in answers:
        assert refusals(payload) == {(None, "PERMISSION_DENIED")}
        assert "session manager" in messages(payload)
    stored = await Session.get(id=session.id)
    assert (stored.title, stored.deleted_at, stored.mentee_count) == (session.title, None, 1)


async def test_a_mentee_asking_to_change_a_private_session_they_cannot_see_hears_it_does_not_exist(graphql, db):
    desk = await a_desk()
    private = await make_session(desk.org, desk.mentor, type=SessionType.PRIVATE, invited=(desk.kiran,))
    await graphql.login(desk.asha.email)

    hidden = await mutate(graphql, DELETE, id=str(private.id))
    missing = await mutate(graphql, DELETE, id="999999")

    assert refusals(hidden) == refusals(missing) == {("id", "NOT_FOUND")}
    assert (await Session.get(id=private.id)).deleted_at is None
