"""Access tokens through the real app: made with a password sign-in, shown once, scoped, listed, revoked
and expired — and the same answers from every app process."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import pytest

from backend.models import AccessToken, utcnow
from tests.support.app_processes import app_process, wait_until_up
from tests.support.databases import ON_POSTGRES
from tests.support.factories import PASSWORD
from tests.support.graphql_client import GraphQLClient
from tests.support.live_client import LiveClient, listening, served
from tests.support.session_requests import CREATE, a_desk, from_now, mutate, session_form

CREATE_TOKEN = """mutation($name: String!, $scopes: [TokenScope!]!, $expiresAt: DateTime!) {
  createAccessToken(name: $name, scopes: $scopes, expiresAt: $expiresAt) {
    secret accessToken { id name scopes createdAt expiresAt lastUsedAt lastUsedFrom ownerEmail }
    errors { field code message } } }"""
REVOKE_TOKEN = """mutation($id: ID!) { revokeAccessToken(id: $id) {
  accessToken { id name } errors { field code message } } }"""
TOKENS = "{ viewer { accessTokens { id name scopes lastUsedAt lastUsedFrom ownerEmail } } }"
TITLES = "{ sessions(pageSize: 100) { items { title } } }"


async def make_token(client: GraphQLClient, scopes=("READ",), name: str = "Weekly report", **expiry) -> dict:
    payload = await mutate(
        client, CREATE_TOKEN, name=name, scopes=list(scopes), expiresAt=from_now(**(expiry or {"days": 30}))
    )
    assert payload["errors"] == [], payload
    return payload


async def sign_in(http: httpx.AsyncClient, email: str) -> GraphQLClient:
    """Signed in with a bearer token only: the cookie the login set is dropped, so each person's
    requests carry their own token."""
    client = await GraphQLClient(http).login(email, PASSWORD)
    http.cookies.clear()
    return client


def with_token(http: httpx.AsyncClient, secret: str) -> GraphQLClient:
    client = GraphQLClient(http)
    client.token = secret
    return client


@pytest.fixture
async def desk(db):
    return await a_desk()


async def test_a_new_token_is_shown_once_and_only_its_digest_is_stored(http, desk):
    manager = await sign_in(http, desk.manager.email)

    made = await make_token(manager, ("READ", "WRITE"))

    secret = made["secret"]
    assert secret.startswith("sdat_") and len(secret) > 40
    assert made["accessToken"]["scopes"] == ["READ", "WRITE"]
    stored = await AccessToken.get(id=made["accessToken"]["id"])
    assert stored.token_digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(await AccessToken.all().values())
    listed = (await manager.execute(TOKENS))["viewer"]["accessTokens"]
    assert [t["name"] for t in listed] == ["Weekly report"] and "secret" not in listed[0]


async def test_a_read_token_reads_but_a_mutation_is_forbidden_naming_the_write_scope(http, desk):
    manager = await sign_in(http, desk.manager.email)
    script = with_token(http, (await make_token(manager, ("READ",)))["secret"])

    assert (await script.execute(TITLES))["sessions"]["items"] == []
    body = await script.post(CREATE, {"input": session_form(desk.mentor)})

    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "READ scope only" in error["message"] and "WRITE scope" in error["message"]
    assert (await script.execute(TITLES))["sessions"]["items"] == []  # nothing was made


async def test_a_write_token_runs_mutations(http, desk):
    manager = await sign_in(http, desk.manager.email)
    script = with_token(http, (await make_token(manager, ("WRITE",)))["secret"])

    created = await mutate(script, CREATE, input=session_form(desk.mentor, title="From a script"))

    assert created["errors"] == []
    assert (await script.execute(TITLES))["sessions"]["items"] == [{"title": "From a script"}]


async def test_a_token_cannot_make_more_tokens(http, desk):
    manager = await sign_in(http, desk.manager.email)
    script = with_token(http, (await make_token(manager, ("READ", "WRITE")))["secret"])

    body = await script.post(CREATE_TOKEN, {"name": "More", "scopes": ["READ"], "expiresAt": from_now(days=1)})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await AccessToken.all().count() == 1


async def test_a_revoked_token_is_refused_at_once(http, desk):
    manager = await sign_in(http, desk.manager.email)
    made = await make_token(manager)
    script = with_token(http, made["secret"])
    assert (await script.execute("{ viewer { email } }"))["viewer"]["email"] == desk.manager.email

    revoked = await mutate(manager, REVOKE_TOKEN, id=made["accessToken"]["id"])

    assert revoked["errors"] == []
    assert (await script.execute("{ viewer { email } }"))["viewer"] is None
    assert (await script.errors(TITLES))[0].startswith("You are not signed in.")
    # The browser sign-in that made it goes on working.
    assert (await manager.execute("{ viewer { email } }"))["viewer"]["email"] == desk.manager.email


async def test_an_expired_token_is_refused(http, desk):
    manager = await sign_in(http, desk.manager.email)
    made = await make_token(manager)
    script = with_token(http, made["secret"])
    await AccessToken.filter(id=made["accessToken"]["id"]).update(expires_at=utcnow() - timedelta(seconds=1))

    assert (await script.errors(TITLES))[0].startswith("You are not signed in.")
    assert (await manager.execute(TOKENS))["viewer"]["accessTokens"] == []


async def test_last_used_is_noted_with_the_address_at_most_once_a_minute(http, desk, sql_statements):
    manager = await sign_in(http, desk.manager.email)
    made = await make_token(manager)
    script = with_token(http, made["secret"])

    await script.execute(TITLES)
    first = await AccessToken.get(id=made["accessToken"]["id"])
    sql_statements.clear()
    await script.execute(TITLES)

    assert first.last_used_at is not None and first.last_used_from == "127.0.0.1"
    assert not [s for s in sql_statements if s.lstrip().upper().startswith("UPDATE")]
    assert (await AccessToken.get(id=first.id)).last_used_at == first.last_used_at
    listed = (await manager.execute(TOKENS))["viewer"]["accessTokens"][0]
    assert listed["lastUsedFrom"] == "127.0.0.1" and listed["lastUsedAt"]


async def test_people_see_their_own_tokens_and_managers_their_organisations(http, desk):
    manager = await sign_in(http, desk.manager.email)
    mentor = await sign_in(http, desk.mentor.email)
    other = await a_desk()
    outsider = await sign_in(http, other.manager.email)
    mentors_token = await make_token(mentor, name="Mentor's sync")
    await make_token(outsider, name="Elsewhere")

    seen_by_manager = (await manager.execute(TOKENS))["viewer"]["accessTokens"]
    assert [(t["name"], t["ownerEmail"]) for t in seen_by_manager] == [("Mentor's sync", desk.mentor.email)]
    asha = await sign_in(http, desk.asha.email)
    assert (await asha.execute(TOKENS))["viewer"]["accessTokens"] == []
    refused = await mutate(asha, REVOKE_TOKEN, id=mentors_token["accessToken"]["id"])
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    assert (await mutate(outsider, REVOKE_TOKEN, id=mentors_token["accessToken"]["id"]))["errors"]

    assert (await mutate(manager, REVOKE_TOKEN, id=mentors_token["accessToken"]["id"]))["errors"] == []
    assert (await mentor.execute(TOKENS))["viewer"]["accessTokens"] == []


@pytest.mark.parametrize(
    ("name", "scopes", "expiry", "expected"),
    [
        ("", ["READ"], {"days": 1}, ("name", "REQUIRED")),
        ("x" * 101, ["READ"], {"days": 1}, ("name", "INVALID")),
        ("Tab\there", ["READ"], {"days": 1}, ("name", "INVALID")),
        ("Report", [], {"days": 1}, ("scopes", "REQUIRED")),
        ("Report", ["READ"], {"days": -1}, ("expiresAt", "IN_PAST")),
        ("Report", ["READ"], {"days": 400}, ("expiresAt", "INVALID")),
    ],
)
async def test_a_token_needs_a_name_a_scope_and_an_expiry_within_a_year(http, desk, name, scopes, expiry, expected):
    manager = await sign_in(http, desk.manager.email)

    payload = await mutate(manager, CREATE_TOKEN, name=name, scopes=scopes, expiresAt=from_now(**expiry))

    assert payload["secret"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [expected]


async def test_a_read_token_may_subscribe_and_a_revoked_one_may_not_connect(app, desk):
    async with served(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        manager = await sign_in(http, desk.manager.email)
        made = await make_token(manager)
        async with LiveClient.connect(base_url, made["secret"]) as live:
            events = await live.subscribe("subscription { sessionEvents { kind sessionId } }")
            await mutate(manager, CREATE, input=session_form(desk.mentor))
            assert (await live.next(events))["sessionEvents"]["kind"] == "CREATED"
        await mutate(manager, REVOKE_TOKEN, id=made["accessToken"]["id"])
        from tests.support.live_client import closed_code

        code, _ = await closed_code(base_url, {"authorization": f"Bearer {made['secret']}"})
        assert code == 4403


async def test_revoking_a_token_ends_its_open_subscription_at_once(app, desk):
    async with served(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        manager = await sign_in(http, desk.manager.email)
        made = await make_token(manager)
        async with LiveClient.connect(base_url, made["secret"]) as live:
            events = await live.subscribe("subscription { sessionEvents { kind sessionId } }")
            await mutate(manager, CREATE, input=session_form(desk.mentor))
            assert (await live.next(events))["sessionEvents"]["kind"] == "CREATED"

            await mutate(manager, REVOKE_TOKEN, id=made["accessToken"]["id"])

            message = await live.receive()
            assert (message["id"], message["type"]) == (events, "next"), message
            assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert (await live.receive())["type"] == "complete"


# --- several app processes (PostgreSQL) ------------------------------------------------------------


@ON_POSTGRES
async def test_scopes_revocation_and_expiry_hold_in_every_app_process(database, db, tmp_path):
    desk = await a_desk()
    with app_process(db, tmp_path / "a.log") as process_a, app_process(db, tmp_path / "b.log") as process_b:
        await wait_until_up(process_a, tmp_path / "a.log")
        await wait_until_up(process_b, tmp_path / "b.log")
        async with (
            httpx.AsyncClient(base_url=process_a, timeout=30) as http_a,
            httpx.AsyncClient(base_url=process_b, timeout=30) as http_b,
        ):
            manager = await sign_in(http_a, desk.manager.email)
            reader = await make_token(manager, ("READ",), name="Reader")
            writer = await make_token(manager, ("READ", "WRITE"), name="Writer")
            on_b = {name: with_token(http_b, made["secret"]) for name, made in (("r", reader), ("w", writer))}

            assert (await on_b["r"].execute("{ viewer { email } }"))["viewer"]["email"] == desk.manager.email
            denied = await on_b["r"].post(CREATE, {"input": session_form(desk.mentor)})
            assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert (await mutate(on_b["w"], CREATE, input=session_form(desk.mentor)))["errors"] == []

            # Revoked through A: B refuses it on its very next request, and ends its open subscription.
            async with LiveClient.connect(process_b, writer["secret"]) as live:
                events = await live.subscribe("subscription { sessionEvents { kind } }")
                await listening(process_b, subscriptions=1)
                await mutate(manager, CREATE, input=session_form(desk.other_mentor))
                assert (await live.next(events))["sessionEvents"]["kind"] == "CREATED"
                await mutate(manager, REVOKE_TOKEN, id=writer["accessToken"]["id"])
                ended = await live.receive()
                assert ended["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert (await on_b["w"].errors(TITLES))[0].startswith("You are not signed in.")
            # Expired (as if time had passed): refused by both.
            await AccessToken.filter(id=reader["accessToken"]["id"]).update(expires_at=utcnow() - timedelta(seconds=1))
            assert (await on_b["r"].errors(TITLES))[0].startswith("You are not signed in.")
            assert (await with_token(http_a, reader["secret"]).errors(TITLES))[0].startswith("You are not signed in.")


async def test_a_read_token_downloads_the_sessions_csv(http, desk):
    manager = await sign_in(http, desk.manager.email)
    await mutate(manager, CREATE, input=session_form(desk.mentor, title="In the file"))
    secret = (await make_token(manager))["secret"]

    response = await http.get("/exports/sessions.csv", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200 and "In the file" in response.text


async def test_the_housekeeper_deletes_expired_access_tokens(http, db, desk):
    from backend.housekeeping import Housekeeper

    manager = await sign_in(http, desk.manager.email)
    expired = await make_token(manager, name="Old")
    kept = await make_token(manager, name="Current")
    await AccessToken.filter(id=expired["accessToken"]["id"]).update(expires_at=utcnow() - timedelta(seconds=1))

    await Housekeeper(db).run_pass()

    assert [t.name for t in await AccessToken.all()] == ["Current"]
    assert (await with_token(http, kept["secret"]).execute("{ viewer { email } }"))["viewer"]["email"]
