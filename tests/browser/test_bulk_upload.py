"""The Bulk upload tab (bulk-upload.js), from the sample download to the result download: Check only,
the summary, the invalid-only filter, the result CSV, a real upload by drag and drop, the history; and
"Export for bulk edit" on the Session list."""

import re
import uuid

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import (
    HEADER,
    Api,
    downloaded_csv,
    downloaded_header,
    open_bulk_tab,
    open_session_list,
    people,
    sign_in,
    upload_file,
)

pytestmark = pytest.mark.browser

FIND_BY_TITLE = "query($search: String) { sessions(search: $search) { totalCount items { id title } } }"


async def drop_file(page: Page, selector: str, name: str, content: bytes) -> None:
    """Drag a file from the desktop onto an element, as a person would."""
    transfer = await page.evaluate_handle(
        """([name, text]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, { type: 'text/csv' }));
            return transfer;
        }""",
        [name, content.decode()],
    )
    await page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    await page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


async def test_bulk_upload_from_sample_to_check_only_to_real_upload_with_results_and_history(
    manager_page: Page, api: Api
):
    page = manager_page
    mentor = (await people(api, "Mentors"))[2]
    title = f"Bulk uploaded {uuid.uuid4().hex[:6]}"
    file_name = f"browser-{uuid.uuid4().hex[:6]}.csv"
    content = upload_file(mentor["email"], title)
    tab = await open_bulk_tab(page)

    # The sample file: the documented columns, in order.
    async with page.expect_download() as sample_info:
        await tab.get_by_role("link", name="Download sample CSV").click()
    assert await downloaded_header(await sample_info.value) == HEADER

    # Check only: every row is checked, nothing changes.
    await tab.get_by_role("checkbox", name="Check only").check()
    await page.locator("#bulk-file").set_input_files({"name": file_name, "mimeType": "text/csv", "buffer": content})

    summary = tab.locator("#bulk-summary")
    await expect(summary).to_contain_text("Check only: 1 valid row and 1 invalid row of 2. Nothing was changed")
    await expect(tab.locator("#bulk-valid-count")).to_have_text("1")
    await expect(tab.locator("#bulk-invalid-count")).to_have_text("1")
    await expect(tab.locator("#bulk-progress")).to_have_count(0)
    results = tab.locator("#bulk-rows tbody tr")
    await expect(results).to_have_count(2)
    await expect(results.nth(0)).to_contain_text("Valid")
    await expect(results.nth(1)).to_contain_text("Invalid")
    assert (await api(FIND_BY_TITLE, {"search": title}))["sessions"]["totalCount"] == 0

    await tab.get_by_role("checkbox", name="Show only invalid rows").check()
    await expect(results).to_have_count(1)
    await expect(results.locator("th")).to_have_text("3")
    await expect(results).to_contain_text("Invalid")
    await expect(results).to_contain_text("Title")

    async with page.expect_download() as result_info:
        await tab.get_by_role("link", name="Download result CSV").click()
    result = await downloaded_csv(await result_info.value)
    assert [r["Status"] for r in result] == ["Valid", "Invalid"]
    assert result[0]["Status Message"] == "" or "valid" in result[0]["Status Message"].lower()
    assert "Title" in result[1]["Status Message"] and "Duration" in result[1]["Status Message"]
    assert result[0]["Title"] == title

    # The real upload, dropped onto the drop zone.
    await tab.get_by_role("checkbox", name="Check only").uncheck()
    await drop_file(page, "#bulk-drop-zone", file_name, content)

    await expect(summary).to_contain_text("Done: 1 valid row applied and 1 invalid row not applied, of 2.")
    found = (await api(FIND_BY_TITLE, {"search": title}))["sessions"]
    assert found["totalCount"] == 1
    created_id = found["items"][0]["id"]
    await expect(results.nth(0).get_by_role("link", name=re.compile(rf"^{created_id}"))).to_have_attribute(
        "href", f"/sessions/{created_id}"
    )

    history = tab.locator("#bulk-history-table tbody tr").filter(has_text=file_name)
    await expect(history).to_have_count(2)
    await expect(history.nth(0)).to_contain_text("Upload")
    await expect(history.nth(1)).to_contain_text("Check only")
    for i in range(2):
        await expect(history.nth(i)).to_contain_text("Completed")
        await expect(history.nth(i).get_by_role("link", name=re.compile("Result CSV"))).to_have_attribute(
            "href", re.compile(r"^/bulk-uploads/\d+/result\.csv$")
        )

    # The new session is in the Session list.
    await page.get_by_role("tab", name="Create sessions").click()
    await page.get_by_role("searchbox", name="Search").fill(title)
    await page.get_by_role("searchbox", name="Search").press("Enter")
    await expect(page.locator(f'#session-results tbody tr[data-session-id="{created_id}"]')).to_contain_text(title)


async def test_a_file_refused_as_a_whole_says_why_and_is_in_the_history(manager_page: Page):
    page = manager_page
    file_name = f"not-sessions-{uuid.uuid4().hex[:6]}.csv"
    await page.goto("/workspace/sessions?tab=bulk")
    tab = page.get_by_role("tabpanel", name="Bulk upload")

    await page.locator("#bulk-file").set_input_files(
        {"name": file_name, "mimeType": "text/csv", "buffer": b"Name,Colour\nAsha,Blue\n"}
    )

    await expect(tab.locator("#bulk-summary")).to_contain_text(
        "The file was refused: The header has columns that are not known here"
    )
    await expect(tab.locator("#bulk-announcer")).to_contain_text("The file was refused")
    await expect(tab.locator("#bulk-history-table tbody tr").filter(has_text=file_name)).to_contain_text("Failed")


async def test_export_for_bulk_edit_downloads_the_listed_sessions_as_edit_rows(manager_page: Page, api: Api):
    page = manager_page
    await open_session_list(page, "?search=storytelling&statuses=UPCOMING")

    link = page.get_by_role("link", name=re.compile("Export for bulk edit"))
    await expect(link).to_have_attribute(
        "href", "/exports/sessions.csv?format=bulk&search=storytelling&statuses=UPCOMING"
    )
    async with page.expect_download() as download_info:
        await link.click()
    download = await download_info.value

    assert await downloaded_header(download) == [*HEADER, "Version"]  # the sample's header, then each session's version
    rows = await downloaded_csv(download)
    expected = await api(
        FIND_BY_TITLE.replace("search: $search", "search: $search, filter: { statuses: [UPCOMING] }, pageSize: 100"),
        {"search": "storytelling"},
    )
    assert {r["ID"] for r in rows} == {s["id"] for s in expected["sessions"]["items"]}
    assert {r["Action"] for r in rows} == {"Edit"}


async def test_a_mentor_is_not_offered_the_bulk_edit_export(context, page: Page):
    """The bulk-edit file holds meeting links and mentees' e-mails; the server gives it to managers only."""
    await sign_in(context, "mentor1@example.org")
    await open_session_list(page)
    await expect(page.get_by_role("link", name=re.compile("^Download"))).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("Export for bulk edit"))).to_have_count(0)
