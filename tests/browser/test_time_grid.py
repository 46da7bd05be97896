"""The calendar's time grid (time-grid.js, reschedule.js): hours down, days across; an empty slot creates a session
there; an upcoming session moves by drag or by keyboard, checked against R4/R5 while moving, saved through
updateSession with Undo; a clash is refused with its reason. On a phone the week is an agenda."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import (
    CREATE_SESSION,
    IST,
    PHONE,
    Api,
    accessibility_violations,
    assert_no_sideways_scroll,
    people,
    sign_in,
    unique_title,
)

pytestmark = pytest.mark.browser

_days = itertools.count(200)
STARTS = "query($id: ID!) { session(id: $id) { startsAt } }"


async def a_session_at(api: Api, mentor: dict, start: datetime, minutes: int = 60) -> dict:
    payload = {
        "title": unique_title("Grid"),
        "description": "Made by a time grid test.",
        "type": "PUBLIC",
        "mentorId": mentor["id"],
        "startsAt": start.isoformat(),
        "timeZone": "IST",
        "durationMinutes": minutes,
        "recommendedFor": ["Teachers"],
        "categories": ["Communication"],
        "medium": "English",
    }
    created = (await api(CREATE_SESSION, {"input": payload}))["createSession"]
    assert created["errors"] == [], created["errors"]
    return created["session"]


def a_free_day() -> datetime:
    """10:00 IST on a day far ahead that no other test of this module uses."""
    day = (datetime.now(IST) + timedelta(days=next(_days))).date()
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=IST)


async def starts_at(api: Api, session_id: str) -> datetime:
    return datetime.fromisoformat((await api(STARTS, {"id": session_id}))["session"]["startsAt"])


async def open_day(page: Page, day: datetime, mentor_id: str) -> None:
    await page.goto(
        f"/workspace/sessions?view=all&mentorIds={mentor_id}&show=calendar&calendar=day&date={day.date().isoformat()}"
    )
    await expect(page.locator("#calendar-time-grid")).to_be_visible()


async def drag(page: Page, block, minutes: int, check_during=None) -> None:
    """Drag a block down by `minutes` (the grid is 24 hours tall), pausing on the way for `check_during`."""
    await page.locator("#calendar-time-grid").evaluate("grid => grid.scrollIntoView({ block: 'start' })")
    box = await block.bounding_box()
    column = await block.locator("xpath=..").bounding_box()
    assert box and column
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    target = y + column["height"] * minutes / (24 * 60)
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x, y + (target - y) / 2, steps=4)
    await page.mouse.move(x, target, steps=4)
    if check_during:
        await check_during()
    await page.mouse.up()


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_an_empty_slot_opens_create_session_at_its_time(browser, live_server, scheme):
    context = await browser.new_context(
        base_url=live_server, color_scheme=scheme, viewport={"width": 1280, "height": 900}
    )
    try:
        await sign_in(context)
        page = await context.new_page()
        day = a_free_day()
        await page.goto(f"/workspace/sessions?view=all&show=calendar&calendar=day&date={day.date().isoformat()}")
        column = page.locator("#calendar-time-grid .grid-day").first
        await expect(column).to_be_visible()
        assert await accessibility_violations(page) == []
        await page.locator("#calendar-time-grid").evaluate("grid => grid.scrollIntoView({ block: 'start' })")
        box = await column.bounding_box()
        assert box
        await page.mouse.click(box["x"] + 20, box["y"] + box["height"] * (14 * 60 + 10) / (24 * 60))

        await expect(page).to_have_url(f"/sessions/new?date={day.strftime('%d-%m-%Y')}&time=14:00")
        await expect(page.get_by_label("Date (DD-MM-YYYY)")).to_have_value(day.strftime("%d-%m-%Y"))
        await expect(page.get_by_label("Time (24 hrs)")).to_have_value("14:00")
    finally:
        await context.close()


async def test_dragging_a_session_to_a_free_time_moves_it_and_undo_moves_it_back(sized_page: Page, api: Api):
    page = sized_page
    mentor = (await people(api, "Mentors"))[3]
    start = a_free_day()
    session = await a_session_at(api, mentor, start)
    await open_day(page, start, mentor["id"])
    block = page.locator(f'.grid-session[data-session-id="{session["id"]}"]')
    status = page.locator("#calendar-move-status")

    async def fits_while_dragging():
        await expect(status).to_contain_text("Fits: ")
        await expect(page.locator(".grid-ghost")).to_be_visible()

    await drag(page, block, 120, fits_while_dragging)

    # Exactly the slot let go on: two hours down, to the minute.
    await expect(status).to_contain_text(f"moved to {(start + timedelta(hours=2)).strftime('%d-%m-%Y %H:%M')}–")
    assert await starts_at(api, session["id"]) == start + timedelta(hours=2)
    await status.get_by_role("button", name="Undo").click()
    await expect(status).to_contain_text("moved back")
    assert await starts_at(api, session["id"]) == start


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_a_drop_onto_the_mentors_other_session_is_refused_with_the_reason(
    manager_page: Page, api: Api, scheme: str
):
    page = manager_page
    await page.emulate_media(color_scheme=scheme)
    mentor = (await people(api, "Mentors"))[4]
    start = a_free_day()
    first = await a_session_at(api, mentor, start)
    second = await a_session_at(api, mentor, start + timedelta(hours=3))
    await open_day(page, start, mentor["id"])
    status = page.locator("#calendar-move-status")

    async def refused_while_dragging():
        await expect(status).to_contain_text(f"is busy: “{first['title']}”")
        await expect(page.locator(".grid-ghost.is-refused")).to_be_visible()
        assert await accessibility_violations(page) == []

    await drag(page, page.locator(f'.grid-session[data-session-id="{second["id"]}"]'), -150, refused_while_dragging)

    await expect(status).to_contain_text("was not moved")
    assert await starts_at(api, second["id"]) == start + timedelta(hours=3)


async def test_a_session_moves_from_the_keyboard(manager_page: Page, api: Api):
    page = manager_page
    mentor = (await people(api, "Mentors"))[5]
    start = a_free_day()
    session = await a_session_at(api, mentor, start)
    await open_day(page, start, mentor["id"])
    block = page.locator(f'.grid-session[data-session-id="{session["id"]}"]')

    await block.focus()
    await page.keyboard.press("m")
    for _ in range(4):
        await page.keyboard.press("ArrowDown")
    await expect(page.locator("#calendar-move-status")).to_contain_text("Fits: ")
    await page.keyboard.press("Enter")

    await expect(page.locator("#calendar-move-status")).to_contain_text("moved to")
    assert await starts_at(api, session["id"]) == start + timedelta(hours=1)


async def test_on_a_phone_the_week_is_an_agenda_and_the_day_a_grid_without_sideways_scrolling(
    manager_page: Page, api: Api
):
    page = manager_page
    await page.set_viewport_size(PHONE)
    mentor = (await people(api, "Mentors"))[6]
    start = a_free_day()
    session = await a_session_at(api, mentor, start)
    base = f"/workspace/sessions?view=all&mentorIds={mentor['id']}&show=calendar&date={start.date().isoformat()}"

    for mode in ("grid", "week", "month"):
        await page.goto(f"{base}&calendar={mode}")
        await expect(page.locator("#calendar-agenda").get_by_text(session["title"])).to_be_visible()
        await assert_no_sideways_scroll(page)
    await page.goto(f"{base}&calendar=day")
    await expect(page.locator(f'.grid-session[data-session-id="{session["id"]}"]')).to_be_visible()
    await assert_no_sideways_scroll(page)
    assert await accessibility_violations(page) == []
