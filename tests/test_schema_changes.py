"""The schema check in scripts/check: a change to schema.graphql that breaks clients of the released
schema fails it, unless docs/api-changes.md lists it; additions and deprecations pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "schema_changes.py"
RELEASED = "type Query {\n  sessions: [String!]!\n  viewer: String\n}\n"


def run_check(tmp_path: Path, current: str, accepted: str = "") -> subprocess.CompletedProcess[str]:
    (tmp_path / "released.graphql").write_text(RELEASED)
    (tmp_path / "current.graphql").write_text(current)
    (tmp_path / "api-changes.md").write_text(accepted)
    arguments = ["--released", "released.graphql", "--current", "current.graphql", "--accepted", "api-changes.md"]
    return subprocess.run(
        [sys.executable, str(CHECK), *(str(tmp_path / a) if a.endswith((".graphql", ".md")) else a for a in arguments)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_removed_field_fails_the_check_and_names_the_field(tmp_path):
    done = run_check(tmp_path, "type Query {\n  sessions: [String!]!\n}\n")

    assert done.returncode == 1
    assert "Field Query.viewer was removed." in done.stderr
    assert "@deprecated" in done.stderr


def test_a_removal_listed_in_the_api_changes_passes(tmp_path):
    accepted = "- `Field Query.viewer was removed.` It answered nothing useful; use `me`.\n"

    done = run_check(tmp_path, "type Query {\n  sessions: [String!]!\n}\n", accepted)

    assert done.returncode == 0, done.stderr


def test_a_new_field_and_a_deprecated_one_kept_pass(tmp_path):
    current = 'type Query {\n  sessions: [String!]!\n  viewer: String @deprecated(reason: "Use me.")\n  me: String\n}\n'

    done = run_check(tmp_path, current)

    assert done.returncode == 0, done.stderr


def test_a_field_that_changes_type_fails(tmp_path):
    done = run_check(tmp_path, "type Query {\n  sessions: [Int!]!\n  viewer: String\n}\n")

    assert done.returncode == 1
    assert "Query.sessions changed type from [String!]! to [Int!]!." in done.stderr


def test_the_repositorys_schema_keeps_the_released_promises():
    done = subprocess.run([sys.executable, str(CHECK)], capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
