"""Pictures drawn from the graph, as SVG: the org chart of ByteDance's units and their leads, and
the timeline of dated events with vague dates drawn as ranges. Nothing here is drawn by hand:
both read the graph through SPARQL each time they are asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from bytedance_kg.project.namespaces import ALL_PREFIXES, ID
from bytedance_kg.sparql.querying import QueryOutcome

Run = Callable[[str], QueryOutcome]
PREFIXES = "".join(
    f"PREFIX {p}: <{ALL_PREFIXES[p]}>\n" for p in ("kg", "org", "rdfs", "schema", "skos", "time")
)
ROOT = ID + "org/bytedance"
ORG_CHART_STYLE = """
        .edge { stroke: #7a869a; stroke-width: 1.5; }
        .unit rect { fill: #eef4ff; stroke: #3b6fd6; stroke-width: 1.5; }
        .unit:hover rect, .unit:focus rect { fill: #dbe7ff; }
        .name { font: bold 13px sans-serif; fill: #10213f; }
        .lead { font: 11px sans-serif; fill: #334; }"""
TIMELINE_STYLE = """
        .grid { stroke: #d0d6e0; }
        .year { font: 12px sans-serif; fill: #445; text-anchor: middle; }
        .label { font: 12px sans-serif; fill: #10213f; text-anchor: end; }
        .event rect { fill: #3b6fd6; }
        .event.vague rect { fill: #9db8ee; stroke: #3b6fd6; stroke-dasharray: 3 2; }
        .event.open rect { fill-opacity: 0.45; stroke-dasharray: 1 3; }"""
INLINE_STYLES = [ORG_CHART_STYLE, TIMELINE_STYLE, ""]
"""Every ``<style>`` the charts write: the pages' Content-Security-Policy allows exactly these, by hash."""


@dataclass
class Node:
    iri: str
    label: str
    leads: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


def org_tree(run: Run) -> Node:
    """ByteDance and its units, each with its parent and the people leading it (and their roles)."""
    units = (
        run(
            PREFIXES
            + f"""
        SELECT ?unit ?name ?parent WHERE {{
          ?unit (org:unitOf|org:subOrganizationOf)+ <{ROOT}> ; org:unitOf|org:subOrganizationOf ?parent ;
            rdfs:label ?name . FILTER (LANG(?name) = "en")
        }} ORDER BY ?name"""
        ).rows
        or []
    )
    leads = (
        run(
            PREFIXES
            + """
        SELECT ?unit ?name ?role WHERE {
          ?m a kg:Membership ; org:organization ?unit ; org:member/schema:name ?name ;
             org:role/skos:prefLabel ?role .
        } ORDER BY ?name ?role"""
        ).rows
        or []
    )
    nodes = {ROOT: Node(ROOT, "ByteDance")}
    for row in units:
        nodes[row["unit"].value] = Node(row["unit"].value, row["name"].value)
    for row in leads:
        if row["unit"].value in nodes and row["unit"].value != ROOT:
            nodes[row["unit"].value].leads.append(f"{row['name'].value} ({row['role'].value})")
    for row in units:
        nodes[row["parent"].value].children.append(nodes[row["unit"].value])
    return nodes[ROOT]


def _width(node: Node, box: int, gap: int) -> int:
    if not node.children:
        return box
    return max(box, sum(_width(c, box, gap) for c in node.children) + gap * (len(node.children) - 1))


def _linked(href: str | None, inner: str) -> str:
    return f"<a href={quoteattr(href)}>{inner}</a>" if href else inner


def org_chart_svg(run: Run, link: Callable[[str], str | None]) -> str:
    """The org chart as SVG: one box per unit (with its leads), lines to the parent."""
    root = org_tree(run)
    box_w, box_h, gap, level_h = 190, 78, 14, 130
    parts: list[str] = []

    def place(node: Node, left: int, depth: int) -> tuple[int, int]:
        width = _width(node, box_w, gap)
        x = left + (width - box_w) // 2
        y = 20 + depth * level_h
        child_left = (
            left
            + (width - (sum(_width(c, box_w, gap) for c in node.children) + gap * (len(node.children) - 1)))
            // 2
        )
        for child in node.children:
            cx, cy = place(child, child_left, depth + 1)
            parts.append(
                f'<line x1="{x + box_w // 2}" y1="{y + box_h}" '
                f'x2="{cx + box_w // 2}" y2="{cy}" class="edge"/>'
            )
            child_left += _width(child, box_w, gap) + gap
        lines = [node.label] + node.leads[:3]
        text = "".join(
            f'<tspan x="{x + 8}" dy="{16 if i else 20}" class="{"name" if i == 0 else "lead"}">'
            f"{escape(_cut(t, 30))}</tspan>"
            for i, t in enumerate(lines)
        )
        parts.append(
            _linked(
                link(node.iri),
                f'<g class="unit"><title>{escape(node.label)}</title>'
                f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="8"/>'
                f'<text x="{x + 8}" y="{y}">{text}</text></g>',
            )
        )
        return x, y

    width = _width(root, box_w, gap) + 40
    depth = _depth(root)
    place(root, 20, 0)
    height = 40 + depth * level_h + box_h
    return _svg(
        width,
        height,
        "Org chart of ByteDance's units and their leads, drawn from the graph",
        parts,
        ORG_CHART_STYLE,
    )


def _depth(node: Node) -> int:
    return 0 if not node.children else 1 + max(_depth(c) for c in node.children)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeline_svg(run: Run, link: Callable[[str], str | None]) -> str:
    """Dated events on a time axis; a vague date is a bar from its earliest to its latest day, and a
    date with only an upper bound ("by 2024") a bar from the axis' start, marked open."""
    rows = (
        run(
            PREFIXES
            + """
        SELECT ?event ?label ?when ?earliest ?latest WHERE {
          ?event a/rdfs:subClassOf* kg:Event ; rdfs:label ?label ; time:hasTime ?time .
          ?time rdfs:label ?when ; kg:latestDate ?latest .
          OPTIONAL { ?time kg:earliestDate ?earliest }
          FILTER (LANG(?label) = "en")
        } ORDER BY ?latest ?earliest ?label"""
        ).rows
        or []
    )
    if not rows:
        return _svg(
            400, 60, "Timeline (no dated events)", ['<text x="10" y="30">No dated events.</text>'], ""
        )
    events = [
        (
            r["event"].value,
            r["label"].value,
            r["when"].value,
            dt.date.fromisoformat(r["earliest"].value) if r.get("earliest") is not None else None,
            dt.date.fromisoformat(r["latest"].value),
        )
        for r in rows
    ]
    lower_bounds = [e[3] for e in events if e[3] is not None]
    axis_start = dt.date(min(lower_bounds or [e[4] for e in events]).year, 1, 1)
    events.sort(key=lambda e: (e[3] or axis_start, e[4], e[1]))
    first_year, last_year = axis_start.year, max(e[4].year for e in events) + 1
    left, axis_w, row_h, top = 330, 560, 26, 40
    span = (dt.date(last_year, 1, 1) - axis_start).days

    def x(day: dt.date) -> float:
        return left + axis_w * (day - axis_start).days / span

    parts = []
    for year in range(first_year, last_year + 1):
        xx = x(dt.date(year, 1, 1))
        parts.append(
            f'<line x1="{xx:.1f}" y1="{top - 10}" x2="{xx:.1f}" '
            f'y2="{top + row_h * len(events)}" class="grid"/>'
        )
        parts.append(f'<text x="{xx:.1f}" y="{top - 16}" class="year">{year}</text>')
    for i, (iri, label, when, earliest, latest) in enumerate(events):
        y = top + i * row_h
        start, end = x(earliest or axis_start), x(latest + dt.timedelta(days=1))
        vague = earliest is None or (latest - earliest).days > 31
        kind = "event vague open" if earliest is None else "event vague" if vague else "event"
        span_text = f"{earliest} to {latest}" if earliest else f"no earliest date recorded; by {latest}"
        parts.append(
            _linked(
                link(iri),
                f'<g class="{kind}">'
                f"<title>{escape(label)}: {escape(when)} ({escape(span_text)})</title>"
                f'<text x="{left - 10}" y="{y + 16}" class="label">{escape(_cut(label, 48))}</text>'
                f'<rect x="{start:.1f}" y="{y + 5}" width="{max(end - start, 4):.1f}" '
                f'height="14" rx="3"/></g>',
            )
        )
    height = top + row_h * len(events) + 20
    return _svg(
        left + axis_w + 30,
        height,
        "Timeline of the article's dated events; vague dates drawn as ranges",
        parts,
        TIMELINE_STYLE,
    )


def _svg(width: int, height: int, title: str, parts: list[str], style: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'role="img" aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>'
        f"<style>{style}</style>{''.join(parts)}</svg>\n"
    )
