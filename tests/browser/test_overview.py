"""The cards line up (workspace/overview.js, desks/): on the manager's overview and on a desk, the cards of one row
are equally tall with their last links level, and every row keeps the columns of the first, at 1280 px and at a
phone's 390 px (one column there)."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.screens import PHONE, sign_in

pytestmark = pytest.mark.browser

MENTEE = "mentee4@example.org"  # many sessions to join: several rows of cards
# Each card's box and the box of its last link ("… in the list"), if it has one.
BOXES = """cards => cards.map(card => {
  const box = card.getBoundingClientRect();
  const more = card.querySelector(':scope > .overview-more, :scope > .desk-actions');
  const moreBottom = more ? box.bottom - more.getBoundingClientRect().bottom : null;
  return { x: box.x, y: box.y, width: box.width, height: box.height, moreBottom };
})"""


def rows_of(boxes: list[dict]) -> list[list[dict]]:
    """The cards grouped by the row they start on, top to bottom."""
    rows: dict[int, list[dict]] = {}
    for box in boxes:
        rows.setdefault(round(box["y"]), []).append(box)
    return [rows[y] for y in sorted(rows)]


def assert_lined_up(boxes: list[dict], columns_at_most: int) -> None:
    assert len(boxes) >= 2, boxes
    rows = rows_of(boxes)
    first_columns = sorted(round(box["x"]) for box in rows[0])
    assert len(first_columns) <= columns_at_most, rows[0]
    for row in rows:
        assert max(b["height"] for b in row) - min(b["height"] for b in row) < 1, f"uneven heights in a row: {row}"
        assert {round(b["x"]) for b in row} <= set(first_columns), f"a row off the first row's columns: {row}"
        bottoms = [b["moreBottom"] for b in row if b["moreBottom"] is not None]
        assert not bottoms or max(bottoms) - min(bottoms) < 1, f"last links not level in a row: {row}"
    widths = [b["width"] for b in boxes]
    assert max(widths) - min(widths) < 1, f"uneven widths: {widths}"


@pytest.mark.parametrize("width", ["desktop", "phone"])
async def test_the_overview_cards_line_up(manager_page: Page, width: str):
    page = manager_page
    if width == "phone":
        await page.set_viewport_size(PHONE)
    await page.goto("/workspace")
    cards = page.locator("#overview > .overview-card")
    await expect(cards).to_have_count(6)

    assert_lined_up(await cards.evaluate_all(BOXES), columns_at_most=1 if width == "phone" else 4)
    if width == "desktop":
        assert len(rows_of(await cards.evaluate_all(BOXES))) < 6  # a grid, not a column


@pytest.mark.parametrize("width", ["desktop", "phone"])
async def test_the_cards_of_a_desk_line_up(context: BrowserContext, page: Page, width: str):
    await sign_in(context, MENTEE)
    if width == "phone":
        await page.set_viewport_size(PHONE)
    await page.goto("/desk/mentee")
    cards = page.locator("#mentee-open > .desk-card")
    await expect(cards.first).to_be_visible()

    assert_lined_up(await cards.evaluate_all(BOXES), columns_at_most=1 if width == "phone" else 4)
