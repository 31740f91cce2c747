"""Pictures drawn from the graph, as SVG: the org chart of ByteDance's units and their leads, and
the timeline of dated events with vague dates drawn as ranges. Nothing here is drawn by hand:
both read the graph through SPARQL each time they are asked for.

Each chart is laid out for a given width, with every label wrapped inside its box (the widths come
from :mod:`bytedance_kg.server.svgtext`). The landing page gets each chart at every width of
:data:`PAGE_WIDTHS` and its stylesheet (``static/charts.css``) shows the one that fits the screen;
the downloadable SVG is the widest. The charts' styles use only class names prefixed ``oc-`` (org
chart) and ``tl-`` (timeline), so they cannot restyle the page around them, nor the page them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from bytedance_kg.project.namespaces import ALL_PREFIXES, ID
from bytedance_kg.server.phrasing import unbracketed
from bytedance_kg.server.svgtext import Font, Line, block_height, text_block
from bytedance_kg.sparql.querying import QueryOutcome

Run = Callable[[str], QueryOutcome]
Link = Callable[[str], str | None]
PREFIXES = "".join(
    f"PREFIX {p}: <{ALL_PREFIXES[p]}>\n" for p in ("kg", "org", "rdfs", "schema", "skos", "time")
)
ROOT = ID + "org/bytedance"

PAGE_WIDTHS = {"narrow": 342, "medium": 640, "wide": 1104}
"""The widths each chart is laid out at for the landing page, named as ``static/charts.css`` names
them. The page's column is the viewport less 48 px (main's and the figure's padding), at most 1104 px:
the narrow chart fits a 390 px phone exactly; charts.css switches to the medium one from 600 px and to
the wide one from 1000 px, so no chart is drawn smaller than 0.86 of its size on any wider screen."""
DOWNLOAD_WIDTH = PAGE_WIDTHS["wide"]

MARGIN = 8
PAD = 8
"""Space between a box's edge and its text."""
HANG = 10
"""How far a lead's wrapped lines sit right of its first, so that each lead reads as one item."""
NAME, LEAD, LABEL, YEAR = Font(13, bold=True), Font(12), Font(12), Font(12)

ORG_CHART_STYLE = f"""
        .oc-edge {{ fill: none; stroke: #7a869a; stroke-width: 1.5; }}
        .oc-unit rect {{ fill: #eef4ff; stroke: #3b6fd6; stroke-width: 1.5; }}
        .oc-unit:hover rect {{ fill: #dbe7ff; }}
        .oc-name {{ font: {NAME.css}; fill: #10213f; }}
        .oc-lead {{ font: {LEAD.css}; fill: #334; }}"""
TIMELINE_STYLE = f"""
        .tl-row {{ fill: #fff; }}
        .tl-event:hover .tl-row {{ fill: #e4ecfb; }}
        .tl-grid {{ fill: none; stroke: #d0d6e0; }}
        .tl-year {{ font: {YEAR.css}; fill: #445; }}
        .tl-label {{ font: {LABEL.css}; fill: #10213f; }}
        .tl-bar {{ fill: #3b6fd6; }}
        .tl-vague .tl-bar {{ fill: #9db8ee; stroke: #3b6fd6; stroke-dasharray: 3 2; }}
        .tl-open .tl-bar {{ fill-opacity: 0.45; stroke-dasharray: 1 3; }}"""
INLINE_STYLES = [ORG_CHART_STYLE, TIMELINE_STYLE, ""]
"""Every ``<style>`` the charts write: the pages' Content-Security-Policy allows exactly these, by hash."""


@dataclass(frozen=True)
class Frame:
    """What an SVG element says about itself: its title, the id that title gets, and for the page,
    which of :data:`PAGE_WIDTHS` it is (None for the standalone download)."""

    name: str
    title: str
    variant: str | None = None

    @property
    def title_id(self) -> str:
        return f"{self.name}-{self.variant}-title" if self.variant else f"{self.name}-title"


def _svg(frame: Frame, width: float, height: float, parts: list[str], style: str) -> str:
    fit = f' class="chart-fit chart-{frame.variant}"' if frame.variant else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}"{fit} role="group" aria-labelledby="{frame.title_id}">'
        f'<title id="{frame.title_id}">{escape(frame.title)}</title>'
        f"<style>{style}</style>{''.join(parts)}</svg>\n"
    )


def _for_page(draw: Callable[[int, str], str]) -> str:
    """The markup the landing page embeds: the chart drawn at each of :data:`PAGE_WIDTHS`."""
    return "".join(draw(width, variant) for variant, width in PAGE_WIDTHS.items())


def _linked(href: str | None, inner: str) -> str:
    return f"<a href={quoteattr(href)}>{inner}</a>" if href else inner


# -- the org chart


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


MIN_COLUMN = 170
"""The narrowest a column of units may be before the units wrap onto another row."""
GAP = 14
"""Between two columns of units."""
INDENT = 18
"""How far a sub-unit sits right of its parent, in the column that grows down from the parent."""
STEM = 9
"""Where, right of a box's left edge, the line down to its sub-units runs (the root's runs to every row)."""
ROW_GAP = 26
"""Between the boxes above and a row of units: the line from the root runs across its middle."""


@dataclass
class Box:
    """A unit's box, placed: its top-left corner, its width and its lines, wrapped to that width."""

    node: Node
    x: float
    y: float
    width: float
    lines: list[Line]

    @classmethod
    def placed(cls, node: Node, x: float, y: float, width: float) -> Box:
        inner = width - 2 * PAD
        lines = [Line(t, NAME, "oc-name") for t in NAME.wrap(node.label, inner)]
        for lead in node.leads:
            wrapped = LEAD.wrap(lead, inner - HANG)
            lines += [Line(t, LEAD, "oc-lead", HANG if i else 0.0) for i, t in enumerate(wrapped)]
        return cls(node, x, y, width, lines)

    @property
    def height(self) -> float:
        return 2 * PAD + block_height(self.lines)

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def svg(self, link: Link) -> str:
        return _linked(
            link(self.node.iri),
            f'<g class="oc-unit"><title>{escape(self.node.label)}</title>'
            f'<rect x="{self.x:.1f}" y="{self.y:.1f}" width="{self.width:.1f}" '
            f'height="{self.height:.1f}" rx="8"/>'
            f"{text_block(self.lines, self.x + PAD, self.y + PAD)}</g>",
        )


@dataclass
class OrgLayout:
    """The boxes and connecting lines (as path data) of an org chart laid out for one width."""

    boxes: list[Box] = field(default_factory=list)
    edges: list[str] = field(default_factory=list)
    height: float = 0.0

    def column(self, node: Node, x: float, y: float, width: float) -> float:
        """Places ``node`` at (x, y) and its sub-units under it, each indented under its parent and
        joined to it by an elbow; returns the bottom of the lowest box."""
        box = Box.placed(node, x, y, width)
        self.boxes.append(box)
        bottom = box.bottom
        for child in node.children:
            top = bottom + GAP
            self.edges.append(
                f"M{x + STEM:.1f} {box.bottom:.1f}V{top + PAD + NAME.line / 2:.1f}H{x + INDENT:.1f}"
            )
            bottom = self.column(child, x + INDENT, top, width - INDENT)
        return bottom


def org_layout(root: Node, width: int) -> OrgLayout:
    """The root at the top left; its units in as many columns as ``width`` holds (each unit's
    sub-units grow down its column), in rows; a line from the root runs down the left edge and
    across above each row to every unit of it."""
    layout = OrgLayout()
    units = root.children
    left = MARGIN + INDENT + STEM
    usable = width - left - MARGIN
    per_row = max(1, min(len(units), int((usable + GAP) // (MIN_COLUMN + GAP))))
    rows = math.ceil(len(units) / per_row)
    per_row = math.ceil(len(units) / rows) if rows else 1
    column_width = (usable - (per_row - 1) * GAP) / per_row
    root_box = Box.placed(root, MARGIN, MARGIN, min(width - 2 * MARGIN, max(column_width, 160)))
    layout.boxes.append(root_box)
    trunk = MARGIN + STEM
    top = root_box.bottom + ROW_GAP
    bus = root_box.bottom
    for r in range(rows):
        row = units[r * per_row : (r + 1) * per_row]
        xs = [left + i * (column_width + GAP) for i in range(len(row))]
        bus = top - ROW_GAP / 2
        layout.edges.append(f"M{trunk:.1f} {bus:.1f}H{xs[-1] + column_width / 2:.1f}")
        layout.edges += [f"M{x + column_width / 2:.1f} {bus:.1f}V{top:.1f}" for x in xs]
        bottom = max(layout.column(unit, x, top, column_width) for unit, x in zip(row, xs, strict=True))
        top = bottom + ROW_GAP
    if rows:
        layout.edges.append(f"M{trunk:.1f} {root_box.bottom:.1f}V{bus:.1f}")
    layout.height = top - ROW_GAP + MARGIN
    return layout


def _org_svg(root: Node, link: Link, width: int, variant: str | None) -> str:
    layout = org_layout(root, width)
    parts = [f'<path class="oc-edge" d="{"".join(layout.edges)}"/>'] + [b.svg(link) for b in layout.boxes]
    frame = Frame(
        "org-chart", "Org chart of ByteDance's units and their leads, drawn from the graph", variant
    )
    return _svg(frame, width, layout.height, parts, ORG_CHART_STYLE)


def org_chart_svg(run: Run, link: Link, width: int = DOWNLOAD_WIDTH) -> str:
    """The org chart as one SVG: one box per unit (with its leads), lines to the parent."""
    return _org_svg(org_tree(run), link, width, None)


def org_chart_html(run: Run, link: Link) -> str:
    """The org chart for the landing page: drawn once for each of :data:`PAGE_WIDTHS`."""
    root = org_tree(run)
    return _for_page(lambda width, variant: _org_svg(root, link, width, variant))


# -- the timeline


@dataclass(frozen=True)
class Event:
    iri: str
    label: str
    when: str
    earliest: dt.date | None
    latest: dt.date

    @property
    def kind(self) -> str:
        """Its CSS classes: a date with no lower bound is open, one wider than a month vague."""
        if self.earliest is None:
            return "tl-event tl-vague tl-open"
        return "tl-event tl-vague" if (self.latest - self.earliest).days > 31 else "tl-event"

    @property
    def title(self) -> str:
        span = (
            f"{self.earliest} to {self.latest}"
            if self.earliest
            else f"no earliest date recorded; by {self.latest}"
        )
        return f"{self.label}: {self.when} ({span})"


def timeline_events(run: Run) -> list[Event]:
    """The events with a latest date, in the order the timeline draws them: by start, then end."""
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
    events = [
        Event(
            r["event"].value,
            r["label"].value,
            r["when"].value,
            dt.date.fromisoformat(r["earliest"].value) if r.get("earliest") is not None else None,
            dt.date.fromisoformat(r["latest"].value),
        )
        for r in rows
    ]
    start = _axis_start(events) if events else dt.date.min
    return sorted(events, key=lambda e: (e.earliest or start, e.latest, e.label))


def undated_events(run: Run, drawn: set[str]) -> list[tuple[str, str, str]]:
    """(IRI, label, words for when) of the events with a time in ``run``'s graph (which holds what
    the article implies) that the timeline, drawn from what it states, leaves out (``drawn``: the
    events it drew): the April 2024 promotion, whose year only the context gives."""
    rows = (
        run(
            PREFIXES
            + """
        SELECT DISTINCT ?event ?label ?when WHERE {
          ?event a/rdfs:subClassOf* kg:Event ; rdfs:label ?label ; time:hasTime/rdfs:label ?when .
          FILTER (LANG(?label) = "en")
        } ORDER BY ?label ?when"""
        ).rows
        or []
    )
    left = {
        r["event"].value: (r["event"].value, r["label"].value, unbracketed(r["when"].value)) for r in rows
    }
    return [row for iri, row in left.items() if iri not in drawn]


def _axis_start(events: list[Event]) -> dt.date:
    lower_bounds = [e.earliest for e in events if e.earliest is not None]
    return dt.date(min(lower_bounds or [e.latest for e in events]).year, 1, 1)


SIDE_BY_SIDE = 560
"""From this width on, labels sit left of the time axis; below it each label sits above its bar."""
BAR = 14
ROW_SPACING = 3
YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100)


@dataclass(frozen=True)
class Axis:
    """The years the timeline spans and where on the drawing they fall."""

    start: dt.date
    last_year: int
    left: float
    right: float

    def x(self, day: dt.date) -> float:
        span = (dt.date(self.last_year, 1, 1) - self.start).days
        return self.left + (self.right - self.left) * (day - self.start).days / span

    def years(self) -> range:
        return range(self.start.year, self.last_year + 1)

    def labelled_years(self) -> list[int]:
        """Every year if their labels fit side by side, else every 2nd, 5th, 10th, ... year."""
        per_year = (self.right - self.left) / max(1, self.last_year - self.start.year)
        room = YEAR.width("0000") + 8
        step = next((s for s in YEAR_STEPS if s * per_year >= room), YEAR_STEPS[-1])
        return [y for y in self.years() if (y - self.start.year) % step == 0]

    def grid(self, top: float, bottom: float) -> str:
        d = "".join(f"M{self.x(dt.date(y, 1, 1)):.1f} {top:.1f}V{bottom:.1f}" for y in self.years())
        return f'<path class="tl-grid" d="{d}"/>'


def _event_row(event: Event, axis: Axis, width: int, top: float, side: bool, link: Link) -> tuple[str, float]:
    """One event's row: a box across the drawing holding its label (wrapped) and its bar, either
    side by side or the label above the bar. Returns its markup and its height."""
    label_width = axis.left - 2 * MARGIN - 2 * PAD if side else width - 2 * MARGIN - 2 * PAD
    lines = [Line(t, LABEL, "tl-label") for t in LABEL.wrap(event.label, label_width)]
    text_h = block_height(lines)
    if side:
        height = max(text_h, BAR) + 2 * PAD
        text = text_block(lines, axis.left - MARGIN - PAD, top + (height - text_h) / 2, anchor="end")
        bar_y = top + (height - BAR) / 2
        band = (top, top + height)
    else:
        height = text_h + BAR + 3 * PAD
        text = text_block(lines, MARGIN + PAD, top + PAD)
        bar_y = top + 2 * PAD + text_h
        band = (bar_y - PAD / 2, bar_y + BAR + PAD / 2)
    start, end = axis.x(event.earliest or axis.start), axis.x(event.latest + dt.timedelta(days=1))
    return (
        _linked(
            link(event.iri),
            f'<g class="{event.kind}"><title>{escape(event.title)}</title>'
            f'<rect class="tl-row" x="{MARGIN}" y="{top:.1f}" width="{width - 2 * MARGIN}" '
            f'height="{height:.1f}" rx="4"/>{axis.grid(*band)}{text}'
            f'<rect class="tl-bar" x="{start:.1f}" y="{bar_y:.1f}" width="{max(end - start, 4):.1f}" '
            f'height="{BAR}" rx="3"/></g>',
        ),
        height,
    )


def _timeline_svg(events: list[Event], link: Link, width: int, variant: str | None) -> str:
    if not events:
        frame = Frame("timeline", "Timeline (no dated events)", variant)
        return _svg(frame, width, 60, ['<text x="10" y="30">No dated events.</text>'], "")
    side = width >= SIDE_BY_SIDE
    edge = MARGIN + YEAR.width("0000") / 2 + 2
    axis = Axis(
        _axis_start(events),
        max(e.latest.year for e in events) + 1,
        min(330, round(width * 0.36)) if side else edge,
        width - edge,
    )
    parts = [
        f'<text x="{axis.x(dt.date(y, 1, 1)):.1f}" y="{MARGIN + YEAR.size:.1f}" class="tl-year" '
        f'text-anchor="middle">{y}</text>'
        for y in axis.labelled_years()
    ]
    top = MARGIN + YEAR.line + 6
    for event in events:
        row, height = _event_row(event, axis, width, top, side, link)
        parts.append(row)
        top += height + ROW_SPACING
    frame = Frame("timeline", "Timeline of the article's dated events; vague dates drawn as ranges", variant)
    return _svg(frame, width, top - ROW_SPACING + MARGIN, parts, TIMELINE_STYLE)


def timeline_svg(run: Run, link: Link, width: int = DOWNLOAD_WIDTH) -> str:
    """Dated events on a time axis; a vague date is a bar from its earliest to its latest day, and a
    date with only an upper bound ("by 2024") a bar from the axis' start, marked open."""
    return _timeline_svg(timeline_events(run), link, width, None)


def timeline_html(run: Run, link: Link) -> str:
    """The timeline for the landing page: drawn once for each of :data:`PAGE_WIDTHS`."""
    events = timeline_events(run)
    return _for_page(lambda width, variant: _timeline_svg(events, link, width, variant))
