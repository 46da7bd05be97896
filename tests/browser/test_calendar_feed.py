"""The Calendar page (calendar-feed.js): the person's calendar feed address, which a calendar app can
fetch, and a new address that makes the old one stop working."""

import re

import httpx
import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.browser


async def test_a_manager_copies_their_calendar_address_and_makes_a_new_one(manager_page: Page, live_server: str):
    page = manager_page
    await page.goto("/workspace/sessions")
    await page.get_by_role("button", name="Application menu").click()
    await page.get_by_role("link", name="Calendar").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Calendar")
    address = page.get_by_label("Calendar address")
    await expect(address).to_have_value(re.compile(r"/calendar/[A-Za-z0-9_-]{40,}\.ics$"))
    first = await address.input_value()
    assert first.startswith(f"{live_server}/calendar/") and first.endswith(".ics")
    async with httpx.AsyncClient() as client:
        feed = await client.get(first)
        assert feed.status_code == 200 and b"BEGIN:VEVENT" in feed.content  # the demo organisation's sessions

        await page.get_by_role("button", name="Make a new address").click()
        await page.locator("#reset-calendar-feed-dialog-yes").click()
        await expect(page.get_by_role("status").filter(has_text="A new address is made")).to_be_visible()
        second = await address.input_value()
        assert second != first
        assert (await client.get(first)).status_code == 404
        assert (await client.get(second)).status_code == 200
