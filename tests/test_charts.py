"""The charts' layouts without a browser: text widths estimated no smaller than the font sets them,
labels wrapped without losing a character, and both charts laid out inside any width from a phone's
to a desktop's, with no box over another, for a tree and a list of events made up here to be harder
than the article's (long words, deep sub-units, many leads)."""

from __future__ import annotations

import re
import string
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bytedance_kg.server.charts import (
    INLINE_STYLES,
    PAD,
    PAGE_WIDTHS,
    ROOT,
    Node,
    org_chart_html,
    org_layout,
    timeline_svg,
)
from bytedance_kg.server.svgtext import Font

pytestmark = pytest.mark.fast
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
SVG = "{http://www.w3.org/2000/svg}"
WIDTHS = range(280, 1300, 41)


@pytest.mark.parametrize("bold", [False, True])
def test_the_estimate_is_never_narrower_than_dejavu_sans(bold: bool) -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")
    path = DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if not path.exists():
        pytest.skip("DejaVu Sans is not installed")
    font = ttlib.TTFont(str(path))
    cmap, advances, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    estimate = Font(100, bold)
    for char in string.printable[:95] + "’…–":
        real = advances[cmap[ord(char)]][0] / em * 100
        assert estimate.width(char) >= real, (char, estimate.width(char), real)


@pytest.mark.parametrize(
    "text, width",
    [
        ("image model group of the first large model team", 120),
        ("Hong Dingkun (technical lead)", 60),
        ("a Donaudampfschifffahrtsgesellschaftskapitän word", 90),
        ("字节跳动 Seed 团队", 40),
        ("short", 500),
    ],
)
def test_wrapping_fits_the_width_and_keeps_every_character(text: str, width: float) -> None:
    font = Font(12)
    lines = font.wrap(text, width)
    assert all(font.width(line) <= width for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert len(lines) == 1 or font.width(text) > width


def test_a_word_wider_than_the_line_is_split_not_cut() -> None:
    font = Font(13, bold=True)
    lines = font.wrap("Donaudampfschifffahrtsgesellschaft", 80)
    assert len(lines) > 2 and "".join(lines) == "Donaudampfschifffahrtsgesellschaft"


def made_up_tree() -> Node:
    """A root with seven units: some with long names, many leads, and sub-units three deep."""
    deep = Node("u/deep", "group", ["Somebody Withaverylongsurname (technical lead)"])
    for level in range(3):
        deep = Node(f"u/deep{level}", f"sub-unit {level} of the research organisation", [], [deep])
    units = [
        Node(f"u/{i}", name, [f"Person {j} (lead of {name})" for j in range(i % 4)])
        for i, name in enumerate(
            ["AI", "Seed", "the inaugural large model team of the company", "Flow", "X", "Doubao", "Lab"]
        )
    ]
    units[2].children.append(deep)
    return Node("root", "ByteDance", [], units)


def walk(node: Node) -> list[Node]:
    return [node] + [n for c in node.children for n in walk(c)]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_org_chart_fits_every_width_and_no_box_covers_another(width: int) -> None:
    tree = made_up_tree()
    layout = org_layout(tree, width)
    assert sorted(b.node.iri for b in layout.boxes) == sorted(n.iri for n in walk(tree))
    for box in layout.boxes:
        assert 0 <= box.x and box.x + box.width <= width and box.bottom <= layout.height
        assert all(line.indent + line.font.width(line.text) <= box.width - 2 * PAD for line in box.lines)
    for i, a in enumerate(layout.boxes):
        for b in layout.boxes[i + 1 :]:
            apart = a.x + a.width <= b.x or b.x + b.width <= a.x or a.bottom <= b.y or b.bottom <= a.y
            assert apart, (a.node.label, b.node.label)
    where = {b.node.iri: b for b in layout.boxes}
    for node in walk(tree):
        for child in node.children:
            assert where[child.iri].y > where[node.iri].y  # the tree grows down


def fake_run(rows: list[dict[str, Any]], leads: list[dict[str, Any]] | None = None) -> Any:
    """A stand-in for the SPARQL runner: ``rows`` for the units' (or the events') query, ``leads`` for
    the memberships' (the only query without ``?parent`` or ``?event``)."""
    return lambda query: SimpleNamespace(
        rows=rows if "?parent" in query or "?event" in query else leads or []
    )


def value(text: str) -> SimpleNamespace:
    return SimpleNamespace(value=text)


def made_up_events() -> list[dict[str, Any]]:
    return [
        {
            "event": value(f"e/{i}"),
            "label": value(label),
            "when": value("some time"),
            "latest": value(f"{2000 + 3 * i}-12-31"),
        }
        | ({"earliest": value(f"{2000 + 2 * i}-01-01")} if i % 3 else {})
        for i, label in enumerate(
            [
                "an event",
                "a much longer event with a label that runs across most of the line",
                "x" * 70,
                "end",
            ]
        )
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_timeline_fits_every_width(width: int) -> None:
    svg = ET.fromstring(timeline_svg(fake_run(made_up_events()), lambda iri: "/" + iri, width))
    assert svg.get("viewBox") == f"0 0 {width} {svg.get('height')}"
    rows = svg.findall(f".//{SVG}rect[@class='tl-row']")
    bars = svg.findall(f".//{SVG}rect[@class='tl-bar']")
    assert len(rows) == len(bars) == 4
    for row, bar in zip(rows, bars, strict=True):
        x, w = float(row.get("x", 0)), float(row.get("width", 0))
        assert 0 <= x and x + w <= width
        assert x <= float(bar.get("x", 0)) and float(bar.get("x", 0)) + float(bar.get("width", 0)) <= x + w
    tops = [float(r.get("y", 0)) for r in rows]
    bottoms = [t + float(r.get("height", 0)) for t, r in zip(tops, rows, strict=True)]
    assert all(bottoms[i] <= tops[i + 1] for i in range(len(rows) - 1))
    years = [int(t.text or 0) for t in svg.findall(f".//{SVG}text[@class='tl-year']")]
    xs = [float(t.get("x", 0)) for t in svg.findall(f".//{SVG}text[@class='tl-year']")]
    room = Font(12).width("0000")
    assert years and all(b - a >= room for a, b in zip(xs, xs[1:], strict=False)), "year labels overlap"


def test_the_page_gets_one_drawing_per_width_each_with_its_own_title_id() -> None:
    rows = [{"unit": value("u/1"), "name": value("Seed"), "parent": value(ROOT)}]
    leads = [{"unit": value("u/1"), "name": value("Someone"), "role": value("head")}]
    markup = org_chart_html(fake_run(rows, leads), lambda iri: None)
    assert "Someone (head)" in markup
    ids = re.findall(r'id="([^"]+)"', markup)
    assert len(ids) == len(set(ids)) == len(PAGE_WIDTHS)
    for variant, width in PAGE_WIDTHS.items():
        assert f'class="chart-fit chart-{variant}" ' in markup and f'width="{width}"' in markup
    styles = re.findall(r"<style>(.*?)</style>", markup, re.S)
    assert styles and all(style in INLINE_STYLES for style in styles)
    selectors = re.findall(r"^\s*([^{]+?)\s*\{", "".join(styles), re.M)
    assert all(re.fullmatch(r"\.oc-[\w-]+(:hover)?( (rect|\.oc-[\w-]+))?", s) for s in selectors), selectors
