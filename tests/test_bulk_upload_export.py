"""The sample file and "Export for bulk edit": files in the upload format that upload cleanly."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.bulk_upload import columns
from backend.models import MeetingPlatform, OutboxMessage, Session, SessionStatus, SessionTimeZone, SessionType
from tests.support.bulk_upload import people, upload_and_run
from tests.support.downloads import csv_rows
from tests.support.factories import make_session

LATE_EVENING_UTC = datetime(2031, 3, 1, 20, 7, 42, tzinfo=UTC)  # 02-03-2031 01:37 IST, with seconds


async def test_the_sample_file_has_the_designed_header_and_explains_each_action(graphql, http, db):
    await people(graphql)

    response = await http.get("/bulk-upload/sample.csv", headers=graphql.headers)

    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="bulk-upload-sample.csv"' in response.headers["content-disposition"]
    rows = csv_rows(response.content)
    assert ",".join(rows[0]) == (
        "Action,ID,Title,Description,Type,Mentor,Mentees,Date,Time Zone,Time,Duration,Recommended For,"
        "Categories,Medium,Meeting Platform,Meeting Link,Meeting Passcode"
    )
    assert [r[0] for r in rows[1:]] == ["Create", "Create", "Create", "Edit", "Delete"]
    assert {r[14] for r in rows[1:4]} == {"BigBlueButton", "Google Meet", "Zoom"}
    assert all(r[3] for r in rows[1:])  # each row says what it shows


async def test_a_bulk_edit_export_uploaded_back_unchanged_is_all_valid_and_changes_nothing(graphql, http, db):
    p = await people(graphql)
    sessions = [
        await make_session(
            p.org,
            p.mentor,
            title='-Warm-up, then "planning"',
            starts_at=LATE_EVENING_UTC,
            type=SessionType.PRIVATE,
            platform=MeetingPlatform.ZOOM,
            invited=(p.mentees[0], p.mentees[1]),
            enrolled=(p.mentees[2],),
            categories=("Pedagogy", "Communication"),
            recommended_for=("Teachers", "Head teachers"),
        ),
        await make_session(p.org, p.other_mentor, platform=MeetingPlatform.GOOGLE_MEET, time_zone=SessionTimeZone.UTC),
        await make_session(p.org, p.mentor),
    ]
    await Session.filter(id=sessions[1].id).update(description="Line one\nLine two, with a comma")
    await make_session(
        p.org,
        p.other_mentor,
        title="Done",
        status=SessionStatus.COMPLETED,
        starts_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    before = {s.id: s for s in await Session.all()}

    response = await http.get("/exports/sessions.csv?format=bulk", headers=graphql.headers)
    rows = csv_rows(response.content)

    assert rows[0] == columns.EXPORT_HEADER  # the sample's header, then each session's Version
    assert [r[1] for r in rows[1:]] == [
        str(s.id) for s in sorted(sessions, key=lambda s: s.starts_at)
    ]  # no completed one
    first = next(r for r in rows if r[1] == str(sessions[0].id))
    assert first[:2] == ["Edit", str(sessions[0].id)]
    assert first[2] == '\'-Warm-up, then "planning"'  # a safe cell
    assert first[6] == f"{p.mentees[0].email}, {p.mentees[1].email}"  # invited only
    assert first[7:10] == ["02-03-2031", "IST", "01:37"]
    assert first[14:] == ["Zoom", "https://zoom.us/j/1234567890", "123456", "1"]
    utc_row = next(r for r in rows if r[1] == str(sessions[1].id))
    assert utc_row[8] == "UTC" and utc_row[9] == sessions[1].starts_at.strftime("%H:%M")

    mails_before = await OutboxMessage.all().count()
    result = await upload_and_run(graphql, response.content, filename="sessions-bulk-edit.csv")

    assert result["invalidRows"] == 0 and result["validRows"] == 3, result["rows"]
    after = {s.id: s for s in await Session.all()}
    for session_id, old in before.items():
        new = after[session_id]
        assert (new.title, new.description, new.starts_at, new.updated_at, new.meeting_link, new.invited_count) == (
            old.title,
            old.description,
            old.starts_at,
            old.updated_at,
            old.meeting_link,
            old.invited_count,
        )
    assert await OutboxMessage.all().count() == mails_before + 1  # only the uploader's result
