"""Where the server's answers come from: the embedded pyoxigraph store loaded from ``dist/``, or
any external SPARQL 1.1 endpoint (``serve --store URL``). Both answer the same two calls."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from bytedance_kg.dataset import GRAPH
from bytedance_kg.errors import InputError
from bytedance_kg.loader import VOID_GRAPH
from bytedance_kg.namespaces import ALL_PREFIXES
from bytedance_kg.querying import QueryOutcome
from bytedance_kg.release import FULL, VOID_FILE
from bytedance_kg.remote import Endpoint, query as remote_query

FULL_GRAPHS = [str(GRAPH[name]) for name in ("ontology", "imports", "data", "inferred")]
"""The default graph of a query that names none: the reasoned release."""
ASSERTED_GRAPHS = [str(GRAPH["ontology"]), str(GRAPH["data"])]

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


_EMPTY = ox.Store()


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, found by parsing the query (on an empty store, which
    evaluates it in no time); a malformed query or an update raises ``SyntaxError``."""
    result = _EMPTY.query(text)
    if isinstance(result, ox.QueryBoolean):
        return "ASK"
    if isinstance(result, ox.QueryTriples):
        return "CONSTRUCT"
    return "SELECT"


class Backend(Protocol):
    """What the server needs from a store."""

    def answer(self, text: str, media_type: str, default_graphs: list[str], named_graphs: list[str]) -> bytes:
        """The query's results serialised as ``media_type`` (the protocol endpoint)."""

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        """The query's results as terms (the pages)."""


class EmbeddedBackend:
    """An in-memory pyoxigraph store holding the full release as named graphs, plus the VoID graph."""

    def __init__(self, dist: Path) -> None:
        nquads = dist / f"{FULL}.nq"
        if not nquads.exists():
            raise InputError(nquads, "no release to serve; run `bytedance-kg build` first")
        self.store = ox.Store()
        self.store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        self.store.bulk_load(path=str(dist / VOID_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(VOID_GRAPH))

    def _query(self, text: str, default_graphs: list[str], named_graphs: list[str]) -> object:
        return self.store.query(
            text,
            default_graph=[ox.NamedNode(g) for g in default_graphs or FULL_GRAPHS],
            named_graphs=[ox.NamedNode(g) for g in named_graphs] or None,
        )

    def answer(self, text: str, media_type: str, default_graphs: list[str], named_graphs: list[str]) -> bytes:
        result = self._query(text, default_graphs, named_graphs)
        if isinstance(result, ox.QueryTriples):
            rdf_format = GRAPH_FORMATS[media_type]
            prefixes = dict(ALL_PREFIXES) if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
            return ox.serialize(result, format=rdf_format, prefixes=prefixes)
        return result.serialize(format=RESULT_FORMATS[media_type])

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        result = self._query(text, default_graphs or [], [])
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome([], boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            return QueryOutcome(variables, rows=[{v: s[v] for v in variables if s[v] is not None} for s in result])
        return QueryOutcome([], triples=list(result))


class RemoteBackend:
    """Any SPARQL 1.1 endpoint, loaded with ``bytedance-kg load``: requests are passed through."""

    def __init__(self, url: str) -> None:
        self.endpoint = Endpoint(url)

    def answer(self, text: str, media_type: str, default_graphs: list[str], named_graphs: list[str]) -> bytes:
        fields = [("query", text), *(("default-graph-uri", g) for g in default_graphs or FULL_GRAPHS),
                  *(("named-graph-uri", g) for g in named_graphs)]
        return self.endpoint.request("POST", self.endpoint.url, urllib.parse.urlencode(fields).encode("utf-8"),
                                     {"Content-Type": "application/x-www-form-urlencoded", "Accept": media_type})

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        graph_form = query_form(text) == "CONSTRUCT"
        return remote_query(self.endpoint, text, graph_form, default_graphs or FULL_GRAPHS)
