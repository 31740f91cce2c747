"""The landing page's charts in a real browser, at a desktop width (1280 px) and a phone's (390 px):
the page does not scroll sideways, each chart shows once and at its own size, every label lies inside
its box as the browser measures it (getBBox) and none is cut short, every unit and every dated event is
drawn and linked, ids are unique, and the charts' styles touch nothing of the page around them.
Screenshots of the page at both widths are saved in ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from tests.conftest import ARTIFACTS
from tests.test_browser import dated_events

WIDTHS = (1280, 390)
FIGURES = {"org": "g.oc-unit", "time": "g.tl-event"}
"""Each chart's section heading id, and the group that draws one thing (a unit, an event) in it."""

MEASURE = """([figure, item]) => {
  const visible = [...figure.querySelectorAll('svg')].filter(s => getComputedStyle(s).display !== 'none');
  const svg = visible[0];
  const box = e => { const b = e.getBBox(); return {x: b.x, y: b.y, w: b.width, h: b.height}; };
  return {
    visible: visible.length,
    scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
    right: svg.getBoundingClientRect().right,
    smallestFont: Math.min(...[...svg.querySelectorAll('tspan, text')].map(
      t => parseFloat(getComputedStyle(t).fontSize))),
    items: [...svg.querySelectorAll(item)].map(g => ({
      title: g.querySelector('title').textContent,
      lines: [...g.querySelectorAll('text tspan')].map(t => t.textContent),
      box: box(g.querySelector('rect')),
      text: box(g.querySelector('text')),
      bar: g.querySelector('rect.tl-bar') ? box(g.querySelector('rect.tl-bar')) : null,
      href: g.closest('a') ? g.closest('a').getAttribute('href') : null,
    })),
  };
}"""


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"]
        and inner["y"] >= outer["y"]
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"]
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"]
    )


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def graph_labels(dist: Path) -> dict[str, set[str]]:
    """What the charts must show, read from the release with rdflib (not through the server): the
    English labels of ByteDance's units (at any depth) and of the events with a latest date."""
    graph = Graph().parse(dist / "bytedance-kg.ttl")
    prefixes = """PREFIX kg: <https://w3id.org/bytedance-kg/ontology#> PREFIX time: <http://www.w3.org/2006/time#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX org: <http://www.w3.org/ns/org#>"""
    units = graph.query(
        prefixes
        + """SELECT DISTINCT ?name WHERE {
                 ?u (org:unitOf|org:subOrganizationOf)+ <https://w3id.org/bytedance-kg/id/org/bytedance> ;
                 rdfs:label ?name FILTER (LANG(?name) = "en") }"""
    )
    events = graph.query(
        prefixes
        + """SELECT DISTINCT ?name WHERE { ?e a/rdfs:subClassOf* kg:Event ; time:hasTime/kg:latestDate ?d ;
                 rdfs:label ?name FILTER (LANG(?name) = "en") }"""
    )
    return {"org": {str(r[0]) for r in units} | {"ByteDance"}, "time": {str(r[0]) for r in events}}


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def landing(browser, server: str, request) -> Iterator[Any]:
    """The landing page at one of :data:`WIDTHS`, failing on any console error (a CSP refusal of a
    chart's inline style among them)."""
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")
    page.screenshot(path=str(ARTIFACTS / f"charts-landing-{width}.png"), full_page=True)
    yield page
    context.close()
    assert errors == [], errors


def test_the_page_does_not_scroll_sideways(landing) -> None:
    viewport = landing.viewport_size["width"]
    assert landing.evaluate("document.documentElement.scrollWidth") == viewport
    for heading in FIGURES:
        chart = landing.evaluate(MEASURE, [landing.locator(f"#{heading} ~ figure").element_handle(), "g"])
        assert chart["right"] <= viewport, heading


@pytest.mark.parametrize("heading", FIGURES)
def test_each_chart_shows_once_at_a_readable_size(landing, heading: str) -> None:
    figure = landing.locator(f"#{heading} ~ figure").element_handle()
    chart = landing.evaluate(MEASURE, [figure, FIGURES[heading]])
    assert chart["visible"] == 1, "one drawing of the chart shows; the others, for other widths, are hidden"
    assert chart["scale"] >= 0.95, "at these widths the chart is drawn at (nearly) its own size"
    assert chart["smallestFont"] * chart["scale"] >= 11, "no text on screen smaller than 11 px"


@pytest.mark.parametrize("heading", FIGURES)
def test_every_label_lies_inside_its_box_and_is_whole(landing, heading: str) -> None:
    figure = landing.locator(f"#{heading} ~ figure").element_handle()
    items = landing.evaluate(MEASURE, [figure, FIGURES[heading]])["items"]
    assert items
    for item in items:
        assert inside(item["text"], item["box"]), (item["title"], item["text"], item["box"])
        if item["bar"] is not None:
            assert inside(item["bar"], item["box"]), item["title"]
            assert not overlap(item["bar"], item["text"]), item["title"]
        label = item["title"].split(": ")[0] if heading == "time" else item["title"]
        shown = "".join(item["lines"]).replace(" ", "")
        assert shown.startswith(label.replace(" ", "")), (label, item["lines"])  # wrapped, never cut
    boxes = [item["box"] for item in items]
    assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]), "boxes overlap"


@pytest.mark.parametrize("heading", FIGURES)
def test_every_unit_and_event_is_drawn_and_linked(landing, heading: str, built) -> None:
    figure = landing.locator(f"#{heading} ~ figure").element_handle()
    items = landing.evaluate(MEASURE, [figure, FIGURES[heading]])["items"]
    titles = {item["title"].split(": ")[0] if heading == "time" else item["title"] for item in items}
    assert titles == graph_labels(built[0].dist)[heading]
    if heading == "time":
        assert len(items) == dated_events(built[0].dist)
    hrefs = [item["href"] for item in items]
    assert all(href and href.startswith("/id/") for href in hrefs), hrefs
    assert len(set(hrefs)) == len(hrefs)


def test_ids_are_unique_and_each_chart_names_its_own_title(landing) -> None:
    ids = landing.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    labels = landing.evaluate(
        """[...document.querySelectorAll('figure svg')].map(s => {
             const title = document.getElementById(s.getAttribute('aria-labelledby'));
             return title !== null && title.parentNode === s; })"""
    )
    assert len(labels) >= 2 and all(labels)


def test_the_charts_styles_leave_the_page_alone(landing) -> None:
    """The page's introduction keeps its own font once the charts are in it (the old org chart's
    ``.lead`` rule set it to 11 px grey), and no selector of a chart's stylesheet matches anything
    outside that chart."""
    style = "(s => [s.font, s.color])(getComputedStyle(document.querySelector('p.lead')))"
    with_charts = landing.evaluate(style)
    stray = landing.evaluate(
        """[...document.querySelectorAll('svg style')].flatMap(style =>
             [...style.sheet.cssRules].flatMap(rule =>
               [...document.querySelectorAll(rule.selectorText)].filter(e => {
                 const own = e.closest('svg') && e.closest('svg').querySelector('style');
                 return !own || own.textContent !== style.textContent;
               }).map(e => `${rule.selectorText} matched <${e.tagName}>`)))"""
    )
    assert stray == []
    landing.evaluate("document.querySelectorAll('figure svg').forEach(s => s.remove())")
    assert landing.evaluate(style) == with_charts
