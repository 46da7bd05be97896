"""The Edit session details page (edit-session.js): the Edit session tab (details, mentees, image) and
the Meeting link tab. Each test changes a session of its own (or a live one of the demo data)."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from playwright.async_api import Page, expect

from tests.browser.screens import IST, Api, ist, new_session, open_session_list, people, row

pytestmark = pytest.mark.browser

SESSION_QUERY = """query($id: ID!) { session(id: $id) {
  id title startsAt timeZone status invitedCount menteeCount imageUrl meeting { platform link passcode }
  editBlockedReason mentees { id name email kind }
} }"""


async def session_of(api: Api, session_id: str) -> dict:
    return (await api(SESSION_QUERY, {"id": session_id}))["session"]


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (36, 66, 122)).save(out, "PNG")
    return out.getvalue()


async def open_edit(page: Page, session_id: str, query: str = "") -> None:
    await page.goto(f"/sessions/{session_id}/edit{query}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Edit session details")
    await expect(page.get_by_role("tablist", name="Edit session details")).to_be_visible()


async def test_edit_changes_title_and_time_shown_on_details_and_in_the_list(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    # Weeks past the slots that new_session hands out, so the move clashes with no other test's session.
    new_start = (
        (datetime.fromisoformat(session["startsAt"]) + timedelta(days=40)).astimezone(IST).replace(hour=18, minute=30)
    )
    new_title = session["title"].replace("Browser test session", "Renamed session")
    await page.goto(f"/sessions/{session['id']}")

    await page.locator("#session-actions").get_by_role("link", name="Edit").click()
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}/edit$"))
    form = page.get_by_role("form", name="Session information")
    await expect(form.get_by_label("Title", exact=True)).to_have_value(session["title"])
    await form.get_by_label("Title", exact=True).fill(new_title)
    await form.get_by_label("Date (DD-MM-YYYY)").fill(new_start.strftime("%d-%m-%Y"))
    await form.get_by_label("Time (24 hrs)").fill("18:30")
    async with page.expect_request(lambda r: "UpdateSession" in (r.post_data or "")) as sent:
        await form.get_by_role("button", name="Save").click()

    # Only what changed is sent: the untouched fields keep their values whatever happens meanwhile.
    assert set((await sent.value).post_data_json["variables"]["input"]) == {"title", "startsAt"}
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(new_title)
    await expect(page.locator("main")).to_contain_text(new_start.strftime("%d-%m-%Y 18:30"))
    await expect(page.locator("#notice-area")).to_contain_text("are saved")
    saved = await session_of(api, session["id"])
    assert saved["title"] == new_title
    assert datetime.fromisoformat(saved["startsAt"]) == new_start.astimezone(UTC)

    await open_session_list(page, f"?search={new_title.split()[-1]}")
    shown = row(page, session["id"])
    await expect(shown).to_contain_text(new_title)
    await expect(shown).to_contain_text(ist(saved["startsAt"]))


async def test_a_time_typed_in_utc_is_saved_as_that_utc_instant(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    start = (datetime.fromisoformat(session["startsAt"]) + timedelta(days=50)).astimezone(UTC)
    await open_edit(page, session["id"])

    form = page.get_by_role("form", name="Session information")
    await form.get_by_label("Time zone", exact=True).select_option("UTC")
    await form.get_by_label("Date (DD-MM-YYYY)").fill(start.strftime("%d-%m-%Y"))
    await form.get_by_label("Time (24 hrs)").fill("06:00")
    await expect(form).to_contain_text(f"That is {start.strftime('%d-%m-%Y')} 11:30 IST.")
    await form.get_by_role("button", name="Save").click()

    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))
    saved = await session_of(api, session["id"])
    assert saved["timeZone"] == "UTC"
    assert datetime.fromisoformat(saved["startsAt"]) == start.replace(hour=6, minute=0)


async def test_refused_edit_shows_each_error_next_to_its_field_and_keeps_what_was_typed(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])

    form = page.get_by_role("form", name="Session information")
    await form.get_by_label("Title", exact=True).fill("")
    await form.get_by_label("Description").fill("New words that must not be lost")
    await form.get_by_label("Date (DD-MM-YYYY)").fill("01-01-2020")
    await form.get_by_role("button", name="Save").click()

    title_error = page.locator("#edit-title-error")
    await expect(title_error).to_contain_text("The title is required")
    await expect(page.locator("#edit-when-error")).to_contain_text("is in the past")
    await expect(form.get_by_label("Title", exact=True)).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Date (DD-MM-YYYY)")).to_have_attribute("aria-invalid", "true")
    summary = form.locator(".error-summary")
    await expect(summary).to_be_focused()
    await expect(summary.get_by_role("link")).to_have_count(2)
    await expect(form.get_by_label("Title", exact=True)).to_have_value("")
    await expect(form.get_by_label("Date (DD-MM-YYYY)")).to_have_value("01-01-2020")
    await expect(form.get_by_label("Description")).to_have_value("New words that must not be lost")
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}/edit$"))
    assert (await session_of(api, session["id"]))["title"] == session["title"]

    await summary.get_by_role("link", name=re.compile("title is required")).click()
    await expect(form.get_by_label("Title", exact=True)).to_be_focused()


async def test_a_date_that_is_not_a_date_is_caught_before_anything_is_sent(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])

    form = page.get_by_role("form", name="Session information")
    await form.get_by_label("Date (DD-MM-YYYY)").fill("31-02-2027")
    await form.get_by_label("Duration (minutes)").fill("")
    await form.get_by_role("button", name="Save").click()

    await expect(page.locator("#edit-when-error")).to_contain_text("“31-02-2027” is not a date")
    await expect(page.locator("#edit-duration-error")).to_contain_text("whole minutes")
    assert (await session_of(api, session["id"]))["startsAt"] == session["startsAt"]


async def test_a_live_session_opens_on_the_meeting_link_tab_and_its_meeting_can_change(manager_page: Page, api: Api):
    page = manager_page
    found = await api("""{ sessions(filter: { statuses: [LIVE] }, pageSize: 100) { items { id endsAt } } }""")
    live_id = max(found["sessions"]["items"], key=lambda s: s["endsAt"])["id"]
    live = await session_of(api, live_id)
    await page.goto(f"/sessions/{live_id}")
    await page.locator("#session-actions").get_by_role("link", name="Edit meeting link").click()

    await expect(page.get_by_role("tab", name="Edit session")).to_be_disabled()
    await expect(page.get_by_role("tab", name="Edit session")).to_have_accessible_description(
        re.compile(re.escape(live["editBlockedReason"]))
    )
    await expect(page.locator(".tab-reasons")).to_contain_text(live["editBlockedReason"])
    await expect(page.get_by_role("tab", name="Meeting link")).to_have_attribute("aria-selected", "true")
    form = page.get_by_role("form", name="Meeting information")
    await form.get_by_label("Meeting platform").select_option("ZOOM")
    await form.get_by_label("Meeting link").fill("https://example.com/not-zoom")
    await form.get_by_label("Meeting passcode").fill("424242")
    await form.get_by_role("button", name="Submit").click()
    await expect(page.locator("#meeting-link-error")).to_contain_text("is not a Zoom link")
    await expect(form.get_by_label("Meeting passcode")).to_have_value("424242")

    await form.get_by_label("Meeting link").fill("https://zoom.us/j/5550001111")
    await form.get_by_role("button", name="Submit").click()

    await expect(page).to_have_url(re.compile(rf"/sessions/{live_id}$"))
    await expect(page.locator("main")).to_contain_text("https://zoom.us/j/5550001111")
    await expect(page.locator("main")).to_contain_text("424242")
    assert (await session_of(api, live_id))["meeting"] == {
        "platform": "ZOOM",
        "link": "https://zoom.us/j/5550001111",
        "passcode": "424242",
    }

    # The Edit session tab stays off: clicking it does nothing.
    await page.goto(f"/sessions/{live_id}/edit")
    await page.get_by_role("tab", name="Edit session").click(force=True)
    await expect(page.get_by_role("tab", name="Meeting link")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_role("form", name="Session information")).to_have_count(0)


async def test_add_new_mentee_invites_and_selecting_a_name_then_remove_takes_them_out(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    first, second = (await people(api, "Mentees"))[:2]
    await open_edit(page, session["id"])
    mentees = page.locator("#edit-mentees")
    await expect(mentees).to_contain_text("0 mentees (0 enrolled, 0 invited)")

    await mentees.get_by_role("button", name="+ Add New Mentee").click()
    search = mentees.get_by_role("combobox", name="Find a mentee by name or email")
    await expect(search).to_be_focused()
    await search.fill(first["email"])
    await mentees.get_by_role("option", name=re.compile(re.escape(first["name"]))).click()
    await expect(mentees.get_by_role("list", name="Mentees of this session")).to_contain_text(first["name"])
    await expect(mentees).to_contain_text("1 mentee (0 enrolled, 1 invited)")

    # The keyboard way: type, arrow down to the match, Enter.
    await search.fill(second["email"])
    await expect(mentees.get_by_role("option", name=re.compile(re.escape(second["name"])))).to_be_visible()
    await search.press("ArrowDown")
    await search.press("Enter")
    await expect(mentees).to_contain_text("2 mentees (0 enrolled, 2 invited)")
    assert {m["email"] for m in (await session_of(api, session["id"]))["mentees"]} == {first["email"], second["email"]}

    await mentees.get_by_role("button", name=first["name"]).click()
    await expect(mentees.get_by_role("button", name=first["name"])).to_have_attribute("aria-pressed", "true")
    await mentees.get_by_role("button", name="Remove", exact=True).click()

    await expect(mentees).to_contain_text("1 mentee (0 enrolled, 1 invited)")
    await expect(mentees.get_by_role("list", name="Mentees of this session")).not_to_contain_text(first["name"])
    await expect(mentees.locator("#edit-mentees-status")).to_contain_text(f"Removed {first['name']}")
    assert [m["email"] for m in (await session_of(api, session["id"]))["mentees"]] == [second["email"]]

    await page.goto(f"/sessions/{session['id']}")
    await expect(page.locator("#mentee-count")).to_contain_text("1 mentee (0 enrolled, 1 invited)")


async def test_add_image_choose_from_library_shows_the_image_and_remove_current_photo_takes_it_away(
    manager_page: Page, api: Api
):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])
    card = page.locator("#edit-image")
    await expect(card.locator("#session-image-camera")).to_have_attribute("capture", "environment")
    await expect(card.locator("#session-image-camera")).to_have_attribute("accept", "image/*")

    await card.get_by_role("button", name="Add image").click()
    await expect(card.get_by_role("button", name="Take Photo")).to_be_focused()
    await expect(card.get_by_role("button", name="Remove current photo")).to_be_hidden()
    async with page.expect_file_chooser() as chooser_info:
        await card.get_by_role("button", name="Choose from library").click()
    chooser = await chooser_info.value
    await chooser.set_files({"name": "cover.png", "mimeType": "image/png", "buffer": png_bytes()})

    image = card.get_by_role("img", name=f"Image of the session {session['title']}")
    await expect(image).to_have_attribute("src", re.compile(r"^/media/"))
    await expect(card).to_contain_text("The image is saved.")
    assert (await session_of(api, session["id"]))["imageUrl"]
    await page.goto(f"/sessions/{session['id']}")
    await expect(page.locator("main img.session-image")).to_be_visible()

    await open_edit(page, session["id"])
    await card.get_by_role("button", name="Add image").click()
    await card.get_by_role("button", name="Remove current photo").click()
    await expect(card).to_contain_text("No image yet.")
    await expect(card.get_by_role("img")).to_have_count(0)
    assert (await session_of(api, session["id"]))["imageUrl"] is None


async def test_a_file_that_is_not_an_image_is_refused_next_to_the_image(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])

    await page.locator("#session-image-library").set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}
    )

    await expect(page.locator("#session-image-error")).to_contain_text("not an image we can read")
    await expect(page.locator("#edit-image")).to_contain_text("No image yet.")


async def test_a_manager_turns_the_reminders_of_a_session_off(manager_page: Page, api: Api):
    page = manager_page
    session = await new_session(api)
    await open_edit(page, session["id"])

    form = page.get_by_role("form", name="Session information")
    reminders = form.get_by_label("Mail reminders before the session")
    await expect(reminders).to_be_checked()
    await reminders.uncheck()
    async with page.expect_request(lambda r: "UpdateSession" in (r.post_data or "")) as sent:
        await form.get_by_role("button", name="Save").click()

    assert (await sent.value).post_data_json["variables"]["input"] == {"remindersEnabled": False}
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))
    await expect(page.locator('dt:text-is("Reminders") + dd')).to_have_text("Off")
    saved = await api("query($id: ID!) { session(id: $id) { remindersEnabled } }", {"id": session["id"]})
    assert saved["session"]["remindersEnabled"] is False
