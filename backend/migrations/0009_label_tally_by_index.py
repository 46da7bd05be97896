"""The label tallies' trigger (migration 0008) looks up the sessions of the changed labels one by one in
the primary key instead of joining all sessions: the planner, which has no statistics for a statement's
transition table, chose a merge join that read every session of the database for each statement, so
adding the labels of a 500-row bulk upload batch cost 40 ms at 100,000 sessions and grew with the
database. The lookup is a LATERAL subquery with LIMIT 1 (a session ID is unique), which the planner keeps
as one index probe per label row. PostgreSQL only, like 0008.
"""

import importlib

from tortoise import migrations
from tortoise.migrations import operations as ops

tallies = importlib.import_module("backend.migrations.0008_session_tallies")


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
    INSERT INTO {tallies.LABEL_TALLY} SELECT {COLUMNS}, -COUNT(*) FROM {_session_of("old_rows")} {GROUPED};
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM "session" WHERE id IN (SELECT session_id FROM new_rows) ORDER BY id FOR SHARE;
    INSERT INTO {tallies.LABEL_TALLY} SELECT {COLUMNS}, COUNT(*) FROM {_session_of("new_rows")} {GROUPED};
  ELSE
    PERFORM 1 FROM "session" WHERE id IN (SELECT session_id FROM old_rows UNION SELECT session_id FROM new_rows)
      ORDER BY id FOR SHARE;
    INSERT INTO {tallies.LABEL_TALLY} SELECT {COLUMNS}, SUM(c.d) FROM (
        SELECT session_id, kind, value, -1 AS d FROM old_rows UNION ALL SELECT session_id, kind, value, 1 FROM new_rows
      ) c CROSS JOIN LATERAL (SELECT organization_id, status, type, meeting_platform, medium FROM "session"
        WHERE id = c.session_id AND deleted_at IS NULL LIMIT 1) s
    {GROUPED} HAVING SUM(c.d) <> 0;
  END IF;
  RETURN NULL;
END $$"""

AS_IN_0008 = next(
    statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    for statement in tallies.POSTGRES
    if "session_label_tally_change() RETURNS" in statement
)


class Migration(migrations.Migration):
    dependencies = [("models", "0008_session_tallies")]

    initial = False

    operations = [ops.RunPython(tallies._on_postgres([BY_INDEX]), tallies._on_postgres([AS_IN_0008]))]
