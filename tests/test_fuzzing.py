"""Schemathesis (its GraphQL support) against a real server on SQLite, signed in as a session manager:
every query and mutation of the schema gets EXAMPLES generated requests. None may answer a server
error (HTTP 5xx, or an INTERNAL_SERVER_ERROR in the body), and every answer must be a GraphQL
response (JSON with `data` or `errors`).

Subscriptions travel over a websocket, which schemathesis does not speak: hypothesis sends signed-in
connections generated graphql-transport-ws frames instead (subscription documents with any arguments and
selections, frames of any type, id and payload, JSON that is not an object, text that is not JSON,
binary frames). The server may
answer with GraphQL errors or close the connection with a protocol code, but never with a server error
(an INTERNAL_SERVER_ERROR, or the close code 1011), and it logs no traceback."""

from __future__ import annotations

import json

import httpx
import hypothesis
import pytest
import schemathesis
import websockets
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as websocket

from tests.support.demo_server import running_server, sign_in

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


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
DOCUMENTS = st.builds(
    "subscription {{ {}{} {{ {} }} }}".format,
    st.sampled_from(["sessionEvents", "bulkUploadProgress", "sessionEvent", "__typename"]),
    st.one_of(
        st.just(""),
        st.builds("(id: {})".format, st.one_of(st.text(max_size=30).map(json.dumps), st.integers().map(str))),
        st.just("(id: $id)"),
    ),
    st.sampled_from(["kind sessionId", "id status", "session { id meeting { link passcode } }", "nope", "__typename"]),
)
SUBSCRIBE = st.builds(
    lambda query, variables, frame_id: {
        "type": "subscribe",
        "id": frame_id,
        "payload": {"query": query, "variables": variables},
    },
    st.one_of(
        DOCUMENTS, DOCUMENTS.map(lambda d: "subscription($id: ID!) " + d[len("subscription ") :]), st.text(max_size=60)
    ),
    st.one_of(st.none(), st.fixed_dictionaries({"id": JSON})),
    st.sampled_from(["1", "2"]),
)
ANY_FRAME = st.builds(
    lambda kind, frame_id, payload: {"type": kind, "id": frame_id, "payload": payload},
    st.sampled_from(["connection_init", "subscribe", "complete", "ping", "pong", "next", "error", "bogus"]),
    st.one_of(st.sampled_from(["1", "2"]), st.integers(), st.none()),
    JSON,
)
MESSAGES = st.lists(
    st.one_of(
        SUBSCRIBE.map(json.dumps),
        ANY_FRAME.map(json.dumps),
        JSON.map(json.dumps),
        st.text(max_size=60),
        st.binary(max_size=30),
    ),
    min_size=1,
    max_size=4,
)
# graphql-transport-ws's own refusals (4400 bad message, 4409 id in use, 4429 init twice, 4401 and 4403
# sign-in) and the app's (1008: too many connections); a normal close is 1000.
PROTOCOL_CLOSES = {1000, 1008, 4400, 4401, 4403, 4408, 4409, 4429}


def frame_problem(text: str | bytes) -> str | None:
    """Why this server frame breaks the rules of the module's docstring, or None."""
    try:
        frame = json.loads(text)
    except ValueError:
        return f"a frame that is not JSON: {text[:200]!r}"
    if frame.get("type") == "error":
        for error in frame.get("payload") or []:
            if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR":
                return f"a masked server error: {error.get('message')}"
    if frame.get("type") == "next":
        for error in (frame.get("payload") or {}).get("errors") or []:
            if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR":
                return f"a masked server error: {error.get('message')}"
    return None


def test_subscriptions_answer_generated_frames_without_a_server_error():
    problems: list[str] = []
    with running_server("sqlite", sessions=20) as server:
        url = server.base.replace("http://", "ws://") + "/graphql"

        @hypothesis.settings(
            max_examples=60,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(messages=MESSAGES)
        # What the generated frames found once, kept as examples: no document, one that does not parse,
        # JSON that is not an object, a subscribe message whose payload is not an object, and:
        @hypothesis.example(messages=['{"type": "subscribe", "id": "2", "payload": {"query": ""}}'])
        @hypothesis.example(messages=['{"type": "subscribe", "id": "1", "payload": {"query": "(x"}}'])
        @hypothesis.example(messages=["0"])
        @hypothesis.example(messages=['{"type": "subscribe", "id": 1, "payload": 5}'])
        # A subscription answering, or closing, after a refused frame closed its connection.
        @hypothesis.example(
            messages=['{"type": "subscribe", "id": "1", "payload": {"query": "subscription { nope }"}}', "0"]
        )
        @hypothesis.example(messages=['{"type": "subscribe", "id": "1", "payload": {"query": "(x"}}', "0"])
        def send(messages: list[str | bytes]) -> None:
            with websocket(url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")], open_timeout=10) as ws:
                ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {server.token}"}}))
                assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
                try:
                    for message in messages:
                        ws.send(message)
                    while True:
                        problem = frame_problem(ws.recv(timeout=0.3))
                        if problem is not None:
                            problems.append(f"{problem}\n  sent: {messages!r}")
                except TimeoutError:
                    pass  # nothing more to say: a subscription waiting for events
                except ConnectionClosed as closed:
                    code = closed.rcvd.code if closed.rcvd else None
                    if code not in PROTOCOL_CLOSES:
                        problems.append(
                            f"closed with {code} {closed.rcvd and closed.rcvd.reason!r}\n  sent: {messages!r}"
                        )

        send()
        assert httpx.get(server.base + "/healthz", timeout=10).status_code == 200
        log = server.log.read_text()

    assert not problems, "\n".join(problems[:10])
    assert "Traceback" not in log, log[log.find("Traceback") - 300 :][:4000]
