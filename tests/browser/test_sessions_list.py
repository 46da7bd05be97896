"""The Session list in the browser (sessions-list.js): search, filters, paging,
items per page, sorting, the URL as the list's memory, states, and the CSV download."""

import asyncio
import re

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.screens import (
    SESSION_LIST,
    Api,
    api_sessions,
    apply_filters,
    chip,
    downloaded_csv,
    filter_checkbox,
    ist,
    list_loaded,
    open_session_list,
    range_text,
    row,
    rows,
    shown_ids,
    sign_in,
)

pytestmark = pytest.mark.browser


async def test_search_with_enter_shows_only_sessions_whose_title_matches(manager_page: Page, api: Api):
    page = manager_page
    expected = await api_sessions(api, search="storytelling")
    assert expected["totalCount"] >= 2
    await open_session_list(page)

    await page.get_by_role("searchbox", name="Search").fill("storytelling")
    await page.get_by_role("searchbox", name="Search").press("Enter")

    total = expected["totalCount"]
    await expect(range_text(page)).to_have_text(f"1–{min(total, 10)} of {total}")
    await expect(rows(page).locator("th")).to_have_text([re.compile("Storytelling")] * min(total, 10))
    await expect(page).to_have_url(re.compile(r"search=storytelling"))


async def test_search_finds_a_mentors_sessions_by_the_mentors_name(manager_page: Page, api: Api):
    page = manager_page
    mentor = (await api_sessions(api))["items"][0]["mentor"]["name"]
    expected = await api_sessions(api, search=mentor)
    await open_session_list(page)

    await page.get_by_role("searchbox", name="Search").fill(mentor)
    await page.get_by_role("searchbox", name="Search").press("Enter")

    total = expected["totalCount"]
    await expect(range_text(page)).to_have_text(f"1–{min(total, 10)} of {total}")
    await expect(rows(page).locator("td:nth-child(4)")).to_have_text([mentor] * min(total, 10))


async def test_filter_checkboxes_show_counts_and_apply_narrows_the_list(manager_page: Page, api: Api):
    page = manager_page
    live = await api_sessions(api, filter={"statuses": ["LIVE"]})
    await open_session_list(page)

    await page.get_by_role("button", name="Filters").click()
    await expect(filter_checkbox(page, "Status", "Live")).to_be_visible()
    await expect(page.locator("#filters-panel").get_by_role("group", name="Status")).to_contain_text(
        f"Live ({live['totalCount']})"
    )
    for group in ("Type", "Meeting platform", "Category", "Recommended for", "Medium"):
        await expect(
            page.locator("#filters-panel").get_by_role("group", name=group).get_by_role("checkbox")
        ).not_to_have_count(0)
    await filter_checkbox(page, "Status", "Live").check()
    await page.locator("#filters-panel").get_by_role("button", name="Apply").click()
    await list_loaded(page)

    await expect(page.locator("#filters-panel")).to_be_hidden()
    await expect(chip(page, "Status: Live")).to_be_visible()
    await expect(range_text(page)).to_have_text(f"1–{live['totalCount']} of {live['totalCount']}")
    await expect(rows(page).locator(".badge")).to_have_text(["Live"] * live["totalCount"])
    await expect(page).to_have_url(re.compile(r"statuses=LIVE"))


async def test_filters_of_different_groups_combine(manager_page: Page, api: Api):
    page = manager_page
    expected = await api_sessions(
        api, filter={"platforms": ["ZOOM"], "mediums": ["Hindi"], "categories": ["STEM", "Pedagogy"]}
    )
    await open_session_list(page)

    await apply_filters(
        page, ("Meeting platform", "Zoom"), ("Medium", "Hindi"), ("Category", "STEM"), ("Category", "Pedagogy")
    )

    for text in ("Meeting platform: Zoom", "Medium: Hindi", "Category: STEM", "Category: Pedagogy"):
        await expect(chip(page, text)).to_be_visible()
    if expected["totalCount"]:
        await expect(range_text(page)).to_have_text(re.compile(rf" of {expected['totalCount']}$"))
    else:
        await expect(page.get_by_text("No sessions match your search and filters.")).to_be_visible()
    assert await shown_ids(page) == [s["id"] for s in expected["items"][:10]]


async def test_clicking_a_filter_chip_removes_only_that_filter(manager_page: Page, api: Api):
    page = manager_page
    completed = await api_sessions(api, filter={"statuses": ["COMPLETED"]})
    both = await api_sessions(api, filter={"statuses": ["COMPLETED"], "types": ["PRIVATE"]})
    await open_session_list(page)
    await apply_filters(page, ("Status", "Completed"), ("Type", "Private"))
    await expect(range_text(page)).to_have_text(re.compile(rf" of {both['totalCount']}$"))

    await chip(page, "Type: Private").click()
    await list_loaded(page)

    await expect(chip(page, "Type: Private")).to_have_count(0)
    await expect(chip(page, "Status: Completed")).to_be_visible()
    await expect(range_text(page)).to_have_text(re.compile(rf" of {completed['totalCount']}$"))
    await expect(page).not_to_have_url(re.compile(r"types="))


async def test_clear_all_removes_every_filter_and_shows_every_session(manager_page: Page, api: Api):
    page = manager_page
    everything = await api_sessions(api)
    await open_session_list(page)
    await apply_filters(page, ("Status", "Upcoming"), ("Medium", "Tamil"))
    await expect(page.get_by_role("list", name="Applied filters").get_by_role("button")).to_have_count(2)

    await page.get_by_role("button", name="Clear all").click()
    await list_loaded(page)

    await expect(page.get_by_role("list", name="Applied filters")).to_be_hidden()
    await expect(range_text(page)).to_have_text(f"1–10 of {everything['totalCount']}")
    await page.get_by_role("button", name="Filters").click()
    await expect(page.locator("#filters-panel").get_by_role("checkbox", checked=True)).to_have_count(0)


async def test_next_and_previous_move_through_pages_and_update_the_range(manager_page: Page, api: Api):
    page = manager_page
    everything = await api_sessions(api)
    total = everything["totalCount"]
    ids = [s["id"] for s in everything["items"]]
    await open_session_list(page)
    previous = page.get_by_role("button", name="Previous")
    next_ = page.get_by_role("button", name="Next")
    await expect(previous).to_be_disabled()
    assert await shown_ids(page) == ids[:10]

    await next_.click()
    await expect(range_text(page)).to_have_text(f"11–20 of {total}")
    await expect(page).to_have_url(re.compile(r"page=2"))
    await list_loaded(page)
    assert await shown_ids(page) == ids[10:20]
    await expect(previous).to_be_enabled()

    await previous.click()
    await expect(range_text(page)).to_have_text(f"1–10 of {total}")
    await list_loaded(page)
    assert await shown_ids(page) == ids[:10]

    last = -(-total // 10)
    await open_session_list(page, f"?page={last}&pageSize=10")
    await expect(range_text(page)).to_have_text(f"{(last - 1) * 10 + 1}–{total} of {total}")
    await expect(next_).to_be_disabled()


async def test_items_per_page_changes_how_many_sessions_a_page_shows(manager_page: Page, api: Api):
    page = manager_page
    total = (await api_sessions(api))["totalCount"]
    await open_session_list(page, "?page=2&pageSize=10")

    await page.get_by_label("Items per page").select_option("25")

    await expect(range_text(page)).to_have_text(f"1–25 of {total}")
    await expect(rows(page)).to_have_count(25)
    await expect(page).to_have_url(re.compile(r"page=1&pageSize=25"))


async def test_reload_shows_the_same_page_search_filters_and_sort(manager_page: Page, api: Api):
    page = manager_page
    expected = await api_sessions(
        api,
        search="#",
        filter={"statuses": ["UPCOMING"], "categories": ["STEM"]},
        sort={"field": "TITLE", "direction": "DESC"},
        page=2,
        page_size=10,
    )
    assert expected["totalCount"] > 10, "the demo data should give this list a second page"
    await open_session_list(page)
    await page.get_by_role("searchbox", name="Search").fill("#")
    await page.get_by_role("searchbox", name="Search").press("Enter")
    await list_loaded(page)
    await apply_filters(page, ("Status", "Upcoming"), ("Category", "STEM"))
    await page.get_by_role("button", name="Title").click()
    await list_loaded(page)
    await page.get_by_role("button", name="Title").click()
    await list_loaded(page)
    await page.get_by_role("button", name="Next").click()
    await list_loaded(page)
    before = await shown_ids(page)
    assert before == [s["id"] for s in expected["items"]]

    await page.reload()
    await list_loaded(page)

    assert await shown_ids(page) == before
    await expect(page.get_by_role("searchbox", name="Search")).to_have_value("#")
    await expect(chip(page, "Status: Upcoming")).to_be_visible()
    await expect(chip(page, "Category: STEM")).to_be_visible()
    await expect(range_text(page)).to_have_text(re.compile(rf"^11–\d+ of {expected['totalCount']}$"))
    await expect(page.locator("th[aria-sort=descending]")).to_contain_text("Title")


async def test_back_returns_to_the_list_as_it_was_before_each_change(manager_page: Page, api: Api):
    page = manager_page
    total = (await api_sessions(api))["totalCount"]
    await open_session_list(page)
    await page.get_by_role("button", name="Next").click()
    await expect(range_text(page)).to_have_text(f"11–20 of {total}")
    await apply_filters(page, ("Status", "Completed"))
    await expect(chip(page, "Status: Completed")).to_be_visible()

    await page.go_back()
    await expect(chip(page, "Status: Completed")).to_have_count(0)
    await expect(range_text(page)).to_have_text(f"11–20 of {total}")

    await page.go_back()
    await expect(range_text(page)).to_have_text(f"1–10 of {total}")

    await page.go_forward()
    await expect(range_text(page)).to_have_text(f"11–20 of {total}")


async def test_a_shared_link_shows_a_colleague_the_same_list(manager_page: Page, browser, live_server: str):
    page = manager_page
    await open_session_list(
        page,
        "?page=2&pageSize=10&statuses=UPCOMING&platforms=ZOOM&platforms=GOOGLE_MEET&sort=MENTEE_COUNT&direction=DESC",
    )
    mine = await shown_ids(page)
    assert mine

    colleague: BrowserContext = await browser.new_context(base_url=live_server, timezone_id="Asia/Kolkata")
    try:
        await sign_in(colleague)
        other = await colleague.new_page()
        await other.goto(page.url)
        await list_loaded(other)
        assert await shown_ids(other) == mine
        await expect(chip(other, "Meeting platform: Zoom")).to_be_visible()
        await expect(chip(other, "Meeting platform: Google Meet")).to_be_visible()
    finally:
        await colleague.close()


async def test_sorting_by_a_column_header_orders_the_list_and_toggles_direction(manager_page: Page, api: Api):
    page = manager_page
    ascending = await api_sessions(api, sort={"field": "MENTEE_COUNT", "direction": "ASC"}, page_size=10)
    descending = await api_sessions(api, sort={"field": "MENTEE_COUNT", "direction": "DESC"}, page_size=10)
    await open_session_list(page)

    await page.get_by_role("button", name="Mentee count").click()
    await expect(page).to_have_url(re.compile(r"sort=MENTEE_COUNT&direction=ASC"))
    await list_loaded(page)
    assert await shown_ids(page) == [s["id"] for s in ascending["items"]]

    await page.get_by_role("button", name="Mentee count").click()
    await expect(page).to_have_url(re.compile(r"sort=MENTEE_COUNT&direction=DESC"))
    await list_loaded(page)
    assert await shown_ids(page) == [s["id"] for s in descending["items"]]
    await expect(page.locator("th[aria-sort=descending]")).to_contain_text("Mentee count")


async def test_each_row_shows_the_session_with_its_time_in_ist_and_links(manager_page: Page, api: Api):
    page = manager_page
    first = (await api_sessions(api, page_size=1))["items"][0]
    await open_session_list(page)

    shown = row(page, first["id"])
    await expect(shown.locator("th")).to_have_text(first["title"])
    await expect(shown.locator("time")).to_have_text(ist(first["startsAt"]))
    await expect(shown.get_by_role("link", name=first["mentor"]["name"])).to_have_attribute(
        "href", f"/mentors/{first['mentor']['id']}"
    )
    await expect(shown.get_by_role("link", name="View details")).to_have_attribute("href", f"/sessions/{first['id']}")
    await expect(shown.get_by_role("button", name=re.compile(rf"^{first['menteeCount']} mentee"))).to_be_visible()
    await expect(shown.locator(".badge")).to_have_text(
        {"UPCOMING": "Upcoming", "LIVE": "Live", "COMPLETED": "Completed"}[first["status"]]
    )


async def test_a_search_with_no_results_says_so_and_offers_to_clear(manager_page: Page, api: Api):
    page = manager_page
    total = (await api_sessions(api))["totalCount"]
    await open_session_list(page, "?search=no-such-session-anywhere&statuses=LIVE")

    await expect(page.get_by_text("No sessions match your search and filters.")).to_be_visible()
    await page.get_by_role("button", name="Clear search and filters").click()

    await expect(range_text(page)).to_have_text(f"1–10 of {total}")
    await expect(page.get_by_role("searchbox", name="Search")).to_have_value("")


async def test_a_failed_load_shows_the_error_and_try_again_recovers(manager_page: Page, api: Api):
    page = manager_page
    total = (await api_sessions(api))["totalCount"]
    failures = []

    async def fail_the_first_list_request(route):
        if "SessionList" in (route.request.post_data or "") and not failures:
            failures.append(route.request.url)
            await route.fulfill(status=502, body="Bad gateway", content_type="text/plain")
        else:
            await route.continue_()

    await page.route("**/graphql", fail_the_first_list_request)
    await page.goto(SESSION_LIST + "?view=all")

    alert = page.locator("#session-results").get_by_role("alert")
    await expect(alert).to_contain_text("The session list could not be loaded.")
    await expect(alert).to_contain_text("HTTP 502")
    await alert.get_by_role("button", name="Try again").click()
    await expect(range_text(page)).to_have_text(f"1–10 of {total}")


async def test_download_gives_the_filtered_list_as_csv(manager_page: Page, api: Api):
    page = manager_page
    expected = await api_sessions(api, search="#", filter={"statuses": ["COMPLETED", "LIVE"], "types": ["PUBLIC"]})
    await open_session_list(page, "?search=%23")
    await apply_filters(page, ("Status", "Completed"), ("Status", "Live"), ("Type", "Public"))
    await expect(range_text(page)).to_have_text(re.compile(rf" of {expected['totalCount']}$"))

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download").click()
    download = await download_info.value

    assert download.suggested_filename == "sessions.csv"
    sessions = await downloaded_csv(download)
    assert len(sessions) == expected["totalCount"]
    assert [s["ID"] for s in sessions] == [s["id"] for s in expected["items"]]
    assert {s["Status"] for s in sessions} <= {"Completed", "Live"}
    assert {s["Type"] for s in sessions} == {"Public"}


async def test_keyboard_users_keep_their_place_when_paging_and_sorting(manager_page: Page, api: Api):
    page = manager_page
    total = (await api_sessions(api))["totalCount"]
    last = -(-total // 25)
    await open_session_list(page, f"?page={last - 1}&pageSize=25")
    next_ = page.get_by_role("button", name="Next")

    await next_.focus()
    await page.keyboard.press("Enter")
    await expect(range_text(page)).to_have_text(f"{(last - 1) * 25 + 1}–{total} of {total}")
    await expect(next_).to_be_disabled()
    await expect(page.get_by_role("button", name="Previous")).to_be_focused()

    await page.get_by_role("button", name="Title").focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"sort=TITLE&direction=ASC"))
    await list_loaded(page)
    await expect(page.get_by_role("button", name="Title")).to_be_focused()


async def test_ticks_not_yet_applied_survive_the_list_finishing_loading(manager_page: Page):
    page = manager_page
    await open_session_list(page)
    release = asyncio.Event()

    async def hold_list_requests(route):
        if "SessionList" in (route.request.post_data or ""):
            await release.wait()
        await route.continue_()

    await page.route("**/graphql", hold_list_requests)
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator("#session-list")).to_have_attribute("aria-busy", "true")
    await page.get_by_role("button", name="Filters").click()
    await filter_checkbox(page, "Status", "Live").check()

    release.set()
    await list_loaded(page)

    await expect(range_text(page)).to_have_text(re.compile(r"^11–20 of"))
    await expect(filter_checkbox(page, "Status", "Live")).to_be_checked()
    await expect(filter_checkbox(page, "Status", "Live")).to_be_focused()
