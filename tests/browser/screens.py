"""What the browser tests look at on each screen, and what they ask the API to know what to expect."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import BrowserContext, Download, Locator, Page, expect

MANAGER = "manager@example.org"
OTHER_MANAGER = "manager@other.example.org"
PASSWORD = "demo1234"

SESSION_LIST = "/workspace/sessions"
IST = ZoneInfo("Asia/Kolkata")


@dataclass
class Api:
    """GraphQL as a given person (bearer token), to learn what the browser should show."""

    http: httpx.AsyncClient
    tokens: dict[str, str]

    async def __call__(self, query: str, variables: dict | None = None, *, email: str = MANAGER) -> dict:
        if email not in self.tokens:
            login = await self._post(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token errors { message } } }",
                {"e": email, "p": PASSWORD},
            )
            self.tokens[email] = login["login"]["token"]
            self.http.cookies.clear()  # the login also set a cookie; requests here use the bearer token only
        return await self._post(query, variables or {}, self.tokens[email])

    async def _post(self, query: str, variables: dict, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]


SESSIONS_QUERY = """
query($filter: SessionFilter, $search: String, $sort: SessionSort, $page: Int!, $pageSize: Int!) {
  sessions(filter: $filter, search: $search, sort: $sort, page: $page, pageSize: $pageSize) {
    totalCount
    items { id title status timeZone menteeCount enrolledCount invitedCount startsAt mentor { id name } }
  }
}"""


async def api_sessions(api: Api, *, email: str = MANAGER, page: int = 1, page_size: int = 100, **arguments) -> dict:
    """The `sessions` page the API gives for these arguments (filter, search, sort)."""
    variables = {"page": page, "pageSize": page_size, **arguments}
    return (await api(SESSIONS_QUERY, variables, email=email))["sessions"]


async def all_session_ids(api: Api, email: str) -> set[str]:
    ids: set[str] = set()
    page = 1
    while True:
        found = await api_sessions(api, email=email, page=page)
        ids |= {s["id"] for s in found["items"]}
        if len(ids) >= found["totalCount"]:
            return ids
        page += 1


async def sign_in(context: BrowserContext, email: str = MANAGER) -> None:
    """Sign the browser context in through the API, as the sign-in form would (sets the cookie)."""
    response = await context.request.post(
        "/graphql",
        data={
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { errors { message } } }",
            "variables": {"e": email, "p": PASSWORD},
        },
        headers={"X-Requested-With": "fetch"},
    )
    assert (await response.json())["data"]["login"]["errors"] == []


def ist(iso: str) -> str:
    """DD-MM-YYYY HH:MM in IST, as the app shows an instant."""
    return datetime.fromisoformat(iso).astimezone(IST).strftime("%d-%m-%Y %H:%M")


def rows(page: Page) -> Locator:
    return page.locator("#session-results tbody tr")


def row(page: Page, session_id: str) -> Locator:
    return page.locator(f'#session-results tbody tr[data-session-id="{session_id}"]')


def range_text(page: Page) -> Locator:
    return page.locator("#session-range")


async def shown_ids(page: Page) -> list[str]:
    return await rows(page).evaluate_all("trs => trs.map(tr => tr.dataset.sessionId)")


async def open_session_list(page: Page, query: str = "", *, all_sessions: bool = True) -> None:
    """The list; by default with every session (`view=all`), as the API counts them without a filter.
    The list's own first view ("Upcoming and live, soonest first") is tested in test_list_view.py."""
    if all_sessions and "view=" not in query:
        query = f"{query}&view=all" if query.startswith("?") else "?view=all"
    await page.goto(SESSION_LIST + query)
    await list_loaded(page)


async def list_loaded(page: Page) -> None:
    """The list has finished loading: a table or an empty message, nothing busy."""
    await expect(page.locator("#session-list")).to_be_visible()
    await expect(page.locator("#session-list")).not_to_have_attribute("aria-busy", "true")
    await expect(
        page.locator("#session-results table, #session-results .empty, #session-results [role=alert]").first
    ).to_be_visible()


def filter_checkbox(page: Page, group: str, option: str) -> Locator:
    """A checkbox of the Filters panel, by its group's legend and its option's label."""
    return page.locator("#filters-panel").get_by_role("group", name=group).get_by_role("checkbox", name=option)


async def apply_filters(page: Page, *ticks: tuple[str, str]) -> None:
    await page.get_by_role("button", name="Filters").click()
    for group, option in ticks:
        await filter_checkbox(page, group, option).check()
    await page.locator("#filters-panel").get_by_role("button", name="Apply").click()
    await list_loaded(page)


def chip(page: Page, text: str) -> Locator:
    return page.get_by_role("list", name="Applied filters").get_by_role("button", name=text)


async def downloaded_csv(download: Download) -> list[dict[str, str]]:
    """A downloaded CSV's rows as dictionaries (the header row gives the keys; the BOM is dropped)."""
    text = Path(await download.path()).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


async def downloaded_header(download: Download) -> list[str]:
    text = Path(await download.path()).read_text(encoding="utf-8-sig")
    return next(csv.reader(io.StringIO(text)))


# --- sessions of their own, for the tests that change data ----------------------------------------
# The live server is shared by the whole run, so a test that edits, deletes or uploads makes its own
# sessions: far in the future (past every demo session), one 3-hour slot each, so no mentor clashes.

_slots = itertools.count()

CREATE_SESSION = """mutation($input: CreateSessionInput!) {
  createSession(input: $input) { session { id title startsAt } errors { field message } }
}"""


def free_start(days_ahead: int = 60) -> datetime:
    """A start (UTC) no other test uses."""
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    return base + timedelta(hours=3 * next(_slots))


def unique_title(words: str) -> str:
    return f"{words} {uuid.uuid4().hex[:6]}"


async def people(api: Api, kind: str) -> list[dict]:
    """The organisation's mentors or mentees ('Mentors' / 'Mentees'), as the pickers find them."""
    return (await api(f"{{ people: find{kind}(first: 50) {{ id name email }} }}"))["people"]


async def new_session(api: Api, **overrides) -> dict:
    """A fresh upcoming public session of the first organisation (BigBlueButton, 60 minutes, no mentees)."""
    mentor = (await people(api, "Mentors"))[0]
    payload = {
        "title": unique_title("Browser test session"),
        "description": "Made by a browser test.",
        "type": "PUBLIC",
        "mentorId": mentor["id"],
        "startsAt": free_start().isoformat(),
        "timeZone": "IST",
        "durationMinutes": 60,
        "recommendedFor": ["Teachers"],
        "categories": ["Communication"],
        "medium": "English",
        **overrides,
    }
    created = (await api(CREATE_SESSION, {"input": payload}))["createSession"]
    assert created["errors"] == [], created["errors"]
    return {**created["session"], "mentor": mentor}


async def pick_values(scope: Locator | Page, label: str, *typed: str) -> None:
    """Choose values in a pick-list (value-picker.js) by typing part of each and taking the first match,
    once one is offered (the form reads the lists of values after it is shown)."""
    box = scope.get_by_role("combobox", name=label, exact=True)
    offered = scope.locator(f"#{await box.get_attribute('aria-controls')}").get_by_role("option", disabled=False)
    for text in typed:
        await box.fill(text)
        await expect(offered.first).to_be_visible()
        await box.press("ArrowDown")
        await box.press("Enter")


async def assert_no_sideways_scroll(page: Page) -> None:
    """The page is no wider than the window: nothing needs scrolling sideways."""
    widths = await page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


async def accessibility_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page as it is now, one line each (rule, nodes, help).
    axe-core is installed from npm by scripts/setup test (package.json); it is evaluated in the page
    by the test, not served by the app."""
    assert AXE.exists(), f"{AXE} is missing; run scripts/setup test (it runs npm ci)"
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text())
    result = await page.evaluate(
        """async () => {
          const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
          const found = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
          const where = (v) => v.nodes.map((n) => n.target.join(' ')).join(', ');
          return found.violations.map((v) => `${v.id}: ${v.help} — ${where(v)}`);
        }"""
    )
    return result


# The bulk upload file the browser tests upload.
HEADER = [
    "Action",
    "ID",
    "Title",
    "Description",
    "Type",
    "Mentor",
    "Mentees",
    "Date",
    "Time Zone",
    "Time",
    "Duration",
    "Recommended For",
    "Categories",
    "Medium",
    "Meeting Platform",
    "Meeting Link",
    "Meeting Passcode",
]


async def open_bulk_tab(page: Page) -> Locator:
    """The Bulk upload tab, once its history of uploads is shown: "Check only" has its first state then (a
    manager's first upload starts checked), so a click on it is not undone by that."""
    await page.goto("/workspace/sessions?tab=bulk")
    tab = page.locator("#bulk-upload-tab")
    await expect(tab.locator("#bulk-history-body > *")).not_to_have_count(0)
    return tab


def upload_file(mentor_email: str, title: str) -> bytes:
    """One valid Create row (row 2) and one invalid Create row (row 3: no title, 10 minutes, Zoom without link)."""
    valid_start = free_start(days_ahead=120).astimezone(IST)
    invalid_start = free_start(days_ahead=120).astimezone(IST)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerow(
        [
            "Create",
            "",
            title,
            "Made by the bulk upload browser test.",
            "Public",
            mentor_email,
            "",
            valid_start.strftime("%d-%m-%Y"),
            "IST",
            valid_start.strftime("%H:%M"),
            "60",
            "Teachers",
            "Communication, Life skills",
            "English",
            "BigBlueButton",
            "",
            "",
        ]
    )
    writer.writerow(
        [
            "Create",
            "",
            "",
            "A row with problems.",
            "Public",
            mentor_email,
            "",
            invalid_start.strftime("%d-%m-%Y"),
            "IST",
            invalid_start.strftime("%H:%M"),
            "10",
            "Teachers",
            "Communication",
            "English",
            "Zoom",
            "",
            "",
        ]
    )
    return out.getvalue().encode()


# A phone held upright (the size of a common one), for the layout checks of small screens.
PHONE = {"width": 390, "height": 844}


async def live_on(page: Page) -> None:
    """The page's live connection is up and subscribed."""
    await expect(page.locator("html")).to_have_attribute("data-live", "on")
    await expect(page.locator("#live-status")).to_have_text("Live")
