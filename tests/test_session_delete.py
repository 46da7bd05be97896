"""deleteSession: deleting an upcoming session keeps its record but takes it out of every list (rule R3 of
docs/rules.md).
Through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from backend.models import Attendance, Session, SessionStatus, utcnow
from tests.support.factories import make_session
from tests.support.session_requests import (
    DELETE,
    DETAILS,
    FACET_CATEGORIES,
    UPDATE,
    create,
    listed_titles,
    mutate,
    refusals,
    signed_in_desk,
)


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
