"""Settings: read from the environment in one place, and documented in docs/settings.md exactly as they are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.settings import SETTINGS_TABLE, load_settings

SETTINGS_DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def documented_settings() -> list[tuple[str, str]]:
    """(name, default) of each row of the settings table: | `NAME` | `default` | what it does |"""
    text = SETTINGS_DOC.read_text()
    return [(name, default) for name, default in re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", text, re.M)]


def test_the_settings_table_lists_exactly_the_settings_the_app_reads():
    assert [name for name, _ in documented_settings()] == [name for name, _, _ in SETTINGS_TABLE], (
        "docs/settings.md's table and backend.settings.SETTINGS_TABLE disagree; regenerate the table from it."
    )


def test_the_settings_table_gives_each_settings_default():
    assert documented_settings() == [(name, default) for name, default, _ in SETTINGS_TABLE]


def test_every_setting_in_the_table_is_read(tmp_path):
    defaults = load_settings({"DATA_DIR": str(tmp_path)})
    changed = load_settings(
        {
            "DATA_DIR": str(tmp_path / "other"),
            "DATABASE_URL": "postgresql://u:p@db:5432/sd",
            "LISTEN_DATABASE_URL": "postgres://u:p@db-direct:5432/sd",
            "SMTP_URL": "smtp://mail:1025",
            "MAIL_FROM": "Desk <desk@example.org>",
            "SECRET_KEY": "k" * 40,
            "DISPLAY_TIME_ZONE": "UTC",
            "SEATS_LIMIT": "30",
            "MEDIA_ROOT": str(tmp_path / "images"),
            "BULK_MAX_ROWS": "50",
            "BULK_MAX_BYTES": "1000",
            "DEBUG": "true",
            "GRAPHQL_MAX_DEPTH": "5",
            "GRAPHQL_MAX_ALIASES": "3",
            "GRAPHQL_MAX_TOKENS": "300",
            "GRAPHQL_MAX_COST": "4000",
            "JSON_MAX_BYTES": "2048",
            "IMAGE_MAX_PIXELS": "1000000",
            "LIVE_MAX_CONNECTIONS": "3",
            "LIVE_MAX_SUBSCRIPTIONS": "4",
        }
    )
    assert changed.database_url == "postgres://u:p@db:5432/sd" and changed.is_postgres
    assert defaults.database_url == f"sqlite://{tmp_path / 'sessiondesk.sqlite3'}" and not defaults.is_postgres
    assert (changed.listener_url, defaults.listener_url) == ("postgres://u:p@db-direct:5432/sd", defaults.database_url)
    assert (changed.smtp_url, defaults.smtp_url) == ("smtp://mail:1025", None)
    assert changed.mail_from == "Desk <desk@example.org>"
    assert changed.secret_key != defaults.secret_key
    assert (changed.display_time_zone.key, defaults.display_time_zone.key) == ("UTC", "Asia/Kolkata")
    assert (changed.seats_limit, defaults.seats_limit) == (30, 20)
    assert (changed.media_root, defaults.media_root) == (tmp_path / "images", tmp_path / "media")
    assert (changed.bulk_max_rows, changed.bulk_max_bytes) == (50, 1000)
    assert (defaults.bulk_max_rows, defaults.bulk_max_bytes) == (10_000, 5 * 1024 * 1024)
    assert (changed.debug, defaults.debug) == (True, False)
    assert (changed.graphql_max_depth, changed.graphql_max_aliases, changed.graphql_max_tokens) == (5, 3, 300)
    assert (defaults.graphql_max_depth, defaults.graphql_max_aliases, defaults.graphql_max_tokens) == (8, 15, 2000)
    assert (changed.graphql_max_cost, defaults.graphql_max_cost) == (4000, 25_000)
    assert (changed.json_max_bytes, defaults.json_max_bytes) == (2048, 1024 * 1024)
    assert (changed.image_max_pixels, defaults.image_max_pixels) == (1_000_000, 25_000_000)
    assert (changed.live_max_connections, defaults.live_max_connections) == (3, 10)
    assert (changed.live_max_subscriptions, defaults.live_max_subscriptions) == (4, 10)
    # A file upload may be as large as the larger file limit plus 64 KB for the form around it.
    assert defaults.multipart_max_bytes == 5 * 1024 * 1024 + 64 * 1024
    assert load_settings({"BULK_MAX_BYTES": str(8 * 1024 * 1024)}).multipart_max_bytes == 8 * 1024 * 1024 + 64 * 1024


@pytest.mark.parametrize(
    "env,message",
    [
        ({"SEATS_LIMIT": "twenty"}, "Setting SEATS_LIMIT='twenty' is not a whole number; set it to e.g. 20."),
        (
            {"DISPLAY_TIME_ZONE": "Mars/Olympus"},
            "Setting DISPLAY_TIME_ZONE='Mars/Olympus' is not a known time zone; use e.g. Asia/Kolkata.",
        ),
    ],
)
def test_a_wrong_setting_stops_the_app_with_the_fix(tmp_path, env, message):
    with pytest.raises(SystemExit) as stopped:
        load_settings({"DATA_DIR": str(tmp_path), **env})
    assert str(stopped.value) == message


def test_the_operations_settings_are_read(tmp_path):
    defaults = load_settings({"DATA_DIR": str(tmp_path)})
    changed = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "LOG_FORMAT": "JSON",
            "METRICS_TOKEN": "scrape-token",
            "MAIL_KEEP_DAYS": "7",
            "BULK_KEEP_DAYS": "365",
            "CORS_ALLOW_ORIGINS": "https://studio.apollographql.com, https://altairgraphql.dev/",
        }
    )
    assert (defaults.log_format, changed.log_format) == ("text", "json")
    assert (defaults.metrics_token, changed.metrics_token) == (None, "scrape-token")
    assert (defaults.mail_keep_days, changed.mail_keep_days) == (30, 7)
    assert (defaults.bulk_keep_days, changed.bulk_keep_days) == (90, 365)
    assert defaults.cors_allow_origins == ()
    assert changed.cors_allow_origins == ("https://studio.apollographql.com", "https://altairgraphql.dev")


def test_mail_settles_two_minutes_and_background_work_runs_in_process_unless_set(tmp_path):
    defaults = load_settings({"DATA_DIR": str(tmp_path)})
    changed = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "MAIL_SETTLE_SECONDS": "0",
            "BACKGROUND_WORK": "Worker",
            "DATABASE_URL": "postgres://desk@db:5432/desk",
        }
    )
    assert (defaults.mail_settle_seconds, changed.mail_settle_seconds) == (120, 0)
    assert (defaults.background_work, changed.background_work) == ("in-process", "worker")


@pytest.mark.parametrize(
    "env,message",
    [
        ({"LOG_FORMAT": "xml"}, "Setting LOG_FORMAT='xml' is not known; use text or json."),
        ({"MAIL_KEEP_DAYS": "0"}, "Setting MAIL_KEEP_DAYS=0 must be at least 1; set it to e.g. 30."),
        (
            {"REMINDER_MINUTES": "20160,60"},
            "Setting REMINDER_MINUTES='20160,60' is not a list of minutes from 1 to 10080 (a week); "
            "write e.g. 1440,60 (a day and an hour before), or none.",
        ),
        (
            {"MAIL_SETTLE_SECONDS": "7200"},
            "Setting MAIL_SETTLE_SECONDS=7200 must be from 0 to 3600; set it to e.g. 120.",
        ),
        ({"BACKGROUND_WORK": "thread"}, "Setting BACKGROUND_WORK='thread' is not known; use in-process or worker."),
        (
            {"BACKGROUND_WORK": "worker"},
            "Setting BACKGROUND_WORK=worker needs PostgreSQL; with SQLite leave it in-process.",
        ),
        (
            {"CORS_ALLOW_ORIGINS": "*"},
            "Setting CORS_ALLOW_ORIGINS has '*'; list full origins such as https://studio.apollographql.com "
            "(no wildcard).",
        ),
    ],
)
def test_a_wrong_operations_setting_stops_the_app_with_the_fix(tmp_path, env, message):
    with pytest.raises(SystemExit) as stopped:
        load_settings({"DATA_DIR": str(tmp_path), **env})
    assert str(stopped.value) == message


def test_the_limits_against_hostile_clients_are_read(tmp_path):
    defaults = load_settings({"DATA_DIR": str(tmp_path)})
    changed = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "BODY_TIMEOUT_SECONDS": "5",
            "LIVE_MAX_SIGNED_OUT": "3",
            "STATEMENT_TIMEOUT_SECONDS": "0",
        }
    )
    assert (changed.body_timeout_seconds, defaults.body_timeout_seconds) == (5, 30)
    assert (changed.live_max_signed_out, defaults.live_max_signed_out) == (3, 20)
    assert (changed.statement_timeout_seconds, defaults.statement_timeout_seconds) == (0, 30)
