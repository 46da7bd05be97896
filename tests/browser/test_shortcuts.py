"""Keyboard shortcuts and the Ctrl/Cmd-K palette (shared/shortcuts.js): `/` search, `c` create, `g l` list,
`g c` calendar, `?` lists them; the palette jumps to a session by title or ID, a mentor or a page — at 1280 px
and 390 px, light and dark, with axe finding nothing while it is open."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import PHONE, Api, accessibility_violations, api_sessions, people, sign_in

pytestmark = pytest.mark.browser


async def test_single_keys_search_create_and_go_to_the_list_and_the_calendar(manager_page: Page):
    page = manager_page
    await page.goto("/workspace")
    await expect(page.get_by_role("heading", name="Workspace", level=1)).to_be_visible()

    await page.keyboard.press("/")
    await expect(page.locator("#session-search")).to_be_focused()
    await page.locator("#session-search").press("Escape")
    await page.locator("main h1").focus()

    await page.keyboard.press("g")
    await page.keyboard.press("c")
    await expect(page).to_have_url("/workspace/sessions?show=calendar&calendar=grid")
    await page.keyboard.press("g")
    await page.keyboard.press("l")
    await expect(page).to_have_url("/workspace/sessions")
    await page.locator("main h1").focus()
    await page.keyboard.press("c")
    await expect(page).to_have_url("/sessions/new")

    await page.locator("main h1").focus()
    await page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(help_dialog).to_contain_text("Jump to a session, a mentor or a page")
    assert await accessibility_violations(page) == []


async def test_typing_in_a_field_is_never_taken_as_a_shortcut(manager_page: Page):
    page = manager_page
    await page.goto("/sessions/new")
    title = page.get_by_label("Title", exact=True)
    await title.fill("")
    await title.press_sequentially("g c /?")
    await expect(title).to_have_value("g c /?")
    await expect(page).to_have_url("/sessions/new")


@pytest.mark.parametrize(("width", "scheme"), [("desktop", "light"), ("phone", "dark")])
async def test_the_palette_jumps_to_a_session_by_title_or_id_a_mentor_or_a_page(
    browser, live_server, api: Api, width, scheme
):
    viewport = PHONE if width == "phone" else {"width": 1280, "height": 900}
    context = await browser.new_context(base_url=live_server, color_scheme=scheme, viewport=viewport)
    try:
        await sign_in(context)
        page = await context.new_page()
        session = (await api_sessions(api, page_size=1))["items"][0]
        mentor = (await people(api, "Mentors"))[1]
        await page.goto("/workspace/sessions")
        await expect(page.get_by_role("heading", level=1)).to_be_visible()

        await page.keyboard.press("Control+k")
        palette = page.get_by_role("combobox", name="Jump to a session, a mentor or a page")
        await expect(palette).to_be_focused()
        await palette.fill(session["id"])
        await expect(page.locator("#palette").get_by_role("option").first).to_contain_text(f"ID {session['id']}")
        assert await accessibility_violations(page) == []
        await palette.press("Enter")
        await expect(page).to_have_url(f"/sessions/{session['id']}")

        await page.keyboard.press("Control+k")
        await palette.fill(mentor["name"])
        await page.locator("#palette").get_by_role("option", name=mentor["name"]).first.click()
        await expect(page).to_have_url(f"/mentors/{mentor['id']}")

        await page.keyboard.press("Control+k")
        await palette.fill("vocab")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url("/workspace/vocabulary")
    finally:
        await context.close()
