"""The Session list's first view ("Upcoming and live, soonest first", a removable filter), the date
range and the Mentor filter of the Filters panel (list-view.js, date-picker.js), at desktop width and
at 390 px."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import (
    IST,
    Api,
    api_sessions,
    assert_no_sideways_scroll,
    chip,
    list_loaded,
    open_session_list,
    range_text,
    shown_ids,
)

pytestmark = pytest.mark.browser


async def test_the_list_opens_on_upcoming_and_live_sessions_soonest_first(sized_page: Page, api: Api):
    page = sized_page
    expected = await api_sessions(api, page_size=10, filter={"statuses": ["UPCOMING", "LIVE"]})
    everything = await api_sessions(api, page_size=10)
    assert expected["totalCount"] < everything["totalCount"]  # the demo has completed sessions too

    await open_session_list(page, all_sessions=False)

    await expect(chip(page, re.compile("^Upcoming and live, soonest first"))).to_be_visible()
    assert await shown_ids(page) == [s["id"] for s in expected["items"]]
    starts = [s["startsAt"] for s in expected["items"]]
    assert starts == sorted(starts)
    await expect(range_text(page)).to_have_text(f"1–{min(10, expected['totalCount'])} of {expected['totalCount']}")
    await expect(page.locator("#session-results")).not_to_contain_text("Completed")
    await assert_no_sideways_scroll(page)

    await chip(page, re.compile("^Upcoming and live")).click()
    await list_loaded(page)
    await expect(page).to_have_url(re.compile(r"view=all"))
    await expect(range_text(page)).to_have_text(f"1–10 of {everything['totalCount']}")
    await expect(chip(page, re.compile("^Upcoming and live"))).to_have_count(0)
    await page.go_back()
    await list_loaded(page)
    await expect(chip(page, re.compile("^Upcoming and live"))).to_be_visible()


async def test_the_filters_panel_narrows_the_list_to_a_date_range_and_a_mentor(sized_page: Page, api: Api):
    page = sized_page
    sample = (await api_sessions(api, page_size=1, filter={"statuses": ["UPCOMING"]}))["items"][0]
    mentor = sample["mentor"]
    day = datetime.fromisoformat(sample["startsAt"]).astimezone(IST).date()
    first, last = day - timedelta(days=3), day + timedelta(days=30)
    expected = await api_sessions(
        api,
        filter={
            "mentorIds": [mentor["id"]],
            "startsFrom": f"{first.isoformat()}T00:00:00+05:30",
            "startsTo": f"{last.isoformat()}T23:59:59+05:30",
        },
    )
    assert sample["id"] in [s["id"] for s in expected["items"]]
    await open_session_list(page)

    await page.get_by_role("button", name="Filters").click()
    panel = page.locator("#filters-panel")
    await panel.get_by_label("From (DD-MM-YYYY)").fill(first.strftime("%d-%m-%Y"))
    # The To date is chosen on the calendar, which keeps the DD-MM-YYYY display.
    await panel.get_by_label("To (DD-MM-YYYY)").fill(day.strftime("%d-%m-%Y"))
    await panel.get_by_role("button", name="Choose the last day").click()
    calendar = panel.get_by_role("dialog", name="Choose the last day")
    await expect(calendar).to_be_visible()
    for _ in range((last.year - day.year) * 12 + last.month - day.month):
        await calendar.get_by_role("button", name="Next month").click()
    await calendar.get_by_role("button", name=f"{last.day} {last.strftime('%B %Y')}", exact=True).click()
    await expect(panel.get_by_label("To (DD-MM-YYYY)")).to_have_value(last.strftime("%d-%m-%Y"))
    await panel.get_by_role("combobox", name="Find a mentor").fill(mentor["name"])
    await panel.get_by_role("option", name=re.compile(re.escape(mentor["name"]))).first.click()
    await expect(panel.get_by_role("list", name="Chosen mentors")).to_contain_text(mentor["name"])
    await assert_no_sideways_scroll(page)
    await panel.get_by_role("button", name="Apply").click()
    await list_loaded(page)

    for text in (
        f"From: {first.strftime('%d-%m-%Y')}",
        f"To: {last.strftime('%d-%m-%Y')}",
        f"Mentor: {mentor['name']}",
    ):
        await expect(chip(page, re.compile("^" + re.escape(text)))).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"startsFrom={first.isoformat()}.*startsTo={last.isoformat()}"))
    await expect(range_text(page)).to_have_text(re.compile(rf"of {expected['totalCount']}$"))
    assert set(await shown_ids(page)) <= {s["id"] for s in expected["items"]}
    download = page.locator("#sessions-download")
    await expect(download).to_have_attribute("href", re.compile(r"mentorIds=.*startsFrom=2.*startsTo=2"))


async def test_an_unreadable_date_is_named_beside_its_field_and_nothing_is_applied(sized_page: Page):
    page = sized_page
    await open_session_list(page)
    await page.get_by_role("button", name="Filters").click()
    panel = page.locator("#filters-panel")
    await panel.get_by_label("From (DD-MM-YYYY)").fill("31-02-2027")
    await panel.get_by_role("button", name="Apply").click()
    await expect(panel).to_contain_text("“31-02-2027” is not a date; enter the first day as DD-MM-YYYY")
    await expect(panel.get_by_label("From (DD-MM-YYYY)")).to_be_focused()
    await expect(page).not_to_have_url(re.compile("startsFrom"))
