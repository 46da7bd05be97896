"""One organisation's manager never sees another organisation's sessions in the browser."""

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.screens import (
    MANAGER,
    OTHER_MANAGER,
    Api,
    all_session_ids,
    open_session_list,
    range_text,
    shown_ids,
    sign_in,
)

pytestmark = pytest.mark.browser


async def test_other_organisations_manager_sees_only_their_own_sessions(context: BrowserContext, page: Page, api: Api):
    first_org = await all_session_ids(api, MANAGER)
    other_org = await all_session_ids(api, OTHER_MANAGER)
    assert first_org and other_org and not first_org & other_org
    await sign_in(context, OTHER_MANAGER)

    await open_session_list(page, "?page=1&pageSize=100")

    await expect(range_text(page)).to_have_text(f"1–{len(other_org)} of {len(other_org)}")
    assert set(await shown_ids(page)) == other_org


async def test_another_organisations_session_and_mentee_list_are_not_found(
    context: BrowserContext, page: Page, api: Api
):
    someone_elses = min(await all_session_ids(api, MANAGER), key=int)
    await sign_in(context, OTHER_MANAGER)

    await page.goto(f"/sessions/{someone_elses}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Session not found")

    download = await page.request.get(f"/exports/sessions/{someone_elses}/mentees.csv")
    assert download.status == 404
    listed = await page.request.get("/exports/sessions.csv")
    assert str(someone_elses) not in {line.split(",")[0] for line in (await listed.text()).splitlines()[1:]}
