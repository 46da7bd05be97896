"""The Mentee list window (mentee-list.js): who attends, enrolled or invited, and its CSV download."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, api_sessions, downloaded_csv, downloaded_header, open_session_list, row

pytestmark = pytest.mark.browser

MENTEES_QUERY = "query($id: ID!) { session(id: $id) { title mentees { name email designation kind } } }"


async def session_with_both_kinds(api: Api) -> tuple[dict, list[dict]]:
    """A session on the list's first page that has enrolled and invited mentees."""
    for session in (await api_sessions(api, page_size=10))["items"]:
        if session["enrolledCount"] and session["invitedCount"]:
            return session, (await api(MENTEES_QUERY, {"id": session["id"]}))["session"]["mentees"]
    raise AssertionError("the demo data should have a session with enrolled and invited mentees on the first page")


async def test_mentee_count_opens_the_mentee_list_with_enrolled_and_invited(manager_page: Page, api: Api):
    page = manager_page
    session, mentees = await session_with_both_kinds(api)
    await open_session_list(page)

    await row(page, session["id"]).get_by_role("button", name=re.compile(r"mentees?: show the mentee list")).click()

    dialog = page.get_by_role("dialog", name="Mentee list")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text(
        f"{session['menteeCount']} mentees ({session['enrolledCount']} enrolled, {session['invitedCount']} invited)"
    )
    table_rows = dialog.locator("tbody tr")
    await expect(table_rows).to_have_count(len(mentees))
    for mentee in mentees:
        shown = table_rows.filter(has_text=mentee["email"])
        await expect(shown).to_contain_text(mentee["name"])
        await expect(shown).to_contain_text(mentee["designation"])
        await expect(shown).to_contain_text({"ENROLLED": "Enrolled", "INVITED": "Invited"}[mentee["kind"]])


async def test_mentee_list_download_has_the_header_and_the_mentees(manager_page: Page, api: Api):
    page = manager_page
    session, mentees = await session_with_both_kinds(api)
    await open_session_list(page)
    await row(page, session["id"]).get_by_role("button", name=re.compile(r"show the mentee list")).click()
    dialog = page.get_by_role("dialog", name="Mentee list")
    await expect(dialog.locator("tbody tr")).to_have_count(len(mentees))

    async with page.expect_download() as download_info:
        await dialog.get_by_role("link", name="Download").click()
    download = await download_info.value

    assert download.suggested_filename == f"session-{session['id']}-mentees.csv"
    assert await downloaded_header(download) == ["Name", "Email", "Designation", "Enrolled or Invited", "Added On"]
    downloaded = await downloaded_csv(download)
    assert {m["Email"] for m in downloaded} == {m["email"] for m in mentees}
    invited = next(m for m in mentees if m["kind"] == "INVITED")
    assert next(m for m in downloaded if m["Email"] == invited["email"])["Enrolled or Invited"] == "Invited"


async def test_mentee_list_closes_with_escape_and_close_and_gives_focus_back(manager_page: Page, api: Api):
    page = manager_page
    session, _ = await session_with_both_kinds(api)
    await open_session_list(page)
    opener = row(page, session["id"]).get_by_role("button", name=re.compile(r"show the mentee list"))

    await opener.click()
    dialog = page.get_by_role("dialog", name="Mentee list")
    await expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(opener).to_be_focused()

    await page.keyboard.press("Enter")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_have_count(0)
    await expect(opener).to_be_focused()


async def test_a_session_without_mentees_says_so_in_the_mentee_list(manager_page: Page, api: Api):
    page = manager_page
    empty = next((s for s in (await api_sessions(api))["items"] if s["menteeCount"] == 0), None)
    assert empty, "the demo data should have a session without mentees"
    await page.goto(f"/sessions/{empty['id']}")

    await page.get_by_role("button", name="View list").click()

    await expect(page.get_by_role("dialog", name="Mentee list")).to_contain_text(
        "No mentees have enrolled in or been invited"
    )
