"""Where the server's answers come from: the embedded pyoxigraph store loaded from ``dist/``, or
any external SPARQL 1.1 endpoint (``serve --store URL``). Both answer the same two calls."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Protocol

from bytedance_kg.dataset import FULL_GRAPHS
from bytedance_kg.errors import InputError
from bytedance_kg.querying import RESULT_SERIALISERS, QueryOutcome, inspect_query, run_query
from bytedance_kg.release import FULL
from bytedance_kg.remote import Endpoint
from bytedance_kg.remote import query as remote_query
from bytedance_kg.web.executor import GRAPH_SERIALISERS, Answer, Limits, QueryExecutor, execute, release_store

RESULT_FORMATS = list(RESULT_SERIALISERS)
BOOLEAN_FORMATS = ["application/sparql-results+json", "application/sparql-results+xml"]
GRAPH_FORMATS = list(GRAPH_SERIALISERS)


class Backend(Protocol):
    """What the server needs from a store."""

    def answer(self, text: str, media_type: str, default_graphs: list[str], named_graphs: list[str]) -> Answer:
        """The query's results serialised as ``media_type``, within the limits (the endpoint)."""

    def document(self, text: str, media_type: str, default_graphs: list[str]) -> bytes:
        """A page's own fixed query, serialised as ``media_type``."""

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        """The query's results as terms (the pages)."""


class EmbeddedBackend:
    """The release in pyoxigraph: endpoint queries in worker processes (see :mod:`executor`), the
    pages' own fixed queries on an in-process copy of the store."""

    def __init__(self, dist: Path, limits: Limits | None = None) -> None:
        nquads = dist / f"{FULL}.nq"
        if not nquads.exists():
            raise InputError(nquads, "no release to serve; run `bytedance-kg build` first")
        self.store = release_store(dist)
        self.limits = limits or Limits()
        self.executor = QueryExecutor(dist, self.limits)

    def answer(self, text: str, media_type: str, default_graphs: list[str], named_graphs: list[str]) -> Answer:
        return self.executor.run(text, media_type, default_graphs or FULL_GRAPHS, named_graphs)

    def document(self, text: str, media_type: str, default_graphs: list[str]) -> bytes:
        """A page's own fixed query (no user input), serialised in process."""
        return execute(self.store, text, media_type, default_graphs, [], max_rows=10**9).body

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        return run_query(self.store, text, "page query", default_graphs or FULL_GRAPHS)


class RemoteBackend:
    """Any SPARQL 1.1 endpoint, loaded with ``bytedance-kg load``: requests are passed through."""

    def __init__(self, url: str, limits: Limits | None = None) -> None:
        self.endpoint = Endpoint(url, timeout=(limits or Limits()).timeout)

    def answer(self, text: str, media_type: str, default_graphs: list[str], named_graphs: list[str]) -> Answer:
        fields = [("query", text), *(("default-graph-uri", g) for g in default_graphs or FULL_GRAPHS),
                  *(("named-graph-uri", g) for g in named_graphs)]
        body = self.endpoint.request("POST", self.endpoint.url, urllib.parse.urlencode(fields).encode("utf-8"),
                                     {"Content-Type": "application/x-www-form-urlencoded", "Accept": media_type})
        return Answer(body, False)

    def document(self, text: str, media_type: str, default_graphs: list[str]) -> bytes:
        return self.answer(text, media_type, default_graphs, []).body

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        graph_form = inspect_query(text) in ("CONSTRUCT", "DESCRIBE")
        return remote_query(self.endpoint, text, graph_form, default_graphs or FULL_GRAPHS)
