"""Health checks for load balancers and orchestrators: GET /healthz (the process answers, no database)
and GET /readyz (the database answers and every migration is applied; 503 with the reason otherwise).
Both answer JSON without sign-in and are logged at debug level only. What the database driver said when
it does not answer is the operator's: it goes to the log, and to a caller with the METRICS_TOKEN."""

from __future__ import annotations

import logging
import pkgutil

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import Tortoise

import backend.migrations
from backend.metrics_route import authorised

log = logging.getLogger("sessiondesk.health")

MIGRATIONS_APP = "models"
MIGRATIONS_TABLE = "tortoise_migrations"


def expected_migrations() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(backend.migrations.__path__) if m.name[:4].isdigit())


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


def not_ready(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "reason": reason}, 503, headers={"Cache-Control": "no-store"})


async def readyz(request: Request) -> JSONResponse:
    try:
        connection = Tortoise.get_connection("default")
        await connection.execute_query("SELECT 1")
    except Exception as error:
        # The error class and text say what is wrong (refused, timeout, authentication) without the URL.
        said = f"{type(error).__name__}: {error}"[:500]
        log.warning("/readyz: the database does not answer: %s", said)
        return not_ready("The database does not answer" + (f": {said}" if authorised(request) else "."))
    try:
        _, rows = await connection.execute_query(
            f'SELECT "name" FROM "{MIGRATIONS_TABLE}" WHERE "app" = \'{MIGRATIONS_APP}\''  # noqa: S608 (constants)
        )
        applied = {row["name"] for row in rows}
    except Exception:
        applied = set()
    missing = [name for name in expected_migrations() if name not in applied]
    if missing:
        return not_ready(f"Migrations not applied: {', '.join(missing)}; run `sessiondesk migrate`.")
    return JSONResponse({"status": "ok", "migrations": len(applied)}, headers={"Cache-Control": "no-store"})
