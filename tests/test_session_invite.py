"""inviteMentees: inviting mentees by email, within the seats (rule R6 of docs/rules.md).
Through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from backend.models import Attendance, SessionStatus, utcnow
from tests.support.factories import make_session
from tests.support.session_requests import (
    INVITE,
    messages,
    mutate,
    refusals,
    signed_in_desk,
)


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
