"""Workspace → Manage sessions (manage-sessions.js): its tabs, kept in the URL, and the slots other
screens fill (the Bulk upload tab, the create-session slot)."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import list_loaded, open_session_list, range_text

pytestmark = pytest.mark.browser


async def test_bulk_upload_tab_opens_from_its_tab_and_is_kept_in_the_url(manager_page: Page):
    page = manager_page
    await open_session_list(page, "?page=2&pageSize=10")

    await page.get_by_role("tab", name="Bulk upload").click()
    await expect(page).to_have_url(re.compile(r"tab=bulk"))
    await expect(page.locator("#bulk-upload-tab")).to_be_visible()
    await expect(page.locator("#bulk-upload-tab").get_by_role("heading", name="Bulk upload")).to_be_visible()
    await expect(page.locator("#session-list")).to_be_hidden()

    await page.reload()
    await expect(page.get_by_role("tab", name="Bulk upload")).to_have_attribute("aria-selected", "true")
    await page.go_back()
    await expect(page.get_by_role("tab", name="Create sessions")).to_have_attribute("aria-selected", "true")
    await expect(range_text(page)).to_have_text(re.compile(r"^11–20 of"))


async def test_tabs_switch_with_the_arrow_keys(manager_page: Page):
    page = manager_page
    await open_session_list(page)

    await page.get_by_role("tab", name="Create sessions").focus()
    await page.keyboard.press("ArrowRight")

    await expect(page.get_by_role("tab", name="Bulk upload")).to_be_focused()
    await expect(page.get_by_role("tab", name="Bulk upload")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_role("tabpanel", name="Bulk upload")).to_be_visible()


async def test_a_screen_registered_for_the_bulk_upload_tab_fills_it_when_shown(manager_page: Page):
    page = manager_page
    await open_session_list(page)

    await page.evaluate("""async () => {
        const { registerTabContent } = await import('/static/workspace/manage-sessions.js');
        registerTabContent('bulk', (section) => { section.querySelector('p').textContent = 'Upload CSV goes here'; });
    }""")
    await page.get_by_role("tab", name="Bulk upload").click()

    await expect(page.locator("#bulk-upload-tab")).to_contain_text("Upload CSV goes here")
    await page.get_by_role("tab", name="Create sessions").click()
    await list_loaded(page)
