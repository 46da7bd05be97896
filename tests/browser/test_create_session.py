"""Creating a session (create-session.js): the Create session button on the Create sessions tab, the
form with its mentor and mentee pickers and meeting, and its errors next to the fields."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import IST, Api, free_start, open_session_list, people, pick_values, unique_title

pytestmark = pytest.mark.browser

CREATED = """query($id: ID!) { session(id: $id) {
  title type timeZone startsAt durationMinutes mentor { id } medium categories recommendedFor
  meeting { platform link } mentees { email kind }
} }"""


async def test_create_session_form_publishes_the_session_and_shows_its_details(manager_page: Page, api: Api):
    page = manager_page
    mentor = (await people(api, "Mentors"))[1]
    mentee = (await people(api, "Mentees"))[3]
    title = unique_title("Created in the browser")
    start = free_start().astimezone(IST)
    await open_session_list(page)

    await page.get_by_role("link", name="Create session").click()
    await expect(page).to_have_url(re.compile(r"/sessions/new$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Create session")
    form = page.locator("#create-session-form")
    await form.get_by_role("radio", name=re.compile(r"^Public")).check()
    await form.get_by_role("combobox", name="Mentor").fill(mentor["name"])
    await form.get_by_role("option", name=re.compile(re.escape(mentor["email"]))).click()
    await expect(form.get_by_role("combobox", name="Mentor")).to_have_value(f"{mentor['name']} ({mentor['email']})")
    await form.get_by_label("Title", exact=True).fill(title)
    await form.get_by_label("Description").fill("How to plan a week of lessons.")
    await form.get_by_label("Date (DD-MM-YYYY)").fill(start.strftime("%d-%m-%Y"))
    await form.get_by_label("Time (24 hrs)").fill(start.strftime("%H:%M"))
    await form.get_by_label("Duration (minutes)").fill("45")
    await pick_values(form, "Recommended for", "teach", "head")
    await expect(form.locator("#create-recommended-for-chosen")).to_have_text("TeachersHead teachers")
    await pick_values(form, "Categories", "PEDA")
    await pick_values(form, "Medium", "engl")
    await form.get_by_role("combobox", name="Invite mentees").fill(mentee["email"])
    await form.get_by_role("option", name=re.compile(re.escape(mentee["email"]))).click()
    await expect(form.get_by_role("list", name="Invited mentees")).to_contain_text(mentee["name"])
    await form.get_by_label("Meeting platform").select_option("GOOGLE_MEET")
    await form.get_by_label("Meeting link").fill("https://meet.google.com/abc-defg-hij")
    await form.get_by_role("button", name="Create session").click()

    await expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    session_id = page.url.rsplit("/", 1)[-1]
    await expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    main = page.locator("main")
    for text in (
        mentor["name"],
        "Google Meet",
        "https://meet.google.com/abc-defg-hij",
        start.strftime("%d-%m-%Y %H:%M"),
        "1 mentee (0 enrolled, 1 invited)",
        "Head teachers",
    ):
        await expect(main).to_contain_text(text)
    await expect(page.locator("#notice-area")).to_contain_text(f"is created (ID {session_id})")
    created = (await api(CREATED, {"id": session_id}))["session"]
    assert created["mentor"]["id"] == mentor["id"]
    assert created["type"] == "PUBLIC" and created["durationMinutes"] == 45
    assert created["recommendedFor"] == ["Teachers", "Head teachers"]
    assert created["mentees"] == [{"email": mentee["email"], "kind": "INVITED"}]


async def test_create_with_nothing_filled_names_every_missing_field_beside_it(manager_page: Page):
    page = manager_page
    await page.goto("/sessions/new")
    form = page.locator("#create-session-form")
    await form.get_by_label("Title", exact=True).fill("Only a title")
    await form.get_by_label("Meeting platform").select_option("ZOOM")

    await form.get_by_role("button", name="Create session").click()

    for error_id, text in (
        ("create-type-error", "type is required"),
        ("create-mentor-error", "mentor is required"),
        ("create-when-error", "date and time are required"),
        ("create-duration-error", "duration is required"),
        ("create-medium-error", "medium is required"),
        ("create-meeting-link-error", "needs its meeting link"),
        ("create-meeting-passcode-error", "passcode"),
    ):
        await expect(page.locator(f"#{error_id}")).to_contain_text(text)
    await expect(page.locator("#create-title-error")).to_be_hidden()
    await expect(form.get_by_label("Title", exact=True)).to_have_value("Only a title")
    await expect(form.locator(".error-summary")).to_be_focused()
    await expect(page).to_have_url(re.compile(r"/sessions/new$"))


async def test_a_mentor_typed_but_not_picked_is_pointed_out(manager_page: Page):
    page = manager_page
    await page.goto("/sessions/new")
    form = page.locator("#create-session-form")

    await form.get_by_role("combobox", name="Mentor").fill("Somebody Unknown")
    await form.get_by_role("button", name="Create session").click()

    await expect(page.locator("#create-mentor-error")).to_contain_text("Pick the mentor from the list")
    await expect(form.get_by_role("combobox", name="Mentor")).to_have_value("Somebody Unknown")
