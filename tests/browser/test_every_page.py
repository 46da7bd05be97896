"""Every page of the app, at desktop width and at a phone's 390 px: nothing scrolls sideways, and
axe-core finds no WCAG 2.1 A/AA violation (it is injected by the test; see screens.accessibility_violations)."""

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.screens import (
    PHONE,
    Api,
    accessibility_violations,
    api_sessions,
    assert_no_sideways_scroll,
    list_loaded,
    new_session,
)

pytestmark = pytest.mark.browser


async def settled(page: Page) -> None:
    """The screen has drawn: its heading is there and nothing is still loading."""
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await expect(page.locator("main .loading")).to_have_count(0)
    if "show=calendar" in page.url:
        await expect(page.locator("#session-calendar")).not_to_have_attribute("aria-busy", "true")
        await expect(page.locator("#calendar-body > *").first).to_be_visible()
    elif await page.locator("#session-list").is_visible():
        await list_loaded(page)


async def pages(api: Api) -> list[str]:
    upcoming = await new_session(api)
    done = (await api_sessions(api, page_size=1, filter={"statuses": ["COMPLETED"]}))["items"][0]
    return [
        "/workspace",
        "/workspace/sessions",
        "/workspace/sessions?view=all&statuses=COMPLETED",
        "/workspace/sessions?tab=bulk",
        "/workspace/vocabulary",
        "/sessions/new",
        f"/sessions/{upcoming['id']}",
        f"/sessions/{done['id']}",
        f"/sessions/{upcoming['id']}/edit",
        f"/sessions/{upcoming['id']}/edit?tab=meeting",
        f"/mentors/{upcoming['mentor']['id']}",
        "/settings/access-tokens",
        "/workspace/sessions?show=calendar&calendar=grid",
        "/workspace/sessions?show=calendar&calendar=day",
        "/workspace/sessions?show=calendar&calendar=week",
        "/my-calendar",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_no_page_scrolls_sideways_and_axe_finds_no_violation(sized_page: Page, api: Api, scheme: str):
    page = sized_page
    await page.emulate_media(color_scheme=scheme)
    problems = {}
    for path in await pages(api):
        await page.goto(path)
        await settled(page)
        await assert_no_sideways_scroll(page)
        if found := await accessibility_violations(page):
            problems[path] = found
    assert not problems, problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_open_dialogs_and_menus_have_no_violation(sized_page: Page, api: Api, scheme: str):
    page = sized_page
    await page.emulate_media(color_scheme=scheme)
    session = await new_session(api)
    await page.goto(f"/workspace/sessions?view=all&search={session['title'].split()[-1]}")
    await list_loaded(page)
    await page.get_by_role("button", name="Filters").click()
    assert await accessibility_violations(page) == []
    await assert_no_sideways_scroll(page)
    await page.get_by_role("button", name="Filters").click()
    await page.get_by_role("button", name=f"Delete {session['title']}", exact=True).click()
    await expect(page.get_by_role("alertdialog")).to_be_visible()
    assert await accessibility_violations(page) == []
    await assert_no_sideways_scroll(page)


@pytest.mark.parametrize("width", ["desktop", "phone"])
async def test_the_sign_in_page_fits_and_has_no_violation(browser: Browser, live_server: str, width: str):
    context = await browser.new_context(
        base_url=live_server, viewport=PHONE if width == "phone" else {"width": 1280, "height": 900}
    )
    page = await context.new_page()
    await page.goto("/sign-in")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await assert_no_sideways_scroll(page)
    assert await accessibility_violations(page) == []
    await context.close()
