"""Fails when schema.graphql breaks what clients of the last released schema (schema.released.graphql)
rely on, unless docs/api-changes.md lists that change; graphql-core's find_breaking_changes decides what
breaks. Changes that may surprise a client without breaking it (a new enum value, a new optional
argument) are listed, not failed.

    python scripts/schema_changes.py [--released FILE] [--current FILE] [--accepted FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphql import build_schema, find_breaking_changes, find_dangerous_changes

ROOT = Path(__file__).resolve().parent.parent


def unaccepted_changes(released: str, current: str, accepted: str) -> tuple[list[str], list[str]]:
    """The breaking changes not listed in `accepted` (each as graphql-core describes it, such as
    "Query.sessions was removed."), and the dangerous ones."""
    old, new = build_schema(released), build_schema(current)
    breaking = [change.description for change in find_breaking_changes(old, new)]
    dangerous = [change.description for change in find_dangerous_changes(old, new)]
    return [description for description in breaking if description not in accepted], dangerous


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--released", type=Path, default=ROOT / "schema.released.graphql")
    parser.add_argument("--current", type=Path, default=ROOT / "schema.graphql")
    parser.add_argument("--accepted", type=Path, default=ROOT / "docs" / "api-changes.md")
    arguments = parser.parse_args(argv)
    accepted = arguments.accepted.read_text() if arguments.accepted.exists() else ""
    breaking, dangerous = unaccepted_changes(arguments.released.read_text(), arguments.current.read_text(), accepted)
    for description in dangerous:
        print(f"Note (may surprise a client): {description}")
    if breaking:
        print(f"{arguments.current.name} breaks clients of {arguments.released.name}:", file=sys.stderr)
        for description in breaking:
            print(f"  {description}", file=sys.stderr)
        print(
            "Keep the old field and mark it @deprecated(reason: ...) instead; or, if the break is meant, "
            f"list each line above in {arguments.accepted.name} with why and what clients do instead.",
            file=sys.stderr,
        )
        return 1
    print(f"{arguments.current.name} keeps every promise of {arguments.released.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
