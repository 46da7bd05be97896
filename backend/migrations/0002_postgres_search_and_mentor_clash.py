"""PostgreSQL only: trigram indexes so search stays fast at 100,000 sessions, and rule R4 in the database.

The exclusion constraint makes two concurrent writers unable to both book one mentor for touching or
overlapping times (closed intervals, so back-to-back sessions clash too). SQLite has neither feature;
there the domain code serialises the check and the write instead.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    # The expressions match what Tortoise's icontains filter emits, so the planner can use them.
    'CREATE INDEX IF NOT EXISTS session_title_trgm ON "session" USING gin (UPPER(CAST("title" AS VARCHAR)) gin_trgm_ops)',
    'CREATE INDEX IF NOT EXISTS user_name_trgm ON "user" USING gin (UPPER(CAST("name" AS VARCHAR)) gin_trgm_ops)',
    'ALTER TABLE "session" ADD CONSTRAINT session_mentor_no_clash EXCLUDE USING gist '
    "(mentor_id WITH =, tstzrange(starts_at, ends_at, '[]') WITH &&) "
    "WHERE (deleted_at IS NULL AND status IN ('UPCOMING', 'LIVE'))",
]
BACKWARD = [
    'ALTER TABLE "session" DROP CONSTRAINT IF EXISTS session_mentor_no_clash',
    "DROP INDEX IF EXISTS user_name_trgm",
    "DROP INDEX IF EXISTS session_title_trgm",
]


def _on_postgres(statements):
    async def run(apps, schema_editor):
        client = schema_editor.client
        if client.capabilities.dialect != "postgres":
            return
        for statement in statements:
            await client.execute_script(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD))]
