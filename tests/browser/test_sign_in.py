"""Signing in and out in the browser (sign-in.js, app.js)."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import MANAGER, PASSWORD, SESSION_LIST, list_loaded, range_text

pytestmark = pytest.mark.browser


async def fill_sign_in(page: Page, email: str, password: str) -> None:
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def test_wrong_password_shows_why_and_keeps_the_person_on_sign_in(page: Page):
    await page.goto("/sign-in")
    await fill_sign_in(page, MANAGER, "not-the-password")

    await expect(page.get_by_role("alert")).to_contain_text("The email or password is not right")
    await expect(page).to_have_url(re.compile(r"/sign-in"))
    await expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


async def test_signing_in_lands_on_the_session_list(page: Page):
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/sign-in"))
    await fill_sign_in(page, MANAGER, PASSWORD)

    await expect(page).to_have_url(re.compile(rf"{SESSION_LIST}$"))
    await expect(page.get_by_role("heading", name="Session list")).to_be_visible()
    await list_loaded(page)
    await expect(range_text(page)).to_have_text(re.compile(r"^1–10 of \d+$"))
    await expect(page.locator("#viewer-name")).to_contain_text("Sunita Manager")


async def test_a_signed_out_link_comes_back_to_the_same_list_after_signing_in(page: Page):
    wanted = f"{SESSION_LIST}?page=2&pageSize=10&statuses=UPCOMING"
    await page.goto(wanted)
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    await fill_sign_in(page, MANAGER, PASSWORD)

    await expect(page).to_have_url(re.compile(re.escape(wanted) + "$"))
    await list_loaded(page)
    await expect(range_text(page)).to_have_text(re.compile(r"^11–"))


async def test_signing_out_returns_to_sign_in_and_the_list_is_no_longer_shown(manager_page: Page):
    page = manager_page
    await page.goto(SESSION_LIST)
    await list_loaded(page)

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/sign-in$"))
    await page.goto(SESSION_LIST)
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    await expect(page.get_by_role("heading", name="Sign in to SessionDesk")).to_be_visible()


async def test_application_menu_leads_to_workspace_then_manage_sessions(manager_page: Page):
    page = manager_page
    await page.goto("/sessions/1")
    await page.get_by_role("button", name="Application menu").click()
    await page.get_by_role("navigation", name="Application").get_by_role("link", name="Workspace").click()
    await expect(page).to_have_url(re.compile(r"/workspace$"))
    await expect(page.get_by_role("heading", name="Workspace", level=1)).to_be_visible()

    await page.get_by_role("link", name="Manage sessions").click()
    await expect(page).to_have_url(re.compile(rf"{SESSION_LIST}$"))
    await expect(page.get_by_role("tab", name="Create sessions")).to_have_attribute("aria-selected", "true")
    await list_loaded(page)
