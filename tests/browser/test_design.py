"""The design pass (styles.css): Inter and the Lucide icons come from the app itself, no text glyph stands in for
an icon, transitions stop for whoever asks for reduced motion, links are underlined only in running text, and on a
phone every control is at least 44 px tall."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import PHONE, open_session_list

pytestmark = pytest.mark.browser

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
# Arrows, technical symbols (⌫ ⏎), shapes (▲ ●), symbols and dingbats (★ ✓ ✕), emoji, crosses, dots and chevrons:
# drawn by the system's fonts, they look different on every computer, so the app draws them as Lucide icons.
ICON_GLYPHS = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u27f0-\u27ff\u2900-\u297f\U0001f300-\U0001faff×⋯•›‹»«]"
)
COMMENT = re.compile(r"/\*.*?\*/|(?<![:\\'\"])//[^\n]*", re.S)
STRING = re.compile(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|`(?:\\.|[^`\\])*`")
CSS_CONTENT = re.compile(r"content:\s*([^;]*);")
HTML_TEXT = re.compile(r">([^<]*)<")


async def test_the_font_and_the_icons_are_served_by_the_app(manager_page: Page):
    page = manager_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await open_session_list(page)

    assert await page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px \"Inter Variable\"'))")
    family = await page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Inter Variable"')
    assert any(url.endswith("/static/fonts/inter-latin-wght-normal.woff2") for url in requested)
    response = await page.request.get("/static/icons/pencil.svg")
    assert response.status == 200
    assert all(url.startswith(page.url.split("/workspace")[0]) for url in requested if not url.startswith("data:"))


def glyphs_used_as_icons(path: Path) -> list[str]:
    """The pieces of a frontend file where an icon glyph stands in for an icon: any CSS `content`, or a JS string or
    HTML text with no word in it once its ${…} parts are left out (' ▲', '×', `${n}★`) or that a glyph starts or
    ends ('⤓ Download'). Running text keeps its typography ("Workspace › Recently deleted")."""
    text = path.read_text()
    if path.suffix == ".css":
        return [p for p in CSS_CONTENT.findall(COMMENT.sub("", text)) if ICON_GLYPHS.search(p)]
    pieces = STRING.findall(COMMENT.sub("", text)) if path.suffix == ".js" else HTML_TEXT.findall(text)
    return [p for p in pieces if ICON_GLYPHS.search(p) and (wordless(p) or glyph_at_an_end(p))]


def wordless(piece: str) -> bool:
    return not re.search(r"[A-Za-z]", re.sub(r"\$\{[^}]*\}", "", piece))


def glyph_at_an_end(piece: str) -> bool:
    """'⤓ Download', 'Next ›': a glyph leading or closing a label is its icon."""
    words = piece.strip("'\"` ")
    return bool(words) and bool(ICON_GLYPHS.match(words[0]) or ICON_GLYPHS.match(words[-1]))


def test_no_text_glyph_stands_in_for_an_icon():
    files = [p for p in FRONTEND.rglob("*") if p.suffix in (".js", ".css", ".html") and "graphiql" not in p.parts]
    assert len(files) > 40
    found = {str(p.relative_to(FRONTEND)): glyphs_used_as_icons(p) for p in files}
    assert {name: pieces for name, pieces in found.items() if pieces} == {}


async def test_sort_marks_and_filter_chips_are_icons(manager_page: Page):
    page = manager_page
    await open_session_list(page, "?statuses=UPCOMING&sort=TITLE&direction=ASC")
    header = page.locator("th[aria-sort='ascending'] .sort-button")
    await expect(header.locator(".icon.icon-sort-ascending")).to_have_count(1)
    mask = await header.locator(".icon").evaluate(
        "i => getComputedStyle(i).maskImage || getComputedStyle(i).webkitMaskImage"
    )
    assert mask.endswith('/static/icons/arrow-up.svg")')
    await expect(page.locator("button.chip .icon-close").first).to_be_attached()
    assert "▲" not in await header.inner_text()


async def test_transitions_stop_for_reduced_motion(manager_page: Page):
    page = manager_page
    await page.emulate_media(reduced_motion="reduce")
    await open_session_list(page)
    duration = await page.locator(".button").first.evaluate("b => getComputedStyle(b).transitionDuration")
    assert set(duration.replace(" ", "").split(",")) == {"0s"}


async def test_links_are_underlined_only_in_running_text(manager_page: Page):
    page = manager_page
    await open_session_list(page)
    in_table = await page.locator("#session-results tbody a").first.evaluate(
        "a => getComputedStyle(a).textDecorationLine"
    )
    assert in_table == "none"
    await page.goto("/no-such-page")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    in_text = await page.locator("main p a").first.evaluate("a => getComputedStyle(a).textDecorationLine")
    assert in_text == "underline"


async def test_on_a_phone_every_control_is_at_least_44_px(manager_page: Page):
    page = manager_page
    await page.set_viewport_size(PHONE)
    await open_session_list(page)
    small = await page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.button, main .icon-button, header button')]
          .filter((el) => el.offsetParent && !el.closest('.visually-hidden'))
          .map((el) => [el.textContent.trim() || el.getAttribute('aria-label'), el.getBoundingClientRect().height])
          .filter(([, height]) => height < 44)"""
    )
    assert small == []
