"""Phones (390 px): the Session list becomes cards — title first, then status and date — and the
Mentee list shows each mentee's Enrolled / Invited without sideways scrolling (styles.css, responsive.js).
At desktop width the same list stays a table."""

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import PHONE, Api, api_sessions, assert_no_sideways_scroll, open_session_list, rows

pytestmark = pytest.mark.browser

CARD = """tr => {
  const box = (el) => el.getBoundingClientRect();
  const cells = [...tr.children];
  const title = tr.querySelector('th');
  const status = tr.querySelector('.badge').closest('td');
  const date = tr.querySelector('time').closest('td');
  const others = cells.filter((c) => ![title, status, date].includes(c) && c.offsetParent);
  return {
    display: getComputedStyle(tr).display,
    titleTop: box(title).top, statusTop: box(status).top, dateTop: box(date).top,
    othersTop: Math.min(...others.map((c) => box(c).top)),
    width: box(tr).width,
    mentorLabel: getComputedStyle(cells[3], '::before').content,
  };
}"""


async def test_at_390_px_the_list_is_cards_with_title_status_and_date_first(manager_page: Page):
    page = manager_page
    await page.set_viewport_size(PHONE)
    await open_session_list(page)
    card = await rows(page).first.evaluate(CARD)
    assert card["display"] == "flex"
    assert card["titleTop"] < card["statusTop"] <= card["dateTop"] < card["othersTop"]
    assert card["width"] <= PHONE["width"]
    assert card["mentorLabel"] == '"Mentor: "'
    await expect(rows(page).first.get_by_role("link", name="View details")).to_be_visible()
    await assert_no_sideways_scroll(page)


async def test_at_desktop_width_the_list_stays_a_table(manager_page: Page):
    page = manager_page
    await open_session_list(page)
    card = await rows(page).first.evaluate(CARD)
    assert card["display"] == "table-row"


async def test_at_390_px_the_mentee_list_shows_enrolled_and_invited(manager_page: Page, api: Api):
    page = manager_page
    await page.set_viewport_size(PHONE)
    session = next(s for s in (await api_sessions(api))["items"] if s["enrolledCount"] and s["invitedCount"])
    await open_session_list(page, f"?view=all&search={session['title']}")
    await page.get_by_role("button", name=f"show the mentee list of {session['title']}").first.click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_text("Enrolled", exact=True).first).to_be_in_viewport()
    await expect(dialog.get_by_text("Invited", exact=True).first).to_be_in_viewport()
    await assert_no_sideways_scroll(page)
