"""Where the server's answers come from: the embedded pyoxigraph store loaded from ``dist/``, or
any external SPARQL 1.1 endpoint (``serve --store URL``). Both answer the same calls.

Endpoint queries arrive as the client sent them (a ``ProtocolRequest``) and are checked by the guard
(:mod:`bytedance_kg.sparql.guard`) where they run: in the query worker, or here before forwarding;
only the guard's canonical text is run or forwarded. The pages' own fixed queries (``document``,
``outcome``) run in the server process, which is itself confined when the store is embedded.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool

from bytedance_kg.project.graphs import FULL_GRAPHS, STORE_GRAPHS
from bytedance_kg.query.served import release_store
from bytedance_kg.release.folders import ReleaseTracker
from bytedance_kg.remote.endpoint import Endpoint
from bytedance_kg.remote.endpoint import query as remote_query
from bytedance_kg.server.executor import (
    Answer,
    FairScheduler,
    Limits,
    QueryService,
    serialise_triples,
)
from bytedance_kg.server.operation import ProtocolRequest, prepare
from bytedance_kg.sparql.guard import check_query
from bytedance_kg.sparql.querying import QueryOutcome, run_query


class Backend(Protocol):
    """What the server needs from a store."""

    @property
    def dist(self) -> Path:
        """The release folder the pages and downloads come from (it follows rebuilds)."""

    async def start(self) -> None: ...

    async def follow_release(self) -> bool:
        """Move to a newly published release, if there is one; True if it moved. (Called every
        second: also the place for other housekeeping.)"""

    async def answer(self, client: str, request: ProtocolRequest) -> Answer:
        """A protocol request's answer within the limits."""

    def stream(self, answer: Answer) -> AsyncIterator[bytes]: ...

    def done(self, answer: Answer) -> None:
        """The answer was sent, or its client went away (called once, after the response)."""

    def document(self, text: str, media_type: str, default_graphs: list[str]) -> bytes:
        """A page's own fixed CONSTRUCT, serialised as ``media_type``."""

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        """A page's own fixed query, as terms."""

    def close(self) -> None: ...


class EmbeddedBackend:
    """The release in pyoxigraph: endpoint queries in confined worker processes (:mod:`executor`),
    the pages' own queries on an in-process copy of the store."""

    def __init__(self, dist: Path, limits: Limits | None = None, base: str = "") -> None:
        self.tracker = ReleaseTracker(dist)
        self.limits = limits or Limits()
        self.store = release_store(self.dist)
        self.service = QueryService(
            self.dist, self.limits, base + "sparql"
        )  # relative IRIs: against the endpoint

    @property
    def dist(self) -> Path:
        assert self.tracker.current is not None
        return self.tracker.current

    async def start(self) -> None:
        await self.service.start()

    async def follow_release(self) -> bool:
        self.service.sweep()
        if not self.tracker.refresh():
            return False
        self.store = await run_in_threadpool(release_store, self.dist)
        self.service.release = self.dist  # workers load it with their next query
        return True

    async def answer(self, client: str, request: ProtocolRequest) -> Answer:
        return await self.service.run(client, request)

    def stream(self, answer: Answer) -> AsyncIterator[bytes]:
        return self.service.stream(answer)

    def done(self, answer: Answer) -> None:
        self.service.done(answer)

    def document(self, text: str, media_type: str, default_graphs: list[str]) -> bytes:
        result = self.store.query(text, default_graph=[ox.NamedNode(g) for g in default_graphs])
        assert isinstance(result, ox.QueryTriples)  # a page's document query is a CONSTRUCT
        return serialise_triples(list(result), media_type)

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        return run_query(self.store, text, "page query", default_graphs or FULL_GRAPHS)

    def close(self) -> None:
        self.service.close()
        self.tracker.close()


class RemoteBackend:
    """Any SPARQL 1.1 endpoint loaded with ``bytedance-kg load``: checked queries are forwarded, at
    most ``workers`` at once and ``per_client`` per client, and answers larger than ``max_bytes``
    are refused. The dataset is sent explicitly, so the store's own defaults do not matter:
    the service default is the reasoned release as default graph and every release graph as a
    named graph; a query that names its own (FROM) is forwarded without protocol graphs."""

    def __init__(self, url: str, dist: Path, limits: Limits | None = None, base: str = "") -> None:
        self.limits = limits or Limits()
        self.endpoint = Endpoint(url, timeout=self.limits.timeout)
        self.tracker = ReleaseTracker(dist)
        self.base = base
        self.scheduler = FairScheduler(self.limits.workers, self.limits.per_client, self.limits.max_waiting)

    @property
    def dist(self) -> Path:
        assert self.tracker.current is not None
        return self.tracker.current

    async def start(self) -> None:
        return None

    async def follow_release(self) -> bool:
        return self.tracker.refresh()

    def _dataset(
        self, default_graphs: list[str] | None, named_graphs: list[str] | None
    ) -> list[tuple[str, str]]:
        if default_graphs is None:
            return []  # the query's own FROM / FROM NAMED apply at the store
        named = STORE_GRAPHS if named_graphs is None else named_graphs
        return [
            *(("default-graph-uri", g) for g in default_graphs or []),
            *(("named-graph-uri", g) for g in named),
        ]

    async def answer(self, client: str, request: ProtocolRequest) -> Answer:
        await self.scheduler.acquire(client, self.limits.queue_wait)
        try:
            return await run_in_threadpool(self._forward, request)
        finally:
            self.scheduler.release(client)

    def _forward(self, request: ProtocolRequest) -> Answer:
        """Check the query (on a pool thread, under the client's share) and forward the guard's text."""
        operation = prepare(request)
        fields = [
            ("query", f"BASE <{self.base}sparql> {operation.checked.text}"),
            *self._dataset(operation.default_graphs, operation.named_graphs),
        ]
        body = self.endpoint.request(
            "POST",
            self.endpoint.url,
            urllib.parse.urlencode(fields).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": operation.media_type},
            self.limits.max_bytes,
        )
        return Answer(len(body), operation.media_type, body=body, volatile=operation.checked.volatile)

    async def stream(self, answer: Answer) -> AsyncIterator[bytes]:
        yield answer.body or b""

    def done(self, answer: Answer) -> None:
        return None

    def document(self, text: str, media_type: str, default_graphs: list[str]) -> bytes:
        fields = [("query", text), *(("default-graph-uri", g) for g in default_graphs)]
        return self.endpoint.request(
            "POST",
            self.endpoint.url,
            urllib.parse.urlencode(fields).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": media_type},
            self.limits.max_bytes,
        )

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        graph_form = check_query(text).form in ("CONSTRUCT", "DESCRIBE")
        return remote_query(self.endpoint, text, graph_form, default_graphs or FULL_GRAPHS)

    def close(self) -> None:
        self.tracker.close()
