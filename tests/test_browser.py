"""The pages in a real headless browser (Debian's Chromium driven by Playwright): the landing page
draws the org chart and the timeline, links lead to a person's page with its quotes, a saved query
runs and shows the expected rows, and no page logs a JavaScript error. Screenshots are saved in
``test-artifacts/``."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph

from tests.conftest import ARTIFACTS, ROOT


def dated_events(dist: Path) -> int:
    """Events of the asserted file whose time has an upper bound: what the timeline can place."""
    graph = Graph().parse(dist / "bytedance-kg.ttl")
    return len(
        set(
            graph.query("""
        PREFIX kg: <https://w3id.org/bytedance-kg/ontology#> PREFIX time: <http://www.w3.org/2006/time#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?e WHERE { ?e a/rdfs:subClassOf* kg:Event ; time:hasTime/kg:latestDate ?d }""")
        )
    )


def test_landing_page_draws_org_chart_and_timeline(page, server: str, built) -> None:
    page.goto(server + "/")
    org = page.locator("#org ~ figure svg:visible")  # drawn for three widths, one shown at a time
    assert org.count() == 1
    assert org.locator("g.oc-unit").count() >= 8  # the units the article gives as ByteDance's (stated)
    flow = " ".join(org.locator("g.oc-unit", has_text="Flow").locator("tspan").all_text_contents())
    assert flow.startswith("Flow") and "Hong Dingkun (technical lead)" in flow  # lines may wrap
    timeline = page.locator("#time ~ figure svg:visible")
    assert timeline.count() == 1
    assert timeline.locator("g.tl-event").count() == dated_events(built[0].dist) >= 9
    assert timeline.locator("g.tl-event.tl-vague").count() >= 4
    assert page.locator("main").count() == 1 and page.locator("nav").count() >= 1


def test_links_reach_a_persons_page_with_quotes(page, server: str) -> None:
    page.goto(server + "/")
    page.locator("#org ~ figure svg:visible a", has_text="Flow").first.click()
    page.wait_for_url("**/doc/unit/flow.html")
    page.get_by_role("link", name="Hong Dingkun, technical lead of Flow").first.click()
    page.wait_for_url("**/doc/membership/hong-dingkun-technical-lead-flow.html")
    page.locator("table.props a", has_text="Hong Dingkun").first.click()
    page.wait_for_url("**/doc/person/hong-dingkun.html")
    assert page.locator("h1").text_content() == "Hong Dingkun"
    marks = page.locator("blockquote mark").all_text_contents()
    assert "Hong Dingkun as the technical lead" in marks


def test_a_saved_query_runs_and_shows_the_expected_rows(page, server: str) -> None:
    page.goto(server + "/")
    page.get_by_role("link", name="Who presented at each meeting?").click()
    page.wait_for_selector("table.results tbody tr")
    rows = [
        [cell.text_content() for cell in row.locator("td").all()]
        for row in page.locator("table.results tbody tr").all()
    ]
    expected = json.loads((ROOT / "queries/expected/meeting-presenters.srj").read_text(encoding="utf-8"))
    wanted = [[b[v]["value"] for v in expected["head"]["vars"]] for b in expected["results"]["bindings"]]
    assert sorted(rows) == sorted(wanted)
    assert page.locator(".CodeMirror").count() == 1  # the editor, served by the project itself


def test_phone_sized_screen_and_keyboard(browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "the page itself must not scroll sideways (the charts scroll in their own frame)"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.screenshot(path=str(ARTIFACTS / "phone-landing.png"), full_page=True)
    context.close()


def test_the_content_security_policy_is_enforced_and_the_pages_satisfy_it(browser, server: str) -> None:
    """Every other test here fails on any console error, which is where a browser reports a CSP
    violation: so the pages (CodeMirror included) run under the policy. This one shows the policy
    is in force: an inline script, which no page of ours has, is refused."""
    context = browser.new_context()
    page = context.new_page()
    refusals: list[str] = []
    page.on(
        "console",
        lambda message: refusals.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(server + "/query")
    page.wait_for_selector(".CodeMirror")
    assert refusals == []
    try:
        page.add_script_tag(content="window.injected = true")
    except Exception:  # Playwright reports the refused script as an error too
        pass
    assert page.evaluate("window.injected === undefined")
    assert any("Content Security Policy" in text for text in refusals)
    context.close()
