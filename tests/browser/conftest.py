"""Browser tests: the real app as a subprocess on a seeded SQLite file, driven by Debian's Chromium.

One live server serves the whole run (migrate, `seed --demo --sessions 60`, serve on a free port). Tests that
change data (edit, delete, create, bulk upload) work on sessions they make themselves (`screens.new_session`,
far past the demo sessions), so no test depends on another or on their order; the others only read. Each
test gets a fresh browser context (its own cookies). Expectations are
asked of the GraphQL API (`api`), so the tests check that the browser shows what the server says rather
than hard-coding the demo data.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.browser.screens import MANAGER, PHONE, Api, sign_in
from tests.support.server import run_command, server_env, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The browser's own zone is far from India, so a date shown in IST proves the app converts it.
BROWSER_TIME_ZONE = "America/New_York"

expect.set_options(timeout=15_000)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the browser app in Chromium against a live server")


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Base URL of a running SessionDesk with the demo data (two organisations, 60 sessions)."""
    with tempfile.TemporaryDirectory(prefix="sessiondesk-browser-") as data_dir:
        env = server_env(data_dir, DEBUG="true")
        run_command(env, "migrate")
        run_command(env, "seed", "--demo", "--sessions", "60")
        with serving(env, Path(data_dir) / "server.log", ready="/sign-in") as server:
            yield server.url


@pytest.fixture(scope="session")
async def api(live_server: str) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        yield Api(http, {})


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(
        base_url=live_server,
        accept_downloads=True,
        timezone_id=BROWSER_TIME_ZONE,
        locale="en-GB",
        viewport={"width": 1280, "height": 900},
    )
    yield context
    await context.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"The page threw JavaScript errors: {errors}"


@pytest.fixture
async def manager_page(context: BrowserContext, page: Page) -> Page:
    """A page signed in as the first organisation's manager (not yet navigated)."""
    await sign_in(context, MANAGER)
    return page


@pytest.fixture(params=["desktop", "phone"])
async def sized_page(request: pytest.FixtureRequest, manager_page: Page) -> Page:
    """The signed-in manager's page at desktop width (1280 px) and at a phone's 390 px."""
    if request.param == "phone":
        await manager_page.set_viewport_size(PHONE)
    return manager_page
