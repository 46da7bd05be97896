"""Edit and Delete icons in each row of the Session list (row-actions.js), at desktop width and 390 px."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, api_sessions, list_loaded, new_session, open_session_list

pytestmark = pytest.mark.browser

DETAILS = "query($id: ID!) { session(id: $id) { id editBlockedReason deleteBlockedReason } }"


async def test_edit_in_a_row_opens_the_edit_page(sized_page: Page, api: Api):
    page = sized_page
    session = await new_session(api)
    await open_session_list(page, f"?search={session['title'].split()[-1]}")

    await page.get_by_role("link", name=f"Edit {session['title']}").click()

    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}/edit$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Edit session details")
    await expect(page.get_by_label("Title", exact=True)).to_have_value(session["title"])


async def test_delete_in_a_row_asks_first_and_then_removes_the_session(sized_page: Page, api: Api):
    page = sized_page
    session = await new_session(api)
    kept = await new_session(api, title=f"Kept {session['title']}")
    await open_session_list(page, f"?search={session['title'].split()[-1]}")

    await page.get_by_role("button", name=f"Delete {session['title']}", exact=True).click()
    dialog = page.get_by_role("alertdialog", name="Delete this session?")
    await expect(dialog).to_contain_text(session["title"])
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("button", name=f"Delete {session['title']}", exact=True)).to_be_focused()

    await page.get_by_role("button", name=f"Delete {session['title']}", exact=True).click()
    await page.get_by_role("alertdialog", name="Delete this session?").get_by_role("button", name="Yes delete").click()

    await list_loaded(page)
    await expect(page.locator("#notice-area")).to_contain_text(f"“{session['title']}” (ID {session['id']}) is deleted")
    await expect(page.get_by_role("button", name=f"Delete {session['title']}", exact=True)).to_have_count(0)
    await expect(page.get_by_role("button", name=f"Delete {kept['title']}", exact=True)).to_be_visible()
    assert (await api(DETAILS, {"id": session["id"]}))["session"] is None


async def test_a_completed_session_row_shows_why_it_cannot_be_edited_or_deleted(sized_page: Page, api: Api):
    page = sized_page
    done = (await api_sessions(api, page_size=1, filter={"statuses": ["COMPLETED"]}))["items"][0]
    reasons = (await api(DETAILS, {"id": done["id"]}))["session"]
    await open_session_list(page, "?statuses=COMPLETED&view=all")

    edit = page.get_by_role("button", name=f"Edit {done['title']}", exact=True).first
    delete = page.get_by_role("button", name=f"Delete {done['title']}", exact=True).first
    for button, reason in ((edit, reasons["editBlockedReason"]), (delete, reasons["deleteBlockedReason"])):
        await expect(button).to_have_attribute("aria-disabled", "true")
        await expect(button).to_have_attribute("title", reason)
        await expect(button).to_have_accessible_description(reason)
    await delete.click(force=True)  # a disabled action does nothing
    await expect(page.get_by_role("alertdialog")).to_have_count(0)
    await expect(page.get_by_role("link", name=f"Edit {done['title']}")).to_have_count(0)
