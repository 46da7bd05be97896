"""GraphiQL at /graphql works without the internet: every file comes from the app (backend/graphiql.py,
pinned npm packages with their licences), under the app's Content-Security-Policy."""

import pytest
from playwright.async_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser


async def test_graphiql_loads_and_runs_a_query_with_no_internet(
    context: BrowserContext, manager_page: Page, live_server: str
):
    page = manager_page
    outside: list[str] = []
    problems: list[str] = []

    async def only_the_app(route) -> None:
        if route.request.url.startswith(live_server):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_app)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    response = await page.goto("/graphql")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    await expect(editor).to_be_visible()
    await page.evaluate(
        "() => document.querySelector('.graphiql-query-editor .CodeMirror')"
        ".CodeMirror.setValue('{ vocabulary { mediums } }')"
    )
    await page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
    await expect(page.locator(".graphiql-response")).to_contain_text('"mediums"')
    await expect(page.locator(".graphiql-response")).to_contain_text("English")
    assert outside == []
    blocked = [p[:60] + " … " + p[-160:] for p in problems if "Content Security Policy" in p]
    assert not blocked, "\n".join(blocked)


@pytest.mark.parametrize("name", ["react-LICENSE.txt", "react-dom-LICENSE.txt", "graphiql-LICENSE.txt"])
async def test_the_licences_of_the_served_packages_are_served_too(page: Page, name: str):
    response = await page.request.get(f"/graphiql/{name}")
    assert response.ok and "MIT License" in await response.text()
