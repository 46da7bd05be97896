"""A desk per role (desks/): a mentor starts and ends their sessions and sees their mentees and ratings, a mentee
enrols in and leaves public sessions and rates the ones they attended, someone with several roles switches
desks, and nobody is shown a manager's tools — at 1280 px and 390 px, with axe finding nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.screens import (
    CREATE_SESSION,
    PHONE,
    Api,
    accessibility_violations,
    assert_no_sideways_scroll,
    people,
    sign_in,
    unique_title,
)

pytestmark = pytest.mark.browser

MENTEE = "mentee4@example.org"
WIDTHS = ["desktop", "phone"]

JOINABLE = """{ sessions(filter: { attending: false, types: [PUBLIC], statuses: [UPCOMING] }, pageSize: 20) {
  items { id title seatsLeft } } }"""
COMPLETED = """{ sessions(filter: { statuses: [COMPLETED] }, pageSize: 20) {
  items { id title mentees { email } } } }"""
MY_STARS = """{ sessions(filter: { attending: true, statuses: [COMPLETED] }, pageSize: 100) {
  items { id viewerStars } } }"""


async def signed_in_as(context: BrowserContext, page: Page, email: str, width: str) -> Page:
    await sign_in(context, email)
    if width == "phone":
        await page.set_viewport_size(PHONE)
    return page


async def looks_right(page: Page) -> None:
    await assert_no_sideways_scroll(page)
    assert await accessibility_violations(page) == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_mentee_starts_on_their_desk_without_a_managers_tools(context, page, width):
    await signed_in_as(context, page, MENTEE, width)
    await page.goto("/")

    await expect(page).to_have_url("/desk/mentee")
    await expect(page.get_by_role("heading", name="Mentee desk", level=1)).to_be_visible()
    await expect(page.get_by_role("heading", name="My sessions")).to_be_visible()
    await expect(page.get_by_role("heading", name="Sessions you can join")).to_be_visible()
    await expect(page.get_by_text("Create session")).to_have_count(0)
    await expect(page.get_by_text("Bulk upload")).to_have_count(0)
    await expect(page.get_by_role("navigation", name="Desks")).to_be_hidden()
    await looks_right(page)

    await page.goto("/workspace/sessions")
    await expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    await expect(page.get_by_role("tab")).to_have_count(0)
    await expect(page.get_by_role("button", name="Create session")).to_have_count(0)


async def test_the_server_still_refuses_a_mentee_the_managers_tools(context, page):
    await sign_in(context, MENTEE)
    sample = await context.request.get("/bulk-upload/sample.csv")
    created = await context.request.post(
        "/graphql",
        data={"query": CREATE_SESSION, "variables": {"input": {"title": "x"}}},
        headers={"X-Requested-With": "fetch"},
    )
    assert sample.status == 403
    assert "errors" in await created.json() or (await created.json())["data"]["createSession"]["errors"]


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_mentee_enrols_in_a_public_session_and_leaves_it(context, page, api: Api, width):
    await signed_in_as(context, page, MENTEE, width)
    joinable = next(s for s in (await api(JOINABLE, email=MENTEE))["sessions"]["items"] if s["seatsLeft"])
    await page.goto("/desk/mentee")

    await page.locator("#mentee-open").get_by_role("button", name=f"Enrol {joinable['title']}").click()
    mine = page.locator("#mentee-mine")
    await expect(mine.get_by_role("button", name=f"Leave {joinable['title']}")).to_be_visible()
    await looks_right(page)

    await mine.get_by_role("button", name=f"Leave {joinable['title']}").click()
    await expect(page.locator("#mentee-open").get_by_role("button", name=f"Enrol {joinable['title']}")).to_be_visible()
    await expect(mine.get_by_role("button", name=f"Leave {joinable['title']}")).to_have_count(0)


async def an_unrated_completed_session(api: Api) -> tuple[str, dict]:
    """A mentee and a completed session they attended but have not rated, found through the API."""
    for session in (await api(COMPLETED))["sessions"]["items"]:
        for mentee in session["mentees"]:
            stars = {
                s["id"]: s["viewerStars"] for s in (await api(MY_STARS, email=mentee["email"]))["sessions"]["items"]
            }
            if stars.get(session["id"], 0) is None:
                return mentee["email"], session
    raise AssertionError("the demo data has no completed session left to rate")


async def test_a_mentee_rates_a_completed_session_they_attended(context, page, api: Api):
    email, session = await an_unrated_completed_session(api)
    await sign_in(context, email)
    await page.goto("/desk/mentee")

    form = page.get_by_role("group", name=f"Rate {session['title']}")
    await form.get_by_role("radio", name="4 stars").check()
    await form.locator("xpath=..").get_by_role("button", name="Rate").click()

    card = page.locator(f'#mentee-done [data-session-id="{session["id"]}"]')
    await expect(card.get_by_text("You gave it 4 stars.")).to_be_visible()
    stars = {s["id"]: s["viewerStars"] for s in (await api(MY_STARS, email=email))["sessions"]["items"]}
    assert stars[session["id"]] == 4


async def a_session_starting_soon(api: Api) -> dict:
    """A session of some mentor starting in ten minutes: the first mentor free then gets it."""
    starts = (datetime.now(UTC) + timedelta(minutes=10)).replace(microsecond=0)
    for mentor in await people(api, "Mentors"):
        payload = {
            "title": unique_title("Starting soon"),
            "description": "Made by a browser test.",
            "type": "PUBLIC",
            "mentorId": mentor["id"],
            "startsAt": starts.isoformat(),
            "timeZone": "IST",
            "durationMinutes": 30,
            "recommendedFor": ["Teachers"],
            "categories": ["Communication"],
            "medium": "English",
        }
        created = (await api(CREATE_SESSION, {"input": payload}))["createSession"]
        if not created["errors"]:
            return {**created["session"], "mentor": mentor}
    raise AssertionError("no mentor is free in ten minutes")


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_mentor_starts_and_ends_their_session_from_the_desk(context, page, api: Api, width):
    session = await a_session_starting_soon(api)
    await signed_in_as(context, page, session["mentor"]["email"], width)
    await page.goto("/")

    await expect(page).to_have_url("/desk/mentor")
    upcoming = page.locator("#mentor-upcoming")
    await expect(upcoming.get_by_role("button", name=f"Start {session['title']}")).to_be_visible()
    await expect(page.get_by_text("Create session")).to_have_count(0)
    await expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    await looks_right(page)

    await upcoming.get_by_role("button", name=f"Start {session['title']}").click()
    live = page.locator("#mentor-live")
    await expect(live.get_by_role("button", name=f"End {session['title']}")).to_be_visible()
    await live.get_by_role("button", name=f"End {session['title']}").click()
    await expect(page.locator(f'#mentor-past [data-session-id="{session["id"]}"]')).to_be_visible()


MENTOR_UPCOMING = """query($mentor: ID!) {
  sessions(filter: { mentorIds: [$mentor], statuses: [UPCOMING] }, pageSize: 20) {
    items { id title menteeCount mentees { name } }
  }
}"""


async def a_mentor_with_mentees(api: Api) -> tuple[dict, dict]:
    for mentor in await people(api, "Mentors"):
        for session in (await api(MENTOR_UPCOMING, {"mentor": mentor["id"]}))["sessions"]["items"]:
            if session["mentees"]:
                return mentor, session
    raise AssertionError("no demo mentor has an upcoming session with mentees")


async def test_a_mentor_sees_the_meeting_and_mentees_of_each_session(context, page, api: Api):
    mentor, session = await a_mentor_with_mentees(api)
    await sign_in(context, mentor["email"])
    await page.goto("/desk/mentor")

    card = page.locator(f'#mentor-upcoming [data-session-id="{session["id"]}"]')
    await expect(card.locator(".desk-meeting")).to_be_visible()
    await expect(card).to_contain_text(f"{session['menteeCount']} mentee")
    await card.locator(".desk-mentees button").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_text(session["mentees"][0]["name"], exact=False).first).to_be_visible()
    assert await accessibility_violations(page) == []


@pytest.mark.parametrize("width", WIDTHS)
async def test_someone_with_two_roles_switches_between_their_desks(context, page, width):
    await signed_in_as(context, page, "mentor-mentee@example.org", width)
    await page.goto("/")

    desks = page.get_by_role("navigation", name="Desks")
    await expect(page).to_have_url("/desk/mentor")
    await expect(desks.get_by_role("link", name="Mentor desk")).to_have_attribute("aria-current", "page")
    await desks.get_by_role("link", name="Mentee desk").click()
    await expect(page.get_by_role("heading", name="Mentee desk", level=1)).to_be_visible()
    await expect(desks.get_by_role("link", name="Mentee desk")).to_have_attribute("aria-current", "page")
    await expect(desks.get_by_role("link", name="Manager desk")).to_have_count(0)
    await looks_right(page)


@pytest.mark.parametrize("width", WIDTHS)
async def test_every_desk_has_no_violation_in_dark_mode(context, page, width):
    await signed_in_as(context, page, "mentor-mentee@example.org", width)
    await page.emulate_media(color_scheme="dark")
    for desk in ("/desk/mentor", "/desk/mentee"):
        await page.goto(desk)
        await expect(page.locator("main .loading")).to_have_count(0)
        await expect(page.get_by_role("heading", level=2).first).to_be_visible()
        await looks_right(page)
