"""Schemathesis (its GraphQL support) against a real server on SQLite, signed in as a session manager:
every query and mutation of the schema gets EXAMPLES generated requests. None may answer a server
error (HTTP 5xx, or an INTERNAL_SERVER_ERROR in the body), and every answer must be a GraphQL
response (JSON with `data` or `errors`)."""

from __future__ import annotations

import json

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st

from tests.test_hostile_requests import running_server, sign_in

EXAMPLES = 8
# A file can only arrive in a multipart request; in a generated query the Upload argument is a string
# or null, which the server must refuse as the caller's mistake (not fail on).
schemathesis.graphql.scalar(
    "Upload", st.sampled_from([schemathesis.graphql.nodes.String("not a file"), schemathesis.graphql.nodes.Null])
)


def problem_of(response) -> str | None:
    """Why this answer breaks the rules above, or None."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"not JSON ({response.headers.get('content-type')}): {response.text[:300]}"
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        return f"not a GraphQL response: {response.text[:300]}"
    for error in body.get("errors") or []:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            return f"an error without a message: {error!r}"
        if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR":
            return f"a masked server error: {error['message']}"
    return None


def test_every_query_and_mutation_answers_generated_requests_without_a_server_error():
    problems: list[str] = []
    with running_server("sqlite", sessions=20) as server:
        schema = schemathesis.graphql.from_url(server.base + "/graphql", headers=server.headers())
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 25, [o.label for o in operations]

        for operation in operations:
            # logout ends the token it is sent with: each of its requests gets a token of its own.
            own_token = operation.label.endswith("logout")

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy())
            def send(case) -> None:
                token = sign_in(server.base) if own_token else server.token  # noqa: B023
                response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=30)
                problem = problem_of(response)
                if problem is not None:
                    problems.append(f"{operation.label}: {problem}\n  query: {case.body}")  # noqa: B023

            send()
        log = server.log.read_text()

    # The log has the traceback of each masked error: the causes, to fix.
    causes = [line for line in log.splitlines() if line and not line.startswith((" ", "Traceback", "2026", "20"))]
    assert not problems, "\n".join(problems[:10] + ["--- causes in the server log:"] + sorted(set(causes))[:30])


@pytest.mark.parametrize(
    "body,expected",
    [
        (b'{"data": null, "errors": [{"message": "x"}]}', None),
        (b"Internal Server Error", "not JSON"),
        (b'{"errors": [{"message": "m", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}', "a masked server error"),
        (b"[1, 2]", "not a GraphQL response"),
    ],
)
def test_the_fuzzers_judge_tells_a_graphql_answer_from_a_failure(body, expected):
    class Answer:
        status_code = 200
        content = body
        text = body.decode()
        headers = {"content-type": "text/plain"}

    problem = problem_of(Answer())
    assert (problem is None) if expected is None else problem.startswith(expected)
