"""Activity history: every change is recorded with who made it (or the system), when, through which
channel and each field before → after; managers read a session's timeline and the organisation's activity,
values shown as the visibility policy allows; ACTIVITY_KEEP_DAYS prunes it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx

from backend.bulk_upload import job
from backend.housekeeping import Housekeeper
from backend.models import Activity, MeetingPlatform, SessionStatus, utcnow
from backend.sessions import history
from backend.sessions.lifecycle import END_GRACE, complete_overdue_sessions
from tests.support.bulk_upload import create, csv_bytes, people, row, upload
from tests.support.databases import make_settings
from tests.support.factories import make_session, make_user
from tests.support.graphql_client import GraphQLClient
from tests.support.session_requests import ERRORS, a_desk, mutate

UPDATE = f"""
mutation($id: ID!, $input: UpdateSessionInput!) {{
  updateSession(id: $id, input: $input) {{ session {{ id version }} {ERRORS} }}
}}"""
TIMELINE = """
query($id: ID!) {
  session(id: $id) {
    history(pageSize: 50) {
      totalCount
      items { kind actorName actorId channel bulkUploadId rowNumber version changes { field before after } }
    }
  }
}"""
ACTIVITY = """
query($filter: ActivityFilter, $page: Int! = 1, $pageSize: Int! = 20) {
  activity(filter: $filter, page: $page, pageSize: $pageSize) {
    totalCount items { sessionId sessionTitle kind actorName channel changes { field before after } }
  }
}"""


async def timeline(graphql, session_id) -> list[dict]:
    return (await graphql.execute(TIMELINE, {"id": str(session_id)}))["session"]["history"]["items"]


async def test_an_edit_is_recorded_with_who_when_how_and_each_field_before_and_after(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor, title="Planning", categories=("Communication",))

    await mutate(graphql, UPDATE, id=str(session.id), input={"title": "Planning well", "categories": ["Pedagogy"]})

    (entry,) = await timeline(graphql, session.id)
    assert entry["kind"] == "UPDATED" and entry["channel"] == "API" and entry["version"] == 2
    assert (entry["actorName"], entry["actorId"]) == ("Maya Manager", str(desk.manager.id))
    assert {c["field"]: (c["before"], c["after"]) for c in entry["changes"]} == {
        "title": ("Planning", "Planning well"),
        "categories": (["Communication"], ["Pedagogy"]),
    }


async def test_the_browser_is_told_apart_from_an_api_client(http, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    await GraphQLClient(http).login(desk.manager.email)  # the cookie stays with the client, as in a browser

    response = await http.post(
        "/graphql",
        json={"query": UPDATE, "variables": {"id": str(session.id), "input": {"title": "From the app"}}},
        headers={"X-Requested-With": "fetch"},
    )

    assert response.json()["data"]["updateSession"]["errors"] == []
    assert (await Activity.get(session_id=session.id)).channel == "BROWSER"


async def test_a_bulk_upload_row_is_recorded_with_the_upload_and_its_row_number(graphql, db):
    p = await people(graphql)
    session = await make_session(p.org, p.mentor, title="Old")
    data = csv_bytes([create(p.mentor, "Made by file"), row(action="Edit", id=session.id, title="Edited by file")])
    payload = await upload(graphql.http, graphql.token, data)
    await job.run_pending()
    upload_id = int(payload["bulkUpload"]["id"])

    (edited,) = await timeline(graphql, session.id)

    assert (edited["channel"], edited["bulkUploadId"], edited["rowNumber"]) == ("BULK_UPLOAD", str(upload_id), 3)
    assert edited["changes"] == [{"field": "title", "before": "Old", "after": "Edited by file"}]
    created = await Activity.get(kind="CREATED")
    assert (created.bulk_upload_id, created.row_number, created.version) == (upload_id, 2, 1)


async def test_status_changes_by_the_system_are_recorded_as_the_system(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    live = await make_session(
        desk.org, desk.mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(hours=3), duration=60
    )

    await complete_overdue_sessions(now=live.ends_at + END_GRACE + timedelta(minutes=1))

    (entry,) = await timeline(graphql, live.id)
    assert (entry["kind"], entry["actorName"], entry["actorId"], entry["channel"]) == (
        "ENDED",
        "system",
        None,
        "SYSTEM",
    )
    assert entry["changes"] == [{"field": "status", "before": "LIVE", "after": "COMPLETED"}]


async def test_a_mentee_enrolling_is_in_the_history(graphql, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    await graphql.login(desk.asha.email)
    enrol = f"mutation($id: ID!) {{ enrollInSession(id: $id) {{ session {{ id }} {ERRORS} }} }}"
    assert (await mutate(graphql, enrol, id=str(session.id)))["errors"] == []
    await graphql.login(desk.manager.email)

    (entry,) = await timeline(graphql, session.id)

    assert (entry["kind"], entry["actorName"]) == ("MENTEES_CHANGED", "Asha Rao")
    assert entry["changes"] == [{"field": "mentees", "before": [], "after": [desk.asha.email]}]


async def test_a_refused_change_leaves_no_history(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor)

    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"title": ""})

    assert payload["errors"] and await Activity.filter(session_id=session.id).count() == 0


async def test_only_managers_read_the_history(graphql, db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    await graphql.login(desk.mentor.email)

    assert "Only session managers" in " ".join(await graphql.errors(ACTIVITY))
    assert "Only session managers" in " ".join(await graphql.errors(TIMELINE, {"id": str(session.id)}))


async def test_a_passcode_is_shown_to_whoever_may_see_it_and_masked_for_the_rest(db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, platform=MeetingPlatform.ZOOM)
    entry = history.Entry(
        session.id,
        history.ActivityKind.MEETING_CHANGED,
        2,
        [{"field": "meeting.passcode", "before": "1", "after": "2"}],
    )
    await history.record(history.Origin.of(desk.manager, history.ActivityChannel.API), [entry])
    row = await Activity.get(session_id=session.id)
    outsider = await make_user(desk.org, "MENTEE")
    outsider.is_manager = True  # a manager of another organisation sees nothing of it
    outsider.organization_id = desk.org.id + 1000

    (for_manager,) = await history.shown(desk.manager, [row])
    (for_mentor,) = await history.shown(desk.mentor, [row])
    for_mentee = await history.shown(desk.asha, [row])

    assert for_manager.changes[0].after == "2" and for_mentor.changes[0].after == "2"
    assert for_mentee[0].changes[0].after == history.MASKED
    assert await history.shown(outsider, [row]) == []


async def test_the_activity_list_filters_by_session_person_kind_and_time(graphql, db, app):
    desk = await a_desk()
    other = await make_user(desk.org, "MANAGER", name="Nisha Gupta")
    first = await make_session(desk.org, desk.mentor, title="First")
    second = await make_session(desk.org, desk.mentor, title="Second")
    await graphql.login(desk.manager.email)
    await mutate(graphql, UPDATE, id=str(first.id), input={"title": "First, renamed"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        nisha = await GraphQLClient(http).login(other.email)
        http.cookies.clear()
        await mutate(nisha, UPDATE, id=str(second.id), input={"description": "Changed by Nisha."})
        delete = f"mutation($id: ID!) {{ deleteSession(id: $id) {{ deletedId {ERRORS} }} }}"
        await mutate(nisha, delete, id=str(first.id))

    async def titles(**filter) -> list[tuple[str, str]]:
        found = (await graphql.execute(ACTIVITY, {"filter": filter}))["activity"]
        return [(i["sessionTitle"], i["kind"]) for i in found["items"]]

    assert await titles() == [("First, renamed", "DELETED"), ("Second", "UPDATED"), ("First, renamed", "UPDATED")]
    assert await titles(sessionId=str(second.id)) == [("Second", "UPDATED")]
    assert await titles(actorId=str(other.id)) == [("First, renamed", "DELETED"), ("Second", "UPDATED")]
    assert await titles(kind=["DELETED"]) == [("First, renamed", "DELETED")]
    later = (utcnow() + timedelta(hours=1)).isoformat()
    assert await titles(**{"from": later}) == []
    assert len(await titles(to=later)) == 3


async def test_the_activity_list_is_paged_within_limits(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor)
    for n in range(3):
        await mutate(graphql, UPDATE, id=str(session.id), input={"title": f"Take {n}"})

    page = (await graphql.execute(ACTIVITY, {"page": 2, "pageSize": 2}))["activity"]

    assert page["totalCount"] == 3 and [i["changes"][0]["after"] for i in page["items"]] == ["Take 0"]
    assert "pageSize must be between 1 and 100" in " ".join(await graphql.errors(ACTIVITY, {"pageSize": 500}))


async def test_history_older_than_activity_keep_days_is_pruned_by_the_housekeeping(db, tmp_path):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    origin = history.Origin.of(desk.manager, history.ActivityChannel.API)
    entry = history.Entry(session.id, history.ActivityKind.UPDATED, 2, [])
    await history.record(origin, [entry], now=utcnow() - timedelta(days=11))
    await history.record(origin, [entry], now=utcnow() - timedelta(days=9))

    settings = make_settings(tmp_path, ACTIVITY_KEEP_DAYS="10")
    done = await Housekeeper(settings).run_pass()

    assert await Activity.filter(session_id=session.id).count() == 1
    assert done is not None and "deleted 1 change(s) older than 10 days from the history" in done


async def test_the_activity_download_is_the_list_as_csv_with_the_same_filters_for_managers_only(graphql, db, http):
    desk = await a_desk()
    first = await make_session(desk.org, desk.mentor, title="First")
    second = await make_session(desk.org, desk.mentor, title="=Second")  # a cell a spreadsheet would run
    await graphql.login(desk.manager.email)
    await mutate(graphql, UPDATE, id=str(first.id), input={"title": "First, renamed", "categories": ["Pedagogy"]})
    await mutate(graphql, UPDATE, id=str(second.id), input={"description": "Changed."})

    response = await http.get("/exports/activity.csv", params={"sessionId": str(first.id)}, headers=graphql.headers)

    assert response.status_code == 200 and 'filename="activity.csv"' in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert lines[0][:6] == ["Date", "Time", "Time Zone", "Session ID", "Session", "Who"]
    assert [(line[4], line[5], line[6], line[9], line[11], line[12], line[13]) for line in lines[1:]] == [
        ("First, renamed", "Maya Manager", "API", "UPDATED", "title", "First", "First, renamed"),
        ("First, renamed", "Maya Manager", "API", "UPDATED", "categories", "Communication", "Pedagogy"),
    ]
    whole = await http.get("/exports/activity.csv", headers=graphql.headers)
    assert "'=Second" in whole.text  # formula-safe, as every download
    bad = await http.get("/exports/activity.csv", params={"kind": "RENAMED"}, headers=graphql.headers)
    assert bad.status_code == 400 and "kind 'RENAMED' is not a known value" in bad.text
    await graphql.login(desk.mentor.email)
    refused = await http.get("/exports/activity.csv", headers=graphql.headers)
    assert refused.status_code == 403 and "Only session managers" in refused.text
