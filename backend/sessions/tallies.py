"""Counting sessions from the tallies that PostgreSQL's triggers keep (migration 0008).

An organisation's sessions that are not deleted are tallied per status, type, platform and medium, and
their labels per kind and value under the same four; the truth is the sum of an organisation's rows.
Those cover what a manager's list asks most: the count of the whole list, or of the list with only
status, type, platform or medium ticked (the list opens on "Upcoming and live"), and the filter counts
of those lists. Anything else (a search, a label, mentor or date filter, a viewer who sees only some
sessions) is counted from the sessions themselves, and so is every list on SQLite, which keeps no tallies.

Every change appends rows rather than updating one, so an organisation's rows pile up between folds;
a count that reads more than FOLD_AFTER rows folds that organisation's rows into one per combination in
the background, and the housekeeper folds every organisation's now and then. `sessiondesk tallies`
checks them against the sessions, and `--rebuild` counts them again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import Subquery
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from backend.models import SessionLabelTally, SessionTally

log = logging.getLogger("backend.sessions.tallies")

FOLD_AFTER = 200
COMBINATION = ["status", "type", "meeting_platform", "medium"]
# Each tally table and the columns that key its rows, as SQL lists.
KEYS = {
    "session_tally": ", ".join(["organization_id", *COMBINATION]),
    "session_label_tally": ", ".join(["organization_id", "kind", "value", *COMBINATION]),
}


def _within(ticked: dict[str, list[str]]) -> dict[str, list[str]]:
    return {f"{column}__in": values for column, values in ticked.items() if values}


def _sums(organization_id: int, ticked: dict[str, list[str]]) -> QuerySet[SessionTally]:
    return SessionTally.filter(organization_id=organization_id, **_within(ticked)).annotate(
        total=Sum("n"), rows=Count("id")
    )


async def count(organization_id: int, ticked: dict[str, list[str]]) -> int:
    """The organisation's sessions that are not deleted, with only the `ticked` values (column: values
    as stored) of the tallied columns, or any where a column has none ticked."""
    rows = await _sums(organization_id, ticked).values("total", "rows")
    read(organization_id, rows[0]["rows"])
    return int(rows[0]["total"] or 0)


def sums(organization_id: int, ticked: dict[str, list[str]]) -> tuple[Subquery, Subquery]:
    """`count` as two subqueries to put in another statement: the sum (NULL for none), and how many
    tally rows it read (for `read`)."""
    return Subquery(_sums(organization_id, ticked).values("total")), Subquery(
        _sums(organization_id, ticked).values("rows")
    )


def read(organization_id: int, rows: int) -> None:
    """A sum of the organisation's tallies read this many rows: fold them when they piled up."""
    if rows > FOLD_AFTER:
        fold_soon(organization_id)


async def combinations(organization_id: int) -> list[dict[str, Any]]:
    """The organisation's sessions counted per combination of status, type, platform and medium."""
    return list(
        await SessionTally.filter(organization_id=organization_id)
        .annotate(n_sum=Sum("n"))
        .group_by(*COMBINATION)
        .values(*COMBINATION, n="n_sum")
    )


async def labels(organization_id: int, ticked: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The organisation's labels counted per kind and value, over the sessions with the ticked values."""
    return list(
        await SessionLabelTally.filter(organization_id=organization_id, **_within(ticked))
        .annotate(n_sum=Sum("n"))
        .group_by("kind", "value")
        .values("kind", "value", n="n_sum")
    )


_folding: set[int] = set()
_tasks: set[asyncio.Task[None]] = set()


def fold_soon(organization_id: int) -> None:
    """Folds the organisation's tallies in the background, unless that is already under way here."""
    if organization_id in _folding:
        return
    _folding.add(organization_id)

    async def run() -> None:
        try:
            await fold(organization_id)
        except Exception:  # a fold is only tidying: the sums stay right without it
            log.exception("folding the tallies of organisation %s failed", organization_id)
        finally:
            _folding.discard(organization_id)

    task = asyncio.get_running_loop().create_task(run())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def fold(organization_id: int | None = None) -> int:
    """Replaces the rows of one organisation's tallies (or everyone's) by one per combination, dropping
    combinations that sum to nothing; the sums do not change. Returns how many rows went."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect != "postgres":
        return 0  # SQLite keeps no tallies (migration 0008)
    where, values = ("WHERE organization_id = $1", [organization_id]) if organization_id else ("", [])
    gone = 0
    for table, listed in KEYS.items():
        # One statement: what it deletes is exactly what it sums, whatever others append meanwhile.
        _, rows = await connection.execute_query(
            f"WITH gone AS (DELETE FROM {table} {where} RETURNING {listed}, n), "
            f"kept AS (INSERT INTO {table} ({listed}, n) SELECT {listed}, SUM(n) FROM gone "
            f"GROUP BY {listed} HAVING SUM(n) <> 0 RETURNING 1) "
            "SELECT (SELECT COUNT(*) FROM gone) - (SELECT COUNT(*) FROM kept) AS gone",
            values,
        )
        gone += rows[0]["gone"]
    return gone


# What the tallies must sum to, counted from the sessions and labels themselves (as migration 0008 starts
# them): per organisation and combination, as their KEYS and n.
COUNTED = {
    "session_tally": f"""SELECT organization_id, {", ".join(COMBINATION)}, COUNT(*) AS n FROM "session"
        WHERE deleted_at IS NULL GROUP BY organization_id, {", ".join(COMBINATION)}""",
    "session_label_tally": f"""SELECT s.organization_id, l.kind, l.value, {", ".join(f"s.{c}" for c in COMBINATION)},
        COUNT(*) AS n FROM session_label l JOIN "session" s ON s.id = l.session_id WHERE s.deleted_at IS NULL
        GROUP BY s.organization_id, l.kind, l.value, {", ".join(f"s.{c}" for c in COMBINATION)}""",
}


async def disagreeing() -> list[int]:
    """The organisations whose tallies do not sum to what counting their sessions gives (none, unless
    someone changed the tables with the triggers disabled). PostgreSQL only."""
    connection = Tortoise.get_connection("default")
    found: set[int] = set()
    for table, keys in KEYS.items():
        _, rows = await connection.execute_query(
            f"WITH tallied AS (SELECT {keys}, SUM(n) AS n FROM {table} GROUP BY {keys}), "
            f"counted AS ({COUNTED[table]}) "
            f"SELECT DISTINCT organization_id FROM tallied t FULL JOIN counted c USING ({keys}) "
            "WHERE COALESCE(t.n, 0) <> COALESCE(c.n, 0)"
        )
        found.update(row["organization_id"] for row in rows)
    return sorted(found)


async def rebuild() -> None:
    """Counts every organisation's tallies again from its sessions and labels. Changes to sessions and
    labels wait meanwhile (a SHARE lock: reading goes on), so none is counted twice or missed."""
    async with in_transaction() as connection:
        await connection.execute_script('LOCK TABLE "session", session_label IN SHARE MODE')
        for table, keys in KEYS.items():
            await connection.execute_script(f"DELETE FROM {table}")
            await connection.execute_script(f"INSERT INTO {table} ({keys}, n) {COUNTED[table]}")
