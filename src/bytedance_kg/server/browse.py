"""The pages for finding things without SPARQL: the search (``/search?q=``, as HTML, or as JSON for
the suggestions the search box shows while one types), the index of every kind at ``/id/`` and of
one kind at ``/id/<kind>/``."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from bytedance_kg.project.graphs import WITH_IMPLIED_GRAPHS
from bytedance_kg.server.finding import Finder, Hit, Thing
from bytedance_kg.server.negotiation import accept_header, choose
from bytedance_kg.server.site import Site, error_response

MAX_QUERY = 200
"""Longest search text read (characters): a name or a few words; the rest is ignored."""
MAX_HITS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def finder(site: Site) -> Finder:
    """The release's index (made once per release)."""
    return site.per_release("finder", lambda: Finder.of(site.run(WITH_IMPLIED_GRAPHS)))


def _thing_json(site: Site, thing: Thing, found: Finder) -> dict[str, object]:
    return {
        "label": thing.name,
        "kind": thing.kind,
        "kindLabel": found.kinds[thing.kind].label,
        "iri": thing.iri,
        "href": site.href(thing.iri),
    }


def _hit_json(site: Site, hit: Hit, found: Finder) -> dict[str, object]:
    return {**_thing_json(site, hit.thing, found), "matched": hit.field, "text": hit.text}


def search(request: Request) -> Response:
    """``/search?q=TEXT[&kind=KIND][&limit=N][&format=json]``: things ranked by what matched; with
    none, the nearest names (a typo). HTML or JSON by ``Accept``, so every answer says it varies."""
    response = _search(request)
    response.headers["Vary"] = "Accept"
    return response


def _search(request: Request) -> Response:
    site: Site = request.app.state.site
    wants_json = (
        request.query_params.get("format") == "json"
        or choose(accept_header(request), ["text/html", "application/json"]) == "application/json"
    )

    def refuse(status: int, message: str) -> Response:
        if wants_json:
            return JSONResponse({"error": message}, status_code=status)
        return error_response(request, status, message)

    text = _CONTROL.sub(" ", request.query_params.get("q", "")[:MAX_QUERY]).strip()
    kind = request.query_params.get("kind") or None
    limit_text = request.query_params.get("limit", "50")
    if not (re.fullmatch(r"[0-9]{1,3}", limit_text) and 1 <= int(limit_text) <= MAX_HITS):
        return refuse(400, f"limit must be a whole number from 1 to {MAX_HITS}")
    limit = int(limit_text)
    found = finder(site)
    if kind is not None and kind not in found.kinds:
        return refuse(404, f"no kind named {kind[:80]!r}; the kinds are {', '.join(found.kinds)}")
    hits = found.search(text, kind)
    near = found.near(text) if text and not hits else []
    if wants_json:
        return JSONResponse(
            {
                "query": text,
                "total": len(hits),
                "hits": [_hit_json(site, h, found) for h in hits[:limit]],
                "near": [_thing_json(site, t, found) for t in near],
            }
        )
    return site.page(
        "search.html", query=text, hits=hits[:limit], total=len(hits), near=near, kinds=found.kinds, kind=kind
    )


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
        name = request.path_params["kind"][:80]
        return error_response(request, 404, f"no kind named {name!r}; /id/ lists them")
    return site.page("index.html", kinds=found.kinds, kind=kind)


def kind_without_slash(site: Site, path: str) -> Response | None:
    """``/id/person`` (a kind's index without its slash): 308 to ``/id/person/``, as for ``/id``."""
    if path in finder(site).kinds:
        return RedirectResponse(f"/id/{path}/", status_code=308)
    return None


def nearest(site: Site, iri: str) -> str:
    """``; did you mean ...`` for an identifier nothing is known about, if a thing's name or address
    is close to its last segment; else nothing."""
    near = finder(site).near(iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " "), 3)
    return f"; did you mean {', '.join(f'{t.name} (/id/{t.slug})' for t in near)}?" if near else ""
