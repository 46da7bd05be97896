"""After the server says live updates were missed (EVENTS_MISSED: it lost its LISTEN connection a while), the
browser reads what it shows again and listens again (live.js)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, live_on, new_session, row

pytestmark = pytest.mark.browser

RENAME = "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: {title: $t}) { errors { message } } }"


async def test_the_list_catches_up_and_listens_again_after_the_server_says_events_were_missed(
    manager_page: Page, api: Api
):
    page = manager_page
    session = await new_session(api)
    title = session["title"]
    sockets = []
    subscribed: list[str] = []  # the IDs of the page's sessionEvents subscriptions
    losing = False  # the server's messages are lost on the way, as events are during an outage

    async def route(ws) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            sent = json.loads(message)
            if sent.get("type") == "subscribe" and "sessionEvents" in sent["payload"]["query"]:
                subscribed.append(sent["id"])
            server.send(message)

        def to_page(message: str | bytes) -> None:
            if not losing:
                ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)
        sockets.append(ws)

    await page.route_web_socket(re.compile(r"/graphql$"), route)
    await page.goto(f"/workspace/sessions?search={title.replace(' ', '+')}")
    await expect(row(page, session["id"])).to_contain_text(title)
    await live_on(page)

    losing = True
    assert (await api(RENAME, {"id": session["id"], "t": f"{title} missed"}))["updateSession"]["errors"] == []
    losing = False
    missed = {"message": "Live updates were interrupted.", "extensions": {"code": "EVENTS_MISSED"}}
    sockets[-1].send(json.dumps({"id": subscribed[-1], "type": "next", "payload": {"errors": [missed]}}))
    sockets[-1].send(json.dumps({"id": subscribed[-1], "type": "complete"}))

    await expect(row(page, session["id"])).to_contain_text(f"{title} missed")
    # Subscribed again: the next change is heard as it happens.
    assert (await api(RENAME, {"id": session["id"], "t": f"{title} heard"}))["updateSession"]["errors"] == []
    await expect(row(page, session["id"])).to_contain_text(f"{title} heard")
    assert len(subscribed) == 2
