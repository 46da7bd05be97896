"""createSession: a session manager publishes a session, and every problem of the form is reported at
once (rules R5, R6 and R8 of docs/rules.md).
Through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from backend.models import Attendance, Session, utcnow
from tests.support.factories import make_org, make_user
from tests.support.session_requests import (
    CREATE,
    DETAILS,
    a_desk,
    as_utc,
    create,
    from_now,
    ist,
    listed_titles,
    messages,
    mutate,
    refusals,
    session_form,
    signed_in_desk,
    without_id,
)


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
