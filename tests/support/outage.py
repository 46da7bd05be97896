"""A PostgreSQL outage for one test database, on a server others share: its own connections are cut
(`pg_terminate_backend`) and new ones refused (`ALLOW_CONNECTIONS false`) until `end`; the cluster itself
is never stopped."""

from __future__ import annotations

import asyncio
import os
import threading

import asyncpg

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres").replace(
    "postgres://", "postgresql://", 1
)


def database_name(database_url: str) -> str:
    return database_url.rsplit("/", 1)[1].split("?", 1)[0]


async def _as_admin(*statements: str) -> None:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


def _cut_statements(name: str, refuse: bool) -> list[str]:
    refusing = [f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'] if refuse else []
    # With a timeout, pg_terminate_backend returns once the backend is gone.
    terminate = (
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    return [*refusing, terminate]


async def begin(database_url: str, refuse: bool = True) -> None:
    """Cut every connection to the database and (with `refuse`) refuse new ones."""
    await _as_admin(*_cut_statements(database_name(database_url), refuse))


def begin_unnoticed(database_url: str, refuse: bool = False) -> None:
    """As `begin`, but blocking the caller's event loop meanwhile: the app's pooled connections are dead
    before the loop can notice, so the next statement on one fails in the middle of its operation, as a
    statement in flight does when the database restarts."""
    failure: list[BaseException] = []

    def cut() -> None:
        try:
            asyncio.run(begin(database_url, refuse))
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=cut)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def end(database_url: str) -> None:
    """Connections are accepted again."""
    await _as_admin(f'ALTER DATABASE "{database_name(database_url)}" ALLOW_CONNECTIONS true')
