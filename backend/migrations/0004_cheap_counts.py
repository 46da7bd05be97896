"""Counting a list is cheap at 100,000 sessions, and a bulk upload's check for changes by others is too.

- `session_live_per_org`: the organisation of every session that is not deleted, and nothing else, so
  `totalCount` of a manager's list is an index-only scan of a small index (B-tree deduplication keeps it
  under a megabyte at 80,000 sessions) instead of a scan of the table.
- `session_changed_per_org`: the newest `updated_at` of an organisation's sessions is one index probe; the
  bulk upload job asks it before every batch.
- On PostgreSQL, autovacuum visits the session table after 2% of it changed (not the default 10–20%),
  so the visibility map stays current and index-only scans rarely fetch table rows.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

INDEXES = [
    'CREATE INDEX IF NOT EXISTS session_live_per_org ON "session" (organization_id) WHERE deleted_at IS NULL',
    'CREATE INDEX IF NOT EXISTS session_changed_per_org ON "session" (organization_id, updated_at)',
]
POSTGRES_ONLY = [
    'ALTER TABLE "session" SET (autovacuum_vacuum_scale_factor = 0.02, '
    "autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS session_changed_per_org",
    "DROP INDEX IF EXISTS session_live_per_org",
]
POSTGRES_BACKWARD = [
    'ALTER TABLE "session" RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor, '
    "autovacuum_analyze_scale_factor)",
]


def _run(statements: list[str], postgres_only: list[str]):
    async def run(apps, schema_editor) -> None:
        client = schema_editor.client
        extra = postgres_only if client.capabilities.dialect == "postgres" else []
        for statement in [*statements, *extra]:
            await client.execute_script(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0003_sign_in_failures")]

    operations = [ops.RunPython(_run(INDEXES, POSTGRES_ONLY), _run(BACKWARD, POSTGRES_BACKWARD))]
