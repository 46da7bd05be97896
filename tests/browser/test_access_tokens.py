"""The Access tokens page (settings/access-tokens.js): a manager makes a read-only token, copies its
secret (shown once), a script reads with it but cannot change anything, and Revoke ends it at once."""

import re

import httpx
import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.browser

VIEWER = "{ viewer { email } }"
CREATE_TITLE = 'mutation { createSession(input: {title: "x"}) { errors { message } } }'


async def call(live_server: str, secret: str, query: str) -> dict:
    async with httpx.AsyncClient(base_url=live_server) as client:
        response = await client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {secret}"})
        return response.json()


async def test_a_manager_makes_a_read_token_a_script_uses_it_and_revoke_ends_it(manager_page: Page, live_server: str):
    page = manager_page
    await page.goto("/workspace/sessions")
    await page.get_by_role("button", name="Application menu").click()
    await page.get_by_role("link", name="Access tokens").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Access tokens")

    await page.get_by_label("Name").fill("Weekly report")
    await page.get_by_label("Read: queries, live updates and downloads").check()
    await page.get_by_label("Expires after").select_option(label="7 days")
    await page.get_by_role("button", name="Make token").click()

    secret_field = page.get_by_label("Token", exact=True)
    await expect(secret_field).to_have_value(re.compile(r"^sdat_[A-Za-z0-9_-]{40,}$"))
    secret = await secret_field.input_value()
    row = page.locator("#access-tokens tbody tr").filter(has_text="Weekly report")
    await expect(row).to_contain_text("Read")
    await expect(row).to_contain_text("Never")

    assert (await call(live_server, secret, VIEWER))["data"]["viewer"]["email"] == "manager@example.org"
    refused = await call(live_server, secret, CREATE_TITLE)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await page.reload()
    await expect(row).to_contain_text("from 127.0.0.1")

    await row.get_by_role("button", name="Revoke Weekly report").click()
    await page.locator("#revoke-access-token-dialog-yes").click()
    await expect(page.locator("#access-tokens-status")).to_have_text("“Weekly report” is revoked.")
    await expect(row).to_have_count(0)
    assert (await call(live_server, secret, VIEWER))["data"]["viewer"] is None


async def test_a_token_without_a_name_is_refused_next_to_the_name(manager_page: Page):
    page = manager_page
    await page.goto("/settings/access-tokens")
    await page.get_by_role("button", name="Make token").click()

    await expect(page.locator("#token-name-error")).to_contain_text("Give the token a name")
    await expect(page.get_by_label("Token", exact=True)).to_have_count(0)
