"""Takes the screenshots in frontend/README.md: a throwaway server with the demo data, Debian's Chromium
through Playwright, PNGs reduced to a 256-colour palette so they stay small.

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "frontend" / "screenshots"
SESSIONDESK = ROOT / ".venv" / "bin" / "sessiondesk"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def small(path: Path) -> None:
    Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


async def refused_over_another_mentor(page) -> None:
    """The mentors' week with a session held over another mentor's row (R7 refuses it while dragging)."""
    await page.goto("/workspace/sessions?show=calendar&calendar=week")
    chip = page.locator("#calendar-week-table .cal-session.is-movable").first
    await chip.wait_for()
    mentor_id = await chip.locator("xpath=ancestor::tr[1]").get_attribute("data-mentor-id")
    other = page.locator(f'#calendar-week-table tr.cal-lane:not([data-mentor-id="{mentor_id}"]) td[data-day]').nth(2)
    await page.locator("#session-calendar").scroll_into_view_if_needed()
    start, end = await chip.bounding_box(), await other.bounding_box()
    await page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=6)
    await page.locator(".lane-ghost.is-refused").wait_for()


async def shoot(base: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            context = await browser.new_context(base_url=base, viewport=size, timezone_id="Asia/Kolkata")
            page = await context.new_page()
            await page.goto("/sign-in")
            await page.get_by_label("Email").fill("manager@example.org")
            await page.get_by_label("Password").fill("demo1234")
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url("**/workspace/sessions**")

            async def save(file: str, page=page, name=name) -> None:
                await page.wait_for_timeout(400)
                path = OUT / f"{file}-{name}.png"
                await page.screenshot(path=str(path))
                small(path)

            await page.goto("/workspace/sessions")
            await page.locator("#session-results table").wait_for()
            await page.locator("#session-list").scroll_into_view_if_needed()
            await save("list-first-view")
            if name == "desktop":
                await page.get_by_role("button", name="Filters").click()
                await page.locator("#filter-starts-from").fill("01-12-2026")
                await page.get_by_role("button", name="Choose the last day").click()
                await page.locator("#filter-starts-to-calendar").scroll_into_view_if_needed()
                await save("filters-dates-mentor")
                await page.keyboard.press("Escape")
            await page.goto("/workspace/vocabulary")
            await page.get_by_role("heading", name="Vocabulary").wait_for()
            await save("vocabulary")
            await page.goto("/sessions/new")
            box = page.get_by_role("combobox", name="Categories", exact=True)
            await box.fill("comm")
            await box.press("Enter")
            await box.fill("l")
            await box.scroll_into_view_if_needed()
            await save("create-pick-lists")
            mode = "grid" if name == "desktop" else "day"
            await page.goto(f"/workspace/sessions?view=all&show=calendar&calendar={mode}")
            await page.locator("#calendar-time-grid").wait_for()
            await page.locator("#session-calendar").scroll_into_view_if_needed()
            await save("time-grid")
            if name == "desktop":
                await refused_over_another_mentor(page)
                await save("mentor-rows-refused")
                await page.mouse.up()
            await page.keyboard.press("Control+k")
            await page.get_by_role("combobox", name="Jump to a session, a mentor or a page").fill("read")
            await page.get_by_role("option").first.wait_for()
            await save("palette")
            await page.keyboard.press("Escape")
            await page.emulate_media(color_scheme="dark")
            await page.goto("/workspace")
            await page.locator("#overview-week").wait_for()
            await save("workspace-dark")
            await context.close()
            for desk, email in (("mentor", "mentor1@example.org"), ("mentee", "mentee1@example.org")):
                context = await browser.new_context(base_url=base, viewport=size, timezone_id="Asia/Kolkata")
                page = await context.new_page()
                await page.goto("/sign-in")
                await page.get_by_label("Email").fill(email)
                await page.get_by_label("Password").fill("demo1234")
                await page.get_by_role("button", name="Sign in").click()
                await page.wait_for_url(f"**/desk/{desk}")
                await page.locator(".desk-section").first.wait_for()
                await save(f"{desk}-desk", page=page)
                await context.close()
        await browser.close()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "DATA_DIR": data_dir, "DEBUG": "true", "SECRET_KEY": "screenshots"}
        env.pop("DATABASE_URL", None)
        for command in (["migrate"], ["seed", "--demo", "--sessions", "60"]):
            subprocess.run([str(SESSIONDESK), *command], cwd=ROOT, env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [str(SESSIONDESK), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(150):
                try:
                    urllib.request.urlopen(f"{base}/sign-in", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            asyncio.run(shoot(base))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
