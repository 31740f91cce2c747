"""Running endpoint queries in worker processes, so that limits hold.

pyoxigraph has no query timeout and a running query cannot be interrupted from Python: only a
killed process stops the work. So each query of the public endpoint runs in one of a fixed set of
worker processes, each holding its own copy of the store:

* the number of workers caps concurrent queries; a request waits a moment (``queue_wait``) for a
  free worker, and if every worker is still busy it gets 503 with a ``Retry-After`` rather than
  queueing without bound;
* a query that outlives the time limit has its worker killed (and replaced), and the client gets
  504 with a plain explanation, never a truncated 200;
* results beyond the row limit are cut, and the response says so in ``X-Result-Truncated``.

The event loop only waits on pipes (in a thread), so other requests, pages included, are answered
while a query runs into its limit.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from bytedance_kg.dataset import VOID_GRAPH
from bytedance_kg.namespaces import ALL_PREFIXES
from bytedance_kg.querying import RESULT_SERIALISERS, QueryOutcome
from bytedance_kg.release import FULL, VOID_FILE

GRAPH_SERIALISERS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Limits:
    """The endpoint's documented limits (see SECURITY.md)."""

    timeout: float = 10.0
    """Seconds a query may run before its worker is killed."""
    max_rows: int = 10_000
    """Solutions (or triples) returned at most; the rest are cut and the cut is stated."""
    workers: int = 2
    """Queries that may run at once."""
    max_request_bytes: int = 64 * 1024
    """Largest request body (or query string) accepted."""
    queue_wait: float = 1.0
    """Seconds a query waits for a free worker before it is turned away with 503."""


@dataclass
class Answer:
    body: bytes
    truncated: bool


class QueryTimeout(Exception):
    """The query ran past the time limit; its worker was killed."""


class Busy(Exception):
    """Every worker is busy."""


class WorkerFailed(Exception):
    """The worker died while running the query (it was replaced)."""


def release_store(dist: Path) -> ox.Store:
    """The full release's named graphs and the VoID graph, as served."""
    store = ox.Store()
    store.bulk_load(path=str(dist / f"{FULL}.nq"), format=ox.RdfFormat.N_QUADS)
    store.bulk_load(path=str(dist / VOID_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(VOID_GRAPH))
    return store


def execute(store: ox.Store, text: str, media_type: str, default_graphs: list[str], named_graphs: list[str],
            max_rows: int) -> Answer:
    """Run one query and serialise at most ``max_rows`` results (in the worker). Solutions are read
    one at a time and reading stops at the limit, so a huge result costs no more than the limit."""
    result = store.query(text, default_graph=[ox.NamedNode(g) for g in default_graphs],
                         named_graphs=[ox.NamedNode(g) for g in named_graphs] or None)
    if isinstance(result, ox.QueryBoolean):
        return Answer(RESULT_SERIALISERS[media_type](QueryOutcome([], boolean=bool(result))).encode(), False)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == max_rows:
                return Answer(RESULT_SERIALISERS[media_type](QueryOutcome(variables, rows=rows)).encode(), True)
            rows.append({v: solution[v] for v in variables if solution[v] is not None})
        return Answer(RESULT_SERIALISERS[media_type](QueryOutcome(variables, rows=rows)).encode(), False)
    triples, truncated = [], False
    for triple in result:
        if len(triples) == max_rows:
            truncated = True
            break
        triples.append(triple)
    fmt = GRAPH_SERIALISERS[media_type]
    prefixes = dict(ALL_PREFIXES) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return Answer(ox.serialize(triples, format=fmt, prefixes=prefixes), truncated)


def _serve(connection: Connection, dist: str, max_rows: int) -> None:
    """A worker's loop: load the store once, then answer requests until the pipe closes."""
    store = release_store(Path(dist))
    connection.send(("ready", None))
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        try:
            connection.send(("ok", execute(store, *request, max_rows=max_rows)))
        except SyntaxError as error:
            connection.send(("syntax", error.msg))
        except Exception as error:  # the store's evaluation errors, reported to the client as 400
            connection.send(("error", str(error)))


class Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, dist: Path, limits: Limits) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, str(dist), limits.max_rows), daemon=True)
        self.process.start()
        child.close()
        try:
            ready = self.connection.poll(120) and self.connection.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise RuntimeError("a query worker failed to start")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class QueryExecutor:
    """A fixed set of worker processes; ``run`` blocks (call it from a thread)."""

    def __init__(self, dist: Path, limits: Limits) -> None:
        self.dist, self.limits = dist, limits
        self.context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self.idle = [Worker(self.context, dist, limits) for _ in range(limits.workers)]
        self.starting = 0
        self.lock = threading.Condition()

    def _take(self) -> Worker:
        """An idle worker, waiting up to ``queue_wait`` for one (longer while a killed worker is
        being replaced); a request that still finds every worker busy is turned away."""
        with self.lock:
            deadline = time.monotonic() + self.limits.queue_wait
            while not self.idle:
                remaining = deadline - time.monotonic()
                if remaining <= 0 and not self.starting:
                    raise Busy()
                if remaining <= -10:
                    raise Busy()
                self.lock.wait(max(remaining, 0.1))
            return self.idle.pop()

    def run(self, text: str, media_type: str, default_graphs: list[str], named_graphs: list[str]) -> Answer:
        worker = self._take()
        try:
            worker.connection.send((text, media_type, default_graphs, named_graphs))
            if not worker.connection.poll(self.limits.timeout):
                raise QueryTimeout()
            status, value = worker.connection.recv()
        except (QueryTimeout, EOFError, OSError) as error:
            # Stop the work now and answer at once; a fresh worker joins the pool when it is ready.
            worker.kill()
            with self.lock:
                self.starting += 1
            threading.Thread(target=self._replace, daemon=True).start()
            if isinstance(error, QueryTimeout):
                raise
            raise WorkerFailed() from None
        with self.lock:
            self.idle.append(worker)
            self.lock.notify()
        if status == "syntax":
            raise SyntaxError(value)
        if status == "error":
            raise ValueError(value)
        return value

    def _replace(self) -> None:
        worker = None
        try:
            for attempt in range(3):
                try:
                    worker = Worker(self.context, self.dist, self.limits)
                    break
                except (RuntimeError, OSError, EOFError):
                    time.sleep(0.5 * (attempt + 1))
        finally:
            with self.lock:
                self.starting -= 1
                if worker is not None:
                    self.idle.append(worker)
                self.lock.notify_all()

    def close(self) -> None:
        with self.lock:
            for worker in self.idle:
                worker.kill()
            self.idle = []
