"""Prometheus metrics at GET /metrics (text format): with METRICS_TOKEN set, for callers sending it as a
bearer token; without it, for callers on this machine only (127.0.0.1 or ::1, as uvicorn sees the client
after FORWARDED_ALLOW_IPS proxies), such as a local agent. Operation names are counted for signed-in
callers only: a signed-out caller's operations are all "signed_out", so nobody can fill the labels.

Counters and histograms live in the process that counts them; with `sessiondesk serve --workers N` the
command points PROMETHEUS_MULTIPROC_DIR at a fresh folder so that every process writes its values there
and a scrape of any process adds them all up. What lives in the database (the outbox, bulk uploads) is
counted at scrape time, so every process answers the same.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from tortoise.functions import Count, Sum

from backend.models import BulkUpload, BulkUploadStatus
from backend.settings import get_settings, prometheus_multiproc_dir

log = logging.getLogger("backend.metrics")

REQUEST_DURATION = Histogram(
    "sessiondesk_http_request_duration_seconds",
    "HTTP requests by route, method and status, with their duration (the _count is the number of requests).",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
GRAPHQL_OPERATIONS = Counter(
    "sessiondesk_graphql_operations_total",
    "GraphQL operations by operation name, type and outcome (success, refused: the payload lists errors, error).",
    ["operation", "type", "outcome"],
)
WORKER_LAST_RUN = Gauge(
    "sessiondesk_background_worker_last_run_timestamp_seconds",
    "When a background worker last finished a pass (Unix time), in any process.",
    ["worker"],
    multiprocess_mode="max",
)
WORKER_FAILURES = Counter(
    "sessiondesk_background_worker_failed_passes_total",
    "Background worker passes that stopped with an error (logged, retried at the next pass).",
    ["worker"],
)

# Operation names come from clients; past this many distinct names a process counts the rest as "other",
# so a client inventing names cannot grow the metrics without bound.
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_seen_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _seen_operations:
        return name
    if not _NAME.match(name) or len(_seen_operations) >= MAX_OPERATION_NAMES:
        return "other"
    _seen_operations.add(name)
    return name


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_DURATION.labels(route=route, method=method, status=str(status)).observe(seconds)


SIGNED_OUT = "signed_out"


def observe_operation(name: str | None, kind: str, outcome: str, signed_in: bool = True) -> None:
    label = operation_label(name) if signed_in else SIGNED_OUT
    GRAPHQL_OPERATIONS.labels(operation=label, type=kind, outcome=outcome).inc()


def worker_ran(worker: str, failed: bool) -> None:
    WORKER_LAST_RUN.labels(worker=worker).set(time.time())
    if failed:
        WORKER_FAILURES.labels(worker=worker).inc()


class _Snapshot:
    """Metric families computed for one scrape."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


async def database_families() -> list[Metric]:
    from backend.mail import maintenance  # the outbox imports the background loop, which imports this

    outbox = await maintenance.counts()
    messages = GaugeMetricFamily(
        "sessiondesk_outbox_messages", "Outbox messages by state (sent ones are kept MAIL_KEEP_DAYS).", labels=["state"]
    )
    messages.add_metric(["pending"], outbox.pending)
    messages.add_metric(["sent"], outbox.sent)
    messages.add_metric(["failed"], outbox.failed)
    oldest = GaugeMetricFamily(
        "sessiondesk_outbox_oldest_pending_age_seconds",
        "How long the oldest pending outbox message has waited (0 when none is pending).",
        value=outbox.oldest_pending_seconds,
    )
    by_status = {
        row["status"]: row
        for row in await BulkUpload.annotate(count=Count("id"), rows=Sum("processed_rows"))
        .group_by("status")
        .values("status", "count", "rows")
    }
    uploads = GaugeMetricFamily("sessiondesk_bulk_uploads", "Bulk uploads by status.", labels=["status"])
    rows = GaugeMetricFamily(
        "sessiondesk_bulk_upload_rows_processed",
        "Rows processed by bulk uploads, by the upload's status (pruned uploads keep their counts).",
        labels=["status"],
    )
    for status in BulkUploadStatus:
        row = by_status.get(status.value) or by_status.get(status) or {}
        uploads.add_metric([status.value.lower()], row.get("count") or 0)
        rows.add_metric([status.value.lower()], row.get("rows") or 0)
    return [messages, oldest, uploads, rows]


def _database_up(value: int) -> Metric:
    return GaugeMetricFamily(
        "sessiondesk_database_up", "1 when the database answered this scrape's queries, 0 otherwise.", value=value
    )


def process_metrics() -> bytes:
    if prometheus_multiproc_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def authorised(request: Request) -> bool:
    """Whether the caller is the operator: holds the METRICS_TOKEN, or (without one) calls from this machine."""
    token = get_settings().metrics_token
    if not token:
        return (request.client.host if request.client else "") in LOOPBACK
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return hmac.compare_digest(given.encode(), token.encode())


async def metrics(request: Request) -> Response:
    if not authorised(request):
        how = (
            "Send the METRICS_TOKEN as Authorization: Bearer <token>."
            if get_settings().metrics_token
            else "Metrics answer callers on this machine only; set METRICS_TOKEN to scrape them from elsewhere."
        )
        return PlainTextResponse(how, 401, headers={"WWW-Authenticate": "Bearer"})
    try:
        families = [*await database_families(), _database_up(1)]
    except Exception:  # the process's own metrics still help when the database does not answer
        log.warning("/metrics: the database did not answer; only this server's own metrics are shown", exc_info=True)
        families = [_database_up(0)]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(families))
    body = process_metrics() + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
