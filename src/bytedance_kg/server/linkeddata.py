"""Linked data: ``/id/`` IRIs answered with 303 See Other, their documents by extension or content
negotiation, the ontology's and the shapes' IRIs, the release's downloads, ``/.well-known/void``.

The handlers are plain functions: Starlette runs them in its thread pool, so a slow store (an
external one behind ``--store``) never blocks the event loop."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from bytedance_kg import __version__
from bytedance_kg.project.graphs import GRAPH
from bytedance_kg.project.releasefiles import CHECKSUMS_FILE, CONTEXT_FILE, VOID_FILE
from bytedance_kg.rdf.formats import HTML, media_type_of, syntax
from bytedance_kg.server.article import article_page, is_article
from bytedance_kg.server.browse import kind_without_slash, nearest
from bytedance_kg.server.documents import describe_resource, render
from bytedance_kg.server.negotiation import accept_header, choose
from bytedance_kg.server.pages import thing_page
from bytedance_kg.server.site import (
    DOC_FORMATS,
    DOC_MEDIA_TYPES,
    Site,
    doc_extension,
    error_response,
    exists,
)


def escaped_hash(site: Site, path: str) -> str | None:
    """For a path whose ``#`` came escaped (``/id/quote/headline%23text``, ``/ontology%23Person``;
    ``path`` decoded): ``None`` if it has no ``#``, else where the thing with that fragment is
    described (``"; <...#text> is described at /doc/quote/headline.html"``), or ``""`` when there
    is no such thing. Such a path names another IRI than the one with a fragment (RFC 3986: ``%23``
    is not ``#``), so it is a 404 that points where a client stripping the fragment would ask."""
    if "#" not in path:
        return None
    before, _, fragment = path.partition("#")
    fragment = _without_extension(fragment)  # /doc/x%23y.ttl: the fragment is y
    graphs: list[str] | None = None
    if before in ("/ontology", "/shapes"):
        iri = f"{site.base}{before[1:]}#{fragment}"
        document = f"/ontology.html#{fragment}" if before == "/ontology" else "/shapes.ttl"
        graphs = [str(GRAPH[before[1:]])]
    elif before.startswith(("/id/", "/doc/")):
        stem = _without_extension(before.split("/", 2)[2])  # /doc/x.html%23y: the document is x
        iri, document = f"{site.base}id/{stem}#{fragment}", f"/doc/{stem}.html"
    else:
        return ""
    known = fragment and exists(site, iri, graphs)
    return f"; <{iri[:300]}> is described at {document[:300]}" if known else ""


def _without_extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return stem if dot and extension in DOC_FORMATS else name


def _escaped_hash_refused(request: Request, site: Site, prefix: str, path: str) -> Response | None:
    """The 404 of :func:`escaped_hash` for ``/id/`` and ``/doc/`` (``path``: what follows ``prefix``)."""
    pointer = escaped_hash(site, prefix + path)
    if pointer is None:
        return None
    iri = f"{site.base}id/{path[:200].replace('#', '%23')}"
    return error_response(request, 404, f"nothing is known about <{iri}>{pointer}")


def identifier(request: Request) -> Response:
    """``/id/...``: a thing, not a document: 303 See Other to the document in the asked format."""
    site: Site = request.app.state.site
    path = request.path_params["path"]
    escaped = _escaped_hash_refused(request, site, "/id/", path)
    if escaped is not None:
        return escaped
    iri = site.base + "id/" + path
    if not exists(site, iri):  # before negotiation: a thing that is not there is a 404 in any format
        found = kind_without_slash(site, path)
        return found or error_response(request, 404, f"nothing is known about <{iri}>{nearest(site, iri)}")
    media_type = choose(accept_header(request), DOC_MEDIA_TYPES)
    if media_type is None:
        return error_response(request, 406, "offered: " + ", ".join(DOC_MEDIA_TYPES))
    return RedirectResponse(
        f"/doc/{urllib.parse.quote(path)}.{doc_extension(media_type)}",
        status_code=303,
        headers={"Vary": "Accept"},
    )


def document(request: Request) -> Response:
    """``/doc/...[.ext]``: the document about a thing, by extension or by content negotiation
    (what it holds: :mod:`~bytedance_kg.server.documents`)."""
    site: Site = request.app.state.site
    path = request.path_params["path"]
    escaped = _escaped_hash_refused(request, site, "/doc/", path)  # before negotiation: any format
    if escaped is not None:
        return escaped
    stem, dot, extension = path.rpartition(".")
    if dot and extension in DOC_FORMATS:
        media_type = DOC_FORMATS[extension]
        headers = {}
    else:
        stem = path
        chosen = choose(accept_header(request), DOC_MEDIA_TYPES)
        if chosen is None:
            return error_response(request, 406, "offered: " + ", ".join(DOC_MEDIA_TYPES))
        media_type = chosen
        headers = {"Vary": "Accept"}
    iri = site.base + "id/" + stem
    if not exists(site, iri):
        return error_response(request, 404, f"nothing is known about <{iri}>{nearest(site, iri)}")
    thing = ox.NamedNode(iri)
    if media_type == HTML:
        if is_article(site, iri):  # the source article is read through its graph
            return article_page(site, thing, stem)
        return thing_page(site, thing, stem)
    description = describe_resource(site, thing)
    if description.incoming_cut:
        headers["X-Result-Truncated"] = "incoming"
    return Response(render(site, description, media_type), media_type=media_type, headers=headers)


def download(request: Request) -> Response:
    site: Site = request.app.state.site
    name = request.path_params["name"]
    published = {p.name: p for p in site.dist.iterdir() if p.is_file()}
    if name not in published:  # only the release's own files: no path is ever built from the request
        return error_response(request, 404, f"no download named {name!r}")
    media_type = (
        "text/plain"
        if name == CHECKSUMS_FILE
        else media_type_of(Path(name).suffix) or "application/octet-stream"
    )
    # The published HTML is pyLODE's page as built, whose inline style the site's CSP refuses: it is
    # saved, not shown broken (the page to read online is /ontology.html, in the site's frame).
    saved = {"Content-Disposition": f'attachment; filename="{name}"'} if name.endswith(".html") else None
    return FileResponse(published[name], media_type=media_type, headers=saved)


def well_known_void(request: Request) -> Response:
    site: Site = request.app.state.site
    return FileResponse(site.dist / VOID_FILE, media_type=syntax("turtle").media_type)


ONTOLOGY_FORMATS = {HTML: "html"} | {
    syntax(n).media_type: syntax(n).extension[1:] for n in ("turtle", "rdfxml")
}
"""The ontology's documents by media type: ``ontology.html`` (pyLODE), ``.ttl`` and ``.rdf``."""


def ontology(request: Request) -> Response:
    """The ontology IRI (and its hash terms): 303 to the HTML documentation, the Turtle or the RDF/XML."""
    media_type = choose(accept_header(request), list(ONTOLOGY_FORMATS))
    if media_type is None:
        return error_response(request, 406, "offered: " + ", ".join(ONTOLOGY_FORMATS))
    return RedirectResponse(
        f"/ontology.{ONTOLOGY_FORMATS[media_type]}", status_code=303, headers={"Vary": "Accept"}
    )


def ontology_version(request: Request) -> Response:
    """The ontology's version IRI (``/ontology/0.3.0``): the current version answers as the ontology
    IRI does; an earlier one gets 404 saying which versions this server has."""
    if request.path_params["version"] != __version__:
        return error_response(request, 404, f"this server publishes ontology version {__version__} only")
    return ontology(request)


def shapes(request: Request) -> Response:
    """The shapes' IRI (what VoID's ``dct:conformsTo`` names): the shapes graph in Turtle; a browser
    is sent to the dataset page's words on the shapes graph, which link :func:`shapes_turtle`."""
    chosen = choose(accept_header(request), [syntax("turtle").media_type, "text/html"])
    if chosen is None:
        return error_response(request, 406, "offered: text/turtle, text/html")
    if chosen == "text/html":
        return RedirectResponse("/doc/dataset.html#graph-shapes", status_code=303, headers={"Vary": "Accept"})
    response = shapes_turtle(request)
    response.headers["Vary"] = "Accept"
    return response


def shapes_turtle(request: Request) -> Response:
    """``/shapes.ttl``: the shapes graph in Turtle, whatever the client accepts (a link to click)."""
    site: Site = request.app.state.site
    body = site.backend.document(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", syntax("turtle").media_type, [str(GRAPH["shapes"])]
    )
    return Response(body, media_type=syntax("turtle").media_type)


def ontology_document(request: Request) -> Response:
    site: Site = request.app.state.site
    if request.path_params["ext"] not in [*ONTOLOGY_FORMATS.values(), "css"]:
        return error_response(
            request, 404, "the ontology is published as /ontology.html, /ontology.ttl and /ontology.rdf"
        )
    if request.path_params["ext"] in ("html", "css"):
        html = (site.dist / "ontology.html").read_text(encoding="utf-8")
        if request.path_params["ext"] == "css":
            return Response("\n".join(_STYLE.findall(html)), media_type="text/css")
        bar = site.templates.get_template("site_bar.html").render()
        return Response(in_site_frame(html, bar), media_type=HTML)
    if request.path_params["ext"] == "rdf":
        return FileResponse(site.dist / "ontology.rdf", media_type=syntax("rdfxml").media_type)
    body = site.backend.document(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", syntax("turtle").media_type, [str(GRAPH["ontology"])]
    )
    return Response(body, media_type=syntax("turtle").media_type)


_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def in_site_frame(html: str, bar: str) -> str:
    """pyLODE's page with the way back: the site's ``bar`` on top (links and the search box), the
    script that makes the search box suggest, and a stylesheet that puts pyLODE's
    fixed table of contents in the flow of the page on a narrow screen (where it covered half of it)
    and its "made by pyLODE" strip at the foot of the page there (it took a sixth of a phone's width).
    pyLODE's inline style, which the pages' Content Security Policy refuses, is served as
    ``/ontology.css``. The published ``ontology.html`` stays pyLODE's own; only the served page is
    framed."""
    hrefs = ("/ontology.css", "/static/ontology.css", "/static/search.css")
    sheets = "".join(f'<link rel="stylesheet" href="{h}">' for h in hrefs)
    head = sheets + '<script src="/static/search.js" defer></script>'
    if 'name="viewport"' not in html:  # pyLODE's page has none: a phone would lay it out 980 px wide
        head = '<meta name="viewport" content="width=device-width, initial-scale=1">' + head
    html = _STYLE.sub("", html).replace("</head>", head + "</head>", 1)
    html = re.sub(r"<html(?![^>]*\blang=)", '<html lang="en"', html, count=1)  # pyLODE names no language
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, html, count=1)


def context(request: Request) -> Response:
    site: Site = request.app.state.site
    return FileResponse(site.dist / CONTEXT_FILE, media_type=syntax("jsonld").media_type)
