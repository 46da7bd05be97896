"""Prometheus metrics at GET /metrics (text format): with METRICS_TOKEN set, for callers sending it as a
bearer token; without it, for callers on this machine only (127.0.0.1 or ::1, as uvicorn sees the client
after FORWARDED_ALLOW_IPS proxies). It shows the process's counters (backend/metrics.py) and what lives in
the database (the outbox, bulk uploads), counted at scrape time, so every process answers the same."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from tortoise.functions import Count, Sum

from backend.mail import maintenance
from backend.models import BulkUpload, BulkUploadStatus
from backend.settings import get_settings, prometheus_multiproc_dir

log = logging.getLogger("backend.metrics")


class _Snapshot:
    """Metric families computed for one scrape."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


async def database_families() -> list[Metric]:
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
