"""Small things found on a walk through the app: typed values are never dropped, the sample changes nothing
and a first upload is a check, merging and removing vocabulary values ask first, the reminders checkbox sits by
its label, Escape closes only the date picker, "next 7 days" is 7 days, the menu says what its Calendar is, a
rated mentor never has "no sessions yet", a live session's Edit icon leads to its meeting link, and "+ Add New
Mentee" does not close its own panel."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import (
    OTHER_MANAGER,
    Api,
    accessibility_violations,
    api_sessions,
    new_session,
    open_bulk_tab,
    open_session_list,
    row,
    sign_in,
)

pytestmark = pytest.mark.browser


async def test_a_misspelt_category_is_offered_its_correction_and_never_dropped(manager_page: Page):
    page = manager_page
    await page.goto("/sessions/new")
    form = page.locator("#create-session-form")
    categories = form.get_by_role("combobox", name="Categories")

    await categories.fill("Comunication")
    await expect(form.get_by_role("option", name="Did you mean Communication?")).to_be_visible()
    assert await accessibility_violations(page) == []
    await form.get_by_role("button", name="Create session").click()

    # Not picked, so sent as typed: the server's answer says what it is and what was meant.
    await expect(form).to_contain_text(re.compile(r"“Comunication” is not one of .*did you mean “Communication”"))
    await categories.fill("Comunication")
    await categories.press("Enter")
    await expect(form.locator("#create-categories-chosen")).to_have_text("Communication")


async def test_the_first_upload_of_a_manager_without_uploads_is_a_check(context, page: Page, api: Api):
    await sign_in(context, OTHER_MANAGER)
    uploads = (await api("{ bulkUploads { totalCount } }", email=OTHER_MANAGER))["bulkUploads"]["totalCount"]
    await open_bulk_tab(page)

    check_only = page.get_by_role("checkbox", name="Check only")
    if uploads == 0:
        await expect(check_only).to_be_checked()
    else:
        await expect(check_only).not_to_be_checked()


async def test_renaming_onto_another_value_and_removing_a_value_ask_first(manager_page: Page):
    page = manager_page
    await page.goto("/workspace/vocabulary")
    mediums = page.get_by_role("list", name="Mediums")
    add = page.get_by_label("Add a medium")
    await add.fill("Sindhi paper cut")
    await add.press("Enter")
    await expect(mediums.get_by_text("Sindhi paper cut")).to_be_visible()

    await mediums.get_by_role("button", name="Rename Sindhi paper cut").click()
    await page.get_by_label("New name for Sindhi paper cut").fill("english")
    await page.get_by_label("New name for Sindhi paper cut").press("Enter")
    merge = page.get_by_role("alertdialog", name="Merge “Sindhi paper cut” into “English”?")
    await expect(merge).to_be_visible()
    assert await accessibility_violations(page) == []
    await merge.get_by_role("button", name="Cancel").click()
    await page.get_by_role("button", name="Cancel").click()
    await expect(mediums.get_by_text("Sindhi paper cut")).to_be_visible()

    await mediums.get_by_role("button", name="Remove Sindhi paper cut").click()
    remove = page.get_by_role("alertdialog", name="Remove “Sindhi paper cut”?")
    await remove.get_by_role("button", name="Remove").click()
    await expect(mediums.get_by_text("Sindhi paper cut")).to_have_count(0)


async def test_the_reminders_checkbox_sits_right_before_its_label(manager_page: Page):
    page = manager_page
    await page.goto("/sessions/new")
    box = await page.get_by_role("checkbox", name="Mail reminders before the session").bounding_box()
    label = await page.locator("label.check", has_text="Mail reminders").bounding_box()
    assert box and label
    assert box["width"] < 40
    assert abs(box["x"] - label["x"]) < 4  # the box starts the label, not mid-column


async def test_escape_in_the_date_picker_closes_it_and_keeps_the_filters_open(manager_page: Page):
    page = manager_page
    await open_session_list(page)
    await page.get_by_role("button", name="Filters").click()
    panel = page.locator("#filters-panel")
    await panel.get_by_role("button", name="Choose the first day").click()
    calendar = panel.get_by_role("dialog", name="Choose the first day")
    await expect(calendar).to_be_visible()
    assert await accessibility_violations(page) == []

    await page.keyboard.press("Escape")

    await expect(calendar).to_be_hidden()
    await expect(panel).to_be_visible()


async def test_the_overviews_next_7_days_are_7_days(manager_page: Page):
    page = manager_page
    await page.goto("/workspace")
    link = page.get_by_role("link", name="The next 7 days in the list")
    href = await link.get_attribute("href")
    assert href
    first = date.fromisoformat(re.search(r"startsFrom=([\d-]+)", href).group(1))
    last = date.fromisoformat(re.search(r"startsTo=([\d-]+)", href).group(1))
    assert (last - first).days + 1 == 7


async def test_the_menu_names_the_calendar_feed_page_for_what_it_is(manager_page: Page):
    page = manager_page
    await page.goto("/workspace")
    await page.get_by_role("button", name="Application menu").click()
    await expect(page.get_by_role("link", name="Calendar feed")).to_have_attribute("href", "/my-calendar")
    await expect(page.get_by_role("link", name="Calendar", exact=True)).to_have_count(0)


RATED_MENTORS = """{ findMentors(first: 50) { id } }"""
PROFILE = "query($id: ID!) { mentor(id: $id) { name rating { votes } sessions { totalCount } } }"


async def test_a_rated_mentor_whose_sessions_are_out_of_sight_never_says_no_sessions_yet(context, page, api: Api):
    mentee = "mentee4@example.org"
    mentors = (await api(RATED_MENTORS))["findMentors"]
    profiles = [(m["id"], (await api(PROFILE, {"id": m["id"]}, email=mentee))["mentor"]) for m in mentors]
    mentor_id, profile = next((i, p) for i, p in profiles if p["rating"]["votes"])
    await sign_in(context, mentee)
    await page.goto(f"/mentors/{mentor_id}")

    await expect(page.get_by_role("heading", level=1)).to_have_text(profile["name"])
    await expect(page.get_by_text("no sessions yet")).to_have_count(0)
    if not profile["sessions"]["totalCount"]:
        await expect(page.get_by_text("None of this mentor’s sessions is one you can see")).to_be_visible()


async def test_a_live_sessions_edit_icon_leads_to_its_meeting_link(manager_page: Page, api: Api):
    page = manager_page
    live = (await api_sessions(api, filter={"statuses": ["LIVE"]}))["items"][0]
    await open_session_list(page, f"?statuses=LIVE&search={live['title']}")

    edit = row(page, live["id"]).get_by_role("link", name=f"Edit the meeting link of {live['title']}")
    await expect(edit).to_have_attribute("href", f"/sessions/{live['id']}/edit?tab=meeting")
    await edit.click()
    await expect(page).to_have_url(re.compile(r"tab=meeting"))


async def test_pressing_add_new_mentee_again_keeps_its_panel_open(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await page.goto(f"/sessions/{session['id']}/edit")
    mentees = page.locator("#edit-mentees")
    add = mentees.get_by_role("button", name="+ Add New Mentee")
    search = mentees.get_by_role("combobox", name="Find a mentee by name or email")

    await add.click()
    await expect(search).to_be_visible()
    await add.click()

    await expect(search).to_be_visible()
    await expect(search).to_be_focused()
    await expect(add).to_have_attribute("aria-expanded", "true")


async def test_long_help_waits_behind_a_question_mark_that_shows_it(manager_page: Page):
    page = manager_page
    await page.goto("/sessions/new")
    toggle = page.locator(".hint-toggle").first
    hint = page.locator(f"#{await toggle.get_attribute('aria-controls')}")
    await expect(hint).to_be_hidden()

    await toggle.click()

    await expect(hint).to_be_visible()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    assert await accessibility_violations(page) == []
