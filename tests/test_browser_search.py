"""Finding things in a real browser: the search box on the landing page suggests as one types and
leads to a person's page; the search, index, dataset and downloads pages and a person's page fit a
phone's width. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS


def test_typing_zhu_on_the_landing_page_leads_to_zhu_juns_page(page, server: str) -> None:
    page.goto(server + "/")
    page.locator("#site-search-q").fill("zhu")
    suggestions = page.locator("#site-search-suggestions")
    suggestions.get_by_role("link", name="Zhu Jun", exact=True).wait_for()
    assert {"Zhu Jun", "Zhu Wenjia"} <= set(suggestions.locator("a").all_text_contents())
    page.screenshot(path=str(ARTIFACTS / "search-suggestions.png"))
    suggestions.get_by_role("link", name="Zhu Jun", exact=True).click()
    page.wait_for_url("**/doc/person/zhu-jun.html")
    assert page.locator("h1").text_content() == "Zhu Jun"
    assert "overseeing product development of Flow" in page.locator("#glance ~ ul").text_content()


def test_escape_closes_the_suggestions_and_arrow_down_reopens_them(page, server: str) -> None:
    page.goto(server + "/")
    box = page.locator("#site-search-q")
    box.fill("zhu")
    suggestions = page.locator("#site-search-suggestions")
    suggestions.get_by_role("link", name="Zhu Jun", exact=True).wait_for()
    box.press("Escape")
    assert suggestions.is_hidden() and box.get_attribute("aria-expanded") == "false"
    # the text stays: a search field clears itself on Escape, which fired an input event whose
    # suggestions, 120 ms later, closed the list ArrowDown had reopened (and took its focus)
    assert box.input_value() == "zhu"
    box.press("ArrowDown")
    suggestions.wait_for(state="visible", timeout=5000)  # the key's handler may run after press returns
    assert box.get_attribute("aria-expanded") == "true"
    expect(suggestions.locator("a").first).to_be_focused(timeout=5000)
    page.wait_for_timeout(400)  # past the suggestions' 120 ms: nothing closes the list behind the user
    expect(suggestions.locator("a").first).to_be_focused(timeout=100)
    box.focus()
    box.press("Escape")  # the list is open: closed, the text kept
    box.press("Escape")  # closed already: the field's own Escape clears it
    assert box.input_value() == "" and suggestions.is_hidden()
    box.press("ArrowDown")  # the old suggestions are not the empty box's
    page.wait_for_timeout(300)
    assert suggestions.is_hidden()


def test_enter_opens_the_full_results(page, server: str) -> None:
    page.goto(server + "/id/")
    page.locator("#site-search-q").fill("flow")
    page.locator("#site-search-q").press("Enter")
    page.wait_for_url("**/search?q=flow")
    assert page.locator("ol.hits li").first.locator("a").text_content() == "Flow"


def test_the_ontology_page_has_the_search_box_too(page, server: str) -> None:
    page.goto(server + "/ontology.html")
    page.locator("#site-search-q").fill("flow")
    suggestions = page.locator("#site-search-suggestions")
    suggestions.get_by_role("link", name="Flow", exact=True).wait_for()
    page.screenshot(path=str(ARTIFACTS / "ontology-search.png"))
    suggestions.get_by_role("link", name="Flow", exact=True).click()
    page.wait_for_url("**/doc/unit/flow.html")


@pytest.mark.parametrize(
    "path",
    [
        "/ontology.html",
        "/search?q=zhu",
        "/id/",
        "/id/person/",
        "/doc/dataset.html",
        "/dist/",
        "/doc/person/liang-rubo.html",
    ],
)
def test_the_finding_pages_fit_a_phone(browser, server: str, path: str) -> None:
    # is_mobile: a phone lays out a page without a viewport tag 980 px wide and shrinks it
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    errors: list[str] = []
    phone.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    phone.goto(server + path)
    assert phone.evaluate("document.documentElement.scrollWidth") == 390, path
    assert phone.evaluate("window.innerWidth") == 390, path  # not zoomed out to fit a wider layout
    assert phone.evaluate("document.documentElement.lang") == "en", path
    left = phone.evaluate("document.querySelector('h1').getBoundingClientRect().left")
    assert left < 30, (path, left)  # the text starts at the screen's edge, not after a wide margin
    name = "phone" + path.replace("/", "-").replace("?", "-").replace("=", "-").rstrip("-")
    phone.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert errors == []
