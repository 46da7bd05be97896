"""The label tallies' trigger (migration 0008) looks up the sessions of the changed labels one by one in
the primary key instead of joining all sessions: the planner, which has no statistics for a statement's
transition table, chose a merge join that read every session of the database for each statement, so
adding the labels of a 500-row bulk upload batch cost 40 ms at 100,000 sessions and grew with the
database. The lookup is a LATERAL subquery with LIMIT 1 (a session ID is unique), which the planner keeps
as one index probe per label row. PostgreSQL only, like 0008.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

# Migrations are frozen: what this one needs of 0008 is copied here, not imported.
DIMENSIONS = "status, type, meeting_platform, medium"
LABEL_TALLY = f"session_label_tally (organization_id, kind, value, {DIMENSIONS}, n)"


def _on_postgres(statements: list[str]):
    async def run(apps, schema_editor) -> None:
        client = schema_editor.client
        if client.capabilities.dialect == "postgres":
            for statement in statements:
                await client.execute_script(statement)

    return run


def _session_of(rows: str) -> str:
    """The changed labels `rows` with their session, where it is not deleted: one primary key probe each."""
    return (
        f"{rows} c CROSS JOIN LATERAL (SELECT organization_id, status, type, meeting_platform, medium "
        'FROM "session" WHERE id = c.session_id AND deleted_at IS NULL LIMIT 1) s'
    )


GROUPED = "GROUP BY s.organization_id, c.kind, c.value, s.status, s.type, s.meeting_platform, s.medium"
COLUMNS = "s.organization_id, c.kind, c.value, s.status, s.type, s.meeting_platform, s.medium"

BY_INDEX = f"""CREATE OR REPLACE FUNCTION session_label_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM "session" WHERE id IN (SELECT session_id FROM old_rows) ORDER BY id FOR SHARE;
    INSERT INTO {LABEL_TALLY} SELECT {COLUMNS}, -COUNT(*) FROM {_session_of("old_rows")} {GROUPED};
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM "session" WHERE id IN (SELECT session_id FROM new_rows) ORDER BY id FOR SHARE;
    INSERT INTO {LABEL_TALLY} SELECT {COLUMNS}, COUNT(*) FROM {_session_of("new_rows")} {GROUPED};
  ELSE
    PERFORM 1 FROM "session" WHERE id IN (SELECT session_id FROM old_rows UNION SELECT session_id FROM new_rows)
      ORDER BY id FOR SHARE;
    INSERT INTO {LABEL_TALLY} SELECT {COLUMNS}, SUM(c.d) FROM (
        SELECT session_id, kind, value, -1 AS d FROM old_rows UNION ALL SELECT session_id, kind, value, 1 FROM new_rows
      ) c CROSS JOIN LATERAL (SELECT organization_id, status, type, meeting_platform, medium FROM "session"
        WHERE id = c.session_id AND deleted_at IS NULL LIMIT 1) s
    {GROUPED} HAVING SUM(c.d) <> 0;
  END IF;
  RETURN NULL;
END $$"""

# The function as 0008 wrote it, for going back.
AS_IN_0008 = f"""CREATE OR REPLACE FUNCTION session_label_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
END $$"""


class Migration(migrations.Migration):
    dependencies = [("models", "0008_session_tallies")]

    initial = False

    operations = [ops.RunPython(_on_postgres([BY_INDEX]), _on_postgres([AS_IN_0008]))]
