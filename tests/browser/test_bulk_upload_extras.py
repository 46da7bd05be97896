"""The Bulk upload tab's smaller things (bulk-upload-extras.js), at desktop width and 390 px: a bar while
the file itself is sent, "Apply this file" after a clean check, a row's problems as a list, and result
rows that link only to sessions that exist."""

import csv
import io
import re

import pytest
from playwright.async_api import Page, Route, expect

from tests.browser.screens import (
    HEADER,
    Api,
    assert_no_sideways_scroll,
    open_bulk_tab,
    people,
    unique_title,
    upload_file,
)

pytestmark = pytest.mark.browser
FIND_BY_TITLE = "query($search: String) { sessions(search: $search) { totalCount items { id title } } }"


def clean_file(mentor_email: str, title: str) -> bytes:
    """Only the valid row of upload_file."""
    lines = upload_file(mentor_email, title).decode().split("\r\n")
    return "\r\n".join(lines[:2] + [""]).encode()


def edit_missing_session() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerow(["Edit", "999999", "New title"] + [""] * (len(HEADER) - 3))
    return out.getvalue().encode()


async def test_a_clean_check_offers_apply_this_file_and_a_bar_shows_the_file_going_up(sized_page: Page, api: Api):
    page = sized_page
    mentor = (await people(api, "Mentors"))[2]
    title = unique_title("Applied after a check")
    name = f"{title}.csv"
    tab = await open_bulk_tab(page)
    await tab.get_by_role("checkbox", name="Check only").check()

    held: list[Route] = []

    async def hold_the_upload(route: Route) -> None:
        if "multipart/form-data" in (route.request.headers.get("content-type") or ""):
            held.append(route)
        else:
            await route.continue_()

    await page.route("**/graphql", hold_the_upload)
    await page.locator("#bulk-file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": clean_file(mentor["email"], title)}
    )
    await expect(page.locator("#bulk-send-progress")).to_be_visible()
    await expect(page.locator("#bulk-send-label")).to_have_text(re.compile(rf"^Sending {re.escape(name)}"))
    for _ in range(100):
        if held:
            break
        await page.wait_for_timeout(100)
    assert len(held) == 1
    await held[0].continue_()
    await page.unroute("**/graphql")
    await expect(page.locator("#bulk-sending")).to_have_count(0)

    summary = page.locator("#bulk-summary")
    await expect(summary).to_contain_text("Check only: 1 valid row and 0 invalid rows of 1. Nothing was changed")
    assert (await api(FIND_BY_TITLE, {"search": title}))["sessions"]["totalCount"] == 0
    await assert_no_sideways_scroll(page)

    await page.get_by_role("button", name="Apply this file").click()
    await expect(page.locator("#bulk-summary")).to_contain_text("Done: 1 valid row applied", timeout=60_000)
    assert (await api(FIND_BY_TITLE, {"search": title}))["sessions"]["totalCount"] == 1
    await expect(page.get_by_role("button", name="Apply this file")).to_have_count(0)


async def test_row_problems_are_a_list_and_rows_link_only_to_sessions_that_exist(sized_page: Page, api: Api):
    page = sized_page
    mentor = (await people(api, "Mentors"))[2]
    tab = await open_bulk_tab(page)
    await tab.get_by_role("checkbox", name="Check only").check()
    await page.locator("#bulk-file").set_input_files(
        {"name": "problems.csv", "mimeType": "text/csv", "buffer": upload_file(mentor["email"], unique_title("Listed"))}
    )
    invalid = page.locator('#bulk-rows tr[data-row="3"]')
    await expect(invalid).to_be_visible(timeout=60_000)
    problems = invalid.get_by_role("listitem")
    await expect(problems.first).to_have_text(re.compile("^Title: The title is required"))
    assert await problems.count() >= 3
    await expect(invalid.locator(".bulk-message")).not_to_contain_text(".; ")
    await expect(page.get_by_role("button", name="Apply this file")).to_have_count(0)  # not a clean check
    await assert_no_sideways_scroll(page)

    await page.locator("#bulk-file").set_input_files(
        {"name": "missing.csv", "mimeType": "text/csv", "buffer": edit_missing_session()}
    )
    row = page.locator('#bulk-rows tr[data-row="2"]')
    await expect(row).to_contain_text("There is no session with ID 999999", timeout=60_000)
    await expect(row.get_by_role("link")).to_have_count(0)
    await expect(row).to_contain_text("999999")


async def test_the_result_page_the_mail_links_to_shows_that_upload(sized_page: Page, api: Api):
    page = sized_page
    latest = (await api("{ bulkUploads(page: 1, pageSize: 1) { items { id fileName status } } }"))["bulkUploads"]
    (upload,) = latest["items"]
    await page.goto(f"/workspace/sessions?tab=bulk&upload={upload['id']}")
    panel = page.locator("#bulk-job")
    await expect(panel.get_by_role("heading", name=upload["fileName"])).to_be_visible()
    await expect(panel.locator("#bulk-summary")).to_be_visible()
    await assert_no_sideways_scroll(page)
