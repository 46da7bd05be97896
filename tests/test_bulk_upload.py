"""Bulk upload through the API: the upload mutation (a GraphQL multipart request, by hand and with the
gql client), what a real run and a dry run change, the result file, the email, and who sees what."""

from __future__ import annotations

import csv
import io

import httpx
from gql import Client, FileVar, gql
from gql.transport.httpx import HTTPXAsyncTransport

from backend.bulk_upload import job
from backend.graphql.schema import export_sdl
from backend.mail.sender import deliver_pending
from backend.models import Attendance, OutboxMessage, Session, SessionTimeZone
from tests.support.bulk_upload import (
    UPLOAD,
    create,
    csv_bytes,
    day,
    instant,
    messages_by_row,
    people,
    result_of,
    row,
    upload,
    upload_and_run,
)
from tests.support.downloads import csv_rows
from tests.support.factories import make_org, make_session, make_user


def test_the_schema_has_the_designed_bulk_upload_contract():
    sdl = export_sdl()
    assert "bulkUploadSessions(file: Upload!, dryRun: Boolean = false): BulkUploadPayload!" in sdl
    assert "bulkUpload(id: ID!): BulkUpload" in sdl
    assert "bulkUploads(page: Int! = 1, pageSize: Int! = 10): BulkUploadPage!" in sdl
    for field in (
        "totalRows: Int!",
        "processedRows: Int!",
        "validRows: Int!",
        "invalidRows: Int!",
        "resultCsvUrl: String",
    ):
        assert field in sdl


async def test_a_manager_creates_edits_and_deletes_sessions_with_one_file(graphql, db):
    p = await people(graphql)
    to_edit = await make_session(p.org, p.mentor, title="Old title", invited=(p.mentees[0],))
    to_delete = await make_session(p.org, p.other_mentor, title="Going away")
    data = csv_bytes(
        [
            create(
                p.mentor,
                "Lesson planning",
                date=day(10),
                time="17:00 Hrs",
                mentees=f"{p.mentees[1].email}; {p.mentees[2].email}",
            ),
            row(action="edit", id=to_edit.id, title="New title", mentees=p.mentees[1].email),
            row(action="DELETE", id=to_delete.id),
        ]
    )

    result = await upload_and_run(graphql, data)

    assert (result["status"], result["totalRows"], result["processedRows"]) == ("COMPLETED", 3, 3)
    assert (result["validRows"], result["invalidRows"]) == (3, 0)
    assert [(r["rowNumber"], r["action"], r["status"]) for r in result["rows"]] == [
        (2, "Create", "VALID"),
        (3, "Edit", "VALID"),
        (4, "Delete", "VALID"),
    ]
    created = await Session.get(id=int(result["rows"][0]["sessionId"]))
    assert created.title == "Lesson planning" and created.starts_at == instant(day(10), "17:00")
    assert created.time_zone == SessionTimeZone.IST and created.invited_count == 2
    edited = await Session.get(id=to_edit.id)
    assert edited.title == "New title" and edited.description == to_edit.description  # blank cells keep
    invited = await Attendance.filter(session_id=to_edit.id).values_list("mentee_id", flat=True)
    assert invited == [p.mentees[1].id]  # a filled Mentees cell is the new invited list
    assert (await Session.get(id=to_delete.id)).deleted_at is not None


async def test_the_upload_works_with_the_gql_client_library(app, db):
    p = await people()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        from tests.support.graphql_client import GraphQLClient

        token = (await GraphQLClient(http).login(p.manager.email)).token
    transport = HTTPXAsyncTransport(
        url="http://testserver/graphql",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {token}"},
    )
    async with Client(transport=transport) as session:
        request = gql(UPLOAD)
        request.variable_values = {
            "file": FileVar(
                io.BytesIO(csv_bytes([create(p.mentor, "From gql")])), filename="gql.csv", content_type="text/csv"
            ),
            "dryRun": False,
        }
        answer = await session.execute(request, upload_files=True)

    payload = answer["bulkUploadSessions"]
    assert payload["errors"] == []
    assert payload["bulkUpload"]["fileName"] == "gql.csv" and payload["bulkUpload"]["status"] == "PENDING"
    await job.run_pending()
    assert await Session.filter(title="From gql").count() == 1


async def test_a_dry_run_changes_nothing_and_reports_what_a_real_run_does(graphql, db):
    p = await people(graphql)
    existing = await make_session(p.org, p.mentor, title="Existing", invited=(p.mentees[0],))
    rows = [
        create(p.mentor, "First", days_ahead=12, mentees=p.mentees[1].email),
        create(p.mentor, "Clashes with the first", days_ahead=12),
        row(action="Edit", id=existing.id, date=day(13), mentees=p.mentees[2].email),
        row(action="Delete", id=existing.id),
        row(action="Delete", id=existing.id),
        create(p.other_mentor, "Bad", duration="ninety"),
    ]
    before = (await Session.all().count(), await Attendance.all().count())

    dry = await upload_and_run(graphql, csv_bytes(rows), dry_run=True)

    assert (await Session.all().count(), await Attendance.all().count()) == before
    assert (await Session.get(id=existing.id)).deleted_at is None
    # The only mail of a dry run is the uploader's result.
    assert await OutboxMessage.all().values_list("recipients", flat=True) == [[p.manager.email]]

    real = await upload_and_run(graphql, csv_bytes(rows))

    def outcome(result):
        return [(r["rowNumber"], r["action"], r["status"], r["message"]) for r in result["rows"]]

    assert dry["dryRun"] and not real["dryRun"]
    assert outcome(dry) == outcome(real)
    assert [r["status"] for r in real["rows"]] == ["VALID", "INVALID", "VALID", "VALID", "INVALID", "INVALID"]
    assert "Ravi Kumar already has “First”" in real["rows"][1]["message"]  # row 3 saw row 2
    assert "There is no session with ID" in real["rows"][4]["message"]  # row 6 saw row 5 delete it
    assert dry["rows"][0]["sessionId"] is None and real["rows"][0]["sessionId"] is not None
    assert await Session.filter(deleted_at=None).count() == before[0]  # one created, one deleted


async def test_the_uploader_gets_the_result_file_by_email_from_a_real_smtp_server(graphql, db, smtp_server):
    p = await people(graphql)
    data = csv_bytes([create(p.mentor, "Fine"), create(p.mentor, "Clash")])

    result = await upload_and_run(graphql, data, filename="July sessions.csv")
    await deliver_pending(smtp_server.use(db))

    (message,) = [m for m in smtp_server.messages if m["To"] == p.manager.email]
    assert message["Subject"] == "Bulk upload finished: July sessions.csv"
    text = message.get_body(("plain",)).get_content()
    assert "1 row valid and applied, 1 row invalid and not applied" in text
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "July sessions-result.csv"
    rows = csv_rows(attachment.get_payload(decode=True))
    assert rows[0][-2:] == ["Status", "Status Message"]
    assert [r[-2] for r in rows[1:]] == ["Valid", "Invalid"]
    assert rows[1][1] == result["rows"][0]["sessionId"]  # the new ID filled in


async def test_the_result_file_has_the_uploaded_columns_status_and_safe_cells(graphql, http, db):
    p = await people(graphql)
    header = [
        "action",
        "Mentor(Email)",
        "Title",
        "Description",
        "Type",
        "Date(DD-MM-YYYY)",
        "Time Zone(IST/UTC)",
        "Time (24 hrs)",
        "Duration(Min)",
        "recommended_for",
        "Categories",
        "Medium",
        "ID",
        "Status",
        "Status Message",
    ]
    data = csv_bytes(
        [
            [
                "Create",
                p.mentor.email,
                "=Planning",
                "About it",
                "Public",
                day(10),
                "IST",
                "17:00 Hrs",
                "60",
                "Teachers",
                "Pedagogy",
                "English",
                "",
                "Valid",
                "",
            ],
            [
                "Create",
                p.mentor.email,
                "",
                "About it",
                "Public",
                day(10),
                "IST",
                "17:00",
                "60",
                "Teachers",
                "Pedagogy",
                "English",
                "",
                "",
                "",
            ],
        ],
        header=header,
        separator=";",
    )

    result = await upload_and_run(graphql, data)
    response = await http.get(result["resultCsvUrl"], headers=graphql.headers)

    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response.content)
    assert rows[0] == header[:13] + ["Status", "Status Message"]  # MentorEd's names kept; old Status replaced
    assert rows[1][2] == "'=Planning" and rows[1][12] == result["rows"][0]["sessionId"]
    assert rows[1][13:] == ["Valid", ""]
    assert rows[2][13] == "Invalid" and rows[2][14].startswith("Title: The title is required")
    assert (await Session.get(id=int(result["rows"][0]["sessionId"]))).title == "=Planning"


async def test_only_managers_upload_and_only_the_uploader_sees_an_upload(graphql, http, db):
    p = await people(graphql)
    mine = await upload_and_run(graphql, csv_bytes([create(p.mentor)]))
    other_manager = await make_user(p.org, "MANAGER")
    stranger = await make_user(await make_org(), "MANAGER")

    for person in (other_manager, stranger):
        await graphql.login(person.email)
        assert await result_of(graphql, mine["id"]) is None
        history = await graphql.execute("{ bulkUploads { totalCount items { id } } }")
        assert history["bulkUploads"] == {"totalCount": 0, "items": []}
        assert (await http.get(mine["resultCsvUrl"], headers=graphql.headers)).status_code == 404

    await graphql.login(p.mentor.email)
    refused = await upload(http, graphql.token, csv_bytes([create(p.mentor)]))
    assert refused["bulkUpload"] is None
    assert refused["errors"] == [
        {"field": None, "code": "PERMISSION_DENIED", "message": refused["errors"][0]["message"]}
    ]

    graphql.token = None
    http.cookies.clear()
    assert "not signed in" in (await graphql.errors("{ bulkUploads { totalCount } }"))[0]
    assert (await http.get("/bulk-upload/sample.csv")).status_code == 401


async def test_the_history_lists_the_uploaders_uploads_newest_first_refused_ones_too(graphql, db):
    p = await people(graphql)
    first = await upload_and_run(graphql, csv_bytes([create(p.mentor)]), filename="first.csv")
    refused = await upload(graphql.http, graphql.token, b"", filename="empty.csv")

    history = await graphql.execute(
        "{ bulkUploads(page: 1, pageSize: 1) { totalCount totalPages hasNextPage "
        "items { id fileName status message } } }"
    )

    page = history["bulkUploads"]
    assert (page["totalCount"], page["totalPages"], page["hasNextPage"]) == (2, 2, True)
    assert page["items"] == [
        {
            "id": refused["bulkUpload"]["id"],
            "fileName": "empty.csv",
            "status": "FAILED",
            "message": refused["errors"][0]["message"],
        }
    ]
    assert first["id"] != refused["bulkUpload"]["id"]
    assert (
        "pageSize must be between 1 and 100"
        in (await graphql.errors("{ bulkUploads(pageSize: 500) { totalCount } }"))[0]
    )


async def test_rows_can_be_paged_and_filtered_to_the_invalid_ones(graphql, db):
    p = await people(graphql)
    data = csv_bytes(
        [create(p.mentor, f"Session {n}", days_ahead=10 + n) for n in range(4)]
        + [row(action="Nope"), row(action="Nope")]
    )
    result = await upload_and_run(graphql, data)

    invalid = await result_of(graphql, result["id"], only_invalid=True)
    second_page = await graphql.execute(
        "query($id: ID!) { bulkUpload(id: $id) { rows(page: 2, pageSize: 4) { rowNumber } } }", {"id": result["id"]}
    )

    assert [r["rowNumber"] for r in invalid["rows"]] == [6, 7]
    assert [r["rowNumber"] for r in second_page["bulkUpload"]["rows"]] == [6, 7]
    assert messages_by_row(invalid)[6] == "Action: “Nope” is not an action; enter Create, Edit or Delete."


async def test_an_edit_row_checks_type_and_mentor_and_edits_a_live_sessions_meeting_only(graphql, db):
    from datetime import timedelta

    from backend.models import MeetingPlatform, SessionStatus, utcnow

    p = await people(graphql)
    upcoming = await make_session(p.org, p.mentor)
    live = await make_session(
        p.org, p.other_mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(minutes=5)
    )
    data = csv_bytes(
        [
            row(action="Edit", id=upcoming.id, type="public", mentor=p.mentor.email.upper(), duration=90),
            row(
                action="Edit",
                id=live.id,
                meeting_platform="Google Meet",
                meeting_link="https://meet.google.com/abc-defg-hij",
            ),
        ]
    )

    result = await upload_and_run(graphql, data)

    assert [r["status"] for r in result["rows"]] == ["VALID", "VALID"]
    assert (await Session.get(id=upcoming.id)).duration_minutes == 90
    assert (await Session.get(id=live.id)).meeting_platform == MeetingPlatform.GOOGLE_MEET


async def test_uploading_the_sample_unchanged_in_the_demo_organisation_changes_nothing(graphql, http, db):
    from backend.seed import DEMO_PASSWORD, seed_demo

    await seed_demo(sessions=8)
    await graphql.login("manager@example.org", DEMO_PASSWORD)
    before = await Session.all().count()
    sample = (await http.get("/bulk-upload/sample.csv", headers=graphql.headers)).content

    result = await upload_and_run(graphql, sample)

    assert (result["validRows"], result["invalidRows"]) == (0, result["totalRows"])
    assert await Session.all().count() == before
    ids = [row["ID"] for row in csv.DictReader(io.StringIO(sample.decode("utf-8-sig"))) if row["ID"]]
    assert ids and all(int(i) < 1 for i in ids)  # no session ever has such an ID
