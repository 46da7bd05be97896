"""Signing in and out: the browser cookie, the bearer token, and the CSRF rule for cookie requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from backend.auth import COOKIE_NAME
from backend.models import AuthToken, utcnow
from backend.settings import use_settings
from tests.support.factories import PASSWORD, make_org, make_user

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token user { email name roles organization { name } } errors { field code message }
  }
}
"""
VIEWER = "{ viewer { email } }"
WRONG = "The email or password is not right. Check both and try again."
CSRF = (
    "This request is signed in with the browser cookie but has no X-Requested-With header. "
    "Add the header (any value), or sign in with Authorization: Bearer <token>."
)


async def login(http, email: str, password: str = PASSWORD):
    return await http.post("/graphql", json={"query": LOGIN, "variables": {"email": email, "password": password}})


async def test_signing_in_returns_a_token_and_who_signed_in(http, db):
    org = await make_org("Demo Mentoring Programme")
    await make_user(org, "MANAGER", "MENTOR", name="Sunita", email="sunita@example.test")
    response = await login(http, "sunita@example.test")
    payload = response.json()["data"]["login"]
    assert payload["errors"] == []
    assert payload["user"] == {
        "email": "sunita@example.test",
        "name": "Sunita",
        "roles": ["MANAGER", "MENTOR"],
        "organization": {"name": "Demo Mentoring Programme"},
    }
    assert len(payload["token"]) >= 40


async def test_the_email_is_matched_whatever_its_case_and_surrounding_spaces(http, db):
    org = await make_org()
    await make_user(org, "MANAGER", email="sunita@example.test")
    payload = (await login(http, "  Sunita@Example.TEST ")).json()["data"]["login"]
    assert payload["errors"] == [] and payload["token"]


async def test_a_wrong_password_or_unknown_email_gets_the_same_plain_message_and_no_cookie(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    for email, password in ((user.email, "wrong-password"), ("nobody@example.test", PASSWORD)):
        response = await login(http, email, password)
        payload = response.json()["data"]["login"]
        assert payload == {
            "token": None,
            "user": None,
            "errors": [{"field": "password", "code": "INVALID", "message": WRONG}],
        }
        assert "set-cookie" not in response.headers


async def test_signing_in_sets_an_httponly_samesite_cookie(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    response = await login(http, user.email)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}={response.json()['data']['login']['token']};")
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes


async def test_the_bearer_token_signs_in_api_requests_without_the_csrf_header(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    token = (await login(http, user.email)).json()["data"]["login"]["token"]
    http.cookies.clear()
    response = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"email": user.email}


async def test_a_cookie_request_without_x_requested_with_is_refused_with_a_message(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    token = (await login(http, user.email)).json()["data"]["login"]["token"]
    http.cookies.clear()
    response = await http.post("/graphql", json={"query": VIEWER}, headers={"Cookie": f"{COOKIE_NAME}={token}"})
    assert response.status_code == 403
    assert response.json()["errors"] == [{"message": CSRF, "extensions": {"code": "CSRF"}}]


async def test_a_cookie_request_with_x_requested_with_is_signed_in(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    token = (await login(http, user.email)).json()["data"]["login"]["token"]
    http.cookies.clear()
    response = await http.post(
        "/graphql", json={"query": VIEWER}, headers={"Cookie": f"{COOKIE_NAME}={token}", "X-Requested-With": "fetch"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"email": user.email}


async def test_a_signed_out_visitor_needs_no_csrf_header_to_sign_in(http, db):
    response = await http.post("/graphql", json={"query": VIEWER})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] is None


async def test_signing_out_ends_the_token_and_clears_the_cookie(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    token = (await login(http, user.email)).json()["data"]["login"]["token"]
    http.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}

    response = await http.post("/graphql", json={"query": "mutation { logout { errors { message } } }"}, headers=bearer)
    assert response.json()["data"]["logout"] == {"errors": []}
    cleared = response.headers["set-cookie"].lower()
    assert cleared.startswith(f"{COOKIE_NAME}=") and ("max-age=0" in cleared or "expires=" in cleared)

    after = await http.post("/graphql", json={"query": VIEWER}, headers=bearer)
    assert after.json()["data"]["viewer"] is None
    assert await AuthToken.filter(user_id=user.id).count() == 0


async def test_signing_out_one_device_keeps_the_others_signed_in(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    laptop = (await login(http, user.email)).json()["data"]["login"]["token"]
    http.cookies.clear()
    phone = (await login(http, user.email)).json()["data"]["login"]["token"]
    http.cookies.clear()
    await http.post(
        "/graphql",
        json={"query": "mutation { logout { errors { message } } }"},
        headers={"Authorization": f"Bearer {laptop}"},
    )
    still = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {phone}"})
    assert still.json()["data"]["viewer"] == {"email": user.email}


async def test_an_expired_or_made_up_token_is_signed_out(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    token = (await login(http, user.email)).json()["data"]["login"]["token"]
    http.cookies.clear()
    await AuthToken.filter(user_id=user.id).update(expires_at=utcnow() - timedelta(minutes=1))
    for bearer in (token, "made-up-token"):
        response = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {bearer}"})
        assert response.json()["data"]["viewer"] is None


async def test_the_token_is_stored_only_as_a_digest(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    token = (await login(http, user.email)).json()["data"]["login"]["token"]
    stored = await AuthToken.get(user_id=user.id)
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert user.password_hash.startswith("$argon2")


async def test_changing_the_secret_key_signs_everyone_out(http, db):
    org = await make_org()
    user = await make_user(org, "MANAGER")
    token = (await login(http, user.email)).json()["data"]["login"]["token"]
    http.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    use_settings(replace(db, secret_key="a-new-secret-key"))
    try:
        after = await http.post("/graphql", json={"query": VIEWER}, headers=bearer)
    finally:
        use_settings(db)
    assert after.json()["data"]["viewer"] is None
    again = await http.post("/graphql", json={"query": VIEWER}, headers=bearer)
    assert again.json()["data"]["viewer"] == {"email": user.email}
