"""updateMeeting: the meeting of an upcoming or live session (rule R2 of docs/rules.md).
Through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from backend.models import MeetingPlatform, Session, SessionStatus, utcnow
from tests.support.factories import make_session
from tests.support.session_requests import (
    DETAILS,
    UPDATE,
    UPDATE_MEETING,
    create,
    messages,
    mutate,
    refusals,
    signed_in_desk,
)


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
