"""The checked-in schema.graphql is the API's contract: it must say exactly what the server serves."""

from __future__ import annotations

from pathlib import Path

from backend.graphql.schema import export_sdl

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_the_checked_in_schema_matches_the_server():
    assert export_sdl() == SCHEMA_FILE.read_text(), (
        "schema.graphql is out of date with the code; run `sessiondesk export-schema --output schema.graphql` "
        "and commit the result."
    )


def test_the_contract_names_of_the_design_are_in_the_schema():
    sdl = export_sdl()
    for contract in (
        "sessions(filter: SessionFilter = null, search: String = null, sort: SessionSort = null, page: Int! = 1, "
        "pageSize: Int! = 10): SessionPage!",
        "sessionFacets(filter: SessionFilter = null, search: String = null): SessionFacets!",
        "session(id: ID!): Session",
        "mentor(id: ID!): MentorProfile",
        "viewer: User",
        "login(email: String!, password: String!): LoginPayload!",
    ):
        assert contract in sdl, contract
