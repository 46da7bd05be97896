"""removeMentees: removing invited and enrolled mentees while the session is upcoming.
Through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from backend.models import Attendance, AttendanceKind, Session, SessionStatus, SessionType, utcnow
from tests.support.factories import make_session
from tests.support.session_requests import (
    REMOVE,
    messages,
    mutate,
    refusals,
    signed_in_desk,
)


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
