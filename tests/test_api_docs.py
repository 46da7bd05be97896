"""The queries docs/api.md gives client developers run as written: within the limits, through the real
app, for an organisation of realistic sessions; and a session's mentees are priced by its seats."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from backend.models import Session, utcnow
from tests.support.factories import make_org, make_session, make_user

ROOT = Path(__file__).resolve().parent.parent
API_DOC = ROOT / "docs" / "api.md"
_EXAMPLE = re.compile(r"```graphql\n(.*?)```\n(?:\n```json\n(.*?)```\n)?", re.S)


def documented_queries() -> dict[str, tuple[str, dict]]:
    """Each ```graphql block of docs/api.md by its operation's name, with the ```json variables after it."""
    found = {}
    for query, variables in _EXAMPLE.findall(API_DOC.read_text()):
        name = re.match(r"\s*(?:query|mutation|subscription)\s+(\w+)", query)
        assert name, f"Name every documented operation: {query[:60]}"
        found[name.group(1)] = (query, json.loads(variables) if variables else {})
    return found


DOCUMENTED = documented_queries()
REPORT = "{ sessions(pageSize: 25) { items { id title mentees { email } } } }"


def test_the_documentation_carries_the_queries_clients_send_most():
    expected = {"MenteeReport", "ShortReport", "MentorWeek", "ExportPage", "SyncPage", "CursorPage", "MakeToken"}
    assert expected <= set(DOCUMENTED)


@pytest.fixture
async def organisation(db):
    """A manager's organisation of 30 sessions of 20 seats (the default) and one of 100, mentees in each."""
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    mentees = [await make_user(org, "MENTEE") for _ in range(3)]
    for number in range(30):
        await make_session(org, mentor, title=f"Session {number}", invited=tuple(mentees[: number % 4]))
    await make_session(org, mentor, title="Large", seats_limit=100, invited=tuple(mentees))
    return manager, mentor


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
async def test_each_documented_query_runs_within_the_limits(graphql, organisation, name):
    manager, mentor = organisation
    await graphql.login(manager.email)
    query, variables = DOCUMENTED[name]
    # The values the documentation cannot know: this test's mentor, and an expiry within a year of today.
    known = {"mentorId": str(mentor.id), "expiresAt": (utcnow() + timedelta(days=30)).isoformat()}
    variables = {key: known.get(key, value) for key, value in variables.items()}

    data = await graphql.execute(query, variables)

    assert data and all(value is not None for value in data.values())
    if query.lstrip().startswith("mutation"):
        assert all(payload["errors"] == [] for payload in data.values()), data


async def test_a_page_of_25_sessions_with_their_mentees_emails_runs(graphql, organisation):
    manager, _ = organisation
    await graphql.login(manager.email)

    items = (await graphql.execute(REPORT))["sessions"]["items"]

    assert len(items) == 25
    assert any(item["mentees"] for item in items)


async def test_an_organisation_with_a_session_of_a_thousand_seats_pays_for_that_size(graphql, organisation):
    manager, _ = organisation
    await graphql.login(manager.email)
    await Session.filter(title="Large").update(seats_limit=1000)

    body = await graphql.post(REPORT)

    assert body.get("data") is None
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": 25_000, "actual": 26_026}
