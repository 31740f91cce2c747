"""The HTML pages for people: the landing page, a thing's page, the query page and the charts."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from bytedance_kg.pipeline.sentences import split_sentences
from bytedance_kg.project.errors import UsageError
from bytedance_kg.project.graphs import (
    ASSERTED_GRAPHS,
    FULL_GRAPHS,
    QUERY_GRAPHS,
    VOID_GRAPH,
    WITH_IMPLIED_GRAPHS,
)
from bytedance_kg.project.namespaces import ALL_PREFIXES
from bytedance_kg.query.describe import UnknownThing, check_iri_params, describe
from bytedance_kg.server.browse import finder
from bytedance_kg.server.charts import (
    org_chart_html,
    org_chart_svg,
    timeline_events,
    timeline_html,
    timeline_svg,
    undated_events,
)
from bytedance_kg.server.documents import search_summary
from bytedance_kg.server.site import DOC_FORMATS, Site, error_response, script_safe
from bytedance_kg.server.summary import links_here, property_rows, quoted_sentences, summary
from bytedance_kg.sparql.catalogue import SavedQuery
from bytedance_kg.sparql.querying import bind, compact

DEFAULT_QUERY = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?unit ?name
WHERE {
  ?unit org:subOrganizationOf+ <https://w3id.org/bytedance-kg/id/org/bytedance> ;
    rdfs:label ?name .
}
ORDER BY ?name"""
"""What the editor holds when the page opens without a query."""


_OWN_SPAN = """SELECT ?start ?end WHERE {{ {thing} <http://www.w3.org/ns/oa#hasSelector> ?s .
  ?s <http://www.w3.org/ns/oa#start> ?start ; <http://www.w3.org/ns/oa#end> ?end }}"""


def thing_page(site: Site, thing: ox.NamedNode, stem: str) -> Response:
    description = describe(  # the implied marked: a reader is told, as a consumer's query is
        site.run(WITH_IMPLIED_GRAPHS), thing, site.run(FULL_GRAPHS), site.run(ASSERTED_GRAPHS)
    )
    found = finder(site)
    known = found.get(thing.value)
    quotes = description.quotes
    own = site.backend.outcome(_OWN_SPAN.format(thing=thing), WITH_IMPLIED_GRAPHS).rows or []
    if own:  # a quote: its own words, not those of every fact that cites it
        spans = {(int(r["start"].value), int(r["end"].value)) for r in own}
        quotes = [q for q in quotes if (q.start, q.end) in spans]
    sentences = site.per_release("sentences", lambda: split_sentences(site.article))
    jsonld = search_summary(site, thing)
    return site.page(
        "thing.html",
        description=description,
        title=description.label or (known.name if known else "") or description.iri,
        summary=summary(description, found, site.run(WITH_IMPLIED_GRAPHS)),
        rows=property_rows(description, found),
        links=links_here(description, found),
        quoted=quoted_sentences(quotes, sentences, site.article, found),
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
        things=sum(len(kind.things) for kind in finder(site).kinds.values()),
        examples=examples,
        queries=list(site.catalogue.values()),
        org_chart=org_chart_html(site.run(ASSERTED_GRAPHS), site.href),
        timeline=timeline_html(site.run(ASSERTED_GRAPHS), site.href),
        undated=undated_events(
            site.run(WITH_IMPLIED_GRAPHS), {e.iri for e in timeline_events(site.run(ASSERTED_GRAPHS))}
        ),
    )


_EXAMPLE = re.compile(r"for example (\S+?)[;,.]?(?:\s|$)")


def _param_fields(saved: SavedQuery, given: Mapping[str, str]) -> list[dict[str, object]]:
    """The saved query's parameters as form fields: name, type, doc, whether required, the value
    given in the URL and an example (from the doc's "for example ...") for the placeholder."""
    fields: list[dict[str, object]] = []
    for param in saved.params:
        example = _EXAMPLE.search(param.doc)
        fields.append(
            {
                "name": param.name,
                "type": param.type,
                "doc": param.doc,
                "required": param.required,
                "value": given.get(param.name, ""),
                "example": example[1] if example else "",
            }
        )
    return fields


def query_page(request: Request) -> Response:
    """The query page. ``?name=N&<param>=...`` opens saved query N with its parameters bound (the
    catalogue's ``Param``s, bound by :func:`bind` as the command line binds them) and runs it, unless
    a required parameter has no value: then its form is shown and nothing runs. ``?query=TEXT``
    (with ``graph=asserted|full|all``) opens and runs a query of one's own: the link the page
    offers for sharing it."""
    site: Site = request.app.state.site
    given = request.query_params
    saved = site.catalogue.get(given.get("name", ""))
    text, graph, params, problem, status = DEFAULT_QUERY, "", [], "", 200
    autorun = False
    notice = ""
    if given.get("name") and saved is None:
        notice, status = f"There is no saved query named {given['name'][:80]!r}; pick one from the list.", 404
    if "query" in given:
        text, autorun = given["query"], True
        graph = given.get("graph", "") if given.get("graph") in QUERY_GRAPHS else ""
        saved = None
    elif saved is not None:
        params = _param_fields(saved, given)
        assignments = [f"{p['name']}={p['value']}" for p in params if p["value"]]
        missing = [p["name"] for p in params if p["required"] and not p["value"]]
        text, graph = saved.text, saved.graph
        if missing:
            problem = f"Give {', '.join(map(str, missing))} to run this query."
        else:
            try:
                text, autorun = bind(saved, assignments), True
                check_iri_params(saved, assignments, site.run(QUERY_GRAPHS[saved.graph]), saved.graph)
            except UnknownThing as error:  # it would answer nothing: say so, as the command line does
                problem, status, autorun = str(error), 404, False
            except UsageError as error:
                problem, status = str(error), 400
    queries = {q.name: q.question for q in site.catalogue.values()}
    setup = {
        "prefixes": ALL_PREFIXES,
        "graphs": QUERY_GRAPHS,
        "labelGraphs": WITH_IMPLIED_GRAPHS,
    }
    return site.page(
        "query.html",
        status=status,
        saved=saved,
        queries=queries,
        text=text,
        graph=graph,
        params=params,
        problem=problem,
        notice=notice,
        autorun=autorun,
        setup_json=script_safe(json.dumps(setup)),
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
