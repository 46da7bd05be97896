"""The schedule in the browser: live updates (live.js) of the Session list and Details, the mentor's day in
the session forms (mentor-timeline.js), the calendar (calendar.js) and the Workspace overview (overview.js)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.screens import (
    IST,
    Api,
    api_sessions,
    chip,
    free_start,
    list_loaded,
    live_on,
    new_session,
    people,
    range_text,
    row,
    shown_ids,
    unique_title,
)

pytestmark = pytest.mark.browser

START = "mutation($id: ID!) { startSession(id: $id) { session { status } errors { message } } }"
DELETE = "mutation($id: ID!) { deleteSession(id: $id) { deletedId errors { message } } }"
CREATE = "mutation($input: CreateSessionInput!) { createSession(input: $input) { session { id } errors { code } } }"


async def soon_session(api: Api, title: str, minutes: int, **fields) -> dict:
    """An upcoming session starting in a few minutes (first on the list), with whichever mentor is free."""
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    for mentor in await people(api, "Mentors"):
        form = {
            "title": title,
            "description": "Starts soon.",
            "type": "PUBLIC",
            "mentorId": mentor["id"],
            "startsAt": start.isoformat(),
            "durationMinutes": 30,
            "recommendedFor": ["Teachers"],
            "categories": ["Communication"],
            "medium": "English",
            **fields,
        }
        created = (await api(CREATE, {"input": form}))["createSession"]
        if not created["errors"]:
            return {"id": created["session"]["id"], "mentor": mentor}
    raise AssertionError(f"No demo mentor is free in {minutes} minutes")


async def test_a_session_going_live_changes_its_badge_and_actions_without_a_reload(
    manager_page: Page, context: BrowserContext, api: Api
):
    title = unique_title("Going live")
    session = await soon_session(api, title, 5)  # its mentor may start it now
    other = await new_session(api, title=f"{title} later")
    list_page = manager_page
    await list_page.goto(f"/workspace/sessions?search={title.replace(' ', '+')}")
    await expect(row(list_page, session["id"]).locator(".badge")).to_have_text("Upcoming")
    details = await context.new_page()
    await details.goto(f"/sessions/{session['id']}")
    await expect(details.locator("#edit-session")).to_have_attribute("href", f"/sessions/{session['id']}/edit")
    await expect(details.locator("#delete-session")).to_be_enabled()
    await live_on(list_page)
    await live_on(details)

    started = await api(START, {"id": session["id"]}, email=session["mentor"]["email"])
    assert started["startSession"]["errors"] == []

    await expect(row(list_page, session["id"]).locator(".badge")).to_have_text("Live")
    await expect(details.get_by_role("heading", level=1).locator(".badge")).to_have_text("Live")
    await expect(details.locator("#edit-session")).to_be_disabled()
    await expect(details.locator("#delete-session")).to_be_disabled()
    await expect(details.locator("#edit-meeting")).to_be_visible()
    await expect(details.locator("#edit-blocked-reason")).to_contain_text("The mentor has started this session")

    # Deleted elsewhere: it leaves the list, which says so.
    await expect(row(list_page, other["id"])).to_be_visible()
    assert (await api(DELETE, {"id": other["id"]}))["deleteSession"]["errors"] == []
    await expect(row(list_page, other["id"])).to_have_count(0)
    await expect(list_page.locator("#notice-area")).to_contain_text(
        f"“{other['title']}” (ID {other['id']}) was deleted"
    )


async def test_the_create_form_shows_the_mentors_day_and_whether_the_time_fits(manager_page: Page, api: Api):
    page = manager_page
    # 10:00 IST on a day no other test uses, so the times tried below stay on that day.
    day = free_start(days_ahead=500).astimezone(IST).date()
    busy = await new_session(api, title=unique_title("Already booked"), startsAt=f"{day}T10:00:00+05:30")
    mentor = busy["mentor"]
    start = datetime.fromisoformat(busy["startsAt"]).astimezone(IST)
    await page.goto("/sessions/new")
    form = page.locator("#create-session-form")
    await form.get_by_role("combobox", name="Mentor").fill(mentor["name"])
    await form.get_by_role("option", name=re.compile(re.escape(mentor["email"]))).click()
    await form.get_by_label("Date (DD-MM-YYYY)").fill(start.strftime("%d-%m-%Y"))
    await form.get_by_label("Time (24 hrs)").fill((start + timedelta(minutes=30)).strftime("%H:%M"))
    await form.get_by_label("Duration (minutes)").fill("60")

    timeline = page.locator("#create-mentor-timeline")
    await expect(timeline).to_be_visible()
    await expect(timeline.get_by_role("heading")).to_contain_text(f"{mentor['name']}’s day, {start:%d-%m-%Y}")
    await expect(timeline.locator(f'.timeline-busy[data-session-id="{busy["id"]}"]')).to_have_count(1)
    await expect(timeline).to_have_attribute("data-fit", "clash")
    await expect(timeline.locator(".timeline-status")).to_contain_text(f"meets “{busy['title']}”")
    # The block sits at 09:59 on the 24-hour bar (the page's content security policy allows how it is placed).
    block = timeline.locator(f'.timeline-busy[data-session-id="{busy["id"]}"]')
    assert (await block.evaluate("b => b.style.left")).startswith("41.59")
    bar, box = await timeline.locator(".timeline-bar").bounding_box(), await block.bounding_box()
    assert 0.40 < (box["x"] - bar["x"]) / bar["width"] < 0.43
    # Back to back is a clash too (R4); one minute later fits.
    end = start + timedelta(hours=1)
    await form.get_by_label("Time (24 hrs)").fill(end.strftime("%H:%M"))
    await expect(timeline).to_have_attribute("data-fit", "clash")
    later = end + timedelta(minutes=1)
    await form.get_by_label("Time (24 hrs)").fill(later.strftime("%H:%M"))
    await expect(timeline).to_have_attribute("data-fit", "fits")
    await expect(timeline.locator(".timeline-status")).to_contain_text(f"Fits: {later:%H:%M}–")
    # Someone else books the mentor for that time meanwhile: the form says so before Save.
    await expect(page.locator("html")).to_have_attribute("data-live", "on")
    taken = await new_session(
        api, title=unique_title("Booked meanwhile"), startsAt=later.isoformat(), mentorId=mentor["id"]
    )
    await expect(timeline.locator(f'.timeline-busy[data-session-id="{taken["id"]}"]')).to_have_count(1)
    await expect(timeline).to_have_attribute("data-fit", "clash")


async def test_the_calendar_shows_sessions_in_their_mentors_lane_and_opens_their_details(manager_page: Page, api: Api):
    page = manager_page
    title = unique_title("On the calendar")
    session = await new_session(api, title=title)
    day = datetime.fromisoformat(session["startsAt"]).astimezone(IST).date()
    await page.goto(f"/workspace/sessions?search={title.replace(' ', '+')}")
    await page.get_by_role("button", name="Calendar", exact=True).click()
    await expect(page).to_have_url(re.compile(r"show=calendar"))
    await expect(page.locator("#session-results")).to_be_hidden()
    await page.goto(f"/workspace/sessions?search={title.replace(' ', '+')}&show=calendar&calendar=week&date={day}")

    lane = page.locator(f'#calendar-week-table tr.cal-lane[data-mentor-id="{session["mentor"]["id"]}"]')
    await expect(lane.locator("th")).to_have_text(session["mentor"]["name"])
    entry = lane.locator(f'td[data-day="{day}"] a[data-session-id="{session["id"]}"]')
    await expect(entry).to_contain_text(title)
    await expect(entry).to_have_class(re.compile(r"\bcal-upcoming\b"))
    await expect(page.locator("#calendar-week-table tr.cal-lane")).to_have_count(1)  # the search applies

    await page.get_by_role("button", name="Month", exact=True).click()
    month_entry = page.locator(f'#calendar-month-table td[data-day="{day}"] a[data-session-id="{session["id"]}"]')
    await expect(month_entry).to_contain_text(title)
    await month_entry.click()
    await expect(page).to_have_url(re.compile(rf"/sessions/{session['id']}$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(title)


async def test_the_workspace_overview_shows_live_sessions_with_their_meeting_and_links_to_the_list(
    manager_page: Page, api: Api
):
    page = manager_page
    title = unique_title("Live on the overview")
    session = await soon_session(api, title, 5)  # its mentor may start it now
    await api(START, {"id": session["id"]}, email=session["mentor"]["email"])
    await page.goto("/workspace")
    live = page.locator("#overview-live")
    await expect(live.locator(f'li[data-session-id="{session["id"]}"]')).to_contain_text(title)
    await expect(live.locator(f'li[data-session-id="{session["id"]}"]')).to_contain_text("BigBlueButton")
    for card in (
        "#overview-today",
        "#overview-week",
        "#overview-no-mentees",
        "#overview-nearly-full",
        "#overview-uploads",
    ):
        await expect(page.locator(card)).to_be_visible()
    await live.get_by_role("link", name="All live sessions in the list").click()
    await expect(page).to_have_url(re.compile(r"/workspace/sessions\?statuses=LIVE$"))
    await expect(row(page, session["id"]).locator(".badge")).to_have_text("Live")


async def test_a_dropped_live_connection_comes_back_and_the_list_catches_up(manager_page: Page, api: Api):
    page = manager_page
    title = unique_title("Reconnecting")
    session = await new_session(api, title=title)
    sockets = []
    blocked = False

    async def route(ws) -> None:
        if blocked:
            await ws.close(code=1011, reason="The server is away")  # as when the server restarts
            return
        ws.connect_to_server()
        sockets.append(ws)

    await page.route_web_socket(re.compile(r"/graphql$"), route)
    await page.goto(f"/workspace/sessions?search={title.replace(' ', '+')}")
    await expect(row(page, session["id"])).to_contain_text(title)
    await live_on(page)

    blocked = True
    await sockets[-1].close(code=1011, reason="Connection lost")
    await expect(page.locator("#live-status")).to_have_text("Offline, reconnecting…")
    # A change the page cannot hear of while it is offline.
    renamed = f"{title} renamed"
    edit = "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: {title: $t}) { errors { message } } }"
    assert (await api(edit, {"id": session["id"], "t": renamed}))["updateSession"]["errors"] == []
    blocked = False

    await live_on(page)
    await expect(row(page, session["id"])).to_contain_text(renamed)


@pytest.mark.parametrize(
    "card,link,url_part,chip_text,session_filter",
    [
        (
            "#overview-no-mentees",
            "All upcoming sessions without mentees in the list",
            "menteeCountAtMost=0",
            "No mentees yet",
            {"statuses": ["UPCOMING"], "menteeCountAtMost": 0},
        ),
        (
            "#overview-nearly-full",
            "All nearly full upcoming sessions in the list",
            "nearlyFull=true",
            "Nearly full (80% of seats or more)",
            {"statuses": ["UPCOMING"], "nearlyFull": True},
        ),
    ],
)
async def test_an_overview_card_of_how_full_sessions_are_opens_exactly_its_sessions_in_the_list(
    manager_page: Page, api: Api, card: str, link: str, url_part: str, chip_text: str, session_filter: dict
):
    page = manager_page
    emails = [m["email"] for m in await people(api, "Mentees")][:4]
    empty = await soon_session(api, unique_title("Nobody yet"), 7)
    full = await soon_session(api, unique_title("Four of five"), 9, seatsLimit=5, inviteEmails=emails)
    mine = empty if "menteeCountAtMost" in session_filter else full
    expected = await api_sessions(api, page_size=10, filter=session_filter)
    everything = await api_sessions(api, page_size=10, filter={"statuses": ["UPCOMING"]})
    assert 0 < expected["totalCount"] < everything["totalCount"]
    assert mine["id"] in [s["id"] for s in expected["items"]]
    other = full if mine is empty else empty
    assert other["id"] not in [s["id"] for s in expected["items"]]

    await page.goto("/workspace")
    shown = page.locator(card)
    await expect(shown.locator(f'li[data-session-id="{mine["id"]}"]')).to_be_visible()
    await expect(shown.locator(".overview-count")).to_have_text(str(expected["totalCount"]))
    await shown.get_by_role("link", name=link).click()
    await list_loaded(page)
    await expect(page).to_have_url(re.compile(rf"/workspace/sessions\?.*{url_part}"))
    await expect(chip(page, re.compile("^" + re.escape(chip_text)))).to_be_visible()
    await expect(range_text(page)).to_have_text(f"1–{min(10, expected['totalCount'])} of {expected['totalCount']}")
    assert await shown_ids(page) == [s["id"] for s in expected["items"]]

    # The chip removes the filter: every upcoming session again, and the URL says so.
    await chip(page, re.compile("^" + re.escape(chip_text))).click()
    await list_loaded(page)
    await expect(range_text(page)).to_have_text(f"1–10 of {everything['totalCount']}")
    assert url_part not in page.url
    await page.go_back()
    await list_loaded(page)
    await expect(range_text(page)).to_have_text(re.compile(rf"of {expected['totalCount']}$"))
