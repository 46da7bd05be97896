"""The mentors' week of the calendar (calendar=week, mentor-rows.js): a session moves to another day of its mentor's
row by drag or by keyboard (checked against R4/R5, saved through updateSession, with Undo); over another mentor's row
it is refused while moving with R7's reason, and a drop there changes nothing. On a phone this view is an agenda
(test_time_grid.py), so nothing is dragged there."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.screens import IST, Api, accessibility_violations, new_session, people, sign_in

pytestmark = pytest.mark.browser

_weeks = itertools.count(90)
SESSION = "query($id: ID!) { session(id: $id) { startsAt mentor { id } } }"
R7_REASON = "The mentor of a published session cannot change"


def a_free_wednesday() -> datetime:
    """10:00 IST on a Wednesday far ahead that no other test uses: the days either side are in its week."""
    day = (datetime.now(IST) + timedelta(weeks=next(_weeks))).date()
    day += timedelta(days=(2 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=IST)


async def where(api: Api, session_id: str) -> tuple[datetime, str]:
    """The session's start and mentor, as the API has them."""
    session = (await api(SESSION, {"id": session_id}))["session"]
    return datetime.fromisoformat(session["startsAt"]), session["mentor"]["id"]


async def two_mentors_week(api: Api, page: Page) -> tuple[dict, dict, datetime]:
    """A session of one mentor on a free Wednesday and one of another mentor that day, their week open."""
    mentors = await people(api, "Mentors")
    start = a_free_wednesday()
    mine = await new_session(api, mentorId=mentors[7]["id"], startsAt=start.isoformat())
    mine["mentor"] = mentors[7]
    theirs = await new_session(api, mentorId=mentors[8]["id"], startsAt=(start + timedelta(hours=4)).isoformat())
    theirs["mentor"] = mentors[8]
    await page.goto(
        f"/workspace/sessions?view=all&mentorIds={mentors[7]['id']}&mentorIds={mentors[8]['id']}"
        f"&show=calendar&calendar=week&date={start.date().isoformat()}"
    )
    await expect(page.locator(f'#calendar-week-table [data-session-id="{mine["id"]}"]')).to_be_visible()
    return mine, theirs, start


def cell(page: Page, mentor_id: str, day: datetime) -> Locator:
    return page.locator(f'tr.cal-lane[data-mentor-id="{mentor_id}"] > td[data-day="{day.date().isoformat()}"]')


async def drag(page: Page, chip: Locator, target: Locator, check_during) -> None:
    """Drag the chip onto the target cell, pausing there (button still down) for `check_during`."""
    start, end = await chip.bounding_box(), await target.bounding_box()
    assert start and end
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=6)
    await check_during()
    await page.mouse.up()


@pytest.fixture(params=["light", "dark"])
async def schemed_page(request: pytest.FixtureRequest, browser: Browser, live_server: str) -> AsyncIterator[Page]:
    """The manager's page at 1280 px in the light and the dark colour scheme."""
    context = await browser.new_context(
        base_url=live_server, color_scheme=request.param, viewport={"width": 1280, "height": 900}
    )
    await sign_in(context)
    yield await context.new_page()
    await context.close()


async def test_dragging_onto_another_mentors_row_is_refused_with_the_reason_and_saves_nothing(
    schemed_page: Page, api: Api
):
    page = schemed_page
    mine, theirs, start = await two_mentors_week(api, page)
    status = page.locator("#calendar-move-status")

    async def refused_while_dragging():
        await expect(status).to_contain_text(R7_REASON)
        await expect(status).to_contain_text(f"create a new session for {theirs['mentor']['name']}")
        await expect(page.locator(".lane-ghost.is-refused")).to_contain_text(R7_REASON)
        assert await accessibility_violations(page) == []

    chip = page.locator(f'#calendar-week-table a[data-session-id="{mine["id"]}"]')
    await drag(page, chip, cell(page, theirs["mentor"]["id"], start), refused_while_dragging)

    await expect(status).to_contain_text(f"“{mine['title']}” was not moved: {R7_REASON}")
    assert await where(api, mine["id"]) == (start, mine["mentor"]["id"])
    await expect(page.locator(".lane-ghost")).to_have_count(0)


async def test_dragging_to_another_day_of_its_row_moves_it_and_undo_moves_it_back(manager_page: Page, api: Api):
    page = manager_page
    mine, _, start = await two_mentors_week(api, page)
    status = page.locator("#calendar-move-status")

    async def fits_while_dragging():
        await expect(status).to_contain_text("Fits: ")
        await expect(page.locator(".lane-ghost:not(.is-refused)")).to_be_visible()

    chip = page.locator(f'#calendar-week-table a[data-session-id="{mine["id"]}"]')
    await drag(page, chip, cell(page, mine["mentor"]["id"], start + timedelta(days=1)), fits_while_dragging)

    await expect(status).to_contain_text("moved to")
    assert await where(api, mine["id"]) == (start + timedelta(days=1), mine["mentor"]["id"])
    assert await accessibility_violations(page) == []  # the bar with Undo and Dismiss
    await status.get_by_role("button", name="Undo").click()
    await expect(status).to_contain_text("moved back")
    assert await where(api, mine["id"]) == (start, mine["mentor"]["id"])
    await status.get_by_role("button", name="Dismiss").click()  # the floating bar is put away
    await expect(status).to_be_hidden()


async def test_the_keyboard_refuses_another_mentors_row_and_moves_a_day(manager_page: Page, api: Api):
    page = manager_page
    mine, theirs, start = await two_mentors_week(api, page)
    status = page.locator("#calendar-move-status")
    rows = await page.locator("tr.cal-lane").evaluate_all("rows => rows.map(row => row.dataset.mentorId)")
    towards_theirs = "ArrowDown" if rows.index(theirs["mentor"]["id"]) > rows.index(mine["mentor"]["id"]) else "ArrowUp"
    chip = page.locator(f'#calendar-week-table a[data-session-id="{mine["id"]}"]')

    await chip.focus()
    await page.keyboard.press("m")
    await page.keyboard.press(towards_theirs)
    await expect(status).to_contain_text(R7_REASON)
    await page.keyboard.press("Enter")
    await expect(status).to_contain_text("was not moved")
    assert await where(api, mine["id"]) == (start, mine["mentor"]["id"])

    await chip.focus()
    await page.keyboard.press("m")
    await page.keyboard.press("ArrowLeft")
    await expect(status).to_contain_text("Fits: ")
    await page.keyboard.press("Enter")
    await expect(status).to_contain_text("moved to")
    assert await where(api, mine["id"]) == (start - timedelta(days=1), mine["mentor"]["id"])
