"""The Mentor Profile page (mentor-profile.js): who the mentor is, sessions hosted, rating, sessions."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, api_sessions, open_session_list, row

pytestmark = pytest.mark.browser

MENTOR_QUERY = """query($id: ID!) { mentor(id: $id) {
  id name email designation organization sessionsHosted
  rating { average votes breakdown { stars count } }
  sessions(pageSize: 100) { totalCount items { id title } }
} }"""


async def rated_mentor(api: Api) -> dict:
    """A mentor on the list's first page who has hosted sessions and been rated."""
    for session in (await api_sessions(api))["items"]:
        mentor = (await api(MENTOR_QUERY, {"id": session["mentor"]["id"]}))["mentor"]
        if mentor["rating"]["votes"] and mentor["sessionsHosted"]:
            return {**mentor, "listed_session": session["id"]}
    raise AssertionError("the demo data should have a rated mentor who hosted sessions")


async def test_mentor_name_in_the_list_opens_the_profile_with_rating_and_sessions_hosted(manager_page: Page, api: Api):
    page = manager_page
    mentor = await rated_mentor(api)
    await open_session_list(page)

    await row(page, mentor["listed_session"]).get_by_role("link", name=mentor["name"]).click()

    await expect(page).to_have_url(re.compile(rf"/mentors/{mentor['id']}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(mentor["name"])
    await expect(page.locator("#sessions-hosted")).to_have_text(str(mentor["sessionsHosted"]))
    for text in (mentor["email"], mentor["designation"], mentor["organization"]):
        await expect(page.locator("main")).to_contain_text(text)

    average = mentor["rating"]["average"]
    await expect(page.locator("#rating-average")).to_have_text(f"{average:.1f}")
    stars = page.get_by_role("img", name=f"Rated {average:g} out of 5")
    await expect(stars.locator(".star")).to_have_count(5)  # each filled to the tenth (test_small_things.py)
    votes = mentor["rating"]["votes"]
    await expect(page.locator("#rating-votes")).to_have_text(f"from {votes} vote{'s' if votes != 1 else ''}")
    breakdown = page.locator(".rating-breakdown tbody tr")
    await expect(breakdown).to_have_count(5)
    for shown, count in zip(await breakdown.all(), mentor["rating"]["breakdown"], strict=True):
        await expect(shown.locator("th")).to_have_text(f"{count['stars']} {'star' if count['stars'] == 1 else 'stars'}")
        await expect(shown.locator("td.numeric")).to_have_text(str(count["count"]))


async def test_mentor_profile_lists_the_mentors_sessions(manager_page: Page, api: Api):
    page = manager_page
    mentor = await rated_mentor(api)
    await page.goto(f"/mentors/{mentor['id']}")

    listed = page.locator("#mentor-sessions tbody tr")
    expected = mentor["sessions"]["items"][:10]
    await expect(listed).to_have_count(len(expected))
    await expect(listed.locator("th")).to_have_text([s["title"] for s in expected])
    await expect(page.get_by_role("heading", name="Sessions")).to_contain_text(f"({mentor['sessions']['totalCount']})")

    await listed.first.get_by_role("link", name="View details").click()
    await expect(page).to_have_url(re.compile(rf"/sessions/{expected[0]['id']}$"))


async def test_an_unknown_mentor_says_it_was_not_found(manager_page: Page):
    page = manager_page
    await page.goto("/mentors/999999")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Mentor not found")
