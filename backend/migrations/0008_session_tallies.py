"""Tallies of sessions per organisation, kept by triggers, so counting a manager's list and its filter
counts reads a few hundred rows instead of 100,000 sessions.

`session_tally` holds, per organisation and combination of status, type, platform and medium, a number
of sessions that are not deleted; `session_label_tally` the same per category and "recommended for"
value. The truth is the sum of an organisation's rows: every change appends rows of +n and -n rather
than updating one counter row, so writers never queue behind each other, and `backend.sessions.tallies`
folds an organisation's rows into one per combination when they pile up.

PostgreSQL only: statement-level triggers read the statement's transition tables, so a multi-row insert
appends one row per combination, not one per session. A label change first locks its sessions (FOR
SHARE), so it waits for a concurrent change of their status or deletion and records the sessions'
current combination. A session deleted outright (not only marked deleted) takes its labels' tallies with
it before the cascade removes the labels. The migration starts both tallies from what is stored.

On SQLite the tables stay empty and lists are counted from the sessions: there, the ORM's count of rows
an UPDATE changed would include the rows its triggers wrote, and an embedded database is small.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

DIMENSIONS = "status, type, meeting_platform, medium"
SESSION_TALLY = f"session_tally (organization_id, {DIMENSIONS}, n)"
LABEL_TALLY = f"session_label_tally (organization_id, kind, value, {DIMENSIONS}, n)"


def _of(alias: str) -> str:
    return ", ".join(f"{alias}.{column}" for column in ("organization_id", *DIMENSIONS.split(", ")))


def _moved(old: str, new: str) -> str:
    """The session's tallied combination, or whether it counts at all, changed."""
    return f"(({old}.deleted_at IS NULL) <> ({new}.deleted_at IS NULL) OR ({_of(old)}) IS DISTINCT FROM ({_of(new)}))"


STARTING_POINT = [
    f"""INSERT INTO {SESSION_TALLY} SELECT organization_id, {DIMENSIONS}, COUNT(*) FROM "session"
    WHERE deleted_at IS NULL GROUP BY organization_id, {DIMENSIONS}""",
    f"""INSERT INTO {LABEL_TALLY} SELECT s.organization_id, l.kind, l.value, s.status, s.type, s.meeting_platform,
    s.medium, COUNT(*) FROM session_label l JOIN "session" s ON s.id = l.session_id WHERE s.deleted_at IS NULL
    GROUP BY s.organization_id, l.kind, l.value, s.status, s.type, s.meeting_platform, s.medium""",
]

POSTGRES = [
    f"""CREATE FUNCTION session_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {SESSION_TALLY} SELECT organization_id, {DIMENSIONS}, COUNT(*) FROM new_rows
  WHERE deleted_at IS NULL GROUP BY organization_id, {DIMENSIONS};
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION session_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH moved AS (
    SELECT {_of("o")}, o.deleted_at IS NULL AS counted, -1 AS d, o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE {_moved("o", "n")}
    UNION ALL
    SELECT {_of("n")}, n.deleted_at IS NULL, 1, n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE {_moved("o", "n")}
  ), sessions AS (
    INSERT INTO {SESSION_TALLY} SELECT organization_id, {DIMENSIONS}, SUM(d) FROM moved WHERE counted
    GROUP BY organization_id, {DIMENSIONS} HAVING SUM(d) <> 0
  )
  INSERT INTO {LABEL_TALLY} SELECT m.organization_id, l.kind, l.value, m.status, m.type, m.meeting_platform,
    m.medium, SUM(m.d) FROM moved m JOIN session_label l ON l.session_id = m.id WHERE m.counted
  GROUP BY m.organization_id, l.kind, l.value, m.status, m.type, m.meeting_platform, m.medium HAVING SUM(m.d) <> 0;
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION session_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {SESSION_TALLY} SELECT organization_id, {DIMENSIONS}, -COUNT(*) FROM old_rows
  WHERE deleted_at IS NULL GROUP BY organization_id, {DIMENSIONS};
  RETURN NULL;
END $$""",
    # Before each row of a DELETE: its labels are still there (the cascade removes them afterwards).
    f"""CREATE FUNCTION session_tally_forget_labels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.deleted_at IS NULL THEN
    INSERT INTO {LABEL_TALLY} SELECT OLD.organization_id, l.kind, l.value, OLD.status, OLD.type,
      OLD.meeting_platform, OLD.medium, -COUNT(*) FROM session_label l WHERE l.session_id = OLD.id
    GROUP BY l.kind, l.value;
  END IF;
  RETURN OLD;
END $$""",
    # A label counts under its session's combination while the session is not deleted. Locking the
    # sessions first makes a concurrent change of their combination finish first, and the INSERT (a new
    # snapshot) then sees it; a session deleted outright in this statement is gone, and its labels were
    # already taken away by session_tally_forget_labels.
    f"""CREATE FUNCTION session_label_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM "session" WHERE id IN (SELECT session_id FROM old_rows) ORDER BY id FOR SHARE;
    INSERT INTO {LABEL_TALLY} SELECT s.organization_id, o.kind, o.value, s.status, s.type, s.meeting_platform,
      s.medium, -COUNT(*) FROM old_rows o JOIN "session" s ON s.id = o.session_id WHERE s.deleted_at IS NULL
    GROUP BY s.organization_id, o.kind, o.value, s.status, s.type, s.meeting_platform, s.medium;
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM "session" WHERE id IN (SELECT session_id FROM new_rows) ORDER BY id FOR SHARE;
    INSERT INTO {LABEL_TALLY} SELECT s.organization_id, n.kind, n.value, s.status, s.type, s.meeting_platform,
      s.medium, COUNT(*) FROM new_rows n JOIN "session" s ON s.id = n.session_id WHERE s.deleted_at IS NULL
    GROUP BY s.organization_id, n.kind, n.value, s.status, s.type, s.meeting_platform, s.medium;
  ELSE
    PERFORM 1 FROM "session" WHERE id IN (SELECT session_id FROM old_rows UNION SELECT session_id FROM new_rows)
      ORDER BY id FOR SHARE;
    INSERT INTO {LABEL_TALLY} SELECT s.organization_id, c.kind, c.value, s.status, s.type, s.meeting_platform,
      s.medium, SUM(c.d) FROM (
        SELECT session_id, kind, value, -1 AS d FROM old_rows UNION ALL SELECT session_id, kind, value, 1 FROM new_rows
      ) c JOIN "session" s ON s.id = c.session_id WHERE s.deleted_at IS NULL
    GROUP BY s.organization_id, c.kind, c.value, s.status, s.type, s.meeting_platform, s.medium HAVING SUM(c.d) <> 0;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER session_tally_insert AFTER INSERT ON "session" REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION session_tally_insert()""",
    """CREATE TRIGGER session_tally_update AFTER UPDATE ON "session"
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION session_tally_update()""",
    """CREATE TRIGGER session_tally_delete AFTER DELETE ON "session" REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION session_tally_delete()""",
    """CREATE TRIGGER session_tally_forget_labels BEFORE DELETE ON "session"
    FOR EACH ROW EXECUTE FUNCTION session_tally_forget_labels()""",
    """CREATE TRIGGER session_label_tally_insert AFTER INSERT ON session_label REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION session_label_tally_change()""",
    """CREATE TRIGGER session_label_tally_update AFTER UPDATE ON session_label
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION session_label_tally_change()""",
    """CREATE TRIGGER session_label_tally_delete AFTER DELETE ON session_label REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION session_label_tally_change()""",
]
POSTGRES_BACKWARD = [
    'DROP TRIGGER IF EXISTS session_tally_insert ON "session"',
    'DROP TRIGGER IF EXISTS session_tally_update ON "session"',
    'DROP TRIGGER IF EXISTS session_tally_delete ON "session"',
    'DROP TRIGGER IF EXISTS session_tally_forget_labels ON "session"',
    "DROP TRIGGER IF EXISTS session_label_tally_insert ON session_label",
    "DROP TRIGGER IF EXISTS session_label_tally_update ON session_label",
    "DROP TRIGGER IF EXISTS session_label_tally_delete ON session_label",
    "DROP FUNCTION IF EXISTS session_tally_insert, session_tally_update, session_tally_delete, "
    "session_tally_forget_labels, session_label_tally_change",
]


def _on_postgres(statements: list[str]):
    async def run(apps, schema_editor) -> None:
        client = schema_editor.client
        if client.capabilities.dialect == "postgres":
            for statement in statements:
                await client.execute_script(statement)

    return run


def _tally(name: str, table: str, columns: list[tuple[str, fields.Field]]) -> ops.CreateModel:
    return ops.CreateModel(
        name=name,
        fields=[
            ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
            ("organization_id", fields.IntField(db_index=True)),
            *columns,
            ("status", fields.CharField(max_length=16)),
            ("type", fields.CharField(max_length=16)),
            ("meeting_platform", fields.CharField(max_length=32)),
            ("medium", fields.CharField(max_length=100)),
            ("n", fields.IntField()),
        ],
        options={"table": table, "app": "models", "pk_attr": "id"},
        bases=["Model"],
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0007_calendar_and_reminders")]

    initial = False

    operations = [
        _tally(
            "SessionLabelTally",
            "session_label_tally",
            [("kind", fields.CharField(max_length=20)), ("value", fields.CharField(max_length=100))],
        ),
        _tally("SessionTally", "session_tally", []),
        ops.RunPython(_on_postgres([*STARTING_POINT, *POSTGRES]), _on_postgres(POSTGRES_BACKWARD)),
    ]
