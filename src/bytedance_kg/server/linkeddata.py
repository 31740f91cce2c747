"""Linked data: ``/id/`` IRIs answered with 303 See Other, their documents by extension or content
negotiation, the ontology's and the shapes' IRIs, the release's downloads, ``/.well-known/void``.

The handlers are plain functions: Starlette runs them in its thread pool, so a slow store (an
external one behind ``--store``) never blocks the event loop."""

from __future__ import annotations

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
from bytedance_kg.server.negotiation import accept_header, choose
from bytedance_kg.server.pages import thing_page
from bytedance_kg.server.site import DOC_FORMATS, Site, document_graphs, error_response, exists


def identifier(request: Request) -> Response:
    """``/id/...``: a thing, not a document: 303 See Other to the document in the asked format."""
    site: Site = request.app.state.site
    path = request.path_params["path"]
    media_type = choose(accept_header(request), list(DOC_FORMATS.values()))
    if media_type is None:
        return error_response(request, 406, "offered: " + ", ".join(DOC_FORMATS.values()))
    if not exists(site, site.base + "id/" + path):
        return error_response(request, 404, f"nothing is known about <{site.base}id/{path}>")
    extension = next(ext for ext, mt in DOC_FORMATS.items() if mt == media_type)
    return RedirectResponse(
        f"/doc/{urllib.parse.quote(path)}.{extension}", status_code=303, headers={"Vary": "Accept"}
    )


def document(request: Request) -> Response:
    """``/doc/...[.ext]``: the document about a thing, by extension or by content negotiation."""
    site: Site = request.app.state.site
    path = request.path_params["path"]
    stem, dot, extension = path.rpartition(".")
    if dot and extension in DOC_FORMATS:
        media_type = DOC_FORMATS[extension]
        headers = {}
    else:
        stem = path
        chosen = choose(accept_header(request), list(DOC_FORMATS.values()))
        if chosen is None:
            return error_response(request, 406, "offered: " + ", ".join(DOC_FORMATS.values()))
        media_type = chosen
        headers = {"Vary": "Accept"}
    iri = site.base + "id/" + stem
    if not exists(site, iri):
        return error_response(request, 404, f"nothing is known about <{iri}>")
    thing = ox.NamedNode(iri)
    if media_type == "text/html":
        if is_article(site, iri):  # the source article is read through its graph
            return article_page(site, thing, stem)
        return thing_page(site, thing, stem)
    query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
        ?s ?p ?o . FILTER (?s = {thing} || STRSTARTS(STR(?s), CONCAT(STR({thing}), "#"))) }}"""
    body = site.backend.document(query, media_type, document_graphs(site, thing))
    return Response(body, media_type=media_type, headers=headers)


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
    return FileResponse(published[name], media_type=media_type)


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
    """The shapes' IRI (what VoID's ``dct:conformsTo`` names): the shapes graph, in Turtle."""
    site: Site = request.app.state.site
    if choose(accept_header(request), [syntax("turtle").media_type]) is None:
        return error_response(request, 406, "offered: text/turtle")
    body = site.backend.document(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", syntax("turtle").media_type, [str(GRAPH["shapes"])]
    )
    return Response(body, media_type=syntax("turtle").media_type, headers={"Vary": "Accept"})


def ontology_document(request: Request) -> Response:
    site: Site = request.app.state.site
    if request.path_params["ext"] not in ONTOLOGY_FORMATS.values():
        return error_response(
            request, 404, "the ontology is published as /ontology.html, /ontology.ttl and /ontology.rdf"
        )
    if request.path_params["ext"] == "html":
        return FileResponse(site.dist / "ontology.html", media_type="text/html")
    if request.path_params["ext"] == "rdf":
        return FileResponse(site.dist / "ontology.rdf", media_type=syntax("rdfxml").media_type)
    body = site.backend.document(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", syntax("turtle").media_type, [str(GRAPH["ontology"])]
    )
    return Response(body, media_type=syntax("turtle").media_type)


def context(request: Request) -> Response:
    site: Site = request.app.state.site
    return FileResponse(site.dist / CONTEXT_FILE, media_type=syntax("jsonld").media_type)
