"""Logs and per-request bookkeeping: one line per request and per background event, in readable text or
JSON (LOG_FORMAT), with a request ID (taken from X-Request-ID or made up, and echoed in the response), the
viewer's user ID, the GraphQL operation name, the status and the duration.

What is logged is chosen field by field: paths without their query string (and without a calendar feed's
token), never headers, bodies, variables or cookies; a last filter masks anything that looks like a bearer
token or a password field in case an error message carries one. A request whose client went away before
it was answered is logged with status 499.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from backend import metrics

log = logging.getLogger("sessiondesk.request")

# Answered at debug level only: probes and scrapes every few seconds would drown the log.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# The status a request's log line shows when its client went away before it was answered (as nginx logs it).
CLIENT_GONE = 499
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")
# Fields a log line may carry beyond its message, in this order in text lines.
FIELDS = (
    "request_id",
    "method",
    "path",
    "route",
    "status",
    "duration_ms",
    "client",
    "user_id",
    "operation",
    "worker",
)


@dataclass
class RequestInfo:
    request_id: str
    user_id: int | None = None
    operations: list[str] = field(default_factory=list)


_current: ContextVar[RequestInfo | None] = ContextVar("sessiondesk_request", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


def note_viewer(user_id: int | None) -> None:
    """Called where a request's sign-in is resolved, so its log line says who asked."""
    if (info := _current.get()) is not None and user_id is not None:
        info.user_id = user_id


# Paths that carry a secret themselves: a calendar feed's address is its only key.
_SECRET_IN_PATH = re.compile(r"^(/calendar/)[^/]+(\.ics)$")


def loggable_path(path: str) -> str:
    """ "/calendar/Zm9v….ics" → "/calendar/[redacted].ics"; other paths as they are."""
    return _SECRET_IN_PATH.sub(r"\1[redacted]\2", path)


class RequestLog:
    """ASGI middleware: request ID, one log line and the request metrics for every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1").strip()
        info = RequestInfo(request_id=given if _REQUEST_ID.match(given) else uuid.uuid4().hex)
        token = _current.set(info)
        started = time.perf_counter()
        status = 500
        answered = False

        async def noting_receive() -> Message:
            nonlocal status
            message = await receive()
            if message["type"] == "http.disconnect" and not answered:
                status = CLIENT_GONE  # unless an answer was started: then its status stays
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", info.request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, noting_receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "(no route)"
            path, method = loggable_path(scope["path"]), scope["method"]
            metrics.observe_request(route, method, status, seconds)
            level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
            log.log(
                level,
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "request_id": info.request_id,
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    # After uvicorn's proxy headers middleware: the client as FORWARDED_ALLOW_IPS proxies say.
                    "client": (scope.get("client") or (None,))[0],
                    "user_id": info.user_id,
                    "operation": ",".join(info.operations) or None,
                },
            )
            _current.reset(token)


def _outcome(result: Any) -> str:
    if result is None or getattr(result, "errors", None):
        return "error"
    data = getattr(result, "data", None) or {}
    refused = any(isinstance(value, dict) and value.get("errors") for value in data.values())
    return "refused" if refused else "success"


class GraphQLObservability(SchemaExtension):
    """Counts each GraphQL operation by name and outcome, and puts its name on the request's log line."""

    def on_operation(self):  # type: ignore[no-untyped-def]
        yield
        context = self.execution_context
        name = context.operation_name
        try:
            kind = context.operation_type.value
        except Exception:  # a document that does not parse has no type
            kind = "unknown"
        outcome = "error" if context.pre_execution_errors else _outcome(context.result)
        signed_in = getattr(context.context, "viewer", None) is not None
        metrics.observe_operation(name, kind, outcome, signed_in)
        if (info := _current.get()) is not None:
            # The log line names the operation whoever sent it: a line each, no label set to fill as in the
            # metrics (a GraphQL name is letters, digits and underscores; long ones are cut).
            info.operations.append((name or "anonymous")[:64])


# Anything that looks like a secret in a message (an error text quoting a header or a JSON body).
_SECRETS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1[redacted]"),
    (re.compile(r'(?i)("?(?:password|passcode|token|secret)"?\s*[:=]\s*"?)[^",}\s]+'), r"\1[redacted]"),
    (re.compile(r"(?i)(://[^:/@\s]+:)[^@\s]+@"), r"\1[redacted]@"),
    # A value quoted soon after a secret's name, as the ORM quotes a value it refuses:
    # "meeting_passcode: Length of '1234…' 140 > 100".
    (re.compile(r"(?i)((?:password|passcode|token|secret)\w*\b[^'\"\n]{0,40}['\"])[^'\"\n]*"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if "request_id" not in line and (info := _current.get()) is not None:
            line["request_id"] = info.request_id
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        parts = [stamp, record.levelname, record.name, record.getMessage()]
        extras = {name: getattr(record, name, None) for name in FIELDS if name not in ("method", "path", "status")}
        if extras.get("request_id") is None and (info := _current.get()) is not None:
            extras["request_id"] = info.request_id
        parts += [f"{name}={value}" for name, value in extras.items() if value is not None]
        text = " ".join(str(part) for part in parts)
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        return text


def logging_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A logging.dictConfig for the app (uvicorn applies it in every worker process)."""
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactSecrets}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"()": TextFormatter},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": formatter,
                "filters": ["redact"],
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # Our own line per request replaces uvicorn's access log.
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "tortoise": {"level": "WARNING"},
            "aiosqlite": {"level": "WARNING"},
        },
    }
