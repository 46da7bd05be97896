"""`sessiondesk serve` run as an operator runs it: a full run's log (one JSON line per request, no secret),
several worker processes sharing metrics and handing a bulk job back on SIGTERM, and the outbox command."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend.bulk_upload.columns import HEADER
from backend.seed import DEMO_PASSWORD
from tests.support.databases import BACKENDS
from tests.support.installation import Installation
from tests.support.server import ServerProcess, server_env, wait_until

UPLOAD = """mutation Upload($file: Upload!, $dryRun: Boolean) {
  bulkUploadSessions(file: $file, dryRun: $dryRun) { bulkUpload { id } errors { message } } }"""
PROGRESS = "query Progress($id: ID!) { bulkUpload(id: $id) { status processedRows totalRows } }"


class Server(ServerProcess):
    """`sessiondesk serve` on an installation, ready, with an HTTP client."""

    def __init__(self, site: Installation, log: Path, *args: str, **settings: str) -> None:
        super().__init__(server_env(site.data_dir, site.database_url, **settings), log, *args)
        self.client = httpx.Client(base_url=self.url, timeout=60)
        self.ready()

    def graphql(self, query: str, variables: dict | None = None, **headers: str) -> httpx.Response:
        return self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    def stop(self) -> str:
        """SIGTERM, as an orchestrator stops a container; the whole log."""
        self.client.close()
        return super().stop()


def login(server: Server, password: str = DEMO_PASSWORD) -> httpx.Response:
    return server.graphql(
        "mutation SignIn($e: String!, $p: String!) { login(email: $e, password: $p) { token errors { message } } }",
        {"e": "manager@example.org", "p": password},
    )


def upload(server: Server, token: str, data: bytes, dry_run: bool = False) -> str:
    response = server.client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None, "dryRun": dry_run}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("sessions.csv", data, "text/csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    payload = response.json()["data"]["bulkUploadSessions"]
    assert payload["errors"] == [], payload
    return payload["bulkUpload"]["id"]


def csv_file(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows([[cells.get(name, "") for name in HEADER] for cells in rows])
    return out.getvalue().encode("utf-8")


def test_a_full_run_logs_one_json_line_per_request_and_no_password_or_token(installation, tmp_path):
    installation.run("migrate")
    installation.run("seed", "--demo", "--sessions", "20")
    server = Server(installation, tmp_path / "server.log", LOG_FORMAT="json")
    try:
        assert login(server, DEMO_PASSWORD + "-wrong").json()["data"]["login"]["errors"]
        signed_in = login(server)
        token = signed_in.json()["data"]["login"]["token"]
        assert token and token in signed_in.headers["set-cookie"]
        bearer = {"Authorization": f"Bearer {token}"}
        # A request that does not parse quotes the password in its error; the log must not.
        broken = server.graphql(f'mutation {{ login(email: "manager@example.org", password: "{DEMO_PASSWORD}") {{')
        assert broken.json()["errors"]
        listed = server.graphql(
            "query Sessions { sessions(pageSize: 5) { items { id meeting { passcode } } } }",
            **bearer,
            **{"X-Request-ID": "run-request-1"},
        )
        assert listed.headers["x-request-id"] == "run-request-1"
        assert listed.json()["data"]["sessions"]["items"]
        secret_cell = "Zebra-cell-contents-7731"
        upload_id = upload(server, token, csv_file([{"Action": "Create", "Title": secret_cell}]))
        wait_until(
            lambda: (
                server.graphql(PROGRESS, {"id": upload_id}, **bearer).json()["data"]["bulkUpload"]["status"]
                == "COMPLETED"
            ),
            60,
            "the upload completed",
        )
        for path in ("/healthz", "/readyz", "/metrics"):
            assert server.client.get(path).status_code == 200
        assert server.client.get("/sessions", headers=bearer).status_code == 200
        assert server.client.get("/static/app.js").status_code == 200
        server.graphql("mutation SignOut { logout { errors { message } } }", **bearer)
        wait_until(lambda: "sent 1 message" in server.output(), 60, "the upload's result mail sent")
    finally:
        log = server.stop()

    assert DEMO_PASSWORD not in log
    assert token not in log
    assert secret_cell not in log
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is JSON
    requests = [line for line in lines if line["logger"] == "sessiondesk.request"]
    assert not [line for line in requests if line["path"] in ("/healthz", "/readyz", "/metrics")]
    [listing] = [line for line in requests if line["request_id"] == "run-request-1"]
    assert listing["status"] == 200 and listing["operation"] == "Sessions" and listing["route"] == "/graphql"
    assert (
        isinstance(listing["user_id"], int)
        and isinstance(listing["duration_ms"], int | float)
        and listing["client"] == "127.0.0.1"
    )
    signins = [line for line in requests if line.get("operation") == "SignIn"]
    assert len(signins) == 2 and "user_id" not in signins[0] and isinstance(signins[1]["user_id"], int)
    assert {line["path"] for line in requests} >= {"/graphql", "/sessions", "/static/app.js"}
    assert all(len(line["request_id"]) == 32 for line in requests if line["request_id"] != "run-request-1")
    background = [line for line in lines if line.get("worker")]
    assert any(line["worker"] == "bulk upload runner" for line in background)
    assert any(line["worker"] == "mail sender" and "sent 1 message" in line["message"] for line in background)
    assert any("Bulk upload" in line["message"] and "finished" in line["message"] for line in lines)


@pytest.mark.skipif("postgres" not in BACKENDS, reason="several processes on one database: PostgreSQL")
@pytest.mark.parametrize("installation", ["postgres"], indirect=True)
def test_workers_share_metrics_and_sigterm_hands_a_running_bulk_job_back_at_once(installation, tmp_path):
    installation.run("migrate")
    installation.run("seed", "--demo", "--sessions", "20")
    mentors = [
        email
        for (email,) in installation.rows(
            'SELECT u.email FROM "user" u JOIN "user" m ON m.organization_id = u.organization_id '
            "WHERE u.is_mentor AND m.email = 'manager@example.org' ORDER BY u.id"
        )
    ]
    base = datetime(2032, 1, 5, 10, 0)
    rows = []
    for n in range(10_000):
        local = base + timedelta(hours=2 * (n // len(mentors)))
        rows.append(
            {
                "Action": "Create",
                "Title": f"Bulk session {n}",
                "Description": "Made by the shutdown test.",
                "Recommended For": "Teachers",
                "Categories": "Communication",
                "Type": "Public",
                "Mentor": mentors[n % len(mentors)],
                "Date": local.strftime("%d-%m-%Y"),
                "Time Zone": "IST",
                "Time": local.strftime("%H:%M"),
                "Duration": "45",
                "Medium": "English",
                "Meeting Platform": "BigBlueButton",
            }
        )

    server = Server(installation, tmp_path / "workers.log", "--workers", "2")
    try:
        token = login(server).json()["data"]["login"]["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        for _ in range(20):  # spread over both processes
            server.graphql("query Sessions { sessions { totalCount } }", **bearer)
        scraped = {
            (s.name, s.labels.get("route"), s.labels.get("status")): s.value
            for family in text_string_to_metric_families(server.client.get("/metrics").text)
            for s in family.samples
        }
        # Each scrape reaches one process; the count is that of both.
        assert scraped[("sessiondesk_http_request_duration_seconds_count", "/graphql", "200")] >= 21

        upload_id = upload(server, token, csv_file(rows))
        progress = wait_until(
            lambda: (
                (found := server.graphql(PROGRESS, {"id": upload_id}, **bearer).json()["data"]["bulkUpload"])[
                    "processedRows"
                ]
                > 0
                and found
            ),
            120,
            "the upload under way",
        )
        assert progress["status"] == "RUNNING", progress
    finally:
        server.stop()
    stopped_at = datetime.now(UTC)

    [(status, processed, total, lease_expires_at)] = installation.rows(
        f"SELECT status, processed_rows, total_rows, lease_expires_at FROM bulk_upload WHERE id = {int(upload_id)}"
    )
    assert status == "RUNNING" and 0 < processed < total == 10_000
    # Handed back: its lease has already run out, so the next runner anywhere takes it at once.
    assert lease_expires_at <= stopped_at

    resumed = Server(installation, tmp_path / "resumed.log")
    try:
        wait_until(
            lambda: (
                installation.rows(f"SELECT status FROM bulk_upload WHERE id = {int(upload_id)}") == [("COMPLETED",)]
            ),
            180,
            "the upload resumed and completed",
        )
    finally:
        resumed.stop()
    [(status, processed)] = installation.rows(
        f"SELECT status, processed_rows FROM bulk_upload WHERE id = {int(upload_id)}"
    )
    assert (status, processed) == ("COMPLETED", 10_000)
    assert (
        installation.rows(
            f"SELECT message FROM bulk_upload_row WHERE upload_id = {int(upload_id)} AND status = 'INVALID' LIMIT 1"
        )
        == []
    )
    assert installation.rows("SELECT COUNT(*) FROM session WHERE title LIKE 'Bulk session %'") == [(10_000,)]


def test_the_outbox_command_lists_unsent_mail_and_re_queues_failed_messages(installation):
    installation.run("migrate")
    insert = (
        "INSERT INTO outbox_message (recipients, subject, text_body, html_body, attachments, created_at, attempts, "
        "next_attempt_at, last_error, sent_at, failing_since, failed_at) VALUES "
    )
    now = "CURRENT_TIMESTAMP"
    installation.rows(
        insert
        + f"""('["waiting@example.org"]', 'Invited: Lesson planning', 't', '', '[]', {now}, 2, {now},
               'Could not reach the SMTP server', NULL, {now}, NULL),
              ('["gone@example.org"]', 'Cancelled: Lesson planning', 't', '', '[]', {now}, 1, {now},
               '550 5.1.1 No such mailbox', NULL, {now}, {now}),
              ('["sent@example.org"]', 'Rescheduled', 't', '', '[]', {now}, 1, {now}, '', {now}, NULL, NULL)"""
    )
    listing = installation.run("outbox").stdout.splitlines()
    assert listing[0] == "Outbox: 1 pending, 1 failed, 1 sent (kept 30 days)."
    assert listing[1].startswith("1\tPENDING\t2 attempt(s)\tqueued ")
    assert listing[1].endswith("\twaiting@example.org\tInvited: Lesson planning")
    assert listing[2] == "\tCould not reach the SMTP server"
    assert listing[3].startswith("2\tFAILED\t1 attempt(s)") and listing[4] == "\t550 5.1.1 No such mailbox"
    assert len(listing) == 5

    failed = installation.run("outbox", "--failed").stdout.splitlines()
    assert [line.split("\t")[0] for line in failed[1:] if not line.startswith("\t")] == ["2"]

    refused = installation.run("outbox", "--retry", "2", "3", "99", ok=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Nothing re-queued: no message 99 in the outbox (sent mail is deleted after MAIL_KEEP_DAYS); "
        "message 3 was already sent."
    )
    done = installation.run("outbox", "--retry", "2")
    assert done.stdout == "Re-queued 1 message(s): 2; they go out at the next pass.\n"
    assert installation.rows("SELECT attempts, failed_at FROM outbox_message WHERE id = 2") == [(0, None)]
    assert installation.run("outbox", "--failed").stdout.splitlines()[0] == (
        "Outbox: 2 pending, 0 failed, 1 sent (kept 30 days)."
    )
