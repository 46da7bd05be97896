"""The `sessiondesk` command, run as an operator would: migrate, create-user, seed, export-schema."""

from __future__ import annotations

import pytest

from backend.graphql.schema import export_sdl
from tests.support.installation import Installation


def test_migrate_prepares_an_empty_database_and_can_run_again(installation):
    assert installation.run("migrate").stdout == "Database is up to date.\n"
    assert installation.run("migrate").stdout == "Database is up to date.\n"
    assert installation.rows('SELECT COUNT(*) FROM "session"') == [(0,)]


def test_create_user_adds_a_person_with_every_role_given_and_their_new_organisation(installation):
    installation.run("migrate")
    done = installation.run(
        "create-user",
        "--email",
        "Asha@Example.org",
        "--name",
        "Asha Rao",
        "--password",
        "s3cret-pass",
        "--org",
        "New Programme",
        "--role",
        "MENTOR",
        "--role",
        "MENTEE",
    )
    assert done.stdout == "Created asha@example.org (MENTEE, MENTOR) in New Programme.\n"
    installation.run(
        "create-user",
        "--email",
        "sunita@example.org",
        "--name",
        "Sunita",
        "--password",
        "pw-123456",
        "--org",
        "New Programme",
        "--role",
        "MANAGER",
    )

    assert installation.rows('SELECT name FROM "organization"') == [("New Programme",)]
    people = installation.rows(
        'SELECT email, name, is_manager, is_mentor, is_mentee, password_hash FROM "user" ORDER BY id'
    )
    assert [row[:5] for row in people] == [
        ("asha@example.org", "Asha Rao", False, True, True),
        ("sunita@example.org", "Sunita", True, False, False),
    ]
    assert all(row[5].startswith("$argon2") and "s3cret" not in row[5] for row in people)


def test_create_user_refuses_an_email_that_is_taken(installation):
    installation.run("migrate")
    args = (
        "create-user",
        "--email",
        "asha@example.org",
        "--name",
        "Asha",
        "--password",
        "pw-123456",
        "--org",
        "P",
        "--role",
        "MENTOR",
    )
    installation.run(*args)
    again = installation.run(*args, ok=False)
    assert again.returncode != 0
    assert "A user with email asha@example.org already exists; choose another email." in again.stderr


def test_create_user_refuses_an_unknown_role(tmp_path):
    done = Installation(tmp_path, None).run(
        "create-user",
        "--email",
        "a@example.org",
        "--name",
        "A",
        "--password",
        "p",
        "--org",
        "P",
        "--role",
        "ADMIN",
        ok=False,
    )
    assert done.returncode == 2
    assert "invalid choice: 'ADMIN'" in done.stderr


def test_seed_demo_makes_two_organisations_with_sessions_of_every_kind(installation):
    installation.run("migrate")
    done = installation.run("seed", "--demo", "--sessions", "60")
    assert done.stdout == (
        "Made 2 organisations and 60 sessions. Sign in as manager@example.org, mentor1@example.org, "
        "mentee1@example.org or mentor-mentee@example.org (mentor and mentee) with password demo1234.\n"
    )
    assert installation.rows('SELECT COUNT(*) FROM "session"') == [(60,)]
    assert sorted(installation.rows('SELECT name FROM "organization"')) == [
        ("Demo Mentoring Programme",),
        ("Other Mentoring Programme",),
    ]
    managers = installation.rows('SELECT email FROM "user" WHERE is_manager ORDER BY email')
    assert managers == [("manager@example.org",), ("manager@other.example.org",)]
    for column, values in (
        ("status", {"UPCOMING", "LIVE", "COMPLETED"}),
        ("type", {"PUBLIC", "PRIVATE"}),
        ("meeting_platform", {"BIG_BLUE_BUTTON", "GOOGLE_MEET", "ZOOM"}),
    ):
        assert {r[0] for r in installation.rows(f'SELECT DISTINCT {column} FROM "session"')} == values, column
    kinds = {r[0] for r in installation.rows('SELECT DISTINCT kind FROM "attendance"')}
    assert kinds == {"ENROLLED", "INVITED"}
    assert installation.rows('SELECT COUNT(*) FROM "rating"')[0][0] > 0
    # Every private session has someone invited (one-on-one mentoring).
    assert installation.rows(
        "SELECT COUNT(*) FROM \"session\" s WHERE s.type = 'PRIVATE' AND NOT EXISTS "
        "(SELECT 1 FROM attendance a WHERE a.session_id = s.id AND a.kind = 'INVITED')"
    ) == [(0,)]
    # Counts on the session agree with its attendance rows.
    assert installation.rows(
        'SELECT COUNT(*) FROM "session" s WHERE s.mentee_count != '
        "(SELECT COUNT(*) FROM attendance a WHERE a.session_id = s.id)"
    ) == [(0,)]


def test_seeding_twice_adds_nothing_the_second_time(installation):
    installation.run("migrate")
    installation.run("seed", "--demo", "--sessions", "20")
    again = installation.run("seed", "--demo", "--sessions", "20")
    assert again.stdout == "Demo data is already there (manager@example.org exists); nothing was added.\n"
    assert installation.rows('SELECT COUNT(*) FROM "session"') == [(20,)]


def test_a_tiny_seed_still_gives_each_organisation_a_few_sessions(installation):
    installation.run("migrate")
    done = installation.run("seed", "--demo", "--sessions", "1")
    assert done.stdout.startswith("Made 2 organisations and 8 sessions.")
    assert installation.rows('SELECT COUNT(*) FROM "session"') == [(8,)]


def test_demo_sessions_can_be_added_to_after_seeding(installation):
    """New sessions get fresh IDs after the seed chose its own (PostgreSQL's sequence is moved past them)."""
    installation.run("migrate")
    installation.run("seed", "--demo", "--sessions", "20")
    installation.run(
        "create-user",
        "--email",
        "m@example.org",
        "--name",
        "M",
        "--password",
        "pw-123456",
        "--org",
        "Demo Mentoring Programme",
        "--role",
        "MENTOR",
    )
    org_id, mentor_id = installation.rows("SELECT organization_id, id FROM \"user\" WHERE email = 'm@example.org'")[0]
    installation.rows(
        'INSERT INTO "session" (organization_id, mentor_id, title, description, type, status, starts_at, ends_at, '
        "duration_minutes, time_zone, medium, meeting_platform, meeting_link, meeting_passcode, seats_limit, "
        "enrolled_count, invited_count, mentee_count, image_path, created_at, updated_at) VALUES "
        f"({org_id}, {mentor_id}, 'New', 'New.', 'PUBLIC', 'UPCOMING', '2031-01-01 10:00:00+00:00', "
        "'2031-01-01 11:00:00+00:00', 60, 'IST', 'English', 'BIG_BLUE_BUTTON', '', '', 20, 0, 0, 0, '', "
        "'2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00') RETURNING id"
    )
    assert installation.rows('SELECT COUNT(*) FROM "session"') == [(21,)]


@pytest.mark.parametrize(
    "args,message",
    [
        (("seed",), "Nothing to seed: pass --demo to add the demo organisations, people and sessions."),
        (("seed", "--demo", "--sessions", "0"), "--sessions must be between 1 and 1000000; you gave 0."),
    ],
)
def test_seed_explains_what_it_needs(tmp_path, args, message):
    done = Installation(tmp_path, None).run(*args, ok=False)
    assert done.returncode == 1
    assert message in done.stderr


def test_export_schema_prints_or_writes_the_sdl(tmp_path):
    installation = Installation(tmp_path, None)
    assert installation.run("export-schema").stdout == export_sdl()
    installation.run("export-schema", "--output", str(tmp_path / "schema.graphql"))
    assert (tmp_path / "schema.graphql").read_text() == export_sdl()


def test_tallies_are_checked_against_the_sessions_and_counted_again(installation):
    installation.run("migrate")
    if installation.database_url is None:
        done = installation.run("tallies", ok=False)
        assert done.returncode == 1 and "SQLite keeps no session tallies" in done.stderr
        return
    installation.run("seed", "--demo", "--sessions", "40")
    assert installation.run("tallies").stdout == "The session tallies agree with the sessions.\n"

    # As if someone had changed the tables with the triggers disabled: one organisation's count is off by
    # 5, and every label tally is gone.
    [(org,)] = installation.rows(
        "INSERT INTO session_tally (organization_id, status, type, meeting_platform, medium, n) "
        "SELECT organization_id, 'UPCOMING', 'PUBLIC', 'ZOOM', 'English', 5 FROM \"user\" "
        "WHERE email = 'manager@example.org' RETURNING organization_id"
    )
    installation.rows("DELETE FROM session_label_tally RETURNING 1")
    orgs = sorted(id for (id,) in installation.rows('SELECT id FROM "organization"'))
    wrong = installation.run("tallies", ok=False)
    assert wrong.returncode == 1 and org in orgs
    assert f"of 2 organisation(s) ({', '.join(map(str, orgs))}) do not agree" in wrong.stderr
    assert "run `sessiondesk tallies --rebuild`" in wrong.stderr

    rebuilt = installation.run("tallies", "--rebuild")
    assert rebuilt.stdout == "The session tallies agree with the sessions (counted again).\n"
    assert installation.run("tallies").stdout == "The session tallies agree with the sessions.\n"
