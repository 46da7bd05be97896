"""docker-compose.yml runs the app with PostgreSQL and a mail catcher; it must agree with the settings."""

from __future__ import annotations

from pathlib import Path

import yaml

from backend.settings import SETTINGS_TABLE

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTING_NAMES = {name for name, _, _ in SETTINGS_TABLE}


def app_environment() -> dict[str, str]:
    environment = COMPOSE["services"]["app"]["environment"]
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return environment


def test_the_app_starts_only_once_postgres_is_healthy():
    assert COMPOSE["services"]["postgres"]["healthcheck"]["test"]
    assert COMPOSE["services"]["app"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "mailcatcher" in COMPOSE["services"]["app"]["depends_on"]


def test_every_app_environment_variable_is_a_setting_the_app_reads():
    unknown = set(app_environment()) - SETTING_NAMES
    assert not unknown, f"{sorted(unknown)} are not in backend.settings.SETTINGS_TABLE"


def test_the_app_uses_postgres_the_mail_catcher_and_a_data_volume():
    environment = app_environment()
    postgres = COMPOSE["services"]["postgres"]["environment"]
    assert environment["DATABASE_URL"] == (
        f"postgres://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert environment["SMTP_URL"] == "smtp://mailcatcher:1025"
    assert environment["MAIL_FROM"] and environment["SECRET_KEY"]
    assert any(volume.endswith(":" + environment["DATA_DIR"]) for volume in COMPOSE["services"]["app"]["volumes"])


def test_the_image_migrates_then_serves_on_all_interfaces():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile
    assert "sessiondesk migrate && exec sessiondesk serve --host 0.0.0.0" in dockerfile
    assert "PYTHONPATH" not in dockerfile  # the installed package serves the browser app itself


def test_the_app_is_healthy_once_ready_and_stops_gracefully():
    app = COMPOSE["services"]["app"]
    check = " ".join(app["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in check
    assert "exec sessiondesk serve --host 0.0.0.0 --port 8000 --workers" in " ".join(app["command"])
    # Longer than a bulk upload batch takes to commit, so SIGTERM hands the job back rather than killing it.
    assert app["stop_grace_period"] == "30s"
    assert app_environment()["LOG_FORMAT"] == "json"
