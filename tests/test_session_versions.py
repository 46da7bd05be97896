"""Edits that cannot silently overwrite: every change raises the session's version, and a change asked of
an older version is refused with STALE, naming who changed which fields when and holding the current values."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import httpx

from backend.models import MeetingPlatform, Session, SessionStatus, utcnow
from backend.sessions.lifecycle import END_GRACE, complete_overdue_sessions
from tests.support.app_processes import app_process, wait_until_up
from tests.support.bulk_upload import HEADER, csv_bytes, messages_by_row, people, row, upload_and_run
from tests.support.databases import ON_POSTGRES
from tests.support.factories import make_session, make_user
from tests.support.graphql_client import GraphQLClient
from tests.support.session_requests import ERRORS, a_desk, mutate

VERSIONED = f"""
mutation($id: ID!, $input: UpdateSessionInput!, $expected: Int) {{
  updateSession(id: $id, input: $input, expectedVersion: $expected) {{
    session {{ id title description version meeting {{ passcode }} }} {ERRORS}
  }}
}}"""
MEETING = f"""
mutation($id: ID!, $input: MeetingInput!, $expected: Int) {{
  updateMeeting(id: $id, input: $input, expectedVersion: $expected) {{ session {{ version }} {ERRORS} }}
}}"""
INVITE = f"""
mutation($id: ID!, $emails: [String!]!, $expected: Int) {{
  inviteMentees(sessionId: $id, emails: $emails, expectedVersion: $expected) {{ session {{ version }} {ERRORS} }}
}}"""
REMOVE = f"""
mutation($id: ID!, $ids: [ID!]!, $expected: Int) {{
  removeMentees(sessionId: $id, menteeIds: $ids, expectedVersion: $expected) {{ session {{ version }} {ERRORS} }}
}}"""
DELETE = f"""
mutation($id: ID!, $expected: Int) {{
  deleteSession(id: $id, expectedVersion: $expected) {{ deletedId session {{ version title }} {ERRORS} }}
}}"""
VERSION = "query($id: ID!) { session(id: $id) { version } }"


async def version_of(graphql, session) -> int:
    return (await graphql.execute(VERSION, {"id": str(session.id)}))["session"]["version"]


async def test_every_kind_of_change_raises_the_version_by_one(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha,))
    assert await version_of(graphql, session) == 1

    await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "Renamed"})
    await mutate(graphql, VERSIONED, id=str(session.id), input={"categories": ["Pedagogy"]})
    await mutate(
        graphql,
        MEETING,
        id=str(session.id),
        input={"platform": "GOOGLE_MEET", "link": "https://meet.google.com/abc-defg-hij"},
    )
    await mutate(graphql, INVITE, id=str(session.id), emails=[desk.kiran.email])
    await mutate(graphql, REMOVE, id=str(session.id), ids=[str(desk.kiran.id)])
    assert await version_of(graphql, session) == 6

    # saving what it already holds changes nothing, and so raises nothing
    await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "Renamed"})
    assert await version_of(graphql, session) == 6


async def test_a_session_completed_by_the_system_has_a_new_version(db):
    desk = await a_desk()
    live = await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(hours=3), duration=60
    )
    await complete_overdue_sessions(now=live.ends_at + END_GRACE + timedelta(minutes=1))
    assert (await Session.get(id=live.id)).version == live.version + 1


async def test_an_edit_from_the_current_version_is_saved(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor)

    payload = await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "Mine"}, expected=1)

    assert payload["errors"] == [] and payload["session"]["version"] == 2


async def test_an_edit_of_a_version_someone_changed_since_is_refused_with_who_changed_what_and_the_values_now(
    graphql, db, app
):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, title="Planning", platform=MeetingPlatform.ZOOM)
    other = await make_user(desk.org, "MANAGER", name="Nisha Gupta")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        theirs = await GraphQLClient(http).login(other.email)
        http.cookies.clear()  # an API client: the bearer token alone
        await mutate(theirs, VERSIONED, id=str(session.id), input={"title": "Their title"}, expected=1)
    await graphql.login(desk.manager.email)

    payload = await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "My title"}, expected=1)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("title", "STALE")]
    message = payload["errors"][0]["message"]
    assert "Nisha Gupta" in message and "through the API" in message and "“Their title”" in message
    assert "version 2" in message
    assert payload["session"]["title"] == "Their title" and payload["session"]["version"] == 2
    assert (await Session.get(id=session.id)).title == "Their title"


async def test_a_stale_change_names_each_field_changed_since(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor)
    await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "One"})
    await mutate(graphql, VERSIONED, id=str(session.id), input={"description": "Two", "categories": ["Pedagogy"]})
    await mutate(graphql, INVITE, id=str(session.id), emails=[desk.asha.email])

    payload = await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "Late"}, expected=1)

    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("title", "STALE"),
        ("description", "STALE"),
        ("categories", "STALE"),
        ("mentees", "STALE"),
    }


async def test_meeting_mentees_and_delete_refuse_a_stale_version_too(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor, invited=(desk.asha,))
    await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "Moved on"})
    sid = str(session.id)

    answers = [
        await mutate(graphql, MEETING, id=sid, input={"platform": "BIG_BLUE_BUTTON"}, expected=1),
        await mutate(graphql, INVITE, id=sid, emails=[desk.kiran.email], expected=1),
        await mutate(graphql, REMOVE, id=sid, ids=[str(desk.asha.id)], expected=1),
        await mutate(graphql, DELETE, id=sid, expected=1),
    ]

    assert [[e["code"] for e in a["errors"]] for a in answers] == [["STALE"]] * 4
    deleted = answers[-1]
    assert deleted["deletedId"] is None and deleted["session"]["title"] == "Moved on"
    assert (await Session.get(id=session.id)).deleted_at is None


async def test_a_change_without_an_expected_version_is_saved_as_before(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor)
    await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "First"})

    payload = await mutate(graphql, VERSIONED, id=str(session.id), input={"title": "Second"})

    assert payload["errors"] == [] and payload["session"]["version"] == 3


@ON_POSTGRES
async def test_two_managers_racing_one_field_through_two_app_processes_one_wins_the_other_hears_stale(
    database, db, tmp_path
):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, title="Planning")
    other = await make_user(desk.org, "MANAGER", name="Nisha Gupta")
    with app_process(db, tmp_path / "a.log") as process_a, app_process(db, tmp_path / "b.log") as process_b:
        await wait_until_up(process_a, tmp_path / "a.log")
        await wait_until_up(process_b, tmp_path / "b.log")
        async with (
            httpx.AsyncClient(base_url=process_a, timeout=60) as http_a,
            httpx.AsyncClient(base_url=process_b, timeout=60) as http_b,
        ):
            maya = await GraphQLClient(http_a).login(desk.manager.email)
            nisha = await GraphQLClient(http_b).login(other.email)
            http_a.cookies.clear(), http_b.cookies.clear()

            answers = await asyncio.gather(
                mutate(maya, VERSIONED, id=str(session.id), input={"title": "Maya's title"}, expected=1),
                mutate(nisha, VERSIONED, id=str(session.id), input={"title": "Nisha's title"}, expected=1),
            )

    winners = [a for a in answers if a["errors"] == []]
    losers = [a for a in answers if a["errors"]]
    assert len(winners) == 1 and len(losers) == 1, answers
    won = winners[0]["session"]["title"]
    assert [(e["field"], e["code"]) for e in losers[0]["errors"]] == [("title", "STALE")]
    assert f"“{won}”" in losers[0]["errors"][0]["message"]
    assert losers[0]["session"]["title"] == won and losers[0]["session"]["version"] == 2
    stored = await Session.get(id=session.id)
    assert (stored.title, stored.version) == (won, 2)


async def test_a_bulk_edit_row_of_a_session_changed_since_its_export_is_refused_not_applied(graphql, db, http):
    p = await people(graphql)
    changed = await make_session(p.org, p.mentor, title="Changed meanwhile")
    untouched = await make_session(p.org, p.mentor, title="Untouched")
    export = await http.get("/exports/sessions.csv?format=bulk", headers=graphql.headers)
    exported = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert exported[0][-1] == "Version" and {r[-1] for r in exported[1:]} == {"1"}
    await mutate(graphql, VERSIONED, id=str(changed.id), input={"title": "Changed by someone"})

    header = [*HEADER, "Version"]
    data = csv_bytes(
        [
            [*row(action="Edit", id=changed.id, title="From the file"), "1"],
            [*row(action="Edit", id=untouched.id, title="From the file too"), "1"],
            [*row(action="Edit", id=untouched.id, description="Version is not a number."), "one"],
        ],
        header=header,
    )
    result = await upload_and_run(graphql, data)

    by_row = messages_by_row(result)
    assert by_row[2].startswith("Title: ") and "changed the title" in by_row[2]
    assert "“Changed by someone”" in by_row[2] and by_row[3] == ""
    assert "is not a session version" in by_row[4]
    assert (await Session.get(id=changed.id)).title == "Changed by someone"
    assert (await Session.get(id=untouched.id)).title == "From the file too"
