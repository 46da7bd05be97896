"""Shared by the bulk upload tests: building CSV files, uploading them, and a small organisation."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend.bulk_upload import columns, job
from backend.models import Organization, User, utcnow
from tests.support.factories import make_org, make_user

HEADER = columns.HEADER
UPLOAD = """
mutation($file: Upload!, $dryRun: Boolean) {
  bulkUploadSessions(file: $file, dryRun: $dryRun) {
    bulkUpload { id status message fileName dryRun totalRows processedRows validRows invalidRows resultCsvUrl }
    errors { field code message }
  }
}
"""
UPLOAD_RESULT = """
query($id: ID!, $onlyInvalid: Boolean! = false) {
  bulkUpload(id: $id) {
    id status message dryRun totalRows processedRows validRows invalidRows resultCsvUrl finishedAt
    rows(pageSize: 100, onlyInvalid: $onlyInvalid) { rowNumber action sessionId status message }
  }
}
"""


def row(**cells: object) -> list[str]:
    """A row in the sample's column order, from cells named by column key (action, id, title, …)."""
    return ["" if cells.get(c.key) is None else str(cells[c.key]) for c in columns.COLUMNS]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, separator: str = ",", bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def day(days_ahead: int, zone_hours: float = 5.5) -> str:
    """A date in DD-MM-YYYY, `days_ahead` days from now in IST (or the given UTC offset)."""
    local = utcnow() + timedelta(days=days_ahead, hours=zone_hours)
    return local.strftime("%d-%m-%Y")


def instant(date: str, time: str, zone_hours: float = 5.5) -> datetime:
    local = datetime.strptime(f"{date} {time}", "%d-%m-%Y %H:%M")
    return (local - timedelta(hours=zone_hours)).replace(tzinfo=UTC)


def create(host: User, title: str = "Lesson planning", days_ahead: int = 10, time: str = "17:00", **cells) -> list[str]:
    """A valid Create row for a public BigBlueButton session hosted by `host` (cells override)."""
    values = dict(
        action="Create",
        title=title,
        description=f"About {title.lower()}.",
        type="Public",
        mentor=host.email,
        date=day(days_ahead),
        time_zone="IST",
        time=time,
        duration=60,
        recommended_for="Teachers",
        categories="Communication",
        medium="English",
        meeting_platform="BigBlueButton",
    )
    values.update(cells)
    return row(**values)


async def upload(http, token: str, data: bytes, filename: str = "sessions.csv", dry_run: bool = False) -> dict:
    """The mutation as a browser sends it: a GraphQL multipart request, built by hand."""
    operations = {"query": UPLOAD, "variables": {"file": None, "dryRun": dry_run}}
    response = await http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, data, "text/csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["bulkUploadSessions"]


async def upload_and_run(graphql, data: bytes, dry_run: bool = False, filename: str = "sessions.csv") -> dict:
    """Upload, let the job run to the end, and return the upload with its row results."""
    payload = await upload(graphql.http, graphql.token, data, filename=filename, dry_run=dry_run)
    assert payload["errors"] == [], payload
    await job.run_pending()
    return await result_of(graphql, payload["bulkUpload"]["id"])


async def result_of(graphql, upload_id: str, only_invalid: bool = False) -> dict:
    return (await graphql.execute(UPLOAD_RESULT, {"id": upload_id, "onlyInvalid": only_invalid}))["bulkUpload"]


def messages_by_row(result: dict) -> dict[int, str]:
    return {r["rowNumber"]: r["message"] for r in result["rows"]}


@dataclass
class People:
    org: Organization
    manager: User
    mentor: User
    other_mentor: User
    mentees: list[User]


async def people(graphql=None) -> People:
    """An organisation with a manager (signed in on `graphql` when given), two mentors and three mentees."""
    org = await make_org()
    found = People(
        org=org,
        manager=await make_user(org, "MANAGER", email="manager@example.test"),
        mentor=await make_user(org, "MENTOR", name="Ravi Kumar", email="ravi@example.test"),
        other_mentor=await make_user(org, "MENTOR", name="Meera Iyer", email="meera@example.test"),
        mentees=[await make_user(org, "MENTEE", email=f"mentee{n}@example.test") for n in range(1, 4)],
    )
    if graphql is not None:
        await graphql.login(found.manager.email)
    return found
