"""The pages for finding things without SPARQL: the search (``/search?q=``, as HTML, or as JSON for
the suggestions the search box shows while one types), the index of every kind at ``/id/`` and of
one kind at ``/id/<kind>/``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bytedance_kg.project.graphs import WITH_IMPLIED_GRAPHS
from bytedance_kg.server.finding import Finder, Hit
from bytedance_kg.server.negotiation import accept_header, choose
from bytedance_kg.server.site import Site, error_response

MAX_QUERY = 200
"""Longest search text read (characters): a name or a few words; the rest is ignored."""


def finder(site: Site) -> Finder:
    """The release's index (made once per release)."""
    return site.per_release("finder", lambda: Finder.of(site.run(WITH_IMPLIED_GRAPHS)))


def _hit_json(site: Site, hit: Hit, finder: Finder) -> dict[str, object]:
    return {
        "label": hit.thing.name,
        "kind": finder.kinds[hit.thing.kind].label,
        "iri": hit.thing.iri,
        "href": site.href(hit.thing.iri),
        "matched": hit.field,
        "text": hit.text,
    }


def search(request: Request) -> Response:
    """``/search?q=TEXT[&kind=KIND][&format=json]``: things ranked by what matched."""
    site: Site = request.app.state.site
    text = request.query_params.get("q", "")[:MAX_QUERY]
    kind = request.query_params.get("kind") or None
    try:
        limit = max(1, min(int(request.query_params.get("limit", "50")), 200))
    except ValueError:
        return error_response(request, 400, "limit must be a whole number")
    found = finder(site)
    if kind is not None and kind not in found.kinds:
        return error_response(request, 404, f"no kind named {kind[:80]!r}; /id/ lists the kinds")
    hits = found.search(text, kind, limit)
    wants_json = (
        request.query_params.get("format") == "json"
        or choose(accept_header(request), ["text/html", "application/json"]) == "application/json"
    )
    if wants_json:
        return JSONResponse({"query": text, "hits": [_hit_json(site, h, found) for h in hits]})
    return site.page("search.html", query=text, hits=hits, kinds=found.kinds, kind=kind)


def all_kinds(request: Request) -> Response:
    """``/id/``: every kind of thing the graph names, with how many and a link to each index."""
    site: Site = request.app.state.site
    return site.page("index.html", kinds=finder(site).kinds, kind=None)


def one_kind(request: Request) -> Response:
    """``/id/<kind>/``: every thing of one kind (``/id/person/``: every person), by name."""
    site: Site = request.app.state.site
    found = finder(site)
    kind = found.kinds.get(request.path_params["kind"])
    if kind is None:
        return error_response(
            request, 404, f"no kind named {request.path_params['kind'][:80]!r}; /id/ lists them"
        )
    return site.page("index.html", kinds=found.kinds, kind=kind)
