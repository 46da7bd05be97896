"""The chaos run of bench/chaos.py, shortened: two app processes on a throwaway PostgreSQL database, a few
clients for half a minute, a process killed and restarted every ten seconds and the database refusing
connections once; nothing answered OK may be lost. It stops by itself (bounded time, bounded waits)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.databases import BACKENDS, POSTGRES_ADMIN_URL

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import chaos  # noqa: E402


@pytest.mark.skipif("postgres" not in BACKENDS, reason="the chaos run needs PostgreSQL")
async def test_killed_processes_and_a_database_outage_lose_no_answered_change_row_or_mail():
    options = chaos.Options(
        duration=30,
        clients=6,
        processes=2,
        kill_every=10,
        outage_after=0.4,
        outage_seconds=3,
        bulk_rows=40,
        bulk_every=12,
        settle_seconds=90,
        wait_for_leases=False,  # mail a killed sender held goes out when its 10-minute lease ends
        mail_settle_seconds=5,  # news goes out within the settle wait, and is checked
        postgres_url=POSTGRES_ADMIN_URL,
    )
    figures = await chaos.run(options)

    assert figures["problems"] == []
    assert figures["kills"] >= 2 and figures["outages"] == 1
    assert figures["outcomes"]["ok"] > 0 and figures["created"] > 0 and figures["uploads"] > 0
    assert figures["error_log_lines"] == 0, figures["errors_logged"]
