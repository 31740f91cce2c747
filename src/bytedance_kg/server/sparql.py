"""The SPARQL 1.1 Protocol endpoint (``/sparql``): the request's parameters within the limits, the
answer from the query workers, and the service description."""

from __future__ import annotations

import asyncio
import urllib.parse

import pyoxigraph as ox
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from bytedance_kg.project.graphs import FULL_GRAPHS, STORE_GRAPHS
from bytedance_kg.rdf.formats import HTML
from bytedance_kg.rdf.terms import is_iri
from bytedance_kg.remote.endpoint import RemoteError
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
from bytedance_kg.server.negotiation import accept_header, choose
from bytedance_kg.server.operation import GRAPH_FORMATS, ProtocolRequest, Refused
from bytedance_kg.server.site import Site, error_response

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


SERVICE_DESCRIPTION_TYPES = list(GRAPH_FORMATS)
"""The service description is a graph: offered in every graph syntax."""


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


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(400, f"{what} is not UTF-8 (byte {error.start})") from None


def _form(text: str, what: str) -> list[tuple[str, str]]:
    """``name=value`` pairs of a query string or a form body, percent-escapes decoded as UTF-8
    strictly: an escape that is not UTF-8 is refused, never turned into U+FFFD (which would run a
    query other than the one sent)."""
    try:
        return urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as error:
        raise Refused(400, f"{what} holds a percent-escape that is not UTF-8 ({error.reason})") from None


async def _protocol_fields(request: Request, limits: Limits) -> dict[str, list[str]]:
    """The operation's parameters from the query string and, for POST, the body (SPARQL 1.1
    Protocol section 2.1): ``query``, ``update``, ``default-graph-uri``, ``named-graph-uri``."""
    if len(request.scope["query_string"]) > limits.max_request_bytes:  # (request.url builds a URL)
        raise Refused(414, f"the query string is longer than {limits.max_request_bytes} bytes")
    params = _form(_utf8(request.scope["query_string"], "the query string"), "the query string")
    if request.method in ("GET", "HEAD"):
        if (
            request.headers.get("content-length", "0") not in ("", "0")
            or "transfer-encoding" in request.headers
        ):
            raise Refused(400, "a GET request carries its query in the URL, not in a body")
    else:
        content_type, options = _media_type(request.headers.get("content-type", ""))
        if content_type == "application/sparql-update":
            raise Refused(403, "this endpoint is read-only: SPARQL Update is refused")
        if content_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            raise Refused(
                415,
                f"unsupported content type {content_type or '(none)'!r}: send "
                "application/sparql-query or application/x-www-form-urlencoded",
            )
        if options.get("charset", "utf-8") != "utf-8":
            raise Refused(415, f"the request body must be UTF-8, not {options['charset']}")
        try:
            body = _utf8(await _body(request, limits), "the request body")
        except BodyTooLarge:
            raise Refused(413, f"the request body is larger than {limits.max_request_bytes} bytes") from None
        except TimeoutError:
            raise Refused(408, f"the request body did not arrive within {limits.body_timeout:g} s") from None
        if content_type == "application/sparql-query":
            params.append(("query", body))
        else:
            params += _form(body, "the request body")
    fields: dict[str, list[str]] = {}
    for key, value in params:
        fields.setdefault(key, []).append(str(value))
    if "update" in fields:
        raise Refused(403, "this endpoint is read-only: SPARQL Update is refused")
    if "query" in fields and len(fields["query"]) != 1:
        raise Refused(400, "give exactly one query")
    return fields


async def sparql(request: Request) -> Response:
    site: Site = request.app.state.site
    limits = site.limits
    try:
        fields = await _protocol_fields(request, limits)
    except Refused as refusal:
        # a body not read to its end (too large, too slow) leaves the connection unusable: close it
        closing = {"Connection": "close"} if refusal.status in (408, 413) else None
        return error_response(request, refusal.status, refusal.message, closing)
    if "query" not in fields:
        return service_description(request)
    for graph in fields.get("default-graph-uri", []) + fields.get("named-graph-uri", []):
        if not is_iri(graph):
            return error_response(request, 400, f"not an IRI: {graph[:200]!r}")
    client = request.client.host if request.client else "unknown"
    retry = {"Retry-After": "1"}
    try:  # the guard, the format and the dataset are worked out where the query runs (server/operation.py)
        asked = ProtocolRequest(
            fields["query"][0],
            accept_header(request),
            fields.get("default-graph-uri"),
            fields.get("named-graph-uri"),
        )
        answer = await site.backend.answer(client, asked)
    except Refused as refusal:
        return error_response(request, refusal.status, refusal.message)
    except Busy:
        return error_response(request, 503, "the query workers are all busy; try again shortly", retry)
    except ClientBusy:
        one = limits.per_client == 1
        running = (
            f"{limits.per_client} quer{'y' if one else 'ies'} running; wait for {'it' if one else 'them'}"
        )
        return error_response(request, 429, f"you already have {running}", retry)
    except QueryTimeout:
        return error_response(
            request, 504, f"the query ran longer than the limit of {limits.timeout:g} s and was stopped"
        )
    except OutOfMemory:
        return error_response(
            request,
            507,
            f"the query needed more than the limit of {limits.worker_memory // MiB} MiB "
            "of memory and was stopped",
        )
    except WorkerFailed:
        return error_response(
            request, 503, "the query could not be completed (its worker failed); try again", retry
        )
    except Unavailable as reason:
        return error_response(request, 503, f"queries cannot be run: {reason}")
    except InternalError:
        return error_response(
            request, 500, "an internal error stopped the query (it is logged on the server)"
        )
    except QueryFailed as failure:
        if failure.line is None:
            return error_response(request, 400, f"query failed: {failure.message}")
        return error_response(
            request, 400, f"malformed query: {failure.message} (line {failure.line}, column {failure.column})"
        )
    except RemoteError as error:
        return error_response(request, 502, str(error))
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


def service_description(request: Request) -> Response:
    """The SPARQL 1.1 Service Description of the endpoint (GET /sparql without a query)."""
    site: Site = request.app.state.site
    # A browser names text/html; a client asking for anything (curl, */*) gets the description itself.
    media_type = choose(accept_header(request), [*SERVICE_DESCRIPTION_TYPES, HTML])
    if media_type is None:
        return error_response(
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
    for graph in STORE_GRAPHS:
        node = f"{graph}#named-graph"
        triples += [
            f"<{dataset}> <{sd}namedGraph> <{node}> .",
            f"<{node}> <{RDF_TYPE}> <{sd}NamedGraph> .",
            f"<{node}> <{sd}name> <{graph}> .",
        ]
    parsed = list(ox.parse("\n".join(triples).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    body = serialise_triples(parsed, media_type)
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
