"""Settings from the environment, read in this one module and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"
IMAGE_MAX_BYTES = 5 * 1024 * 1024
MULTIPART_MARGIN_BYTES = 64 * 1024

# (name, default, meaning) — the settings table of docs/settings.md and docker-compose.yml are checked against it.
SETTINGS_TABLE = [
    (
        "DATABASE_URL",
        "sqlite://DATA_DIR/sessiondesk.sqlite3",
        "Database; `postgres://user:pass@host:5432/db` for PostgreSQL",
    ),
    (
        "LISTEN_DATABASE_URL",
        "DATABASE_URL",
        "PostgreSQL: a direct connection (not through PgBouncer) on which each app process listens for live updates",
    ),
    ("DATA_DIR", "./var", "Folder for the SQLite file, the mail outbox and uploads"),
    (
        "SMTP_URL",
        "(unset)",
        "`smtp://user:pass@host:port` (or `smtps://`); unset: mail is written to DATA_DIR/outbox as .eml files",
    ),
    ("MAIL_FROM", "SessionDesk <no-reply@sessiondesk.local>", "Sender address of every message"),
    (
        "SECRET_KEY",
        "(a development key)",
        "Keys tokens; required (32+ characters) unless `DEBUG=true`: `sessiondesk serve` refuses to start without it",
    ),
    ("DISPLAY_TIME_ZONE", "Asia/Kolkata", "Time zone of dates and times in the app and in CSV files"),
    ("SEATS_LIMIT", "20", "Default seats of a new session"),
    ("MEDIA_ROOT", "DATA_DIR/media", "Where session images are stored (served at /media/)"),
    ("BULK_MAX_ROWS", "10000", "Most rows in one bulk upload file"),
    ("BULK_MAX_BYTES", "5242880", "Largest bulk upload file in bytes (5 MB)"),
    (
        "REMINDER_MINUTES",
        "1440,60",
        "When reminders of a session are mailed, in minutes before its start, comma-separated; `none` for no reminders",
    ),
    (
        "BACKGROUND_WORK",
        "in-process",
        "`in-process`: each `serve` process also sends mail and runs uploads, reminders and housekeeping; "
        "`worker`: a separate `sessiondesk worker` does (PostgreSQL)",
    ),
    ("DEBUG", "false", "`true` serves GraphiQL at /graphql and marks cookies non-secure"),
    (
        "FORWARDED_ALLOW_IPS",
        "127.0.0.1,::1",
        "Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For/-Proto are believed",
    ),
    ("LOG_FORMAT", "text", "`json`: one JSON object per log line (for a log collector); `text`: readable lines"),
    ("METRICS_TOKEN", "(unset)", "When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`"),
    ("MAIL_KEEP_DAYS", "30", "Sent messages are deleted from the outbox this many days after sending"),
    (
        "MAIL_SETTLE_SECONDS",
        "120",
        "Changes to a person's sessions within this many seconds of the first go out as one mail; 0 sends each at once",
    ),
    (
        "MAIL_LEASE_SECONDS",
        "60",
        "A sender's claim on the mail it is sending, renewed while it runs; a killed sender's mail goes out this "
        "much later from another process",
    ),
    (
        "BULK_KEEP_DAYS",
        "90",
        "Uploaded files and result rows of finished bulk uploads are deleted after this many days (counts stay)",
    ),
    ("ACTIVITY_KEEP_DAYS", "400", "The history of changes (Activity) is deleted after this many days"),
    (
        "TRASH_KEEP_DAYS",
        "30",
        "Deleted sessions are listed under Recently deleted, and can be restored, for this many days",
    ),
    (
        "CORS_ALLOW_ORIGINS",
        "(none)",
        "Comma-separated origins (e.g. `https://studio.apollographql.com`) that may call /graphql with a bearer "
        "token from their pages; never with the cookie",
    ),
    (
        "PUBLIC_URL",
        "(unset)",
        "The app's address as people open it (e.g. `https://desk.example.org`); e-mails link into the app with it",
    ),
    ("GRAPHQL_MAX_DEPTH", "8", "Deepest nesting of fields in one GraphQL query (introspection fields aside)"),
    ("GRAPHQL_MAX_ALIASES", "15", "Most aliases (`name: field`) in one GraphQL document"),
    ("GRAPHQL_MAX_TOKENS", "2000", "Most tokens (names, punctuation, values) in one GraphQL document"),
    (
        "GRAPHQL_MAX_COST",
        "25000",
        "Highest estimated cost of one GraphQL operation (see Limits below)",
    ),
    ("JSON_MAX_BYTES", "1048576", "Largest request body other than a file upload, in bytes (1 MB); larger: 413"),
    ("IMAGE_MAX_PIXELS", "25000000", "Largest session image in pixels (25 MP: 24 MP phone photos pass)"),
    (
        "LIVE_MAX_CONNECTIONS",
        "10",
        "Most live-update websockets one person may hold open in one app process (a browser tab uses one)",
    ),
    (
        "LIVE_MAX_SUBSCRIPTIONS",
        "10",
        "Most live-update subscriptions one person may hold open in one app process (a browser tab uses one or two)",
    ),
    (
        "BODY_TIMEOUT_SECONDS",
        "30",
        "Most seconds a request body may take to arrive (a 5 MB upload needs about 1.5 Mbit/s); slower: 408",
    ),
    (
        "LIVE_MAX_SIGNED_OUT",
        "20",
        "Most live-update websockets one client address may hold open before they sign in, in one app process",
    ),
    (
        "STATEMENT_TIMEOUT_SECONDS",
        "30",
        "PostgreSQL stops any statement of the app that runs longer (answered 503); `0`: no limit. Not for migrations",
    ),
]

# A SECRET_KEY that is any of these is not a real one: the development key and the placeholders of our files.
PLACEHOLDER_SECRET_KEYS = {DEFAULT_SECRET_KEY, "change-me-to-a-long-random-value"}
SECRET_KEY_MIN_LENGTH = 32


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    smtp_url: str | None
    mail_from: str
    secret_key: str
    display_time_zone: ZoneInfo
    seats_limit: int
    media_root: Path
    bulk_max_rows: int
    bulk_max_bytes: int
    debug: bool
    reminder_minutes: tuple[int, ...] = (1440, 60)
    forwarded_allow_ips: str = "127.0.0.1,::1"
    log_format: str = "text"
    metrics_token: str | None = None
    mail_keep_days: int = 30
    mail_settle_seconds: int = 120
    mail_lease_seconds: int = 60
    background_work: str = "in-process"  # or "worker": `sessiondesk worker` does it
    bulk_keep_days: int = 90
    activity_keep_days: int = 400
    trash_keep_days: int = 30
    cors_allow_origins: tuple[str, ...] = ()
    graphql_max_depth: int = 8
    graphql_max_aliases: int = 15
    graphql_max_tokens: int = 2000
    graphql_max_cost: int = 25_000
    json_max_bytes: int = 1024 * 1024
    body_timeout_seconds: float = 30
    image_max_pixels: int = 25_000_000
    live_max_connections: int = 10
    live_max_subscriptions: int = 10
    live_max_signed_out: int = 20
    statement_timeout_seconds: int = 30
    public_url: str = ""  # "" when unset: e-mails name pages by their path only
    listen_database_url: str | None = None  # None when unset: listen on DATABASE_URL

    @property
    def listener_url(self) -> str:
        """Where this process listens for live updates: LISTEN_DATABASE_URL, else DATABASE_URL."""
        return self.listen_database_url or self.database_url

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def multipart_max_bytes(self) -> int:
        """The body limit of a file upload: the larger file limit plus room for the form's other parts."""
        return max(self.bulk_max_bytes, IMAGE_MAX_BYTES) + MULTIPART_MARGIN_BYTES

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"Setting {name}={raw!r} is not a whole number; set it to e.g. {default}.") from None


# Reminders at most a week ahead: the reminder sender reads every session starting within the largest.
REMINDER_MINUTES_MAX = 7 * 24 * 60


def _minutes_list(env: dict, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """ "1440, 60" → (1440, 60): distinct whole minutes up to REMINDER_MINUTES_MAX, largest first;
    "none" → ()."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() == "none":
        return ()
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not all(part.isdigit() and 0 < int(part) <= REMINDER_MINUTES_MAX for part in parts):
        raise SystemExit(
            f"Setting {name}={raw!r} is not a list of minutes from 1 to {REMINDER_MINUTES_MAX} (a week); "
            "write e.g. 1440,60 (a day and an hour before), or none."
        )
    return tuple(sorted({int(part) for part in parts}, reverse=True))


def _positive(env: dict, name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise SystemExit(f"Setting {name}={value} must be at least 1; set it to e.g. {default}.")
    return value


# A mail is held at most an hour: an invitation or a cancellation must not wait longer than that.
MAIL_SETTLE_SECONDS_MAX = 3600


def _settle_seconds(env: dict) -> int:
    value = _int(env, "MAIL_SETTLE_SECONDS", 120)
    if not 0 <= value <= MAIL_SETTLE_SECONDS_MAX:
        raise SystemExit(
            f"Setting MAIL_SETTLE_SECONDS={value} must be from 0 to {MAIL_SETTLE_SECONDS_MAX}; set it to e.g. 120."
        )
    return value


def _background_work(env: dict, database_url: str) -> str:
    value = (env.get("BACKGROUND_WORK") or "in-process").strip().lower()
    if value not in ("in-process", "worker"):
        raise SystemExit(f"Setting BACKGROUND_WORK={value!r} is not known; use in-process or worker.")
    if value == "worker" and database_url.startswith("sqlite"):
        # A worker process could not tell the web process's live subscribers: SQLite has no LISTEN/NOTIFY.
        raise SystemExit("Setting BACKGROUND_WORK=worker needs PostgreSQL; with SQLite leave it in-process.")
    return value


def _at_least_zero(env: dict, name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise SystemExit(f"Setting {name}={value} must be 0 or more; set it to e.g. {default}.")
    return value


def _log_format(env: dict) -> str:
    value = (env.get("LOG_FORMAT") or "text").strip().lower()
    if value not in ("text", "json"):
        raise SystemExit(f"Setting LOG_FORMAT={value!r} is not known; use text or json.")
    return value


def _origins(env: dict) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in (env.get("CORS_ALLOW_ORIGINS") or "").split(",") if o.strip())
    for origin in origins:
        if origin == "*" or not origin.startswith(("https://", "http://")):
            raise SystemExit(
                f"Setting CORS_ALLOW_ORIGINS has {origin!r}; list full origins such as "
                "https://studio.apollographql.com (no wildcard)."
            )
    return origins


def _public_url(env: dict) -> str:
    url = (env.get("PUBLIC_URL") or "").strip().rstrip("/")
    if url and (not url.startswith(("https://", "http://")) or "?" in url or "#" in url):
        raise SystemExit(f"Setting PUBLIC_URL={url!r} is not a web address; set it like https://desk.example.org.")
    return url


def load_settings(env: dict | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("DATA_DIR") or "./var").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite://{data_dir / 'sessiondesk.sqlite3'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url[len("postgresql://") :]
    zone_name = env.get("DISPLAY_TIME_ZONE") or "Asia/Kolkata"
    try:
        zone = ZoneInfo(zone_name)
    except Exception:
        raise SystemExit(
            f"Setting DISPLAY_TIME_ZONE={zone_name!r} is not a known time zone; use e.g. Asia/Kolkata."
        ) from None
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        smtp_url=env.get("SMTP_URL") or None,
        mail_from=env.get("MAIL_FROM") or "SessionDesk <no-reply@sessiondesk.local>",
        secret_key=env.get("SECRET_KEY") or DEFAULT_SECRET_KEY,
        display_time_zone=zone,
        seats_limit=_int(env, "SEATS_LIMIT", 20),
        media_root=Path(env.get("MEDIA_ROOT") or data_dir / "media").resolve(),
        bulk_max_rows=_int(env, "BULK_MAX_ROWS", 10_000),
        bulk_max_bytes=_int(env, "BULK_MAX_BYTES", 5 * 1024 * 1024),
        debug=(env.get("DEBUG") or "").lower() in ("1", "true", "yes"),
        reminder_minutes=_minutes_list(env, "REMINDER_MINUTES", (1440, 60)),
        forwarded_allow_ips=(env.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1").strip(),
        log_format=_log_format(env),
        metrics_token=env.get("METRICS_TOKEN") or None,
        mail_keep_days=_positive(env, "MAIL_KEEP_DAYS", 30),
        mail_settle_seconds=_settle_seconds(env),
        mail_lease_seconds=_positive(env, "MAIL_LEASE_SECONDS", 60),
        background_work=_background_work(env, database_url),
        bulk_keep_days=_positive(env, "BULK_KEEP_DAYS", 90),
        activity_keep_days=_positive(env, "ACTIVITY_KEEP_DAYS", 400),
        trash_keep_days=_positive(env, "TRASH_KEEP_DAYS", 30),
        cors_allow_origins=_origins(env),
        graphql_max_depth=_positive(env, "GRAPHQL_MAX_DEPTH", 8),
        graphql_max_aliases=_positive(env, "GRAPHQL_MAX_ALIASES", 15),
        graphql_max_tokens=_positive(env, "GRAPHQL_MAX_TOKENS", 2000),
        graphql_max_cost=_positive(env, "GRAPHQL_MAX_COST", 25_000),
        json_max_bytes=_positive(env, "JSON_MAX_BYTES", 1024 * 1024),
        body_timeout_seconds=_positive(env, "BODY_TIMEOUT_SECONDS", 30),
        image_max_pixels=_positive(env, "IMAGE_MAX_PIXELS", 25_000_000),
        live_max_connections=_positive(env, "LIVE_MAX_CONNECTIONS", 10),
        live_max_subscriptions=_positive(env, "LIVE_MAX_SUBSCRIPTIONS", 10),
        live_max_signed_out=_positive(env, "LIVE_MAX_SIGNED_OUT", 20),
        statement_timeout_seconds=_at_least_zero(env, "STATEMENT_TIMEOUT_SECONDS", 30),
        public_url=_public_url(env),
        listen_database_url=env.get("LISTEN_DATABASE_URL") or None,
    )


def secret_key_problem(settings: Settings) -> str | None:
    """Why this process must not serve with its SECRET_KEY, or None. Development (DEBUG=true) may use
    the built-in key; anywhere else a key printed in this repository, or a short one, is no secret."""
    if settings.debug:
        return None
    key = settings.secret_key
    if key in PLACEHOLDER_SECRET_KEYS:
        what = "is not set" if key == DEFAULT_SECRET_KEY else "is still the placeholder value"
    elif len(key) < SECRET_KEY_MIN_LENGTH:
        what = f"has only {len(key)} characters"
    else:
        return None
    return (
        f"SECRET_KEY {what}. With DEBUG=false SessionDesk needs a real secret of {SECRET_KEY_MIN_LENGTH} or more "
        "random characters; set SECRET_KEY, e.g. to the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` (or set DEBUG=true for development)."
    )


# prometheus_client's own variable: `sessiondesk serve --workers N` sets it for its worker processes.
PROMETHEUS_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def prometheus_multiproc_dir() -> str | None:
    return os.environ.get(PROMETHEUS_MULTIPROC_DIR) or None


_current: Settings | None = None


def get_settings() -> Settings:
    """The settings of this process; tests replace them with `use_settings`."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current


def use_settings(settings: Settings) -> Settings:
    global _current
    _current = settings
    return settings
