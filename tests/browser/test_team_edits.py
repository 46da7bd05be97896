"""Several managers on the same sessions (edit-session.js, edit-conflicts.js, session-history.js,
restore-session.js, recently-deleted.js): a change saved elsewhere is shown in the fields nobody edits here
and offered as Keep theirs / Use mine where it meets one's own edit; leaving with unsaved changes asks first;
the details page shows the session's history; a delete can be undone, and the trash restores."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, downloaded_csv, new_session

pytestmark = pytest.mark.browser

UPDATE = """mutation($id: ID!, $input: UpdateSessionInput!) {
  updateSession(id: $id, input: $input) { session { id version } errors { message } }
}"""
DELETE = "mutation($id: ID!) { deleteSession(id: $id, notify: false) { deletedId errors { message } } }"
TITLE = "query($id: ID!) { session(id: $id) { id title description } }"


async def saved_elsewhere(api: Api, session_id: str, **values) -> None:
    """Another manager's change, through the API."""
    payload = (await api(UPDATE, {"id": session_id, "input": values}))["updateSession"]
    assert payload["errors"] == [], payload


async def open_edit(page: Page, session_id: str) -> None:
    await page.goto(f"/sessions/{session_id}/edit")
    await expect(page.get_by_label("Title", exact=True)).to_be_visible()
    await expect(page.locator("html[data-live='on']")).to_have_count(1)  # live updates are heard


async def test_a_field_edited_here_and_saved_elsewhere_is_offered_as_keep_theirs_or_use_mine(
    manager_page: Page, api: Api
):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])
    await page.get_by_label("Title", exact=True).fill("My title")

    await saved_elsewhere(api, session["id"], title="Their title")

    offer = page.locator("#edit-conflicts")
    await expect(offer).to_contain_text("they saved “Their title”; you have “My title”")
    await offer.get_by_role("button", name="Use mine (Title)").click()
    await expect(offer).to_contain_text("Settled: Save keeps what the form shows now.")
    await expect(offer.get_by_role("button")).to_have_count(0)
    await page.get_by_role("button", name="Save").click()
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))
    assert (await api(TITLE, {"id": session["id"]}))["session"]["title"] == "My title"


async def test_keep_theirs_puts_their_value_in_the_form_and_a_stale_save_is_refused_not_applied(
    manager_page: Page, api: Api
):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])
    await page.get_by_label("Title", exact=True).fill("My title")
    await saved_elsewhere(api, session["id"], title="Their title")
    offer = page.locator("#edit-conflicts")

    await offer.get_by_role("button", name="Keep theirs (Title)").click()

    await expect(page.get_by_label("Title", exact=True)).to_have_value("Their title")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Nothing to save: no field has changed.")).to_be_visible()
    assert (await api(TITLE, {"id": session["id"]}))["session"]["title"] == "Their title"


async def test_a_change_saved_elsewhere_shows_in_a_field_nobody_edits_here(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])
    await page.get_by_label("Title", exact=True).fill("My title")

    await saved_elsewhere(api, session["id"], description="Their description.")

    await expect(page.get_by_label("Description", exact=True)).to_have_value("Their description.")
    await expect(page.locator("#edit-conflicts")).to_contain_text("Updated with the change made elsewhere: Description")
    await page.get_by_role("button", name="Save").click()
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))
    found = (await api(TITLE, {"id": session["id"]}))["session"]
    assert (found["title"], found["description"]) == ("My title", "Their description.")


async def test_leaving_the_edit_page_with_unsaved_changes_asks_first(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])
    await page.get_by_label("Title", exact=True).fill("Not saved yet")
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Session details")

    await breadcrumb.click()
    question = page.get_by_role("alertdialog", name="Leave without saving?")
    await question.get_by_role("button", name="Cancel").click()
    await expect(page).to_have_url(re.compile(r"/edit$"))
    await expect(page.get_by_label("Title", exact=True)).to_have_value("Not saved yet")

    await breadcrumb.click()
    await question.get_by_role("button", name="Leave").click()
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))


async def test_closing_the_tab_with_unsaved_changes_asks_the_browser_s_question(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])
    await page.get_by_label("Title", exact=True).fill("Not saved yet")
    asked = []

    async def answer(dialog):
        asked.append(dialog.type)
        await dialog.dismiss()  # stay

    page.on("dialog", answer)
    await page.close(run_before_unload=True)

    await expect(page.get_by_label("Title", exact=True)).to_have_value("Not saved yet")
    assert asked == ["beforeunload"]


async def test_the_details_page_shows_the_session_s_history(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await saved_elsewhere(api, session["id"], title=f"{session['title']} (renamed)")

    await page.goto(f"/sessions/{session['id']}")

    timeline = page.locator("#session-timeline")
    edited = timeline.locator(".timeline-entry[data-kind='UPDATED']")
    await expect(edited).to_contain_text("Edited by")
    await expect(edited).to_contain_text("through the API")
    await expect(edited.locator("[data-field='title']")).to_contain_text(
        f"{session['title']} to {session['title']} (renamed)"
    )
    await expect(timeline.locator(".timeline-entry[data-kind='CREATED']")).to_contain_text("Created by")


async def test_undo_after_a_delete_brings_the_session_back(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await page.goto(f"/sessions/{session['id']}")
    await page.locator("#session-actions").get_by_role("button", name="Delete").click()
    await page.get_by_role("alertdialog", name="Delete this session?").get_by_role("button", name="Yes delete").click()
    notice = page.locator("#notice-area")
    await expect(notice).to_contain_text("is deleted")

    await notice.get_by_role("button", name="Undo").click()

    await expect(notice).to_contain_text(f"“{session['title']}” is restored and back in the Session list.")
    assert (await api(TITLE, {"id": session["id"]}))["session"]["title"] == session["title"]


async def test_recently_deleted_lists_a_deleted_session_and_restores_it(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    assert (await api(DELETE, {"id": session["id"]}))["deleteSession"]["errors"] == []

    await page.goto("/workspace/recently-deleted")
    row = page.locator(f"#trash-table tr[data-session-id='{session['id']}']")
    await expect(row).to_contain_text(session["title"])
    await row.get_by_role("button", name=re.compile("^Restore")).click()

    await expect(page.locator("#trash-status")).to_contain_text(f"“{session['title']}” is restored")
    await expect(row).to_have_count(0)
    assert (await api(TITLE, {"id": session["id"]}))["session"]["title"] == session["title"]


async def test_the_activity_page_lists_changes_by_filter_and_downloads_them(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await saved_elsewhere(api, session["id"], title=f"{session['title']} (renamed)")

    await page.goto("/workspace/activity")
    await page.get_by_label("Session ID").fill(session["id"])
    await page.get_by_label("Kind of change").select_option("UPDATED")
    await page.get_by_role("button", name="Apply").click()

    await expect(page).to_have_url(re.compile(rf"sessionId={session['id']}.*kind=UPDATED"))
    rows = page.locator("#activity-table tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("through the API")
    await expect(page.locator("#activity-count")).to_have_text("1 change")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download CSV").click()
    lines = await downloaded_csv(await download_info.value)
    assert [(line["Session ID"], line["Change"], line["Field"]) for line in lines] == [
        (session["id"], "UPDATED", "title")
    ]
