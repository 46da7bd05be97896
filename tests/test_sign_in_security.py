"""Sign-in on the open internet: throttling kept in the database, Argon2 off the event loop (and rehashed
when its parameters change), a real SECRET_KEY, proxies, and expired sign-ins cleaned up."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher

from backend import auth, throttle
from backend.app import create_app
from backend.auth import COOKIE_NAME
from backend.cli import proxy_options
from backend.housekeeping import Housekeeper
from backend.models import AuthToken, SignInFailure, User, utcnow
from backend.settings import DEFAULT_SECRET_KEY, load_settings, secret_key_problem
from tests.support.factories import PASSWORD, make_org, make_user
from tests.support.server import free_port, wait_until_async

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token errors { field code message } }
}
"""
WRONG = "The email or password is not right. Check both and try again."
TOO_MANY = re.compile(r"^Too many attempts; try again in (\d+) seconds?\.$")


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict:
    response = await http.post("/graphql", json={"query": LOGIN, "variables": {"email": email, "password": password}})
    assert response.status_code == 200, response.text
    http.cookies.clear()
    return response.json()["data"]["login"]


def wait_seconds(payload: dict) -> int:
    """The N of "try again in N seconds", after checking that the answer is exactly that refusal."""
    assert payload["token"] is None
    [error] = payload["errors"]
    assert error["code"] == "TOO_MANY_ATTEMPTS" and error["field"] is None
    return int(TOO_MANY.match(error["message"]).group(1))


async def time_passes(seconds: float) -> None:
    """Moves every recorded failure into the past, as if the time had gone by."""
    for failure in await SignInFailure.all():
        failure.failed_at -= timedelta(seconds=seconds)
        await failure.save(update_fields=["failed_at"])


async def fail(http: httpx.AsyncClient, email: str, times: int = 1) -> None:
    for _ in range(times):
        payload = await login(http, email, "wrong-password")
        assert payload["errors"] == [{"field": "password", "code": "INVALID", "message": WRONG}]


async def test_five_wrong_passwords_lock_the_email_even_for_the_right_password(http, db):
    user = await make_user(await make_org(), "MANAGER")
    await fail(http, user.email, 5)
    locked = await login(http, user.email)
    assert 25 <= wait_seconds(locked) <= 30
    # Other people are not affected.
    other = await make_user(await make_org(), "MANAGER")
    assert (await login(http, other.email))["token"]


async def test_the_lock_passes_and_the_right_password_then_signs_in_and_clears_the_counter(http, db):
    user = await make_user(await make_org(), "MANAGER")
    await fail(http, user.email, 5)
    await time_passes(31)
    assert (await login(http, user.email))["token"]
    await fail(http, user.email, 4)  # a fresh count: four more failures do not lock
    assert (await login(http, user.email))["token"]


async def test_each_failure_after_a_lock_doubles_it_up_to_fifteen_minutes(http, db):
    user = await make_user(await make_org(), "MANAGER")
    await fail(http, user.email, 5)
    await time_passes(31)
    await fail(http, user.email)  # the sixth failure
    assert 55 <= wait_seconds(await login(http, user.email)) <= 60
    await time_passes(61)
    await fail(http, user.email)
    assert 115 <= wait_seconds(await login(http, user.email)) <= 120
    # The rule behind it, to the cap.
    assert [throttle.lock_length(n).total_seconds() for n in range(4, 12)] == [0, 30, 60, 120, 240, 480, 900, 900]


async def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(http, db):
    user = await make_user(await make_org(), "MANAGER")
    for _ in range(5):
        await fail(http, user.email)
        await time_passes(4 * 60)  # 5 failures over 20 minutes: never 5 within 15
    assert (await login(http, user.email))["token"]


async def test_a_streak_is_forgotten_fifteen_minutes_after_its_lock_ended(http, db):
    user = await make_user(await make_org(), "MANAGER")
    await fail(http, user.email, 5)
    await time_passes(30 + 16 * 60)
    await fail(http, user.email, 4)
    assert (await login(http, user.email))["token"]


async def test_unknown_emails_are_throttled_like_real_ones(http, db):
    await fail(http, "nobody@example.test", 5)
    assert wait_seconds(await login(http, "Nobody@Example.test ")) > 0


async def test_the_lock_is_kept_in_the_database_so_every_app_process_sees_it(db):
    user = await make_user(await make_org(), "MANAGER")
    first, second = create_app(db), create_app(db)
    transport = httpx.ASGITransport
    async with (
        httpx.AsyncClient(transport=transport(app=first), base_url="http://one") as one,
        httpx.AsyncClient(transport=transport(app=second), base_url="http://two") as two,
    ):
        await fail(one, user.email, 3)
        await fail(two, user.email, 2)
        assert wait_seconds(await login(one, user.email)) > 0
        assert wait_seconds(await login(two, user.email)) > 0
    assert await SignInFailure.filter(email=user.email).count() == 5


async def test_a_burst_of_parallel_guesses_gets_no_more_than_five_passwords_checked(http, db):
    user = await make_user(await make_org(), "MANAGER")
    answers = await asyncio.gather(*(login(http, user.email, f"guess-{n}") for n in range(20)))
    codes = [a["errors"][0]["code"] for a in answers]
    # PostgreSQL may not yet show a guess that took its number a moment earlier: allow one more there.
    assert codes.count("INVALID") <= (5 if not db.is_postgres else 6)
    assert codes.count("TOO_MANY_ATTEMPTS") == 20 - codes.count("INVALID")


def client_from(app, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4000)), base_url="http://t")


async def test_one_client_address_is_limited_to_a_hundred_failures_in_fifteen_minutes(app, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    now = utcnow()
    # 99 failures for 99 different emails from one address (no email reaches its own limit) ...
    await SignInFailure.bulk_create(
        SignInFailure(email=f"guess{n}@example.test", client_address="203.0.113.7", failed_at=now) for n in range(99)
    )
    async with client_from(app, "203.0.113.7") as attacker, client_from(app, "198.51.100.1") as someone_else:
        await fail(attacker, "guess100@example.test")  # ... and the hundredth
        assert 895 <= wait_seconds(await login(attacker, user.email)) <= 900  # even a right password
        assert (await login(someone_else, user.email))["token"]  # other addresses sign in as usual
        # A successful sign-in does not reset the address's count.
        assert wait_seconds(await login(attacker, "guess101@example.test")) > 0
        await time_passes(15 * 60 + 1)
        assert (await login(attacker, user.email))["token"]


async def test_a_stranger_guessing_at_an_email_locks_out_only_their_own_address_not_the_owner(app, db):
    user = await make_user(await make_org(), "MANAGER")
    async with client_from(app, "198.51.100.9") as stranger, client_from(app, "192.0.2.80") as owner:
        await fail(stranger, user.email, 5)
        assert wait_seconds(await login(stranger, user.email)) > 0  # locked, even with the right password
        assert (await login(owner, user.email))["token"]  # the owner, elsewhere, signs in as usual
        assert wait_seconds(await login(stranger, user.email)) > 0  # which does not lift the stranger's lock


async def test_an_email_with_a_control_character_is_refused_before_the_database(http, db):
    payload = await login(http, "admin\x00@example.test")
    assert payload["token"] is None
    assert payload["errors"] == [
        {
            "field": "email",
            "code": "INVALID",
            "message": "The email contains a NUL character; remove it and type the text again.",
        }
    ]
    assert await SignInFailure.all().count() == 0


async def test_passwords_are_checked_off_the_event_loop(http, db, monkeypatch):
    """While one Argon2 check is held up, the app keeps answering other requests."""
    user = await make_user(await make_org(), "MANAGER")
    token = (await login(http, user.email))["token"]
    checking, release = threading.Event(), threading.Event()
    real_verify = auth._verify

    def slow_verify(password_hash: str, password: str) -> bool:
        checking.set()
        release.wait(30)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "_verify", slow_verify)
    signing_in = asyncio.create_task(login(http, user.email))
    try:
        assert await asyncio.to_thread(checking.wait, 30)
        # If the check ran on the event loop, this request could not be answered until it was released.
        viewer = await asyncio.wait_for(
            http.post("/graphql", json={"query": "{ viewer { id } }"}, headers={"Authorization": f"Bearer {token}"}),
            timeout=30,
        )
        assert viewer.json()["data"]["viewer"] == {"id": str(user.id)}
        assert not signing_in.done()
    finally:
        release.set()
    assert (await signing_in)["token"]


async def test_a_password_hashed_with_old_argon2_parameters_is_rehashed_on_sign_in(
    http, db, production_password_hashing
):
    user = await make_user(await make_org(), "MANAGER")
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    await User.filter(id=user.id).update(password_hash=old)
    assert (await login(http, user.email))["token"]
    renewed = (await User.get(id=user.id)).password_hash
    assert renewed != old and not PasswordHasher().check_needs_rehash(renewed)
    assert (await login(http, user.email))["token"]  # the new hash holds the same password
    assert (await User.get(id=user.id)).password_hash == renewed  # and is not rehashed again


async def test_the_background_worker_deletes_expired_sign_ins_and_old_failures(http, db):
    user = await make_user(await make_org(), "MANAGER")
    live = (await login(http, user.email))["token"]
    now = utcnow()
    await AuthToken.create(user=user, token_hash="e" * 64, expires_at=now - timedelta(seconds=1))
    await SignInFailure.create(email=user.email, client_address="x", failed_at=now - timedelta(days=2))
    recent = await SignInFailure.create(email=user.email, client_address="x", failed_at=now - timedelta(hours=1))

    await Housekeeper(db).run_pass()

    assert await AuthToken.filter(token_hash="e" * 64).count() == 0
    assert await AuthToken.filter(user_id=user.id).count() == 1
    assert [f.id for f in await SignInFailure.all()] == [recent.id]
    viewer = await http.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"Authorization": f"Bearer {live}"}
    )
    assert viewer.json()["data"]["viewer"] == {"id": str(user.id)}


# --- SECRET_KEY -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "SECRET_KEY is not set."),
        ("change-me-to-a-long-random-value", "SECRET_KEY is still the placeholder value."),
        ("short-key", "SECRET_KEY has only 9 characters."),
    ],
)
def test_serve_refuses_to_start_without_a_real_secret_key(tmp_path, key, problem):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DATA_DIR"] = str(tmp_path)
    if key is not None:
        env["SECRET_KEY"] = key
    sessiondesk = str(Path(sys.executable).parent / "sessiondesk")
    done = subprocess.run([sessiondesk, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(problem)
    assert "With DEBUG=false SessionDesk needs a real secret of 32 or more random characters; set SECRET_KEY" in (
        done.stderr
    )


def test_a_long_secret_key_or_debug_mode_may_serve(tmp_path):
    assert secret_key_problem(load_settings({"DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 32})) is None
    assert secret_key_problem(load_settings({"DATA_DIR": str(tmp_path), "DEBUG": "true"})) is None
    assert load_settings({"DATA_DIR": str(tmp_path), "DEBUG": "true"}).secret_key == DEFAULT_SECRET_KEY


# --- behind a reverse proxy ---------------------------------------------------------------------------


async def serve(app, settings):
    """The app in a real uvicorn server on a free local port, with the proxy options `serve` uses."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    for name, value in proxy_options(settings).items():
        setattr(config, name, value)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()  # it failed to start: say why
        return server.started

    await wait_until_async(started, 30, "uvicorn serving the app")
    return server, task, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(("trusted", "secure"), [("127.0.0.1", True), ("10.9.9.9", False)])
async def test_behind_a_trusted_proxy_https_gives_a_secure_cookie_and_the_client_address_counts(db, trusted, secure):
    import dataclasses

    settings = dataclasses.replace(db, forwarded_allow_ips=trusted)
    assert proxy_options(settings) == {"proxy_headers": True, "forwarded_allow_ips": trusted}
    user = await make_user(await make_org(), "MANAGER")
    server, task, url = await serve(create_app(settings), settings)
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.44"}
            response = await client.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"email": user.email, "password": PASSWORD}},
                headers=headers,
            )
            attributes = [part.strip().lower() for part in response.headers["set-cookie"].split(";")]
            assert attributes[0].startswith(f"{COOKIE_NAME}=")
            assert ("secure" in attributes) is secure
            client.cookies.clear()
            await client.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"email": user.email, "password": "wrong"}},
                headers=headers,
            )
    finally:
        server.should_exit = True
        await task
    [failure] = await SignInFailure.all()
    assert failure.client_address == ("192.0.2.44" if secure else "127.0.0.1")


async def test_a_password_that_is_not_valid_unicode_is_just_wrong(http, db):
    user = await make_user(await make_org(), "MANAGER")
    body = json.dumps({"query": LOGIN, "variables": {"email": user.email, "password": "pass\ud800word"}})
    response = await http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    payload = response.json()["data"]["login"]
    assert payload["errors"] == [{"field": "password", "code": "INVALID", "message": WRONG}]
