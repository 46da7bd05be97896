"""Access tokens for scripts and API clients (only their SHA-256 digests); an index that makes an
organisation's largest seats limit, by which the query cost prices a session's mentees, one index probe;
and the session change log the API's change feed reads (backend/sessions/feed.py).

A trigger appends one `session_change` row per session row inserted, updated or deleted, in the writer's
own transaction, so no write path can forget it. The log's IDs must be in the order the changes become
visible, or a reader could pass a row that commits later with a smaller ID (the classic trap of serial
IDs as cursors). On PostgreSQL the trigger is a constraint trigger deferred to commit, and takes a
transaction-level advisory lock before it takes its IDs: writers of the log queue for the moment between
their last statement and their commit only, and the lock is released after the commit is visible, so
the next writer's IDs are larger and commit later. Nothing waits while holding it, so it cannot
deadlock. On SQLite one transaction writes at a time, so IDs are in commit order already.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


CHANGE_COLUMNS = "session_change (session_id, organization_id, kind, changed_at)"
# First key of the advisory lock "writing the session change log" (the second is 0).
CHANGE_LOG_LOCK = 7011
POSTGRES = [
    f"""CREATE FUNCTION session_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({CHANGE_LOG_LOCK}, 0);
  IF TG_OP = 'DELETE' THEN
    INSERT INTO {CHANGE_COLUMNS} VALUES (OLD.id, OLD.organization_id, 'D', now());
  ELSE
    INSERT INTO {CHANGE_COLUMNS} VALUES (NEW.id, NEW.organization_id, left(TG_OP, 1), now());
  END IF;
  RETURN NULL;
END $$""",
    'CREATE CONSTRAINT TRIGGER session_change_log AFTER INSERT OR UPDATE OR DELETE ON "session" '
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION session_change_log()",
]
POSTGRES_BACKWARD = [
    'DROP TRIGGER IF EXISTS session_change_log ON "session"',
    "DROP FUNCTION IF EXISTS session_change_log()",
]
_NOW_SQLITE = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00'"  # as the ORM writes instants to SQLite
SQLITE = [
    f'CREATE TRIGGER session_change_{name} AFTER {event} ON "session" BEGIN '
    f"INSERT INTO {CHANGE_COLUMNS} VALUES ({row}.id, {row}.organization_id, '{event[0]}', {_NOW_SQLITE}); END"
    for name, event, row in (("insert", "INSERT", "NEW"), ("update", "UPDATE", "NEW"), ("delete", "DELETE", "OLD"))
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS session_change_{name}" for name in ("insert", "update", "delete")]


def _run(postgres: list[str], sqlite: list[str]):
    async def run(apps, schema_editor) -> None:
        client = schema_editor.client
        for statement in postgres if client.capabilities.dialect == "postgres" else sqlite:
            await client.execute_script(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0010_versions_and_activity")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AccessToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="access_tokens",
                        on_delete=fields.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("scopes", fields.CharField(max_length=40)),
                ("token_digest", fields.CharField(max_length=64, unique=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_used_from", fields.CharField(max_length=64, default="")),
            ],
            options={"table": "access_token", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddIndex(model_name="Session", index=Index(fields=["organization_id", "seats_limit"])),
        ops.CreateModel(
            name="SessionChange",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("session_id", fields.IntField()),
                ("organization_id", fields.IntField()),
                ("kind", fields.CharField(max_length=1)),
                ("changed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "session_change",
                "app": "models",
                "indexes": [Index(fields=["organization_id", "id"]), Index(fields=["changed_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.RunPython(_run(POSTGRES, SQLITE), _run(POSTGRES_BACKWARD, SQLITE_BACKWARD)),
    ]
