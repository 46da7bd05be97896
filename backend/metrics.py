"""The counters and histograms a process keeps for Prometheus; backend/metrics_route.py serves them.
Operation names are counted for signed-in callers only: a signed-out caller's operations are all
"signed_out", so nobody can fill the labels.

They live in the process that counts them; with `sessiondesk serve --workers N` the command points
PROMETHEUS_MULTIPROC_DIR at a fresh folder so that every process writes its values there and a scrape of
any process adds them all up.
"""

from __future__ import annotations

import re
import time

from prometheus_client import Counter, Gauge, Histogram

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
LIVE_SUBSCRIPTIONS = Gauge(
    "sessiondesk_live_subscriptions",
    "Live-update subscriptions listening for events (with --workers, in all of this server's processes).",
    multiprocess_mode="livesum",
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
