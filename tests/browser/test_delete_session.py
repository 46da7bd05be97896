"""Deleting a session from its Session Details page (delete-session.js): the confirmation dialog,
"Yes delete" back to the Session list without it, and Cancel keeping it."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, list_loaded, new_session

pytestmark = pytest.mark.browser

STILL_THERE = "query($id: ID!) { session(id: $id) { id title } }"


async def test_yes_delete_goes_back_to_the_list_where_the_session_is_gone(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    word = session["title"].split()[-1]
    await page.goto(f"/workspace/sessions?search={word}")
    await list_loaded(page)
    await page.get_by_role("link", name=re.compile(r"View details")).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(session["title"])

    await page.locator("#session-actions").get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("alertdialog", name="Delete this session?")
    await expect(dialog).to_contain_text(session["title"])
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await dialog.get_by_role("button", name="Yes delete").click()

    await expect(page).to_have_url(re.compile(rf"/workspace/sessions\?.*search={word}"))
    await expect(page.get_by_role("status").filter(has_text="is deleted")).to_contain_text(session["title"])
    await list_loaded(page)
    await expect(page.locator("#session-results")).to_contain_text("No sessions match your search and filters.")
    assert (await api(STILL_THERE, {"id": session["id"]}))["session"] is None


async def test_cancel_in_the_confirmation_keeps_the_session(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await page.goto(f"/sessions/{session['id']}")
    delete = page.locator("#session-actions").get_by_role("button", name="Delete")

    await delete.click()
    dialog = page.get_by_role("alertdialog", name="Delete this session?")
    await dialog.get_by_role("button", name="Cancel").click()

    await expect(dialog).to_have_count(0)
    await expect(delete).to_be_focused()
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))
    assert (await api(STILL_THERE, {"id": session["id"]}))["session"]["title"] == session["title"]

    await delete.click()
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    assert (await api(STILL_THERE, {"id": session["id"]}))["session"] is not None


async def test_a_live_session_cannot_be_deleted_and_says_why(manager_page: Page, api: Api):
    page = manager_page
    live = (
        await api("""{ sessions(filter: { statuses: [LIVE] }, pageSize: 1) { items { id deleteBlockedReason } } }""")
    )["sessions"]["items"][0]
    await page.goto(f"/sessions/{live['id']}")

    await expect(page.locator("#session-actions").get_by_role("button", name="Delete")).to_be_disabled()
    await expect(page.locator("#session-actions").get_by_role("button", name="Delete")).to_have_accessible_description(
        live["deleteBlockedReason"]
    )
