"""What an operator runs the app with: health checks, metrics, request logs, CORS for hosted API
explorers, and the outbox and bulk upload housekeeping. Through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import timedelta

import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError, OperationalError

from backend import failures, metrics, observability
from backend.app import create_app
from backend.bulk_upload import job
from backend.bulk_upload.pruning import prune_finished
from backend.housekeeping import Housekeeper
from backend.mail import maintenance
from backend.mail.outbox import enqueue
from backend.mail.sender import FAIL_AFTER, FAIL_AFTER_ATTEMPTS, deliver_pending
from backend.models import BulkUpload, BulkUploadRow, OutboxMessage, utcnow
from backend.sessions import tallies
from backend.settings import use_settings
from tests.support import outage
from tests.support.bulk_upload import create, csv_bytes, people, upload, upload_and_run
from tests.support.databases import ON_POSTGRES
from tests.support.server import wait_until_async

LOGIN = "mutation SignIn($e: String!, $p: String!) { login(email: $e, password: $p) { token errors { message } } }"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a /metrics answer, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(http, **headers: str) -> dict[tuple[str, tuple], float]:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


# Health


async def test_healthz_answers_without_the_database_or_a_sign_in(http):
    response = await http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_answers_ok_when_the_database_answers_and_every_migration_is_applied(http):
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_readyz_answers_503_with_the_migration_that_is_missing(http):
    connection = Tortoise.get_connection("default")
    _, rows = await connection.execute_query(
        "SELECT app, name, applied_at FROM tortoise_migrations WHERE name LIKE '0005%'"
    )
    assert len(rows) == 1
    saved = dict(rows[0])
    await connection.execute_query("DELETE FROM tortoise_migrations WHERE name LIKE '0005%'")
    try:
        response = await http.get("/readyz")
    finally:
        placeholders = "$1, $2, $3" if connection.capabilities.dialect == "postgres" else "?, ?, ?"
        await connection.execute_query(
            f"INSERT INTO tortoise_migrations (app, name, applied_at) VALUES ({placeholders})",
            [saved["app"], saved["name"], saved["applied_at"]],
        )
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": f"Migrations not applied: {saved['name']}; run `sessiondesk migrate`.",
    }


async def test_readyz_answers_503_with_the_reason_when_the_database_does_not_answer(http, monkeypatch):
    connection = Tortoise.get_connection("default")

    async def refused(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    monkeypatch.setattr(connection, "execute_query", refused)
    response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"].startswith("The database does not answer: ConnectionRefusedError")
    assert (await http.get("/healthz")).status_code == 200  # the process itself is fine
    scraped = await scrape(http)  # metrics still answer, saying the database is down
    assert scraped[("sessiondesk_database_up", ())] == 0
    assert ("sessiondesk_outbox_messages", (("state", "pending"),)) not in scraped


# Metrics


async def test_metrics_count_requests_by_route_and_status_and_graphql_operations_by_name_and_outcome(graphql, db):
    await people(graphql)  # signs in a manager
    before = await scrape(graphql.http)
    await graphql.post(LOGIN, {"e": "nobody@example.test", "p": "wrong"})  # refused: the payload lists errors
    await graphql.post("query Broken { nothingHere }")  # a GraphQL error
    await graphql.post("query Sessions { sessions { totalCount } }")
    assert (await graphql.http.get("/exports/sessions/999999/mentees.csv")).status_code in (401, 404)
    after = await scrape(graphql.http)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    requests = "sessiondesk_http_request_duration_seconds_count"
    assert grew(requests, route="/graphql", method="POST", status="200") == 3
    assert (
        grew(
            "sessiondesk_http_request_duration_seconds_bucket", route="/graphql", method="POST", status="200", le="+Inf"
        )
        == 3
    )
    assert (
        sum(
            grew(requests, route="/exports/sessions/{id}/mentees.csv", method="GET", status=status)
            for status in ("401", "404")
        )
        == 1
    )
    operations = "sessiondesk_graphql_operations_total"
    assert grew(operations, operation="SignIn", type="mutation", outcome="refused") == 1
    assert grew(operations, operation="Broken", type="query", outcome="error") == 1
    assert grew(operations, operation="Sessions", type="query", outcome="success") == 1


async def test_metrics_show_the_outbox_by_state_and_the_age_of_the_oldest_pending_message(http, db, smtp_server):
    settings = smtp_server.use(db)
    smtp_server.refused_addresses.add("gone@example.test")
    await enqueue(["gone@example.test", "here@example.test"], "Invited", "text", "")
    await deliver_pending(settings)
    await enqueue(["later@example.test"], "Reminder", "text", "")
    await OutboxMessage.filter(recipients=["later@example.test"]).update(created_at=utcnow() - timedelta(minutes=5))

    found = await scrape(http)
    assert found[("sessiondesk_database_up", ())] == 1
    assert found[("sessiondesk_outbox_messages", (("state", "pending"),))] == 1
    assert found[("sessiondesk_outbox_messages", (("state", "sent"),))] == 1
    assert found[("sessiondesk_outbox_messages", (("state", "failed"),))] == 1
    assert 300 <= found[("sessiondesk_outbox_oldest_pending_age_seconds", ())] < 3600


async def test_metrics_show_bulk_uploads_by_status_and_rows_processed(graphql, db):
    p = await people(graphql)
    await upload_and_run(graphql, csv_bytes([create(p.mentor, f"Session {n}", days_ahead=10 + n) for n in range(3)]))
    await upload(graphql.http, graphql.token, csv_bytes([create(p.mentor, "Waiting", days_ahead=30)]))

    found = await scrape(graphql.http)
    assert found[("sessiondesk_bulk_uploads", (("status", "completed"),))] == 1
    assert found[("sessiondesk_bulk_uploads", (("status", "pending"),))] == 1
    assert found[("sessiondesk_bulk_uploads", (("status", "failed"),))] == 0
    assert found[("sessiondesk_bulk_upload_rows_processed", (("status", "completed"),))] == 3


async def test_metrics_show_when_each_background_worker_last_ran(http, db):
    before = utcnow().timestamp()
    key = ("sessiondesk_background_worker_last_run_timestamp_seconds", (("worker", "housekeeper"),))
    worker = Housekeeper(db, poll_seconds=60)
    worker.start()
    try:

        async def first_pass_done() -> bool:
            return (await scrape(http)).get(key, 0) >= before

        await wait_until_async(first_pass_done, 30, "the housekeeper's first pass")
    finally:
        await worker.stop()
    assert (await scrape(http))[key] >= before


async def test_with_a_metrics_token_metrics_need_it_as_a_bearer_token(db):
    import httpx

    app = create_app(dataclasses.replace(db, metrics_token="scrape-secret-123"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        answer = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
        assert answer.status_code == 200 and "sessiondesk_outbox_messages" in answer.text
        assert (await client.get("/healthz")).status_code == 200  # health checks stay open
    use_settings(db)


def test_operation_names_from_clients_cannot_grow_the_metrics_without_bound(monkeypatch):
    from backend import metrics

    monkeypatch.setattr(metrics, "_seen_operations", set())
    labels = {metrics.operation_label(f"Op{n}") for n in range(metrics.MAX_OPERATION_NAMES + 50)}
    assert len(labels) == metrics.MAX_OPERATION_NAMES + 1 and "other" in labels
    assert metrics.operation_label("Op1") == "Op1"
    assert metrics.operation_label("no spaces allowed") == "other"
    assert metrics.operation_label(None) == "anonymous"


# Logs


class Lines(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.addFilter(observability.RedactSecrets())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_log():
    handler = Lines(observability.JsonFormatter())
    logger = logging.getLogger("sessiondesk.request")
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(previous)


async def test_each_request_logs_one_json_line_with_its_id_viewer_operation_status_and_duration(graphql, db, json_log):
    p = await people(graphql)
    json_log.clear()
    response = await graphql.http.post(
        "/graphql",
        json={"query": "query Sessions { sessions { totalCount } }"},
        headers={**graphql.headers, "X-Request-ID": "trace-abc-123"},
    )
    assert response.headers["x-request-id"] == "trace-abc-123"
    [line] = [json.loads(text) for text in json_log]
    assert line["request_id"] == "trace-abc-123"
    assert (line["method"], line["path"], line["route"], line["status"]) == ("POST", "/graphql", "/graphql", 200)
    assert line["user_id"] == p.manager.id and line["operation"] == "Sessions"
    assert (
        isinstance(line["duration_ms"], int | float)
        and line["level"] == "info"
        and line["message"] == "POST /graphql 200"
    )


async def test_a_request_without_an_id_gets_one_and_a_bad_one_is_replaced(http, json_log):
    made = await http.get("/sessions")
    replaced = await http.get("/sessions", headers={"X-Request-ID": "bad id\twith spaces"})
    assert len(made.headers["x-request-id"]) == 32
    assert replaced.headers["x-request-id"] != "bad id\twith spaces" and len(replaced.headers["x-request-id"]) == 32
    assert [json.loads(t)["request_id"] for t in json_log] == [
        made.headers["x-request-id"],
        replaced.headers["x-request-id"],
    ]


async def test_health_checks_and_scrapes_are_not_logged_at_info_level(http, json_log):
    for path in ("/healthz", "/readyz", "/metrics"):
        assert (await http.get(path)).status_code == 200
    assert json_log == []


def test_text_lines_are_readable_and_carry_the_same_fields():
    record = logging.LogRecord("sessiondesk.request", logging.INFO, __file__, 1, "GET /x 200", None, None)
    for name, value in {"request_id": "r1", "status": 200, "duration_ms": 3.5, "user_id": 7, "operation": "Op"}.items():
        setattr(record, name, value)
    text = observability.TextFormatter().format(record)
    assert text.endswith("INFO sessiondesk.request GET /x 200 request_id=r1 duration_ms=3.5 user_id=7 operation=Op")


def test_secrets_in_a_message_are_masked():
    masked = observability.redact(
        'login failed: {"password": "demo1234"} Authorization: Bearer abcdefghijklmnop '
        "postgres://desk:hunter2@db:5432/desk passcode=9911"
    )
    assert "demo1234" not in masked and "abcdefghijklmnop" not in masked
    assert "hunter2" not in masked and "9911" not in masked
    assert "postgres://desk:[redacted]@db:5432/desk" in masked
    refused_by_the_orm = observability.redact("meeting_passcode: Length of '12345678' 140 > 100")
    assert "12345678" not in refused_by_the_orm and "140 > 100" in refused_by_the_orm


# CORS for API explorers hosted elsewhere


async def test_without_cors_allow_origins_no_other_origin_is_allowed(http):
    preflight = await http.options(
        "/graphql",
        headers={"Origin": "https://studio.apollographql.com", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_an_allowed_origin_may_call_graphql_with_a_bearer_token_but_never_with_credentials(graphql, db):
    import httpx

    await people(graphql)
    app = create_app(dataclasses.replace(db, cors_allow_origins=("https://studio.apollographql.com",)))
    origin = {"Origin": "https://studio.apollographql.com"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        preflight = await client.options(
            "/graphql",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://studio.apollographql.com"
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in preflight.headers

        answer = await client.post(
            "/graphql", json={"query": "{ sessions { totalCount } }"}, headers={**origin, **graphql.headers}
        )
        assert answer.status_code == 200 and "errors" not in answer.json()
        assert answer.headers["access-control-allow-origin"] == "https://studio.apollographql.com"
        assert "access-control-allow-credentials" not in answer.headers

        # The CSRF header is not among those another origin may send, and other origins get nothing.
        csrf = await client.options(
            "/graphql",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-requested-with",
            },
        )
        assert csrf.status_code == 400
        other = await client.options(
            "/graphql", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
        # Only /graphql is opened to other origins.
        export = await client.get("/exports/sessions.csv", headers={**origin, **graphql.headers})
        assert "access-control-allow-origin" not in export.headers
    use_settings(db)


# Mail that fails for good


async def test_mail_failing_for_a_day_after_enough_attempts_is_marked_failed_and_kept(db, smtp_server):
    settings = smtp_server.use(db)
    await enqueue(["mentee@example.test"], "Invited", "text", "")
    smtp_server.stop()
    start = utcnow()
    # Attempts within the first day keep the message pending, however many there are.
    for n in range(FAIL_AFTER_ATTEMPTS + 2):
        await deliver_pending(settings, now=start + timedelta(minutes=15 * n))
    message = await OutboxMessage.get()
    assert (message.attempts, message.failed_at, message.failing_since) == (FAIL_AFTER_ATTEMPTS + 2, None, start)

    late = start + FAIL_AFTER
    await deliver_pending(settings, now=late)
    failed = await OutboxMessage.get()
    assert failed.failed_at == late and "Could not reach the SMTP server" in failed.last_error
    smtp_server.start()
    assert await deliver_pending(settings, now=late + timedelta(hours=1)) == 0  # not retried any more
    assert maintenance.state(failed) == maintenance.FAILED


async def test_a_failed_message_re_queued_goes_out_at_the_next_pass(db, smtp_server):
    settings = smtp_server.use(db)
    smtp_server.refused_addresses.add("typo@example.test")
    await enqueue(["typo@example.test"], "Invited", "text", "")
    await deliver_pending(settings)
    failed = await OutboxMessage.get()
    assert failed.failed_at is not None and "550" in failed.last_error

    smtp_server.refused_addresses.clear()  # the mailbox was created
    assert await maintenance.retry([failed.id]) == [failed.id]
    requeued = await OutboxMessage.get()
    assert (requeued.failed_at, requeued.attempts, requeued.failing_since) == (None, 0, None)
    assert await deliver_pending(settings) == 1
    assert [m["To"] for m in smtp_server.messages] == ["typo@example.test"]


async def test_retry_refuses_unknown_and_sent_messages_and_changes_nothing(db, smtp_server):
    settings = smtp_server.use(db)
    await enqueue(["a@example.test"], "Invited", "text", "")
    await deliver_pending(settings)
    sent = await OutboxMessage.get()
    with pytest.raises(maintenance.RetryRefused) as refused:
        await maintenance.retry([sent.id, 9999])
    assert str(refused.value) == (
        "Nothing re-queued: no message 9999 in the outbox (sent mail is deleted after MAIL_KEEP_DAYS); "
        f"message {sent.id} was already sent."
    )


# Pruning


async def test_sent_mail_is_deleted_after_mail_keep_days_and_unsent_mail_is_kept(db, smtp_server):
    settings = smtp_server.use(db)
    smtp_server.refused_addresses.add("gone@example.test")
    await enqueue(["old@example.test", "gone@example.test", "new@example.test"], "Invited", "text", "")
    await deliver_pending(settings)
    await OutboxMessage.filter(recipients=["old@example.test"]).update(sent_at=utcnow() - timedelta(days=31))
    await OutboxMessage.filter(recipients=["new@example.test"]).update(sent_at=utcnow() - timedelta(days=29))
    await enqueue(["waiting@example.test"], "Invited", "text", "")
    await OutboxMessage.filter(recipients=["gone@example.test"]).update(created_at=utcnow() - timedelta(days=60))

    assert await maintenance.prune_sent(keep_days=30) == 1
    left = {tuple(m.recipients)[0]: maintenance.state(m) for m in await OutboxMessage.all()}
    assert left == {"gone@example.test": "FAILED", "new@example.test": "SENT", "waiting@example.test": "PENDING"}


async def test_old_bulk_uploads_lose_their_file_and_results_but_keep_their_counts(graphql, db):
    p = await people(graphql)
    old = await upload_and_run(graphql, csv_bytes([create(p.mentor, f"Old {n}", days_ahead=10 + n) for n in range(3)]))
    new = await upload_and_run(graphql, csv_bytes([create(p.mentor, "New", days_ahead=40)]))
    await BulkUpload.filter(id=int(old["id"])).update(finished_at=utcnow() - timedelta(days=91))
    running = await upload(graphql.http, graphql.token, csv_bytes([create(p.mentor, "Running", days_ahead=50)]))
    await BulkUpload.filter(id=int(running["bulkUpload"]["id"])).update(created_at=utcnow() - timedelta(days=200))

    await tallies.fold()  # the uploads' new sessions left tally rows; the housekeeper would say it folded them
    done = await Housekeeper(dataclasses.replace(db, bulk_keep_days=90)).run_pass()
    assert done == "deleted 0 sent message(s) older than 30 days; pruned 1 bulk upload(s) finished over 90 days ago"
    assert await prune_finished(keep_days=90) == 0  # already done; pruning again changes nothing

    pruned = await BulkUpload.get(id=int(old["id"]))
    assert pruned.pruned_at is not None and pruned.content == ""
    assert (pruned.total_rows, pruned.processed_rows, pruned.valid_rows) == (3, 3, 3)
    assert await BulkUploadRow.filter(upload_id=pruned.id).count() == 0
    assert await BulkUploadRow.filter(upload_id=int(new["id"])).count() == 1
    assert (await BulkUpload.get(id=int(running["bulkUpload"]["id"]))).content != ""

    history = await graphql.execute("{ bulkUploads { items { id status validRows resultCsvUrl } } }")
    by_id = {item["id"]: item for item in history["bulkUploads"]["items"]}
    assert by_id[old["id"]] == {"id": old["id"], "status": "COMPLETED", "validRows": 3, "resultCsvUrl": None}
    assert by_id[new["id"]]["resultCsvUrl"] == f"/bulk-uploads/{new['id']}/result.csv"
    gone = await graphql.http.get(f"/bulk-uploads/{old['id']}/result.csv", headers=graphql.headers)
    assert gone.status_code == 410
    assert gone.text == (
        "This upload's file and results were deleted 90 days after it finished (BULK_KEEP_DAYS); "
        "its counts are still in the upload history."
    )
    await job.run_pending()  # the waiting upload still runs


# The database unavailable


async def _asked_during(graphql) -> list:
    """A signed-out sign-in, a signed-in query and a signed-in download, as the app answers them now."""
    http, bearer = graphql.http, {"Authorization": f"Bearer {graphql.token}"}
    sign_in = {"query": LOGIN, "variables": {"e": "x@example.test", "p": "pw"}}
    login = await http.post("/graphql", json=sign_in, headers={"X-Requested-With": "test"})
    query = await http.post("/graphql", json={"query": "{ viewer { id } }"}, headers=bearer)
    download = await http.get("/exports/sessions.csv", headers=bearer)
    return [login, query, download]


@ON_POSTGRES
async def test_a_database_not_accepting_connections_answers_503_everywhere_and_the_app_comes_back(graphql, db):
    # As during a failover or a restart: "database … is not currently accepting connections".
    await people(graphql)
    await outage.begin(db.database_url, refuse=True)
    try:
        answers = await _asked_during(graphql)
    finally:
        await outage.end(db.database_url)
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert response.headers["retry-after"] == "5"
    assert [r.status_code for r in await _asked_during(graphql)] == [200, 200, 200]


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.TooManyConnectionsError('too many connections for database "desk"'),
        asyncpg.exceptions.ObjectNotInPrerequisiteStateError('database "desk" is not currently accepting connections'),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.OutOfMemoryError("out of memory"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        asyncpg.exceptions.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
        asyncpg.exceptions.InterfaceError("cannot call Transaction.rollback(): the underlying connection is closed"),
        ConnectionRefusedError(111, "Connection refused"),
        DBConnectionError("Can't establish connection to database desk"),
    ],
    ids=repr,
)
def test_every_state_of_a_database_that_cannot_serve_now_is_answered_as_unavailable(error):
    assert failures.database_unavailable(OperationalError(error)) or failures.database_unavailable(error)
    wrapped = OperationalError(str(error))
    wrapped.__cause__ = error  # as Tortoise raises it
    assert failures.database_unavailable(wrapped)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.ObjectNotInPrerequisiteStateError("cursor is not open"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to user request"),
        asyncpg.exceptions.UndefinedColumnError('column "x" does not exist'),
        asyncpg.exceptions.InterfaceError("the server expects 2 arguments, 1 was passed"),
    ],
    ids=repr,
)
def test_a_bug_is_not_mistaken_for_the_database_being_unavailable(error):
    assert not failures.database_unavailable(error)


# Who may read what an operator reads


async def from_elsewhere(app):
    import httpx

    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_without_a_metrics_token_metrics_answer_this_machine_only(app, http, db):
    async with await from_elsewhere(app) as remote:
        refused = await remote.get("/metrics")
    assert refused.status_code == 401 and "set METRICS_TOKEN" in refused.text
    assert (await http.get("/metrics")).status_code == 200  # http's client is 127.0.0.1


async def test_readyz_tells_only_the_operator_what_the_driver_said(app, http, db, monkeypatch, caplog):
    connection = Tortoise.get_connection("default")

    async def refused(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connect call failed ('10.1.2.3', 5432)")

    monkeypatch.setattr(connection, "execute_query", refused)
    async with await from_elsewhere(app) as remote:
        public = await remote.get("/readyz")
    assert public.status_code == 503
    assert public.json() == {"status": "unavailable", "reason": "The database does not answer."}
    assert "10.1.2.3" in caplog.text  # the operator reads it in the log
    assert "10.1.2.3" in (await http.get("/readyz")).json()["reason"]  # or from this machine


async def test_signed_out_callers_cannot_fill_the_operation_labels(graphql, db, monkeypatch):
    monkeypatch.setattr(metrics, "_seen_operations", set())
    before = await scrape(graphql.http)
    for n in range(5):
        await graphql.post(f"query Invented{n} {{ __typename }}")
    after = await scrape(graphql.http)
    key = (
        "sessiondesk_graphql_operations_total",
        (("operation", "signed_out"), ("outcome", "success"), ("type", "query")),
    )
    assert after[key] - before.get(key, 0) == 5
    assert not [name for (_, labels) in after for label, name in labels if label == "operation" and "Invented" in name]
    assert metrics._seen_operations == set()


async def test_a_calendar_feed_s_token_is_not_written_in_the_request_log(graphql, db, json_log):
    await people(graphql)
    url = (await graphql.execute("query { viewer { calendarFeedUrl } }"))["viewer"]["calendarFeedUrl"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    json_log.clear()
    assert (await graphql.http.get(url)).status_code == 200
    [line] = [json.loads(text) for text in json_log]
    assert line["path"] == "/calendar/[redacted].ics" and token not in json.dumps(line)


async def test_a_background_worker_logs_an_outage_as_one_line_without_a_traceback(caplog):
    from backend.background import BackgroundWorker

    class Failing(BackgroundWorker):
        name = "failing worker"

        async def run_pass(self) -> str | None:
            self.stopping = True
            raise asyncpg.exceptions.CannotConnectNowError("the database system is starting up")

    await Failing(poll_seconds=0).run()
    [record] = [r for r in caplog.records if r.name == "backend.background"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "the database is unavailable (CannotConnectNowError: the database system is starting up)" in (
        record.getMessage()
    )
