"""The Vocabulary page (vocabulary-page.js) and the pick-lists of the session forms (value-picker.js),
at desktop width and at 390 px."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Api, assert_no_sideways_scroll, new_session, pick_values, unique_title

pytestmark = pytest.mark.browser

VOCABULARY = "{ vocabulary { categories recommendedFor mediums } }"


async def test_a_manager_adds_renames_and_removes_values_and_the_forms_pick_them(sized_page: Page, api: Api):
    page = sized_page
    name = unique_title("Storytelling")
    await page.goto("/workspace")
    await page.get_by_role("link", name="Vocabulary").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vocabulary")
    categories = page.get_by_role("region", name=re.compile("^Categories"))
    await categories.get_by_label("Add a category").fill(f"  {name} ")
    await categories.get_by_role("button", name="Add", exact=True).click()
    await expect(categories.get_by_role("list", name="Categories")).to_contain_text(name)
    await expect(categories.get_by_role("status")).to_have_text(f"“{name}” is added.")
    assert name in (await api(VOCABULARY))["vocabulary"]["categories"]
    await assert_no_sideways_scroll(page)

    renamed = f"{name} and drama"
    await categories.get_by_role("button", name=f"Rename {name}").click()
    await categories.get_by_label(f"New name for {name}").fill(renamed)
    await categories.get_by_role("button", name="Save").click()
    await expect(categories.get_by_role("status")).to_contain_text("on every session")
    await expect(categories.get_by_role("button", name=f"Remove {renamed}")).to_be_visible()

    # The new value is offered by the Create session form, found by typing any case.
    await page.goto("/sessions/new")
    form = page.locator("#create-session-form")
    await pick_values(form, "Categories", renamed.upper()[:14])
    await expect(form.locator("#create-categories-chosen")).to_contain_text(renamed)
    await expect(form.get_by_role("button", name=f"Remove {renamed}")).to_be_visible()
    await form.get_by_role("button", name=f"Remove {renamed}").click()
    await expect(form.locator("#create-categories-chosen")).to_be_hidden()
    await assert_no_sideways_scroll(page)

    await page.goto("/workspace/vocabulary")
    await (
        page.get_by_role("region", name=re.compile("^Categories"))
        .get_by_role("button", name=f"Remove {renamed}")
        .click()
    )
    await page.get_by_role("alertdialog").get_by_role("button", name="Remove").click()
    await expect(page.get_by_role("region", name=re.compile("^Categories")).get_by_role("status")).to_have_text(
        f"“{renamed}” is removed."
    )
    assert renamed not in (await api(VOCABULARY))["vocabulary"]["categories"]


async def test_removing_a_value_sessions_use_says_how_many(sized_page: Page, api: Api):
    page = sized_page
    name = unique_title("Used value")
    await api(
        "mutation($v: String!) { addVocabularyValue(kind: MEDIUM, value: $v) { errors { message } } }", {"v": name}
    )
    await new_session(api, medium=name.lower())  # matched to the list's spelling
    await page.goto("/workspace/vocabulary")
    mediums = page.get_by_role("region", name=re.compile("^Mediums"))
    await mediums.get_by_role("button", name=f"Remove {name}").click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Remove").click()
    await expect(mediums.get_by_role("alert")).to_have_text(
        f"“{name}” cannot be removed: 1 session uses it. Rename it instead, or change those sessions first."
    )
    await expect(mediums.get_by_role("list", name="Mediums")).to_contain_text(name)
