"""The Edit page's one save model (issue 12): the form waits for Save, while mentees and the image are
marked "Saved at once" with Undo for invitations; removing an enrolled mentee asks first. Desktop and 390 px."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, assert_no_sideways_scroll, new_session, people

pytestmark = pytest.mark.browser

MENTEES = "query($id: ID!) { session(id: $id) { mentees { email kind } } }"
ENROL = "mutation($id: ID!) { enrollInSession(id: $id) { errors { message } } }"


async def test_immediate_parts_are_marked_and_an_invitation_can_be_undone(sized_page: Page, api: Api):
    page = sized_page
    session = await new_session(api)
    mentee = (await people(api, "Mentees"))[5]
    await page.goto(f"/sessions/{session['id']}/edit")
    mentees = page.locator("#edit-mentees")
    await expect(mentees.get_by_role("heading", name=re.compile("Mentees"))).to_contain_text("Saved at once")
    await expect(page.locator("#edit-image")).to_contain_text("Saved at once")
    await expect(page.locator("#edit-session-form")).to_contain_text("kept until you press Save")

    await mentees.get_by_role("button", name="+ Add New Mentee").click()
    await mentees.get_by_role("combobox", name="Find a mentee by name or email").fill(mentee["email"])
    await mentees.get_by_role("option", name=re.compile(re.escape(mentee["name"]))).click()
    await expect(mentees.locator("#edit-mentees-status")).to_contain_text(f"{mentee['name']} is invited and emailed.")
    await mentees.get_by_role("button", name="Undo").click()
    await expect(mentees.locator("#edit-mentees-status")).to_contain_text("is no longer invited")
    assert (await api(MENTEES, {"id": session["id"]}))["session"]["mentees"] == []
    await assert_no_sideways_scroll(page)


async def test_removing_an_enrolled_mentee_asks_first(sized_page: Page, api: Api):
    page = sized_page
    session = await new_session(api)
    mentee = (await people(api, "Mentees"))[6]
    enrolled = await api(ENROL, {"id": session["id"]}, email=mentee["email"])
    assert enrolled["enrollInSession"]["errors"] == []
    await page.goto(f"/sessions/{session['id']}/edit")
    mentees = page.locator("#edit-mentees")
    await mentees.get_by_role("button", name=mentee["name"]).click()
    await mentees.get_by_role("button", name="Remove", exact=True).click()

    dialog = page.get_by_role("alertdialog", name="Remove an enrolled mentee?")
    await expect(dialog).to_contain_text(f"{mentee['name']} enrolled in this session themselves")
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_have_count(0)
    assert (await api(MENTEES, {"id": session["id"]}))["session"]["mentees"] == [
        {"email": mentee["email"], "kind": "ENROLLED"}
    ]

    await mentees.get_by_role("button", name="Remove", exact=True).click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Yes, remove").click()
    await expect(mentees.locator("#edit-mentees-status")).to_contain_text(f"Removed {mentee['name']}")
    assert (await api(MENTEES, {"id": session["id"]}))["session"]["mentees"] == []
