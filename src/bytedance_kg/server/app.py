"""The ASGI application (Starlette): SPARQL 1.1 Protocol, Cool-URI dereferencing, pages, downloads.

IRIs under the public base (``--base``, default ``https://w3id.org/bytedance-kg/``) map onto
this server's paths, so ``<base>id/person/liang-rubo`` is served at ``/id/person/liang-rubo``
here and behind the permanent-identifier redirect alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bytedance_kg import __version__
from bytedance_kg.pipeline.sentences import sentence_around, split_sentences
from bytedance_kg.project.graphs import (
    ASSERTED_GRAPHS,
    FULL_GRAPHS,
    GRAPH,
    QUERY_GRAPHS,
    VOID_GRAPH,
    WITH_IMPLIED_GRAPHS,
)
from bytedance_kg.project.namespaces import BASE
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.project.releasefiles import CHECKSUMS_FILE, CONTEXT_FILE, MEDIA_TYPES, VOID_FILE
from bytedance_kg.query.describe import describe
from bytedance_kg.remote.endpoint import RemoteError
from bytedance_kg.server.backend import Backend
from bytedance_kg.server.charts import INLINE_STYLES, org_chart_svg, timeline_svg
from bytedance_kg.server.executor import (
    Busy,
    ClientBusy,
    InternalError,
    Limits,
    MiB,
    OutOfMemory,
    QueryFailed,
    QueryTimeout,
    Unavailable,
    WorkerFailed,
    serialise_triples,
)
from bytedance_kg.server.hardening import SecurityHeaders
from bytedance_kg.server.negotiation import choose
from bytedance_kg.server.operation import Refused
from bytedance_kg.sparql.catalogue import SavedQuery, load_catalogue
from bytedance_kg.sparql.querying import compact

DEFAULT_BASE = BASE
DOC_FORMATS = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SERVICE_DESCRIPTION_TYPES = [
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
]


@dataclass
class Site:
    """What the handlers share: the backend, the public base, the release folder, the templates."""

    backend: Backend
    base: str
    templates: Environment
    catalogue: dict[str, SavedQuery]
    article: str
    limits: Limits

    @property
    def dist(self) -> Path:
        """The release being served (it follows rebuilds:
        :class:`bytedance_kg.release.folders.ReleaseTracker`)."""
        return self.backend.dist

    def local(self, iri: str) -> str:
        """The path on this server for an IRI under the public base (else the IRI itself)."""
        return "/" + iri[len(self.base) :] if iri.startswith(self.base) else iri

    def href(self, iri: str) -> str | None:
        """Where a link to ``iri`` may point: this server for our IRIs, http(s) IRIs as they are,
        and nowhere for any other scheme (``javascript:`` in the data must not become a link)."""
        if iri.startswith(self.base):
            return self.local(iri)
        return iri if iri.lower().startswith(("http://", "https://")) else None

    def run(self, graphs: list[str]):
        return lambda text: self.backend.outcome(text, graphs)

    def page(self, template: str, status: int = 200, **context: object) -> Response:
        html = self.templates.get_template(template).render(site=self, version=__version__, **context)
        return Response(html, status_code=status, media_type="text/html; charset=utf-8")


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    site: Site = request.app.state.site
    if choose(request.headers.get("accept"), ["text/html", "text/plain"]) == "text/html":
        response = site.page("error.html", status=status, status_code=status, message=message)
    else:
        response = PlainTextResponse(message + "\n", status_code=status)
    response.headers.update(headers or {})
    return response


# ---------------------------------------------------------------- SPARQL protocol


class BodyTooLarge(Exception):
    """The request body is larger than the limit."""


async def _body(request: Request, limits: Limits) -> bytes:
    """The request body, read no further than the size limit and within the time limit."""
    limit = limits.max_request_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    body = bytearray()
    async with asyncio.timeout(limits.body_timeout):
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BodyTooLarge()
    return bytes(body)


def _media_type(header: str) -> tuple[str, dict[str, str]]:
    """A Content-Type header's media type (lower case) and its parameters."""
    main, *rest = header.split(";")
    params = {}
    for part in rest:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"').lower()
    return main.strip().lower(), params


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolRefusal(400, f"the request body is not UTF-8 (byte {error.start})") from None


class ProtocolRefusal(Exception):
    """A request the SPARQL protocol does not allow: its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


async def _protocol_fields(request: Request, limits: Limits) -> dict[str, list[str]]:
    """The operation's parameters from the query string and, for POST, the body (SPARQL 1.1
    Protocol section 2.1): ``query``, ``update``, ``default-graph-uri``, ``named-graph-uri``."""
    if len(request.scope["query_string"]) > limits.max_request_bytes:  # (request.url builds a URL)
        raise ProtocolRefusal(414, f"the query string is longer than {limits.max_request_bytes} bytes")
    params = list(request.query_params.multi_items())
    if request.method == "GET":
        if (
            request.headers.get("content-length", "0") not in ("", "0")
            or "transfer-encoding" in request.headers
        ):
            raise ProtocolRefusal(400, "a GET request carries its query in the URL, not in a body")
    else:
        content_type, options = _media_type(request.headers.get("content-type", ""))
        if content_type == "application/sparql-update":
            raise ProtocolRefusal(403, "this endpoint is read-only: SPARQL Update is refused")
        if content_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            raise ProtocolRefusal(
                415,
                f"unsupported content type {content_type or '(none)'!r}: send "
                "application/sparql-query or application/x-www-form-urlencoded",
            )
        if options.get("charset", "utf-8") != "utf-8":
            raise ProtocolRefusal(415, f"the request body must be UTF-8, not {options['charset']}")
        try:
            body = _utf8(await _body(request, limits))
        except BodyTooLarge:
            raise ProtocolRefusal(
                413, f"the request body is larger than {limits.max_request_bytes} bytes"
            ) from None
        except TimeoutError:
            raise ProtocolRefusal(
                408, f"the request body did not arrive within {limits.body_timeout:g} s"
            ) from None
        if content_type == "application/sparql-query":
            params.append(("query", body))
        else:
            params += urllib.parse.parse_qsl(body, keep_blank_values=True)
    fields: dict[str, list[str]] = {}
    for key, value in params:
        fields.setdefault(key, []).append(str(value))
    if "update" in fields:
        raise ProtocolRefusal(403, "this endpoint is read-only: SPARQL Update is refused")
    if "query" in fields and len(fields["query"]) != 1:
        raise ProtocolRefusal(400, "give exactly one query")
    return fields


async def sparql(request: Request) -> Response:
    site: Site = request.app.state.site
    limits = site.limits
    try:
        fields = await _protocol_fields(request, limits)
    except ProtocolRefusal as refusal:
        # a body not read to its end (too large, too slow) leaves the connection unusable: close it
        closing = {"Connection": "close"} if refusal.status in (408, 413) else None
        return _error(request, refusal.status, refusal.message, closing)
    if "query" not in fields:
        return service_description(request)
    for graph in fields.get("default-graph-uri", []) + fields.get("named-graph-uri", []):
        if not _is_iri(graph):
            return _error(request, 400, f"not an IRI: {graph[:200]!r}")
    client = request.client.host if request.client else "unknown"
    retry = {"Retry-After": "1"}
    try:  # the guard, the format and the dataset are worked out where the query runs (web.operation)
        answer = await site.backend.answer(
            client,
            fields["query"][0],
            request.headers.get("accept"),
            fields.get("default-graph-uri"),
            fields.get("named-graph-uri"),
        )
    except Refused as refusal:
        return _error(request, refusal.status, refusal.message)
    except Busy:
        return _error(request, 503, "the query workers are all busy; try again shortly", retry)
    except ClientBusy:
        return _error(
            request, 429, f"you already have {limits.per_client} queries running; wait for them", retry
        )
    except QueryTimeout:
        return _error(
            request, 504, f"the query ran longer than the limit of {limits.timeout:g} s and was stopped"
        )
    except OutOfMemory:
        return _error(
            request,
            507,
            f"the query needed more than the limit of {limits.worker_memory // MiB} MiB "
            "of memory and was stopped",
        )
    except WorkerFailed:
        return _error(request, 503, "the query could not be completed (its worker failed); try again", retry)
    except Unavailable as reason:
        return _error(request, 503, f"queries cannot be run: {reason}")
    except InternalError:
        return _error(request, 500, "an internal error stopped the query (it is logged on the server)")
    except QueryFailed as failure:
        if failure.line is None:
            return _error(request, 400, f"query failed: {failure.message}")
        return _error(
            request, 400, f"malformed query: {failure.message} (line {failure.line}, column {failure.column})"
        )
    except RemoteError as error:
        return _error(request, 502, str(error))
    media_type = answer.media_type
    headers = {"Vary": "Accept"}
    if answer.truncated:
        limit = (
            f"max-rows={limits.max_rows}" if answer.truncated == "rows" else f"max-bytes={limits.max_bytes}"
        )
        headers["X-Result-Truncated"] = f"true; {limit}"
    if answer.body is not None:
        return Response(answer.body, media_type=media_type, headers=headers)
    headers["Content-Length"] = str(answer.size)
    assert answer.path is not None
    return StreamingResponse(
        site.backend.stream(answer),
        media_type=media_type,
        headers=headers,
        background=BackgroundTask(site.backend.done, answer),
    )


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def service_description(request: Request) -> Response:
    """The SPARQL 1.1 Service Description of the endpoint (GET /sparql without a query)."""
    site: Site = request.app.state.site
    # A browser names text/html; a client asking for anything (curl, */*) gets the description itself.
    media_type = choose(request.headers.get("accept"), [*SERVICE_DESCRIPTION_TYPES, "text/html"])
    if media_type is None:
        return _error(
            request, 406, "the service description is offered as " + ", ".join(SERVICE_DESCRIPTION_TYPES)
        )
    if media_type == "text/html":
        return RedirectResponse("/query", status_code=303, headers={"Vary": "Accept"})
    endpoint = site.base + "sparql"
    sd = "http://www.w3.org/ns/sparql-service-description#"
    dataset = f"{endpoint}#dataset"
    default = f"{endpoint}#default-graph"
    triples = [
        f"<{endpoint}> <{RDF_TYPE}> <{sd}Service> .",
        f"<{endpoint}> <{sd}endpoint> <{endpoint}> .",
        f"<{endpoint}> <{sd}supportedLanguage> <{sd}SPARQL11Query> .",
        f"<{endpoint}> <{sd}defaultDataset> <{dataset}> .",
        f"<{dataset}> <{RDF_TYPE}> <{sd}Dataset> .",
        f"<{dataset}> <{sd}defaultGraph> <{default}> .",
        f"<{default}> <{RDF_TYPE}> <{sd}Graph> .",
        f'<{default}> <http://purl.org/dc/terms/description> "The merge of four of the named graphs: '
        f"{', '.join(g.rsplit('/', 1)[1] for g in FULL_GRAPHS)} "
        "(the reasoned release of what the article states). "
        f'The shapes, the implied facts and the VoID description are named graphs only."@en .',
        *(f"<{default}> <http://www.w3.org/ns/prov#wasDerivedFrom> <{g}> ." for g in FULL_GRAPHS),
        *(
            f"<{endpoint}> <{sd}resultFormat> <http://www.w3.org/ns/formats/{name}> ."
            for name in (
                "SPARQL_Results_JSON",
                "SPARQL_Results_XML",
                "SPARQL_Results_CSV",
                "SPARQL_Results_TSV",
                "Turtle",
                "N-Triples",
                "JSON-LD",
                "RDF_XML",
            )
        ),
    ]
    for graph in [*FULL_GRAPHS, str(GRAPH["shapes"]), str(GRAPH["implied"]), VOID_GRAPH]:
        node = f"{graph}#named-graph"
        triples += [
            f"<{dataset}> <{sd}namedGraph> <{node}> .",
            f"<{node}> <{RDF_TYPE}> <{sd}NamedGraph> .",
            f"<{node}> <{sd}name> <{graph}> .",
        ]
    parsed = list(ox.parse("\n".join(triples).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    body = serialise_triples(parsed, media_type)
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


# ---------------------------------------------------------------- dereferencing
# The handlers below are plain functions: Starlette runs them in its thread pool, so a slow store
# (an external one behind --store) never blocks the event loop.


def identifier(request: Request) -> Response:
    """``/id/...``: a thing, not a document: 303 See Other to the document in the asked format."""
    site: Site = request.app.state.site
    path = request.path_params["path"]
    media_type = choose(request.headers.get("accept"), list(DOC_FORMATS.values()))
    if media_type is None:
        return _error(request, 406, "offered: " + ", ".join(DOC_FORMATS.values()))
    if not _exists(site, site.base + "id/" + path):
        return _error(request, 404, f"nothing is known about <{site.base}id/{path}>")
    extension = next(ext for ext, mt in DOC_FORMATS.items() if mt == media_type)
    return RedirectResponse(
        f"/doc/{urllib.parse.quote(path)}.{extension}", status_code=303, headers={"Vary": "Accept"}
    )


def _exists(site: Site, iri: str) -> bool:
    """Whether the graph says anything about ``iri`` (False for a string that is not a valid IRI)."""
    try:
        thing = ox.NamedNode(iri)
    except ValueError:
        return False
    return bool(
        site.backend.outcome(f"ASK {{ {thing} ?p ?o }}", [*FULL_GRAPHS, str(GRAPH["implied"])]).boolean
    )


def _document_graphs(site: Site, thing: ox.NamedNode) -> list[str]:
    """A thing's document holds what the article states about it; a record of an implied fact (which
    has no stated triples) is served from the implied graph, where it lives."""
    if site.backend.outcome(f"ASK {{ {thing} ?p ?o }}", ASSERTED_GRAPHS).boolean:
        return ASSERTED_GRAPHS
    return [str(GRAPH["implied"])]


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
        chosen = choose(request.headers.get("accept"), list(DOC_FORMATS.values()))
        if chosen is None:
            return _error(request, 406, "offered: " + ", ".join(DOC_FORMATS.values()))
        media_type = chosen
        headers = {"Vary": "Accept"}
    iri = site.base + "id/" + stem
    if not _exists(site, iri):
        return _error(request, 404, f"nothing is known about <{iri}>")
    thing = ox.NamedNode(iri)
    if media_type == "text/html":
        return thing_page(site, thing, stem)
    query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
        ?s ?p ?o . FILTER (?s = {thing} || STRSTARTS(STR(?s), CONCAT(STR({thing}), "#"))) }}"""
    body = site.backend.document(query, media_type, _document_graphs(site, thing))
    return Response(body, media_type=media_type, headers=headers)


def thing_page(site: Site, thing: ox.NamedNode, stem: str) -> Response:
    description = describe(site.run(WITH_IMPLIED_GRAPHS), thing, site.run(FULL_GRAPHS))
    sentences = split_sentences(site.article)
    quotes = []
    for quote in description.quotes:
        around = sentence_around(sentences, quote.start, quote.end)
        if around:
            start, end = around[0].start, around[-1].end
            context = (site.article[start : quote.start], quote.exact, site.article[quote.end : end])
        else:
            context = ("", quote.exact, "")
        quotes.append(
            {
                "fact": quote.fact.value,
                "fact_label": compact(quote.fact),
                "before": context[0],
                "exact": context[1],
                "after": context[2],
                "start": quote.start,
                "end": quote.end,
            }
        )
    jsonld = site.backend.document(
        f"CONSTRUCT {{ {thing} ?p ?o }} WHERE {{ {thing} ?p ?o }}",
        "application/ld+json",
        _document_graphs(site, thing),
    )
    return site.page(
        "thing.html",
        description=description,
        quotes=quotes,
        stem=stem,
        compact=compact,
        jsonld=_script_safe(jsonld.decode("utf-8")),
        formats=DOC_FORMATS,
    )


# ---------------------------------------------------------------- pages, pictures, downloads


def _script_safe(json_text: str) -> str:
    """JSON to embed in a ``<script>`` element: ``<``, ``>`` and ``&`` as JSON escapes, so no
    literal of the data can close the element or start markup."""
    return json_text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
    downloads = sorted(p.name for p in site.dist.iterdir() if p.is_file())
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
        downloads=downloads,
        examples=examples,
        queries=list(site.catalogue.values()),
        org_chart=org_chart_svg(site.run(ASSERTED_GRAPHS), site.href),
        timeline=timeline_svg(site.run(ASSERTED_GRAPHS), site.href),
    )


def query_page(request: Request) -> Response:
    site: Site = request.app.state.site
    saved = site.catalogue.get(request.query_params.get("name", ""))
    queries = {
        q.name: {"question": q.question, "text": q.text, "graphs": QUERY_GRAPHS[q.graph]}
        for q in site.catalogue.values()
    }
    return site.page(
        "query.html", saved=saved, queries=queries, queries_json=_script_safe(json.dumps(queries))
    )


def chart(request: Request) -> Response:
    site: Site = request.app.state.site
    draw = {"org-chart.svg": org_chart_svg, "timeline.svg": timeline_svg}.get(request.path_params["name"])
    if draw is None:
        return _error(request, 404, "no such picture")
    svg = draw(
        site.run(ASSERTED_GRAPHS),
        lambda iri: iri if iri.lower().startswith(("http://", "https://")) else None,
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="{request.path_params["name"]}"'},
    )


DOWNLOAD_TYPES = {**MEDIA_TYPES, ".jsonld": "application/ld+json"}


def download(request: Request) -> Response:
    site: Site = request.app.state.site
    name = request.path_params["name"]
    published = {p.name: p for p in site.dist.iterdir() if p.is_file()}
    if name not in published:  # only the release's own files: no path is ever built from the request
        return _error(request, 404, f"no download named {name!r}")
    media_type = (
        "text/plain"
        if name == CHECKSUMS_FILE
        else DOWNLOAD_TYPES.get(Path(name).suffix, "application/octet-stream")
    )
    return FileResponse(published[name], media_type=media_type)


def well_known_void(request: Request) -> Response:
    site: Site = request.app.state.site
    return FileResponse(site.dist / VOID_FILE, media_type="text/turtle")


ONTOLOGY_FORMATS = {"text/html": "html", "text/turtle": "ttl", "application/rdf+xml": "rdf"}


def ontology(request: Request) -> Response:
    """The ontology IRI (and its hash terms): 303 to the HTML documentation, the Turtle or the RDF/XML."""
    media_type = choose(request.headers.get("accept"), list(ONTOLOGY_FORMATS))
    if media_type is None:
        return _error(request, 406, "offered: " + ", ".join(ONTOLOGY_FORMATS))
    return RedirectResponse(
        f"/ontology.{ONTOLOGY_FORMATS[media_type]}", status_code=303, headers={"Vary": "Accept"}
    )


def ontology_version(request: Request) -> Response:
    """The ontology's version IRI (``/ontology/0.3.0``): the current version answers as the ontology
    IRI does; an earlier one gets 404 saying which versions this server has."""
    if request.path_params["version"] != __version__:
        return _error(request, 404, f"this server publishes ontology version {__version__} only")
    return ontology(request)


def shapes(request: Request) -> Response:
    """The shapes' IRI (what VoID's ``dct:conformsTo`` names): the shapes graph, in Turtle."""
    site: Site = request.app.state.site
    if choose(request.headers.get("accept"), ["text/turtle"]) is None:
        return _error(request, 406, "offered: text/turtle")
    body = site.backend.document(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "text/turtle", [str(GRAPH["shapes"])]
    )
    return Response(body, media_type="text/turtle", headers={"Vary": "Accept"})


def ontology_document(request: Request) -> Response:
    site: Site = request.app.state.site
    if request.path_params["ext"] not in ONTOLOGY_FORMATS.values():
        return _error(
            request, 404, "the ontology is published as /ontology.html, /ontology.ttl and /ontology.rdf"
        )
    if request.path_params["ext"] == "html":
        return FileResponse(site.dist / "ontology.html", media_type="text/html")
    if request.path_params["ext"] == "rdf":
        return FileResponse(site.dist / "ontology.rdf", media_type="application/rdf+xml")
    body = site.backend.document(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "text/turtle", [str(GRAPH["ontology"])]
    )
    return Response(body, media_type="text/turtle")


def context(request: Request) -> Response:
    site: Site = request.app.state.site
    return FileResponse(site.dist / CONTEXT_FILE, media_type="application/ld+json")


RELEASE_CHECK_SECONDS = 1.0
"""How often the server looks whether ``dist`` points at a new release."""


async def _follow_releases(backend: Backend) -> None:
    while True:
        await asyncio.sleep(RELEASE_CHECK_SECONDS)
        try:
            await backend.follow_release()
        except OSError:  # a release vanishing mid-load: the next look finds the newest
            continue


def create_app(
    backend: Backend, paths: ProjectPaths, base: str = DEFAULT_BASE, limits: Limits | None = None
) -> Starlette:
    """The application over ``backend`` (which knows the release it serves, and follows rebuilds)."""
    templates = Environment(
        loader=PackageLoader("bytedance_kg.server", "templates"), autoescape=select_autoescape(["html"])
    )
    article = paths.article.read_text(encoding="utf-8")
    site = Site(
        backend,
        base if base.endswith("/") else base + "/",
        templates,
        load_catalogue(paths.queries_dir),
        article,
        limits or Limits(),
    )
    static = Path(__file__).with_name("static")
    codemirror = paths.root / "web" / "node_modules" / "codemirror"
    routes = [
        Route("/", landing),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/query", query_page),
        Route("/id/{path:path}", identifier),
        Route("/doc/{path:path}", document),
        Route("/ontology", ontology),
        Route("/ontology.{ext:str}", ontology_document),
        Route("/ontology/{version:str}", ontology_version),
        Route("/shapes", shapes),
        Route("/context.jsonld", context),
        Route("/charts/{name}", chart),
        Route("/dist/{name}", download),
        Route("/.well-known/void", well_known_void),
        Mount("/static", StaticFiles(directory=static), name="static"),
        Mount("/vendor/codemirror", StaticFiles(directory=codemirror, check_dir=False), name="codemirror"),
    ]
    middleware = [
        Middleware(SecurityHeaders, inline_styles=INLINE_STYLES),
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Content-Type", "Vary", "X-Result-Truncated"],
        ),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await backend.start()
        follower = asyncio.create_task(_follow_releases(backend))
        try:
            yield
        finally:
            follower.cancel()
            backend.close()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.site = site
    return app
