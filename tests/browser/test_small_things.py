"""Smaller things a manager trips on (issue 12, part 5), at desktop width and 390 px: ratings to the half
star, no "Try again" for a malformed ID, disabled tabs not struck through, one "Previous"."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, api_sessions, assert_no_sideways_scroll, open_session_list

pytestmark = pytest.mark.browser

RATING = "query($id: ID!) { mentor(id: $id) { rating { average votes } } }"
FILLS = "els => els.map(e => e.querySelector('.star-fill').style.width)"


async def test_a_rating_of_4_5_draws_four_and_a_half_stars(sized_page: Page, api: Api):
    page = sized_page
    await page.goto("/workspace")
    fills = await page.evaluate(
        """async () => {
          const { stars } = await import('/static/mentors/mentor-profile.js');
          return [...stars(4.5).querySelectorAll('.star-fill')].map((e) => e.style.width);
        }"""
    )
    assert fills == ["100%", "100%", "100%", "100%", "50%"]
    # And on a real profile, the stars follow the average the API gives.
    mentor_id = (await api_sessions(api, page_size=1))["items"][0]["mentor"]["id"]
    rating = (await api(RATING, {"id": mentor_id}))["mentor"]["rating"]
    await page.goto(f"/mentors/{mentor_id}")
    if rating["votes"]:
        stars = page.get_by_role("img", name=re.compile("^Rated"))
        await expect(stars.locator(".star")).to_have_count(5)
        widths = await stars.locator(".star").evaluate_all(FILLS)
        expected = [f"{round(min(max(rating['average'] - i, 0), 1) * 100)}%" for i in range(5)]
        assert widths == expected
    await assert_no_sideways_scroll(page)


async def test_a_malformed_session_id_is_not_offered_try_again(sized_page: Page):
    page = sized_page
    await page.goto("/sessions/abc")
    alert = page.locator("main").get_by_role("alert")
    await expect(alert).to_contain_text("is not a valid ID")
    await expect(page.get_by_role("button", name="Try again")).to_have_count(0)


async def test_a_disabled_tab_is_not_struck_through(sized_page: Page, api: Api):
    page = sized_page
    done = (await api_sessions(api, page_size=1, filter={"statuses": ["COMPLETED"]}))["items"][0]
    await page.goto(f"/sessions/{done['id']}/edit")
    tab = page.locator('[role="tab"][aria-disabled="true"]').first
    await expect(tab).to_be_visible()
    assert "line-through" not in await tab.evaluate("t => getComputedStyle(t).textDecorationLine")


async def test_every_pager_says_previous_and_next_the_same_way(sized_page: Page, api: Api):
    page = sized_page
    await open_session_list(page, "?page=2&pageSize=10")
    await expect(page.get_by_role("button", name="Previous", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Next", exact=True)).to_be_visible()
    await page.goto("/workspace/sessions?tab=bulk")
    await expect(page.get_by_role("button", name="‹ Previous")).to_have_count(0)
    await expect(page.get_by_role("button", name="Next ›")).to_have_count(0)
