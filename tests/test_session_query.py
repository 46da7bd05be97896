"""One session's details page: its fields, what each role may see of it, and what may be done with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.models import MeetingPlatform, SessionStatus, SessionTimeZone, SessionType, utcnow
from tests.support.factories import make_org, make_session, make_user

DETAILS = """
query($id: ID!) {
  session(id: $id) {
    id title description type status startsAt endsAt durationMinutes timeZone
    menteeCount enrolledCount invitedCount seatsLimit seatsLeft
    recommendedFor categories medium imageUrl
    mentor { id name }
    mentees { name email kind }
    meeting { platform link passcode }
    canEdit editBlockedReason canEditMeeting meetingEditBlockedReason canDelete deleteBlockedReason
    startedAt completedAt
  }
}
"""

STARTS = datetime(2031, 3, 1, 4, 30, tzinfo=UTC)


async def details(graphql, session_id) -> dict | None:
    return (await graphql.execute(DETAILS, {"id": str(session_id)}))["session"]


async def test_the_details_page_shows_every_field_of_the_session(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR", name="Asha Rao")
    invited = await make_user(org, "MENTEE", name="Meena Das", email="meena@example.test")
    enrolled = await make_user(org, "MENTEE", name="Kiran Nair", email="kiran@example.test")
    session = await make_session(
        org,
        mentor,
        title="Lesson planning",
        starts_at=STARTS,
        duration=90,
        type=SessionType.PUBLIC,
        platform=MeetingPlatform.ZOOM,
        medium="Hindi",
        categories=("Pedagogy", "Communication"),
        recommended_for=("Teachers",),
        invited=(invited,),
        enrolled=(enrolled,),
        seats_limit=25,
        time_zone=SessionTimeZone.UTC,
    )
    await graphql.login(manager.email)

    assert await details(graphql, session.id) == {
        "id": str(session.id),
        "title": "Lesson planning",
        "description": "About lesson planning.",
        "type": "PUBLIC",
        "status": "UPCOMING",
        "startsAt": "2031-03-01T04:30:00+00:00",
        "endsAt": "2031-03-01T06:00:00+00:00",
        "durationMinutes": 90,
        "timeZone": "UTC",
        "menteeCount": 2,
        "enrolledCount": 1,
        "invitedCount": 1,
        "seatsLimit": 25,
        "seatsLeft": 23,
        "recommendedFor": ["Teachers"],
        "categories": ["Pedagogy", "Communication"],
        "medium": "Hindi",
        "imageUrl": None,
        "mentor": {"id": str(mentor.id), "name": "Asha Rao"},
        "mentees": [
            {"name": "Meena Das", "email": "meena@example.test", "kind": "INVITED"},
            {"name": "Kiran Nair", "email": "kiran@example.test", "kind": "ENROLLED"},
        ],
        "meeting": {"platform": "ZOOM", "link": "https://zoom.us/j/1234567890", "passcode": "123456"},
        "canEdit": True,
        "editBlockedReason": None,
        "canEditMeeting": True,
        "meetingEditBlockedReason": None,
        "canDelete": True,
        "deleteBlockedReason": None,
        "startedAt": None,
        "completedAt": None,
    }


async def test_the_mentee_list_can_be_narrowed_to_invited_or_enrolled(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    invited = [await make_user(org, "MENTEE", name=f"Invited {n}") for n in range(2)]
    enrolled = await make_user(org, "MENTEE", name="Enrolled 0")
    session = await make_session(org, mentor, invited=tuple(invited), enrolled=(enrolled,))
    await graphql.login(manager.email)
    data = await graphql.execute(
        """query($id: ID!) { session(id: $id) {
             invited: mentees(kind: INVITED) { name kind } enrolled: mentees(kind: ENROLLED) { name kind } } }""",
        {"id": str(session.id)},
    )
    assert data["session"]["invited"] == [
        {"name": "Invited 0", "kind": "INVITED"},
        {"name": "Invited 1", "kind": "INVITED"},
    ]
    assert data["session"]["enrolled"] == [{"name": "Enrolled 0", "kind": "ENROLLED"}]


async def test_a_big_blue_button_session_shows_no_link_until_the_room_is_made(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    session = await make_session(org, mentor, platform=MeetingPlatform.BIG_BLUE_BUTTON)
    await graphql.login(manager.email)
    assert (await details(graphql, session.id))["meeting"] == {
        "platform": "BIG_BLUE_BUTTON",
        "link": None,
        "passcode": None,
    }


STATUS_RULES = [
    (SessionStatus.UPCOMING, (True, None), (True, None), (True, None)),
    (
        SessionStatus.LIVE,
        (
            False,
            "The mentor has started this session, so its details can no longer be edited; the meeting link still can.",
        ),
        (True, None),
        (False, "The mentor has started this session, so it can no longer be deleted."),
    ),
    (
        SessionStatus.COMPLETED,
        (False, "This session is completed, so it can no longer be edited."),
        (False, "This session is completed, so its meeting information can no longer be changed."),
        (False, "This session is completed, so it can no longer be deleted."),
    ),
]


@pytest.mark.parametrize("status,edit,meeting,delete", STATUS_RULES, ids=[s[0].value for s in STATUS_RULES])
async def test_what_a_manager_may_do_depends_on_the_status(graphql, db, status, edit, meeting, delete):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    session = await make_session(
        org,
        mentor,
        status=status,
        starts_at=utcnow() - timedelta(days=3) if status == SessionStatus.COMPLETED else None,
    )
    await graphql.login(manager.email)
    found = await details(graphql, session.id)
    assert found["status"] == status.value
    assert (found["canEdit"], found["editBlockedReason"]) == edit
    assert (found["canEditMeeting"], found["meetingEditBlockedReason"]) == meeting
    assert (found["canDelete"], found["deleteBlockedReason"]) == delete


async def test_a_completed_session_shows_when_it_started_and_ended(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    session = await make_session(org, mentor, status=SessionStatus.COMPLETED, starts_at=STARTS, duration=45)
    await graphql.login(manager.email)
    found = await details(graphql, session.id)
    assert (found["startedAt"], found["completedAt"]) == ("2031-03-01T04:30:00+00:00", "2031-03-01T05:15:00+00:00")


@pytest.mark.parametrize("role", ["MENTOR", "MENTEE"])
async def test_people_who_are_not_managers_are_told_why_they_cannot_change_a_session(graphql, db, role):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    viewer = mentor if role == "MENTOR" else await make_user(org, "MENTEE")
    session = await make_session(org, mentor)
    await graphql.login(viewer.email)
    found = await details(graphql, session.id)
    reason = "Only session managers can change sessions; ask a session manager of your organisation."
    assert (found["canEdit"], found["canEditMeeting"], found["canDelete"]) == (False, False, False)
    assert found["editBlockedReason"] == found["meetingEditBlockedReason"] == found["deleteBlockedReason"] == reason


async def test_a_mentor_sees_who_attends_their_own_session(graphql, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    mentee = await make_user(org, "MENTEE", name="Meena Das")
    session = await make_session(org, mentor, platform=MeetingPlatform.GOOGLE_MEET, enrolled=(mentee,))
    await graphql.login(mentor.email)
    found = await details(graphql, session.id)
    assert found["mentees"] == [{"name": "Meena Das", "email": mentee.email, "kind": "ENROLLED"}]
    assert found["meeting"]["link"] == "https://meet.google.com/abc-defg-hij"


async def test_a_mentee_sees_the_count_but_not_who_else_attends(graphql, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    mentee = await make_user(org, "MENTEE")
    classmate = await make_user(org, "MENTEE")
    session = await make_session(org, mentor, enrolled=(mentee, classmate))
    await graphql.login(mentee.email)
    found = await details(graphql, session.id)
    assert found["mentees"] == []
    assert (found["menteeCount"], found["enrolledCount"]) == (2, 2)


@pytest.mark.parametrize("kind", ["enrolled", "invited"])
async def test_a_mentee_who_attends_sees_the_meeting_link_and_passcode(graphql, db, kind):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    mentee = await make_user(org, "MENTEE")
    session = await make_session(org, mentor, platform=MeetingPlatform.ZOOM, **{kind: (mentee,)})
    await graphql.login(mentee.email)
    meeting = (await details(graphql, session.id))["meeting"]
    assert meeting == {"platform": "ZOOM", "link": "https://zoom.us/j/1234567890", "passcode": "123456"}


async def test_a_mentee_who_does_not_attend_sees_the_platform_but_no_link(graphql, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    mentee = await make_user(org, "MENTEE")
    session = await make_session(org, mentor, platform=MeetingPlatform.ZOOM, type=SessionType.PUBLIC)
    await graphql.login(mentee.email)
    assert (await details(graphql, session.id))["meeting"] == {"platform": "ZOOM", "link": None, "passcode": None}
    listed = await graphql.execute("{ sessions { items { meeting { link passcode } mentees { id } } } }")
    assert listed["sessions"]["items"] == [{"meeting": {"link": None, "passcode": None}, "mentees": []}]


async def test_a_mentor_sees_neither_meeting_link_nor_mentees_of_another_mentors_session(graphql, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR", "MENTEE")
    other = await make_user(org, "MENTOR")
    session = await make_session(org, other, platform=MeetingPlatform.ZOOM, type=SessionType.PUBLIC)
    await graphql.login(mentor.email)
    found = await details(graphql, session.id)
    assert found["meeting"]["link"] is None and found["mentees"] == []


async def test_an_unknown_or_deleted_session_is_not_found(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    deleted = await make_session(org, mentor, deleted_at=utcnow())
    await graphql.login(manager.email)
    assert await details(graphql, deleted.id) is None
    assert await details(graphql, deleted.id + 1000) is None


@pytest.mark.parametrize("bad_id", ["abc", "-1", "0", "1e3", " "])
async def test_a_malformed_session_id_is_a_clear_error(graphql, db, bad_id):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    messages = await graphql.errors("query($id: ID!) { session(id: $id) { id } }", {"id": bad_id})
    assert messages == [f"Session ID {bad_id!r} is not a valid ID; IDs are positive whole numbers such as 42."]


async def test_signed_out_visitors_cannot_open_a_session(graphql, db):
    org = await make_org()
    mentor = await make_user(org, "MENTOR")
    session = await make_session(org, mentor)
    messages = await graphql.errors("query($id: ID!) { session(id: $id) { id } }", {"id": str(session.id)})
    assert "You are not signed in" in messages[0]
