"""The article read through its graph, in a real headless browser: from the landing page to the
article, from a mark to the page of a fact it supports; hovering or focusing a mark shows the facts
the graph derives from its quotes (asked of the served SPARQL endpoint); every sentence shows its
count; at 1280 and 390 px wide the page does not scroll sideways and the panel opens where it can
be used. Screenshots are saved in ``test-artifacts/``."""

from __future__ import annotations

import re

import httpx

from tests.conftest import ARTIFACTS

PAGE = "/doc/source/bytedance-on-deepseeks-impact.html"


def labels_of_facts(server: str, quotes: list[str]) -> set[str]:
    """The labels of the facts derived from ``quotes``, asked of the served endpoint (every graph)."""
    values = " ".join(f"<{q}>" for q in quotes)
    query = f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?label WHERE {{ VALUES ?quote {{ {values} }}
          GRAPH ?g {{ ?fact prov:wasDerivedFrom ?quote }} GRAPH ?h {{ ?fact rdfs:label ?label }} }}"""
    answer = httpx.get(
        server + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200
    return {b["label"]["value"] for b in answer.json()["results"]["bindings"]}


def tip_lines(page) -> list[str]:
    return [line.strip() for line in page.locator("#article-tip li").all_text_contents()]


def test_from_the_landing_page_a_mark_leads_to_a_fact_it_supports(page, server: str) -> None:
    page.goto(server + "/")
    page.get_by_role("link", name="Read the article through its graph").click()
    page.wait_for_url("**" + PAGE)
    mark = page.locator("mark.quoted:not([data-facts='0'])").nth(3)
    entry = page.locator("#" + mark.get_attribute("data-entry"))
    assert not entry.is_visible()  # the panel shows the selected passage only
    mark.locator("a").click()
    assert entry.is_visible() and page.locator("li.entry:visible").count() == 1
    assert page.evaluate("document.activeElement.id") == entry.get_attribute("id")
    assert page.url.endswith("#" + entry.get_attribute("id"))
    supported = labels_of_facts(server, mark.get_attribute("data-quotes").split())
    listed = {text.strip() for text in entry.locator("li.fact > a").all_text_contents()}
    assert listed == supported
    link = entry.locator("li.fact > a").first
    label = link.text_content()
    link.click()
    page.wait_for_url("**/doc/**.html")
    assert page.locator("h1").text_content() == label
    assert page.locator("main blockquote mark").count() >= 1  # the fact's page quotes the article back


def test_hover_and_focus_show_the_facts_of_a_mark(page, server: str) -> None:
    page.goto(server + PAGE)
    tip = page.locator("#article-tip")
    assert tip.is_hidden()
    marks = page.locator("mark.quoted").all()
    mark = next(m for m in marks if 1 < int(m.get_attribute("data-facts")) <= 8)
    mark.hover()
    assert tip.is_visible()
    assert set(tip_lines(page)) == labels_of_facts(server, mark.get_attribute("data-quotes").split())
    tip_box, mark_box = tip.bounding_box(), mark.bounding_box()
    assert tip_box["y"] >= mark_box["y"] + mark_box["height"] - 1  # below the words, not over them
    page.mouse.move(5, 5)
    assert tip.is_hidden()

    for _ in range(12):  # the keyboard reaches the marks: skip link, site links, then the article
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement.closest('mark.quoted')")
        if page.evaluate("m => m && Number(m.dataset.facts) > 0", focused):
            break
    quotes = page.evaluate("m => m.dataset.quotes", focused).split()
    assert tip.is_visible()
    assert set(tip_lines(page)) <= labels_of_facts(server, quotes)
    assert len(tip_lines(page)) >= 1
    page.keyboard.press("Escape")
    assert tip.is_hidden()


def test_every_sentence_shows_its_count_and_only_quoted_ones_carry_marks(page, server: str) -> None:
    page.goto(server + PAGE)
    sentences = page.locator(".sentence")
    assert sentences.count() >= 20
    for sentence in sentences.all():
        visible = sentence.locator(".count").inner_text()
        assert re.sub(r"\D", "", visible) == sentence.get_attribute("data-facts")
        has_marks = sentence.locator("mark.quoted").count() > 0
        assert has_marks == ("plain" not in sentence.get_attribute("class").split())


def test_at_1280_and_390_pixels_the_page_fits_and_the_panel_is_usable(browser, server: str) -> None:
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server + PAGE)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"article-{width}.png"), full_page=True)

        mark = page.locator("mark.quoted:not([data-facts='0'])").nth(6)
        mark.locator("a").click()
        panel = page.locator("#graph-panel")
        page.wait_for_function(  # the sheet slides in on a narrow screen
            "() => document.getElementById('graph-panel').getBoundingClientRect().bottom <= innerHeight + 1"
        )
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        if width < 600:  # a sheet over the lower part of the screen, the words above it
            assert box["y"] + box["height"] <= height + 1 and box["y"] >= height * 0.4
            assert mark.bounding_box()["y"] < box["y"]
        else:  # beside the text
            text = page.locator("article.text").bounding_box()
            assert box["x"] >= text["x"] + text["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"article-{width}-selected.png"))
        page.get_by_role("button", name="Close").click()
        assert page.evaluate("document.activeElement.closest('mark') !== null")
        assert page.locator("li.entry:visible").count() == 0
        context.close()
        assert errors == [], errors
