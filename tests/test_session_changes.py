"""Changing sessions through the API: create, edit, change the meeting, delete, invite and remove
mentees — every rule of DESIGN.md (R1–R8) as a session manager meets it, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from backend.models import Attendance, AttendanceKind, MeetingPlatform, Session, SessionStatus, SessionType, utcnow
from tests.factories import make_org, make_session, make_user
from tests.session_requests import (
    CREATE,
    DELETE,
    DETAILS,
    INVITE,
    REMOVE,
    UPDATE,
    UPDATE_MEETING,
    a_desk,
    as_utc,
    from_now,
    ist,
    messages,
    mutate,
    refusals,
    session_form,
    utc,
)

LIST = "{ sessions(pageSize: 100) { totalCount items { id title } } }"
FACET_CATEGORIES = "{ sessionFacets { categories { value count } } }"


async def create(graphql, mentor, **changes) -> dict:
    return await mutate(graphql, CREATE, input=session_form(mentor, **changes))


async def signed_in_desk(graphql):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    return desk


async def listed_titles(graphql) -> list[str]:
    return [item["title"] for item in (await graphql.execute(LIST))["sessions"]["items"]]


def without_id(payload: dict, session_id) -> list[dict]:
    return [{**e, "message": e["message"].replace(str(session_id), "<id>")} for e in payload["errors"]]


# --- createSession ---------------------------------------------------------------------------------


async def test_a_manager_publishes_a_session_with_every_detail(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(
        graphql, desk.mentor,
        title="  Lesson planning  ", description="  Planning a week of lessons.  ", type="PRIVATE",
        startsAt=ist("15:00"), timeZone="UTC", durationMinutes=90,
        recommendedFor=["Teachers", "Head teachers"], categories=["Communication", "Life skills"], medium="Hindi",
        meeting={"platform": "ZOOM", "link": "https://zoom.us/j/1234567890", "passcode": "4321"},
        inviteEmails=[desk.asha.email.upper(), f"  {desk.kiran.email} "], seatsLimit=12,
    )  # fmt: skip

    assert payload["errors"] == []
    session = payload["session"]
    assert {k: session[k] for k in ("title", "description", "type", "status", "startsAt", "endsAt", "timeZone")} == {
        "title": "Lesson planning",
        "description": "Planning a week of lessons.",
        "type": "PRIVATE",
        "status": "UPCOMING",
        "startsAt": as_utc(ist("15:00")),
        "endsAt": as_utc(ist("16:30")),
        "timeZone": "UTC",
    }
    assert (session["durationMinutes"], session["seatsLimit"], session["medium"]) == (90, 12, "Hindi")
    assert (session["recommendedFor"], session["categories"]) == (
        ["Teachers", "Head teachers"],
        ["Communication", "Life skills"],
    )
    assert session["meeting"] == {"platform": "ZOOM", "link": "https://zoom.us/j/1234567890", "passcode": "4321"}
    assert session["mentor"] == {"id": str(desk.mentor.id), "name": "Ravi Kumar"}
    assert sorted((m["email"], m["kind"]) for m in session["mentees"]) == sorted(
        [(desk.asha.email, "INVITED"), (desk.kiran.email, "INVITED")]
    )
    assert (session["menteeCount"], session["invitedCount"], session["enrolledCount"]) == (2, 2, 0)
    assert await mutate(graphql, DETAILS, id=session["id"]) == session
    assert await listed_titles(graphql) == ["Lesson planning"]


async def test_a_new_session_defaults_to_bigbluebutton_ist_and_twenty_seats(graphql, db):
    desk = await signed_in_desk(graphql)

    session = (await create(graphql, desk.mentor))["session"]

    assert session["meeting"] == {"platform": "BIG_BLUE_BUTTON", "link": None, "passcode": None}
    assert (session["timeZone"], session["seatsLimit"], session["mentees"]) == ("IST", 20, [])
    assert (session["canEdit"], session["canEditMeeting"], session["canDelete"]) == (True, True, True)


async def test_an_empty_form_is_refused_with_every_missing_field_named_at_once(graphql, db):
    await signed_in_desk(graphql)

    payload = await mutate(graphql, CREATE, input={})

    assert payload["session"] is None
    assert refusals(payload) == {
        ("title", "REQUIRED"),
        ("description", "REQUIRED"),
        ("type", "REQUIRED"),
        ("mentorId", "REQUIRED"),
        ("startsAt", "REQUIRED"),
        ("durationMinutes", "REQUIRED"),
        ("recommendedFor", "REQUIRED"),
        ("categories", "REQUIRED"),
        ("medium", "REQUIRED"),
    }
    assert await Session.all().count() == 0


async def test_several_different_problems_of_one_form_are_reported_together(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(
        graphql, desk.mentor,
        title="   ", startsAt=from_now(days=-1), durationMinutes=10, categories=[],
        meeting={"platform": "GOOGLE_MEET"}, inviteEmails=["nobody@example.test"],
    )  # fmt: skip

    assert refusals(payload) == {
        ("title", "REQUIRED"),
        ("startsAt", "IN_PAST"),
        ("durationMinutes", "INVALID"),
        ("categories", "REQUIRED"),
        ("meeting.link", "REQUIRED"),
        ("inviteEmails", "NOT_FOUND"),
    }
    assert await Session.all().count() == 0


async def test_title_and_description_longer_than_their_limits_are_refused_with_the_limit(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, title="T" * 201, description="D" * 5001)

    assert refusals(payload) == {("title", "INVALID"), ("description", "INVALID")}
    assert "200" in messages(payload) and "5000" in messages(payload)


async def test_a_title_of_exactly_200_and_a_description_of_5000_characters_are_accepted(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, title="T" * 200, description="D" * 5000)

    assert payload["errors"] == []
    assert len(payload["session"]["title"]) == 200


async def test_a_start_in_the_past_is_refused(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, startsAt=from_now(minutes=-5))

    assert refusals(payload) == {("startsAt", "IN_PAST")}
    assert "in the past" in messages(payload)


async def test_a_start_without_a_time_zone_is_refused_with_how_to_give_one(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, startsAt=f"{utcnow().year + 2}-03-02T15:00:00")

    assert refusals(payload) == {("startsAt", "INVALID")}
    assert "time zone" in messages(payload)


@pytest.mark.parametrize("minutes,accepted", [(29, False), (30, True), (1440, True), (1441, False), (-60, False)])
async def test_the_duration_must_be_from_30_minutes_to_a_day(graphql, db, minutes, accepted):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, durationMinutes=minutes)

    assert (payload["errors"] == []) is accepted
    if not accepted:
        assert refusals(payload) == {("durationMinutes", "INVALID")}
        assert "30 to 1440" in messages(payload)


async def test_recommended_for_and_categories_need_a_real_value_and_drop_blanks_and_repeats(graphql, db):
    desk = await signed_in_desk(graphql)

    refused = await create(graphql, desk.mentor, recommendedFor=["  "], categories=[])
    accepted = await create(graphql, desk.mentor, categories=["Communication", " communication ", "", "Life skills"])

    assert refusals(refused) == {("recommendedFor", "REQUIRED"), ("categories", "REQUIRED")}
    assert accepted["session"]["categories"] == ["Communication", "Life skills"]


MEETINGS = [
    # (meeting input, refusals)
    ({"platform": "GOOGLE_MEET", "link": "https://meet.google.com/abc-defg-hij"}, set()),
    ({"platform": "ZOOM", "link": "https://us02web.zoom.us/j/123", "passcode": "99"}, set()),
    ({"platform": "BIG_BLUE_BUTTON"}, set()),
    ({"platform": "BIG_BLUE_BUTTON", "link": "https://bbb.example.org/room"}, {("meeting.link", "INVALID")}),
    ({"platform": "GOOGLE_MEET"}, {("meeting.link", "REQUIRED")}),
    ({"platform": "GOOGLE_MEET", "link": "http://meet.google.com/abc-defg-hij"}, {("meeting.link", "INVALID")}),
    ({"platform": "GOOGLE_MEET", "link": "https://zoom.us/j/1"}, {("meeting.link", "INVALID")}),
    ({"platform": "GOOGLE_MEET", "link": "https://meet.google.com.evil.example/x"}, {("meeting.link", "INVALID")}),
    (
        {"platform": "GOOGLE_MEET", "link": "https://meet.google.com/x", "passcode": "1"},
        {("meeting.passcode", "INVALID")},
    ),
    ({"platform": "ZOOM", "link": "https://zoom.us/j/1"}, {("meeting.passcode", "REQUIRED")}),
    ({"platform": "ZOOM", "link": "https://notzoom.us/j/1", "passcode": "1"}, {("meeting.link", "INVALID")}),
    ({"platform": "ZOOM"}, {("meeting.link", "REQUIRED"), ("meeting.passcode", "REQUIRED")}),
    ({"platform": "BIG_BLUE_BUTTON", "passcode": "1"}, {("meeting.passcode", "INVALID")}),
]


@pytest.mark.parametrize(
    "meeting,expected", MEETINGS, ids=[f"{m['platform']}-{i}" for i, (m, _) in enumerate(MEETINGS)]
)
async def test_meeting_links_must_be_https_on_the_platforms_host_and_only_zoom_has_a_passcode(
    graphql, db, meeting, expected
):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, meeting=meeting)

    assert refusals(payload) == expected


async def test_a_private_session_without_an_invited_mentee_is_refused(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, type="PRIVATE", inviteEmails=[])

    assert refusals(payload) == {("inviteEmails", "REQUIRED")}
    assert "one-on-one" in messages(payload)


async def test_an_unknown_mentee_email_is_named_and_nobody_is_invited(graphql, db):
    desk = await signed_in_desk(graphql)
    stranger = await make_user(await make_org(), "MENTEE", email="stranger@other.test")

    payload = await create(
        graphql, desk.mentor, inviteEmails=[desk.asha.email, "nobody@example.test", stranger.email, desk.mentor.email]
    )

    assert refusals(payload) == {("inviteEmails", "NOT_FOUND")}
    assert "nobody@example.test" in messages(payload)
    assert stranger.email in messages(payload)  # another organisation's mentee is unknown here
    assert desk.mentor.email in messages(payload)  # a mentor is not a mentee
    assert await Session.all().count() == 0 and await Attendance.all().count() == 0


async def test_a_malformed_mentee_email_is_reported_not_dropped(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, inviteEmails=[desk.asha.email, "asha at example"])

    assert refusals(payload) == {("inviteEmails", "INVALID")}
    assert "asha at example" in messages(payload)


async def test_inviting_more_mentees_than_seats_is_refused_not_trimmed(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(
        graphql, desk.mentor, seatsLimit=2, inviteEmails=[desk.asha.email, desk.kiran.email, desk.meena.email]
    )

    assert refusals(payload) == {("inviteEmails", "SEATS_FULL")}
    assert "3 mentees" in messages(payload) and "2 seats" in messages(payload)
    assert await Session.all().count() == 0


@pytest.mark.parametrize("seats", [0, -1, 1001])
async def test_a_seats_limit_outside_1_to_1000_is_refused(graphql, db, seats):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, seatsLimit=seats)

    assert refusals(payload) == {("seatsLimit", "INVALID")}


async def test_another_organisations_mentor_is_not_found_and_not_named(graphql, db):
    desk = await signed_in_desk(graphql)
    outsider = await make_user(await make_org(), "MENTOR", name="Secret Outsider")

    payload = await create(graphql, desk.mentor, mentorId=str(outsider.id))

    assert refusals(payload) == {("mentorId", "NOT_FOUND")}
    assert "Secret Outsider" not in messages(payload)
    missing = await create(graphql, desk.mentor, mentorId="999999")
    assert without_id(payload, outsider.id) == without_id(missing, 999999)


async def test_a_person_without_the_mentor_role_cannot_host_a_session(graphql, db):
    desk = await signed_in_desk(graphql)

    payload = await create(graphql, desk.mentor, mentorId=str(desk.asha.id))

    assert refusals(payload) == {("mentorId", "NOT_FOUND")}


async def test_a_malformed_mentor_id_is_a_clear_graphql_error(graphql, db):
    desk = await signed_in_desk(graphql)

    errors = await graphql.errors(CREATE, {"input": session_form(desk.mentor, mentorId="ravi")})

    assert errors == ["mentorId 'ravi' is not a valid ID; IDs are positive whole numbers such as 42."]


@pytest.mark.parametrize("role", ["MENTOR", "MENTEE"])
async def test_only_session_managers_can_publish_sessions(graphql, db, role):
    desk = await a_desk()
    await graphql.login((desk.mentor if role == "MENTOR" else desk.asha).email)

    payload = await create(graphql, desk.mentor)

    assert refusals(payload) == {(None, "PERMISSION_DENIED")}
    assert await Session.all().count() == 0


async def test_a_signed_out_client_is_told_to_sign_in(graphql, db):
    desk = await a_desk()

    errors = await graphql.errors(CREATE, {"input": session_form(desk.mentor)})

    assert "not signed in" in errors[0]


# --- R4: a mentor is never booked twice at once, nor back to back --------------------------------


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


# --- updateSession ---------------------------------------------------------------------------------


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


# --- updateMeeting ---------------------------------------------------------------------------------


async def test_a_manager_changes_the_meeting_of_an_upcoming_session(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (await create(graphql, desk.mentor))["session"]

    payload = await mutate(
        graphql,
        UPDATE_MEETING,
        id=session["id"],
        input={"platform": "GOOGLE_MEET", "link": "https://meet.google.com/new-link-abc"},
    )

    assert payload["errors"] == []
    assert (await mutate(graphql, DETAILS, id=session["id"]))["meeting"] == {
        "platform": "GOOGLE_MEET", "link": "https://meet.google.com/new-link-abc", "passcode": None,
    }  # fmt: skip


async def test_the_meeting_of_a_live_session_can_still_be_changed(graphql, db):
    desk = await signed_in_desk(graphql)
    live = await make_session(
        desk.org,
        desk.mentor,
        status=SessionStatus.LIVE,
        platform=MeetingPlatform.ZOOM,
        starts_at=utcnow() - timedelta(minutes=5),
    )

    payload = await mutate(
        graphql, UPDATE_MEETING, id=str(live.id), input={"link": "https://zoom.us/j/555", "passcode": "new"}
    )

    assert payload["errors"] == []
    assert payload["session"]["meeting"] == {"platform": "ZOOM", "link": "https://zoom.us/j/555", "passcode": "new"}
    assert (payload["session"]["canEdit"], payload["session"]["canEditMeeting"]) == (False, True)


async def test_the_meeting_of_a_completed_session_cannot_be_changed(graphql, db):
    desk = await signed_in_desk(graphql)
    done = await make_session(
        desk.org, desk.mentor, status=SessionStatus.COMPLETED, starts_at=utcnow() - timedelta(days=1)
    )

    payload = await mutate(
        graphql, UPDATE_MEETING, id=str(done.id), input={"platform": "GOOGLE_MEET", "link": "https://meet.google.com/x"}
    )

    assert refusals(payload) == {(None, "NOT_EDITABLE")}
    assert "completed" in messages(payload)


async def test_switching_to_bigbluebutton_drops_the_old_zoom_link_and_passcode(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, platform=MeetingPlatform.ZOOM)

    payload = await mutate(graphql, UPDATE_MEETING, id=str(session.id), input={"platform": "BIG_BLUE_BUTTON"})

    assert payload["session"]["meeting"] == {"platform": "BIG_BLUE_BUTTON", "link": None, "passcode": None}
    stored = await Session.get(id=session.id)
    assert (stored.meeting_link, stored.meeting_passcode) == ("", "")


async def test_a_wrong_meeting_reports_each_problem_by_its_field(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor)

    payload = await mutate(
        graphql, UPDATE_MEETING, id=str(session.id), input={"platform": "ZOOM", "link": "http://zoom.us/j/1"}
    )

    assert refusals(payload) == {("link", "INVALID"), ("passcode", "REQUIRED")}
    assert (await Session.get(id=session.id)).meeting_platform == MeetingPlatform.BIG_BLUE_BUTTON


async def test_the_meeting_can_also_be_changed_in_the_edit_form(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, platform=MeetingPlatform.GOOGLE_MEET)

    payload = await mutate(
        graphql, UPDATE, id=str(session.id), input={"meeting": {"link": "https://meet.google.com/zzz-zzzz-zzz"}}
    )

    assert payload["session"]["meeting"] == {
        "platform": "GOOGLE_MEET",
        "link": "https://meet.google.com/zzz-zzzz-zzz",
        "passcode": None,
    }


# --- deleteSession ---------------------------------------------------------------------------------


async def test_a_deleted_session_leaves_every_list_but_its_record_is_kept(graphql, db, http):
    desk = await signed_in_desk(graphql)
    kept = (await create(graphql, desk.mentor, title="Kept", categories=["Communication"]))["session"]
    gone = (
        await create(graphql, desk.other_mentor, title="Gone", categories=["Pedagogy"], inviteEmails=[desk.asha.email])
    )["session"]

    payload = await mutate(graphql, DELETE, id=gone["id"])

    assert payload == {"deletedId": gone["id"], "errors": []}
    assert await listed_titles(graphql) == ["Kept"]
    assert await mutate(graphql, DETAILS, id=gone["id"]) is None
    categories = (await graphql.execute(FACET_CATEGORIES))["sessionFacets"]["categories"]
    assert "Pedagogy" not in [c["value"] for c in categories]
    export = await http.get("/exports/sessions.csv", headers=graphql.headers)
    assert [row["Title"] for row in csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")))] == ["Kept"]
    assert (await http.get(f"/exports/sessions/{gone['id']}/mentees.csv", headers=graphql.headers)).status_code == 404
    record = await Session.get(id=int(gone["id"]))
    assert record.deleted_at is not None and record.title == "Gone"
    assert await Attendance.filter(session_id=record.id).count() == 1
    assert kept["id"] != gone["id"]


async def test_a_deleted_session_cannot_be_deleted_or_edited_again(graphql, db):
    desk = await signed_in_desk(graphql)
    session = (await create(graphql, desk.mentor))["session"]
    await mutate(graphql, DELETE, id=session["id"])

    again = await mutate(graphql, DELETE, id=session["id"])
    edit = await mutate(graphql, UPDATE, id=session["id"], input={"title": "Back"})

    assert refusals(again) == refusals(edit) == {("id", "NOT_FOUND")}


@pytest.mark.parametrize("status", [SessionStatus.LIVE, SessionStatus.COMPLETED])
async def test_a_started_or_completed_session_cannot_be_deleted(graphql, db, status):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, status=status, starts_at=utcnow() - timedelta(minutes=10))

    payload = await mutate(graphql, DELETE, id=str(session.id))

    assert payload["deletedId"] is None
    assert refusals(payload) == {(None, "NOT_EDITABLE")}
    assert (await Session.get(id=session.id)).deleted_at is None
    assert (await mutate(graphql, DETAILS, id=str(session.id)))["canDelete"] is False


# --- inviteMentees / removeMentees -----------------------------------------------------------------


async def test_a_manager_invites_mentees_by_email(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, enrolled=(desk.meena,))

    payload = await mutate(
        graphql, INVITE, sessionId=str(session.id), emails=[f" {desk.asha.email.upper()} ", desk.kiran.email]
    )

    assert payload["errors"] == []
    assert sorted((m["email"], m["kind"]) for m in payload["session"]["mentees"]) == sorted(
        [(desk.asha.email, "INVITED"), (desk.kiran.email, "INVITED"), (desk.meena.email, "ENROLLED")]
    )
    assert (
        payload["session"]["invitedCount"],
        payload["session"]["enrolledCount"],
        payload["session"]["menteeCount"],
    ) == (2, 1, 3)


async def test_inviting_a_mentee_who_already_enrolled_keeps_them_enrolled_once(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, enrolled=(desk.meena,))

    payload = await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.meena.email])

    assert payload["errors"] == []
    assert [(m["email"], m["kind"]) for m in payload["session"]["mentees"]] == [(desk.meena.email, "ENROLLED")]


async def test_an_invite_naming_an_unknown_mentee_invites_nobody_and_names_the_unknown(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor)

    payload = await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.asha.email, "ghost@example.test"])

    assert refusals(payload) == {("emails", "NOT_FOUND")}
    assert "ghost@example.test" in messages(payload)
    assert await Attendance.filter(session_id=session.id).count() == 0


async def test_an_invite_beyond_the_seats_is_refused_and_nobody_is_added(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, seats_limit=2, enrolled=(desk.meena,))

    payload = await mutate(graphql, INVITE, sessionId=str(session.id), emails=[desk.asha.email, desk.kiran.email])

    assert refusals(payload) == {("emails", "SEATS_FULL")}
    assert await Attendance.filter(session_id=session.id).count() == 1


async def test_an_invite_without_an_email_is_refused(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor)

    payload = await mutate(graphql, INVITE, sessionId=str(session.id), emails=["  "])

    assert refusals(payload) == {("emails", "REQUIRED")}


async def test_mentees_cannot_be_invited_once_the_session_started(graphql, db):
    desk = await signed_in_desk(graphql)
    live = await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(minutes=5)
    )

    payload = await mutate(graphql, INVITE, sessionId=str(live.id), emails=[desk.asha.email])

    assert refusals(payload) == {(None, "NOT_EDITABLE")}


async def test_a_manager_removes_invited_and_enrolled_mentees(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha, desk.kiran), enrolled=(desk.meena,))

    payload = await mutate(
        graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.asha.id), str(desk.meena.id)]
    )

    assert payload["errors"] == []
    assert [(m["email"], m["kind"]) for m in payload["session"]["mentees"]] == [(desk.kiran.email, "INVITED")]
    assert (
        payload["session"]["invitedCount"],
        payload["session"]["enrolledCount"],
        payload["session"]["menteeCount"],
    ) == (1, 0, 1)
    assert await Attendance.filter(session_id=session.id).count() == 1


async def test_removing_the_same_mentee_twice_in_one_request_removes_them_once(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha, desk.kiran))

    payload = await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.asha.id), str(desk.asha.id)])

    assert payload["errors"] == []
    assert [m["email"] for m in payload["session"]["mentees"]] == [desk.kiran.email]


async def test_the_last_invited_mentee_of_a_private_session_cannot_be_removed(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, type=SessionType.PRIVATE, invited=(desk.asha,))

    payload = await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.asha.id)])

    assert refusals(payload) == {("menteeIds", "REQUIRED")}
    assert await Attendance.filter(session_id=session.id, kind=AttendanceKind.INVITED).count() == 1


async def test_removing_someone_not_in_the_session_names_them_and_removes_nobody(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha,))

    payload = await mutate(
        graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(desk.asha.id), str(desk.kiran.id)]
    )

    assert refusals(payload) == {("menteeIds", "NOT_FOUND")}
    assert str(desk.kiran.id) in messages(payload)
    assert await Attendance.filter(session_id=session.id).count() == 1


async def test_a_malformed_mentee_id_is_a_clear_graphql_error(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha,))

    errors = await graphql.errors(REMOVE, {"sessionId": str(session.id), "menteeIds": ["asha"]})

    assert errors == ["menteeIds entry 'asha' is not a valid ID; IDs are positive whole numbers such as 42."]


async def test_removing_nobody_is_refused_with_a_message(graphql, db):
    desk = await signed_in_desk(graphql)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha,))

    payload = await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[])

    assert refusals(payload) == {("menteeIds", "REQUIRED")}
    assert (await Session.get(id=session.id)).mentee_count == 1


async def test_mentees_cannot_be_removed_once_the_session_started(graphql, db):
    desk = await signed_in_desk(graphql)
    live = await make_session(
        desk.org,
        desk.mentor,
        status=SessionStatus.LIVE,
        invited=(desk.asha,),
        starts_at=utcnow() - timedelta(minutes=5),
    )

    payload = await mutate(graphql, REMOVE, sessionId=str(live.id), menteeIds=[str(desk.asha.id)])

    assert refusals(payload) == {(None, "NOT_EDITABLE")}
