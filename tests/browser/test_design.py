"""The design pass (styles.css): Inter and the Lucide icons come from the app itself, transitions stop for
whoever asks for reduced motion, links are underlined only in running text, and on a phone every control
is at least 44 px tall."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import PHONE, open_session_list

pytestmark = pytest.mark.browser


async def test_the_font_and_the_icons_are_served_by_the_app(manager_page: Page):
    page = manager_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await open_session_list(page)

    assert await page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px \"Inter Variable\"'))")
    family = await page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Inter Variable"')
    assert any(url.endswith("/static/fonts/inter-latin-wght-normal.woff2") for url in requested)
    response = await page.request.get("/static/icons/pencil.svg")
    assert response.status == 200
    assert all(url.startswith(page.url.split("/workspace")[0]) for url in requested if not url.startswith("data:"))


async def test_transitions_stop_for_reduced_motion(manager_page: Page):
    page = manager_page
    await page.emulate_media(reduced_motion="reduce")
    await open_session_list(page)
    duration = await page.locator(".button").first.evaluate("b => getComputedStyle(b).transitionDuration")
    assert set(duration.replace(" ", "").split(",")) == {"0s"}


async def test_links_are_underlined_only_in_running_text(manager_page: Page):
    page = manager_page
    await open_session_list(page)
    in_table = await page.locator("#session-results tbody a").first.evaluate(
        "a => getComputedStyle(a).textDecorationLine"
    )
    assert in_table == "none"
    await page.goto("/no-such-page")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    in_text = await page.locator("main p a").first.evaluate("a => getComputedStyle(a).textDecorationLine")
    assert in_text == "underline"


async def test_on_a_phone_every_control_is_at_least_44_px(manager_page: Page):
    page = manager_page
    await page.set_viewport_size(PHONE)
    await open_session_list(page)
    small = await page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.button, main .icon-button, header button')]
          .filter((el) => el.offsetParent && !el.closest('.visually-hidden'))
          .map((el) => [el.textContent.trim() || el.getAttribute('aria-label'), el.getBoundingClientRect().height])
          .filter(([, height]) => height < 44)"""
    )
    assert small == []
