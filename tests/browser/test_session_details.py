"""The Session Details page (session-details.js): every field, the actions, and the way to the mentees."""

import re
from datetime import UTC, datetime

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, api_sessions, ist, open_session_list, row

pytestmark = pytest.mark.browser

DETAILS_QUERY = """query($id: ID!) { session(id: $id) {
  id title description type timeZone startsAt durationMinutes mentor { id name } menteeCount enrolledCount invitedCount
  seatsLimit categories recommendedFor medium meeting { platform link passcode } editBlockedReason deleteBlockedReason
} }"""


async def details_of(api: Api, session_id: str) -> dict:
    return (await api(DETAILS_QUERY, {"id": session_id}))["session"]


async def first_with(api: Api, **filter) -> dict:
    found = (await api_sessions(api, filter=filter, page_size=1))["items"]
    assert found, f"the demo data should have a session matching {filter}"
    return await details_of(api, found[0]["id"])


async def test_view_details_opens_the_session_with_all_its_fields(manager_page: Page, api: Api):
    page = manager_page
    session = await first_with(api, statuses=["UPCOMING"], platforms=["ZOOM"])
    await open_session_list(page, "?statuses=UPCOMING&platforms=ZOOM")

    await row(page, session["id"]).get_by_role("link", name="View details").click()

    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(session["title"])
    main = page.locator("main")
    for text in (
        session["description"],
        session["medium"],
        ", ".join(session["categories"]),
        ", ".join(session["recommendedFor"]),
        session["meeting"]["link"],
        session["meeting"]["passcode"],
        "Zoom",
        "Upcoming",
        session["type"].title(),
        f"{session['seatsLimit']} (",
        f"({session['enrolledCount']} enrolled, {session['invitedCount']} invited)",
        ist(session["startsAt"]),
    ):
        await expect(main).to_contain_text(text)
    await expect(main.get_by_role("link", name=session["mentor"]["name"])).to_have_attribute(
        "href", f"/mentors/{session['mentor']['id']}"
    )


async def test_a_session_held_in_utc_also_shows_its_own_time(manager_page: Page, api: Api):
    page = manager_page
    utc = next(s for s in (await api_sessions(api))["items"] if s["timeZone"] == "UTC")
    await page.goto(f"/sessions/{utc['id']}")

    main = page.locator("main")
    await expect(main).to_contain_text("Date and time (UTC, the session’s time zone)")
    await expect(main).to_contain_text(
        datetime.fromisoformat(utc["startsAt"]).astimezone(UTC).strftime("%d-%m-%Y %H:%M")
    )
    await expect(main).to_contain_text(ist(utc["startsAt"]))


async def test_an_upcoming_session_offers_edit_and_delete(manager_page: Page, api: Api):
    page = manager_page
    session = await first_with(api, statuses=["UPCOMING"])
    await page.goto(f"/sessions/{session['id']}")

    actions = page.locator("#session-actions")
    await expect(actions.get_by_role("link", name="Edit")).to_have_attribute("href", f"/sessions/{session['id']}/edit")
    await expect(actions.get_by_role("button", name="Delete")).to_be_enabled()


async def test_a_live_session_shows_why_it_cannot_be_edited_or_deleted(manager_page: Page, api: Api):
    page = manager_page
    session = await first_with(api, statuses=["LIVE"])
    await page.goto(f"/sessions/{session['id']}")

    actions = page.locator("#session-actions")
    await expect(actions.get_by_role("button", name="Edit", exact=True)).to_be_disabled()
    await expect(actions.get_by_role("button", name="Delete")).to_be_disabled()
    await expect(actions).to_contain_text(session["editBlockedReason"])
    await expect(actions).to_contain_text(session["deleteBlockedReason"])
    await expect(actions.get_by_role("link", name="Edit meeting link")).to_have_attribute(
        "href", f"/sessions/{session['id']}/edit?tab=meeting"
    )


async def test_view_list_on_the_details_page_opens_the_mentee_list(manager_page: Page, api: Api):
    page = manager_page
    session = next(s for s in (await api_sessions(api))["items"] if s["menteeCount"] >= 2)
    await page.goto(f"/sessions/{session['id']}")

    await page.get_by_role("button", name="View list").click()

    dialog = page.get_by_role("dialog", name="Mentee list")
    await expect(dialog.locator("tbody tr")).to_have_count(session["menteeCount"])
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("button", name="View list")).to_be_focused()


async def test_an_unknown_session_says_it_was_not_found(manager_page: Page):
    page = manager_page
    await page.goto("/sessions/999999")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Session not found")
    await expect(page.get_by_role("alert")).to_contain_text("There is no session with this ID")


async def test_a_screen_registered_later_is_reached_by_its_path_and_back_returns(manager_page: Page, api: Api):
    page = manager_page
    session = await first_with(api, statuses=["UPCOMING"])
    await page.goto(f"/sessions/{session['id']}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(session["title"])

    await page.evaluate(
        """async (id) => {
        const { registerRoute, navigate } = await import('/static/common/router.js');
        registerRoute('/sessions/:id/extension-check', (main, ctx) => {
            main.append(Object.assign(document.createElement('h1'), { textContent: `Screen for ${ctx.params.id}` }));
        });
        navigate(`/sessions/${id}/extension-check`);
    }""",
        session["id"],
    )

    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}/extension-check$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Screen for {session['id']}")
    await page.go_back()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(session["title"])
