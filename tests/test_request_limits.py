"""What one request may cost, through the real app: GraphQL limits checked before execution, body
limits checked before reading, introspection and hints for signed-out callers, and what a client and
the log are told when something fails on our side."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator

import pytest
from graphql import get_introspection_query

from backend import auth
from backend.graphql import limits
from backend.graphql.sessions import queries as session_queries
from backend.settings import use_settings
from tests.support.factories import make_org, make_session, make_user
from tests.support.session_requests import CREATE, INVITE, REMOVE, a_desk, messages, mutate, session_form

NESTED = '{ session(id: "1") { mentor { sessions(pageSize: 100) { items { mentor { sessions(pageSize: 100) { items { mentor { sessions(pageSize: 100) { items { id } } } } } } } } } } }'  # noqa: E501


@pytest.fixture
async def manager(graphql, db):
    org = await make_org()
    person = await make_user(org, "MANAGER", "MENTOR")
    await make_session(org, person)
    await graphql.login(person.email)
    return person


async def refusal(graphql, query: str, variables: dict | None = None) -> dict:
    body = await graphql.post(query, variables)
    assert body.get("data") is None, body
    [error] = body["errors"]
    return error


async def test_nesting_past_the_depth_limit_is_refused_before_anything_runs(graphql, manager, sql_statements):
    sql_statements.clear()
    error = await refusal(graphql, NESTED)

    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert error["message"] == (
        "The query nests fields 11 (the limit is 8, 3 over) levels deep. Ask for nested objects in a separate request."
    )
    # Only the sign-in lookup ran: the query itself never reached the database.
    assert len(sql_statements) == 1


async def test_a_nested_page_inside_a_page_is_priced_at_page_size_times_its_items(graphql, manager):
    query = """query($size: Int!) { sessions(pageSize: $size) { items { mentor {
        sessions(pageSize: 100) { items { id title } } } } } }"""

    error = await refusal(graphql, query, {"size": 100})

    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": 25_000, "actual": 111_301}
    assert error["message"].startswith(
        "The query's estimated cost is 111,301 (the limit is 25,000, 86,301 over): each object costs 1, "
        "a list its page size times what each item asks for, and each paged list 1,000 more."
    )
    # The same query with a small outer page is within the limit and runs.
    data = await graphql.execute(query, {"size": 5})
    assert data["sessions"]["items"][0]["mentor"]["sessions"]["items"][0]["title"] == "Lesson planning"


async def test_the_limits_measure_a_repeated_request_once_and_each_size_on_its_own(graphql, manager, monkeypatch):
    measured = []
    real = limits.limits_rule
    monkeypatch.setattr(limits, "_measured", OrderedDict())
    monkeypatch.setattr(
        limits, "limits_rule", lambda *args, **kwargs: measured.append(args[1]) or real(*args, **kwargs)
    )
    query = """query($size: Int!) { sessions(pageSize: $size) { items { mentor {
        sessions(pageSize: 100) { items { id title } } } } } }"""

    for _ in range(3):
        await graphql.execute(query, {"size": 5})
        assert (await refusal(graphql, query, {"size": 100}))["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert measured == [{"size": 5}, {"size": 100}]  # kept by text and variables: each measured once
    await graphql.execute(query, {"size": 5, "padding": None, "x": "y" * limits.MEASURED_VARIABLES_MAX})
    await graphql.execute(query, {"size": 5, "padding": None, "x": "y" * limits.MEASURED_VARIABLES_MAX})
    assert len(measured) == 4 and len(limits._measured) == 2  # large variables: measured each time, not kept


async def test_fragments_that_spread_each_other_are_priced_without_expanding_them(graphql, manager):
    # 2^30 copies of the innermost field if expanded; the estimate walks each fragment once.
    fragments = "\n".join(
        f"fragment F{n} on SessionPage {{ items {{ mentor {{ sessions {{ ...F{n + 1} ...F{n + 1} }} }} }} }}"
        for n in range(30)
    )
    query = "{ sessions { ...F0 } }\n" + fragments + "\nfragment F30 on SessionPage { totalCount }"

    error = await refusal(graphql, query)

    assert error["extensions"]["code"] in ("QUERY_TOO_COMPLEX", "QUERY_TOO_DEEP")


async def test_many_aliases_are_refused_with_the_count(graphql, manager):
    query = "{ " + " ".join(f"a{n}: sessions(pageSize: 100) {{ items {{ id }} }}" for n in range(100)) + " }"

    error = await refusal(graphql, query)

    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "limit": 15, "actual": 100}
    assert error["message"] == (
        "The query uses 100 (the limit is 15, 85 over) aliases. "
        "Ask for each field once, or send several smaller requests."
    )


async def test_a_query_of_too_many_tokens_is_refused_before_it_is_parsed(graphql, manager):
    query = "{ viewer { " + "id " * 3000 + "} }"

    error = await refusal(graphql, query)

    assert error["extensions"] == {"code": "TOO_MANY_TOKENS", "limit": 2000, "actual": 3005}
    assert error["message"] == "The query has 3,005 (the limit is 2,000, 1,005 over) tokens. Send a shorter query."


async def test_signed_in_callers_may_introspect_with_the_standard_query(graphql, manager):
    data = await graphql.execute(get_introspection_query(descriptions=True))
    assert any(t["name"] == "Session" for t in data["__schema"]["types"])


async def test_introspection_that_only_multiplies_its_answer_is_refused(graphql, manager):
    body = await graphql.post("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }")
    assert body.get("data") is None
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_DEEP", "limit": 3, "actual": 4}
    assert body["errors"][0]["message"].startswith("The introspection query nests 4 (the limit is 3, 1 over) lists")


async def test_signed_out_callers_get_no_introspection_and_no_hints(graphql, db):
    error = await refusal(graphql, "{ __schema { types { name } } }")
    assert error["extensions"]["code"] == "INTROSPECTION_DISABLED"
    assert await graphql.errors('{ __type(name: "Session") { name } }') == [
        "The schema can be explored by signed-in callers only. Sign in first, or read schema.graphql."
    ]

    assert await graphql.errors("{ sesions { totalCount } }") == ["Cannot query field 'sesions' on type 'Query'."]
    assert await graphql.errors("{ sessions(sort: {field: TITEL}) { totalCount } }") == [
        "Value 'TITEL' does not exist in 'SortField' enum."
    ]
    # An input object's unknown field, in the document or in a variable: its hint stands mid-sentence.
    assert await graphql.errors("{ sessions(filter: {categoriez: []}) { totalCount } }") == [
        "Expected value of type 'SessionFilter' not to include unknown field 'categoriez'. Found: { categoriez: [] }."
    ]
    in_a_variable = await graphql.errors(
        "query($f: SessionFilter) { sessions(filter: $f) { totalCount } }", {"f": {"categoriez": []}}
    )
    assert in_a_variable == [
        "Variable '$f' has invalid value: Expected value of type 'SessionFilter' not to include unknown field "
        "'categoriez'. Found: {'categoriez': []}."
    ]
    # __typename is not introspection of the schema: it stays available.
    assert await graphql.execute("{ __typename }") == {"__typename": "Query"}


async def test_signed_in_callers_keep_the_hints(graphql, manager):
    assert await graphql.errors("{ sesions { totalCount } }") == [
        "Cannot query field 'sesions' on type 'Query'. Did you mean 'sessions' or 'session'?"
    ]


async def test_a_json_body_over_1_mb_is_refused_413_from_its_length(http, db):
    body = json.dumps({"query": "{ viewer { id } }", "variables": {"pad": "x" * (1024 * 1024)}})

    response = await http.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {
                "message": f"The largest body a request may have is 1 MB (1,048,576 bytes). This request is "
                f"{len(body.encode()):,} bytes; send less at once "
                "(a GraphQL request is a query and its variables, files go as multipart uploads).",
                "extensions": {"code": "REQUEST_TOO_LARGE", "limit": 1024 * 1024},
            }
        ]
    }


async def test_a_chunked_body_is_counted_as_it_arrives_and_cut_off_at_the_limit(http, db):
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ viewer { id } }", "variables": {"pad": "'
        for _ in range(300):  # 300 MB if it were all read
            sent += 1
            yield b"x" * (1024 * 1024)

    response = await http.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert "larger than that" in response.json()["errors"][0]["message"]


def asgi_scope(headers: dict[str, str]) -> dict:
    """A POST to /graphql as uvicorn hands it to the app."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }


async def call_asgi(app, headers: dict[str, str], body_chunks: list[bytes]) -> tuple[int, dict, int]:
    """Calls the app directly; returns the status, the JSON body and how many body chunks it read."""
    reads = 0
    chunks = list(body_chunks)
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal reads
        reads += 1
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(asgi_scope(headers), receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), reads


async def test_a_signed_out_upload_is_refused_before_its_body_is_read(app, db):
    status, body, reads = await call_asgi(
        app,
        {"content-type": "multipart/form-data; boundary=x", "content-length": str(4 * 1024 * 1024)},
        [b"--x\r\n" + b"y" * 1024] * 10,
    )

    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert reads == 0


async def test_a_signed_in_upload_over_the_limit_is_refused_before_its_body_is_read(app, graphql, manager):
    status, body, reads = await call_asgi(
        app,
        {
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(500 * 1024 * 1024),
            "authorization": f"Bearer {graphql.token}",
        },
        [b"--x\r\n"],
    )

    assert status == 413
    assert body["errors"][0]["message"].startswith(
        "The largest body a file upload may have is 5.1 MB (5,308,416 bytes). This request is 524,288,000 bytes;"
    )
    assert reads == 0


async def test_a_body_that_is_not_a_graphql_request_is_answered_in_graphqls_error_shape(http, db):
    response = await http.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "Unable to parse request body as JSON", "extensions": {"code": "BAD_REQUEST"}}]
    }


async def test_an_unexpected_error_is_masked_with_a_reference_and_logged_once(graphql, manager, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("connection string postgres://admin:hunter2@db/prod is wrong")

    monkeypatch.setattr(session_queries.listing, "session_page", broken)
    caplog.set_level(logging.INFO)

    body = await graphql.post("{ sessions { totalCount } }")

    [error] = body["errors"]
    reference = error["extensions"]["reference"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "reference": reference}
    assert error["message"] == (
        "Something went wrong on our side, and it is not your request's fault. Try again; if it keeps happening, "
        f"tell your administrator the reference {reference}."
    )
    assert "hunter2" not in json.dumps(body)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert reference in logged[0].getMessage() and logged[0].exc_info[0] is RuntimeError


async def test_ordinary_refusals_are_not_logged_as_errors(graphql, db, caplog):
    caplog.set_level(logging.INFO)

    assert (await graphql.errors("{ sessions { totalCount } }"))[0].startswith("You are not signed in.")
    assert (await graphql.errors('{ session(id: "abc") { id } }'))[0].startswith("You are not signed in.")

    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []


async def test_the_database_out_of_reach_answers_503_on_graphql_and_downloads(http, graphql, db, monkeypatch):
    async def unreachable(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    monkeypatch.setattr(auth, "sign_in", unreachable)
    login = await http.post(
        "/graphql",
        json={"query": 'mutation { login(email: "a@b.c", password: "x") { token errors { message } } }'},
    )
    monkeypatch.setattr(auth, "user_for_token", unreachable)
    query = await http.post("/graphql", json={"query": "{ viewer { id } }"}, headers={"Authorization": "Bearer x"})
    download = await http.get("/exports/sessions.csv", headers={"Authorization": "Bearer x"})

    expected = {
        "errors": [
            {
                "message": "SessionDesk cannot reach its database right now; try again shortly.",
                "extensions": {"code": "SERVICE_UNAVAILABLE"},
            }
        ]
    }
    for response in (login, query, download):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json() == expected
        assert "5432" not in response.text


async def test_input_lists_have_caps_and_say_so(graphql, db, sql_statements):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    await graphql.login(desk.manager.email)

    created = await mutate(graphql, CREATE, input=session_form(desk.mentor, categories=[f"c{n}" for n in range(8000)]))
    assert created["errors"] == [
        {
            "field": "categories",
            "code": "INVALID",
            "message": "You gave 8,000 category values; a session takes at most 20. Remove some.",
        }
    ]
    invited = await mutate(graphql, INVITE, sessionId=str(session.id), emails=[f"m{n}@x.test" for n in range(5000)])
    assert messages(invited) == "You gave 5,000 email addresses; one invitation takes at most 1,000. Remove some."
    removed = await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(n) for n in range(1, 3000)])
    assert messages(removed) == "You gave 2,999 mentee IDs; one removal takes at most 1,000. Remove some."
    unknown = await mutate(graphql, REMOVE, sessionId=str(session.id), menteeIds=[str(n) for n in range(900, 950)])
    assert messages(unknown) == (
        "Mentee ID 900, 901, 902, 903, 904 and 45 more are not in this session; reload the mentee list and pick again."
    )
    malformed = await mutate(graphql, INVITE, sessionId=str(session.id), emails=[f"bad{n}" for n in range(40)])
    assert messages(malformed) == (
        "“bad0”, “bad1”, “bad2”, “bad3”, “bad4” and 35 more are not email addresses; write each like name@example.org."
    )

    assert await graphql.errors(
        "query($c: [String!]) { sessions(filter: {categories: $c}) { totalCount } }", {"c": ["x"] * 500}
    ) == ["The categories filter has 500 values; give at most 100 per filter."]
    assert await graphql.errors(
        "query($s: String) { sessionFacets(search: $s) { types { count } } }", {"s": "x" * 5000}
    ) == ["The search text has 5,000 characters; search with at most 200."]


async def test_an_upload_message_stored_before_the_caps_is_returned_capped(graphql, manager):
    # Uploads refused before messages were capped kept messages of many megabytes; the history stays small.
    from backend.bulk_upload.parse import FILE_MESSAGE_MAX
    from backend.bulk_upload.rows import ROW_MESSAGE_MAX
    from backend.models import BulkRowStatus, BulkUpload, BulkUploadRow, BulkUploadStatus

    upload = await BulkUpload.create(
        organization_id=manager.organization_id,
        uploader_id=manager.id,
        filename="old.csv",
        content="",
        status=BulkUploadStatus.FAILED,
        message="Unknown column: " + ", " * 500_000,
    )
    await BulkUploadRow.create(
        upload_id=upload.id,
        row_number=2,
        action="Create",
        status=BulkRowStatus.INVALID,
        message="x" * 100_000,
        cells={},
    )
    data = await graphql.execute(
        "query($id: ID!) { bulkUploads { items { message } } bulkUpload(id: $id) { rows { message } } }",
        {"id": str(upload.id)},
    )
    assert len(data["bulkUploads"]["items"][0]["message"]) == FILE_MESSAGE_MAX
    assert len(data["bulkUpload"]["rows"][0]["message"]) == ROW_MESSAGE_MAX


# --- bodies that trickle in, and clients that go away ----------------------------------------------------


async def test_a_body_that_does_not_arrive_in_time_is_answered_408_and_not_held(app, db, monkeypatch):
    use_settings(dataclasses.replace(db, body_timeout_seconds=0.2))
    sent: list[dict] = []
    first = True

    async def receive() -> dict:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b'{"query": "{ viewer', "more_body": True}
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = asgi_scope({"Content-Type": "application/json"})
    await asyncio.wait_for(app(scope, receive, send), 30)  # the app ends the request itself

    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 408
    body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"


async def test_a_client_that_disconnects_mid_body_is_logged_as_gone_not_as_an_error(app, db, caplog):
    chunks = [
        {"type": "http.request", "body": b'{"query": "{ viewer', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict:
        return chunks.pop(0)

    async def send(message: dict) -> None:
        raise AssertionError(f"nobody is there to hear {message}")

    with caplog.at_level(logging.INFO):
        await app(asgi_scope({"Content-Type": "application/json"}), receive, send)

    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    [line] = [r for r in caplog.records if r.name == "sessiondesk.request"]
    assert line.status == 499


# --- JSON that is not a request, or nested too deeply ------------------------------------------------


@pytest.mark.parametrize("body", ["1", '"text"', "null", "true"])
async def test_a_json_body_that_is_not_an_object_is_a_bad_request(http, db, body):
    response = await http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "message": 'A GraphQL request is a JSON object, such as {"query": "{ viewer { id } }"}.',
        "extensions": {"code": "BAD_REQUEST"},
    }


async def test_variables_nested_5000_deep_are_a_bad_request(http, db):
    nested = "[" * 5000 + "]" * 5000
    body = '{"query": "{ __typename }", "variables": {"f": ' + nested + "}}"
    response = await http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The JSON is nested too deeply to read; send a flatter document."
    response = await http.get("/graphql", params={"query": "{ __typename }", "variables": nested})
    assert response.status_code == 400
