"""The HTML pages for people: the landing page, a thing's page, the query page and the charts."""

from __future__ import annotations

import json

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from bytedance_kg.pipeline.sentences import split_sentences
from bytedance_kg.project.graphs import (
    ASSERTED_GRAPHS,
    FULL_GRAPHS,
    QUERY_GRAPHS,
    VOID_GRAPH,
    WITH_IMPLIED_GRAPHS,
)
from bytedance_kg.query.describe import describe
from bytedance_kg.server.browse import finder
from bytedance_kg.server.charts import org_chart_html, org_chart_svg, timeline_html, timeline_svg
from bytedance_kg.server.documents import search_summary
from bytedance_kg.server.site import DOC_FORMATS, Site, error_response, script_safe
from bytedance_kg.server.summary import links_here, property_rows, quoted_sentences, summary
from bytedance_kg.sparql.querying import compact


def thing_page(site: Site, thing: ox.NamedNode, stem: str) -> Response:
    description = describe(site.run(WITH_IMPLIED_GRAPHS), thing, site.run(FULL_GRAPHS))
    found = finder(site)
    sentences = site.per_release("sentences", lambda: split_sentences(site.article))
    jsonld = search_summary(site, thing)
    return site.page(
        "thing.html",
        description=description,
        summary=summary(description, found),
        rows=property_rows(description),
        links=links_here(description),
        quoted=quoted_sentences(description.quotes, sentences, site.article, found),
        stem=stem,
        compact=compact,
        jsonld=script_safe(jsonld.decode("utf-8")),
        formats=DOC_FORMATS,
    )


def _counts(site: Site) -> dict[str, int]:
    rows = (
        site.backend.outcome(f"""
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?triples ?entities ?classes ?properties WHERE {{
          GRAPH <{VOID_GRAPH}> {{
            <https://w3id.org/bytedance-kg/id/dataset> void:triples ?triples ; void:entities ?entities ;
              void:classes ?classes ; void:properties ?properties }} }}""").rows
        or []
    )
    return {k: int(v.value) for k, v in rows[0].items()} if rows else {}


def landing(request: Request) -> Response:
    site: Site = request.app.state.site
    examples = [
        "id/person/liang-rubo",
        "id/unit/flow",
        "id/membership/hong-dingkun-technical-lead-flow",
        "id/event/all-staff-meeting-2025",
        "id/observation/deepseek-app-dau-21-days",
    ]
    return site.page(
        "landing.html",
        counts=_counts(site),
        examples=examples,
        queries=list(site.catalogue.values()),
        org_chart=org_chart_html(site.run(ASSERTED_GRAPHS), site.href),
        timeline=timeline_html(site.run(ASSERTED_GRAPHS), site.href),
    )


def query_page(request: Request) -> Response:
    site: Site = request.app.state.site
    saved = site.catalogue.get(request.query_params.get("name", ""))
    queries = {
        q.name: {"question": q.question, "text": q.text, "graphs": QUERY_GRAPHS[q.graph]}
        for q in site.catalogue.values()
    }
    return site.page(
        "query.html", saved=saved, queries=queries, queries_json=script_safe(json.dumps(queries))
    )


def chart(request: Request) -> Response:
    site: Site = request.app.state.site
    draw = {"org-chart.svg": org_chart_svg, "timeline.svg": timeline_svg}.get(request.path_params["name"])
    if draw is None:
        return error_response(request, 404, "no such picture")
    svg = draw(
        site.run(ASSERTED_GRAPHS),
        lambda iri: iri if iri.lower().startswith(("http://", "https://")) else None,
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="{request.path_params["name"]}"'},
    )
