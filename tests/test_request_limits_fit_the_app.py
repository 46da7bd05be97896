"""Every query the browser app and the documentation send stays well within the GraphQL limits: each
is checked against limits of half their real size, with every page at its largest (100)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from graphql import parse, validate

from backend import compat
from backend.graphql.limits import count_tokens, limits_rule
from backend.graphql.schema import schema
from backend.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
_TEMPLATE = re.compile(r"`((?:\\.|[^`\\])*)`", re.S)
_QUOTED = re.compile(r"'((?:query|mutation)\b(?:\\.|[^'\\])*)'")
_CONSTANT = re.compile(r"\bconst ([A-Z_]+) =\s*(?:`((?:\\.|[^`\\])*)`|'((?:\\.|[^'\\])*)')", re.S)
# The app names every operation it sends; a template that starts with { is JavaScript, not a query.
_OPERATION = re.compile(r"^\s*(query|mutation)\b")


def frontend_operations() -> dict[str, str]:
    frontend = ROOT / "frontend"
    sources = {str(path.relative_to(frontend)): path.read_text() for path in sorted(frontend.rglob("*.js"))}
    # A module's own constants first (two modules may name theirs alike), then those it imports.
    own = {name: {c: a or b for c, a, b in _CONSTANT.findall(text)} for name, text in sources.items()}
    shared = {c: value for constants in own.values() for c, value in constants.items()}
    found = {}
    for file_name, text in sources.items():
        constants = {**shared, **own[file_name]}
        for number, raw in enumerate(_TEMPLATE.findall(text) + _QUOTED.findall(text)):
            resolved = re.sub(r"\$\{([A-Z_]+)\}", lambda m, known=constants: known[m.group(1)], raw)
            if _OPERATION.match(resolved) and "${" not in resolved:
                found[f"{file_name}#{number}"] = resolved
    return found


def documented_operations() -> dict[str, str]:
    found = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, raw in enumerate(re.findall(r'"query": "((?:\\.|[^"\\])*)"', path.read_text())):
            found[f"{path.name}#{number}"] = json.loads(f'"{raw}"')
    return found


OPERATIONS = {**frontend_operations(), **documented_operations()}
REAL = load_settings({})
HALF = dataclasses.replace(
    REAL,
    graphql_max_depth=REAL.graphql_max_depth // 2,
    graphql_max_aliases=REAL.graphql_max_aliases // 2,
    graphql_max_tokens=REAL.graphql_max_tokens // 2,
    graphql_max_cost=REAL.graphql_max_cost // 2,
)
LARGEST_PAGES = {"page": 1, "pageSize": 100, "first": 100}


def test_the_app_and_the_docs_send_the_queries_this_test_checks():
    names = " ".join(OPERATIONS.values())
    for expected in ("SessionList", "EditSession", "MentorProfile", "BulkUploadRows", "FindMentees", "SignOut"):
        assert f" {expected}" in names or f"query {expected}" in names or f"mutation {expected}" in names
    assert sum(1 for key in OPERATIONS if key.startswith("graphql.md")) >= 5
    assert len(OPERATIONS) >= 25


@pytest.mark.parametrize("where", sorted(OPERATIONS))
def test_each_query_is_within_half_of_every_limit(where):
    query = OPERATIONS[where]
    assert count_tokens(query) <= HALF.graphql_max_tokens
    errors = validate(
        compat.graphql_core_schema(schema), parse(query), [limits_rule(HALF, LARGEST_PAGES, allow_introspection=False)]
    )
    assert errors == [], f"{where}: {[e.message for e in errors]}"
    # …and the query is a valid one, so this test checks what really runs.
    assert validate(compat.graphql_core_schema(schema), parse(query)) == []
