"""The Python and JavaScript examples of docs/api.md, run as a client developer would run them — the
Python one with the `gql` package, the JavaScript one with Node and `graphql-ws` — against a real server,
with an access token."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.factories import make_session
from tests.support.graphql_client import GraphQLClient
from tests.support.live_client import served
from tests.support.session_requests import CREATE, a_desk, from_now, mutate, session_form

ROOT = Path(__file__).resolve().parent.parent
API_DOC = (ROOT / "docs" / "api.md").read_text()
PYTHON_EXAMPLE = re.search(r"```python\n(.*?)```", API_DOC, re.S)
JS_EXAMPLE = re.search(r"```js\n(.*?)```", API_DOC, re.S)
MAKE_TOKEN = """mutation($expiresAt: DateTime!) {
  createAccessToken(name: "Examples", scopes: [READ], expiresAt: $expiresAt) { secret errors { message } } }"""


async def token_for(http: httpx.AsyncClient, email: str) -> str:
    client = await GraphQLClient(http).login(email)
    http.cookies.clear()
    made = await mutate(client, MAKE_TOKEN, expiresAt=from_now(days=7))
    assert made["errors"] == []
    return made["secret"]


def example_environment(base_url: str, token: str) -> dict[str, str]:
    return {**os.environ, "SESSIONDESK_URL": base_url, "SESSIONDESK_TOKEN": token}


async def test_the_python_example_mirrors_the_sessions_the_token_may_see(app, db, tmp_path):
    assert PYTHON_EXAMPLE, "docs/api.md has a ```python example"
    desk = await a_desk()
    titles = ["Planning", "Feedback", "Reading circles"]
    for title in titles:
        await make_session(desk.org, desk.mentor, title=title)
    script = tmp_path / "mirror.py"
    script.write_text(PYTHON_EXAMPLE.group(1))

    async with served(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        token = await token_for(http, desk.manager.email)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            env=example_environment(base_url, token),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)

    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[-1] == "3 sessions"
    assert [line.split(" ", 1)[1] for line in lines[:-1]] == titles


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")  # CI and this machine have it
async def test_the_javascript_example_reads_a_page_and_hears_a_change_live(app, db):
    assert JS_EXAMPLE, "docs/api.md has a ```js example"
    assert (ROOT / "node_modules" / "graphql-ws").is_dir(), "run npm ci (graphql-ws is pinned in package.json)"
    desk = await a_desk()
    await make_session(desk.org, desk.mentor, title="Already there")

    async with served(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        token = await token_for(http, desk.manager.email)
        manager = await GraphQLClient(http).login(desk.manager.email)
        http.cookies.clear()
        # An ES module read from stdin resolves its imports from the working directory's node_modules.
        process = await asyncio.create_subprocess_exec(
            "node",
            "--input-type=module",
            cwd=ROOT,
            env=example_environment(base_url, token),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdin and process.stdout
        process.stdin.write(JS_EXAMPLE.group(1).encode())
        process.stdin.close()
        lines = []
        while "listening" not in lines:
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, (await process.stderr.read()).decode() if process.stderr else "node ended"
            lines.append(line.decode().strip())
        created = await mutate(manager, CREATE, input=session_form(desk.mentor, title="Made while listening"))
        out, err = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 0, err.decode()
    assert lines[0].endswith("Already there")
    assert out.decode().splitlines() == [f"CREATED {created['session']['id']} Made while listening"]
