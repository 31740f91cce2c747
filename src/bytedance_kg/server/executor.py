"""Running endpoint queries in confined worker processes, so that every limit holds.

pyoxigraph has no query timeout, no memory limit and no switch for ``SERVICE``, and a running
query cannot be interrupted from Python. So each query of the public endpoint runs in one of a
fixed set of worker processes, and the limits are properties of those processes:

* **no network**: a worker confines itself before it loads anything
  (:func:`bytedance_kg.system.sandbox.forbid_network`: a seccomp filter on ``socket()`` and, where
  permitted, an empty network namespace); a worker that cannot be confined never starts;
* **time**: a worker that outlives ``timeout`` is killed (and replaced), and the client gets 504;
* **memory**: each worker's address space is capped (``RLIMIT_AS``); a query that needs more
  dies alone, and the client gets 507;
* **stack**: queries run on a 256 MiB stack (:mod:`bytedance_kg.system.stack`) behind the guard's
  depth limits;
* **size of the answer**: the worker writes at most ``max_rows`` solutions (or triples) and
  ``max_bytes`` bytes, and says which limit cut it; a large answer is spooled to a file that the
  server streams with back-pressure, so a slow reader holds no more than a small buffer;
* **fair share**: :class:`FairScheduler` hands workers out round-robin among client addresses,
  at most ``per_client`` at once each; a request waits up to ``queue_wait`` and is then turned away
  (429 if its own client holds its share, 503 if every worker is busy), never queued without bound.

The event loop never blocks on a worker: it waits on the workers' pipes with ``add_reader``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import itertools
import multiprocessing
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from xml.parsers import expat

import pyoxigraph as ox

from bytedance_kg.project.graphs import FULL_GRAPHS
from bytedance_kg.project.namespaces import ALL_PREFIXES
from bytedance_kg.query.served import release_store
from bytedance_kg.rdf.formats import RESULTS_FORMATS, results_format, syntax
from bytedance_kg.rdf.terms import serialized
from bytedance_kg.server.answers import AnswerCache, answer_key
from bytedance_kg.server.operation import (
    CARRIERS,
    GRAPH_FORMATS,
    Operation,
    ProtocolRequest,
    Refused,
    prepare,
)
from bytedance_kg.sparql.querying import engine_error
from bytedance_kg.sparql.results import WRITERS, XML_CANNOT_CARRY, Cut, write_limited, xml_can_carry
from bytedance_kg.system.sandbox import Confinement, forbid_network
from bytedance_kg.system.stack import with_engine_stack

INLINE_BYTES = 256 * 1024
"""Answers up to this size travel through the pipe; larger ones through a spool file."""
MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The endpoint's documented limits and knobs (see SECURITY.md and ``serve --help``)."""

    timeout: float = 10.0
    """Seconds a query may run before its worker is killed (504)."""
    max_rows: int = 10_000
    """Solutions (or triples) returned at most; the cut is stated in ``X-Result-Truncated``."""
    max_bytes: int = 16 * MiB
    """Bytes of an answer at most, cut at a solution boundary and stated the same way."""
    workers: int = 4
    """Queries that may run at once (one worker process each)."""
    per_client: int = 1
    """Queries one client address may run at once."""
    worker_memory: int = 1024 * MiB
    """Address space of each worker (the store, the query, its answer); more ends the query (507)."""
    queue_wait: float = 1.0
    """Seconds a query waits for a worker before it is turned away (503, or 429 for its client's share)."""
    max_waiting: int = 64
    """Queries waiting at once over all clients; more are turned away at once (503)."""
    max_request_bytes: int = 64 * 1024
    """Largest request body or query string (413 / 414)."""
    max_header_bytes: int = 16 * 1024
    """Largest header section (431); the request line has its own limit, ``max_request_bytes``."""
    max_headers: int = 100
    """Most header fields in one request (431)."""
    head_timeout: float = 10.0
    """Seconds for a request line and headers to arrive, counted from the connection or the previous
    response (408)."""
    body_timeout: float = 10.0
    """Seconds for a request body to arrive (408)."""
    stall_timeout: float = 20.0
    """Seconds a client may take nothing of a response before its connection is dropped."""
    keep_alive: float = 5.0
    """Seconds an idle keep-alive connection stays open."""
    max_streams: int = 64
    """Spooled answers being sent at once; more queries are turned away (503)."""
    answer_cache: int = 32 * MiB
    """Bytes of recent inline answers kept to answer the same query again without a worker
    (:mod:`~bytedance_kg.server.answers`); 0 keeps none."""


@dataclass(frozen=True)
class Request:
    """One protocol request for a worker: the client's query text as sent, and what it asked for."""

    release: str
    protocol: ProtocolRequest
    base: str
    spool: str
    """Where to write an answer larger than :data:`INLINE_BYTES`."""


@dataclass(frozen=True)
class Answer:
    """A worker's answer: inline bytes or a spooled file, and whether and why it was cut."""

    size: int
    media_type: str = ""
    body: bytes | None = None
    client: str = ""
    """Who asked (set by the server): spooled answers being sent are counted per client."""
    path: str | None = None
    truncated: str | None = None
    """``None``, ``"rows"`` or ``"bytes"``."""
    volatile: bool = False
    """The query may call a function whose value is new on every run, as the guard read it in the
    worker (:attr:`~bytedance_kg.sparql.guard.CheckedQuery.volatile`): the answer is never kept."""


class QueryTimeout(Exception):
    """The query ran past the time limit; its worker was killed."""


class Busy(Exception):
    """Every worker is busy (or too many queries wait)."""


class ClientBusy(Exception):
    """The client already runs its share of queries."""


class OutOfMemory(Exception):
    """The query needed more than a worker's memory; its worker died."""


class WorkerFailed(Exception):
    """The worker died while running the query (it was replaced)."""


class Unavailable(Exception):
    """No worker can be started any more (the message says why: the code changed under the server)."""


class InternalError(Exception):
    """A worker failed in a way that is a fault of ours, not of the query (a bug)."""


class QueryFailed(Exception):
    """The engine refused or failed the query: a message, and its place when it is a syntax error."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


# ---------------------------------------------------------------- in the worker process


MERGED_DEFAULT_TRIPLES = 100_000
"""A worker holds the reasoned release a second time, merged in its store's default graph, when it
has at most this many triples (in pyoxigraph's memory store, about 40 MB more per worker)."""


def worker_store(dist: Path) -> tuple[ox.Store, bool]:
    """:func:`release_store` for a query worker, and whether the service's default graph (the merge
    of :data:`FULL_GRAPHS`) is also in the store's own default graph, which is otherwise empty: a
    query then runs on one graph instead of the union of four, in about half the time on the saved
    queries. Done only up to :data:`MERGED_DEFAULT_TRIPLES`, so that memory stays bounded; above it
    the query runs on the union of the four graphs, which gives the same answers because the build
    keeps them disjoint (:meth:`~bytedance_kg.pipeline.sources.Sources.shared_triples`): a union
    repeats only a triple two graphs hold."""
    store = release_store(dist)
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.NamedNode(g) for g in FULL_GRAPHS]
    counted = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=graphs)
    assert isinstance(counted, ox.QuerySolutions)
    number = next(iter(counted))["n"]
    assert isinstance(number, ox.Literal)
    count = int(number.value)
    if count > MERGED_DEFAULT_TRIPLES:
        return store, False
    store.extend(
        ox.Quad(quad.subject, quad.predicate, quad.object)
        for graph in graphs
        for quad in store.quads_for_pattern(None, None, None, graph)
    )
    return store, True


def serialise_triples(triples: list[ox.Triple], media_type: str) -> bytes:
    """A graph answer in one of :data:`GRAPH_FORMATS`, with the project's prefixes where the syntax
    has them."""
    fmt = GRAPH_FORMATS[media_type]
    prefixes = dict(ALL_PREFIXES) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return serialized(triples, format=fmt, prefixes=prefixes)


def _most_that_fit(render: Callable[[int], bytes | None], empty: bytes, count: int, max_bytes: int) -> bytes:
    """The answer of the most leading items (of ``count``, which together do not fit) that fits in
    ``max_bytes``, within 3% of it. ``render(n)`` writes the first ``n`` items, or gives ``None``
    when that is over the limit; ``empty`` is the answer with none. Each guess scales the count
    that fitted by how far its answer fell short, kept a quarter inside the bracket between the
    largest count that fitted and the smallest that did not: a few renderings, each at most about
    the limit's size."""
    fits, too_many, fitted = 0, count, empty
    for _ in range(16):
        if too_many - fits <= 1 or len(fitted) >= 0.97 * max_bytes:
            break
        guess = int(fits * 0.99 * max_bytes / max(len(fitted), 1)) if fits else count // 2
        quarter = (too_many - fits) // 4
        guess = min(max(guess, fits + max(quarter, 1)), too_many - max(quarter, 1))
        body = render(guess)
        if body is None:
            too_many = guess
        else:
            fits, fitted = guess, body
    return fitted


def _triples_within(triples: list[ox.Triple], media_type: str, max_bytes: int) -> tuple[bytes, bool]:
    """The serialisation of as many leading triples as fit in ``max_bytes`` (:func:`_most_that_fit`),
    and whether some were left out; :class:`NotCarried` if the format cannot write them (RDF/XML's own
    terms as predicates, triple terms in JSON-LD)."""
    try:
        body = serialise_triples(triples, media_type)
    except OSError as error:  # what pyoxigraph's serialisers raise for a term they cannot write
        raise NotCarried(
            406, f"the answer is not offered in {media_type}: {error}: ask for {CARRIERS[media_type]}"
        ) from None
    if len(body) <= max_bytes:
        return body, False

    def render(count: int) -> bytes | None:
        part = serialise_triples(triples[:count], media_type)
        return part if len(part) <= max_bytes else None

    return _most_that_fit(render, serialise_triples([], media_type), len(triples), max_bytes), True


XML_ANSWERS = frozenset({results_format("xml").media_type, syntax("rdfxml").media_type})
"""The XML types an answer may be negotiated in, checked by :func:`_as_xml` before they go."""

ENGINE_FORMATS = {f.media_type: f.serialiser for f in RESULTS_FORMATS if f.name != "csv"}
"""The solution formats the engine writes itself, from TSV cut at a row boundary (see
:func:`_solutions_within`). CSV stays with :mod:`bytedance_kg.sparql.results`' writer: it drops datatypes,
so its text can be far shorter than the TSV it would be made from, and a cap on that TSV would cut
a CSV answer well below the byte limit."""
HEADER_ROOM = 256 * 1024
"""Room for the TSV header line beyond the cap on its rows (a header names each variable once; the
query naming them is at most 64 KiB)."""


class _Full(Exception):
    """A :class:`_CappedSink` was offered more than its cap."""


class _CappedSink(io.BytesIO):
    """A binary writer that keeps at most ``cap`` bytes and then refuses (:class:`_Full`), which
    stops the engine's serialiser: what is written never grows past the cap (plus one 8 KiB buffer
    of the serialiser)."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data: bytes) -> int:  # type: ignore[override]  # bytes only, as the engine writes
        room = self.cap - self.tell()
        super().write(data[:room])
        if len(data) > room:
            raise _Full()
        return len(data)

    def value(self) -> bytes:
        return self.getvalue()


def _render(tsv: bytes, fmt: ox.QueryResultsFormat, cap: int) -> bytes | None:
    """Solutions in TSV rewritten by the engine in ``fmt``; ``None`` if that is over ``cap`` bytes."""
    if fmt == ox.QueryResultsFormat.TSV:
        return tsv if len(tsv) <= cap else None
    sink = _CappedSink(cap)
    try:
        ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(sink, format=fmt)
    except _Full:
        return None
    except MemoryError:  # the engine's TSV reader refuses a line over 16 MiB: that row cannot fit either
        return None
    return sink.value()


def _line_ends(text: bytes) -> list[int]:
    """Where each line of ``text`` ends (just after its ``\\n``): read once, for counting and cutting."""
    return [match.end() for match in re.finditer(b"\n", text)]


def _solutions_within(
    result: ox.QuerySolutions, media_type: str, max_rows: int, max_bytes: int
) -> tuple[bytes, str | None]:
    """A SELECT answer written by the engine, cut to ``max_rows`` solutions and ``max_bytes`` bytes
    at a solution boundary, and which limit cut it (``None``, ``"rows"`` or ``"bytes"``).

    The query's own text bounds its solutions (the guard set its top-level ``LIMIT`` to at most
    ``max_rows + 1``), so the engine's work stops there. The engine writes them as TSV, one line
    per solution (its terms escape line breaks), into a sink capped at twice ``max_bytes``: the
    TSV is counted and cut by lines, then rewritten by the engine in the format asked for. JSON and
    XML are no shorter than half the TSV unless most of many variables are unbound (an unbound
    value costs TSV a tab and JSON nothing): then the cap can stop reading before the answer reaches
    ``max_bytes``, and the cut, early but never late, is stated as ``max-bytes`` all the same.
    Over ``max_bytes``, the most leading solutions that fit are found with a few rewrites, each
    capped at ``max_bytes``, and the answer is within 3% of the limit."""
    fmt = ENGINE_FORMATS[media_type]
    reading = _CappedSink(2 * max_bytes + HEADER_ROOM)
    truncated: str | None = None
    try:
        result.serialize(reading, format=ox.QueryResultsFormat.TSV)
    except _Full:
        truncated = "bytes"  # some solutions were not read (the cap is far past what can be sent)
    tsv = reading.value()
    tsv = tsv[: tsv.rfind(b"\n") + 1]  # whole lines only
    ends = _line_ends(tsv)
    rows = len(ends) - 1
    if rows < 0:
        raise RuntimeError("the engine wrote no TSV header within the cap")
    if rows > max_rows:
        ends, rows, truncated = ends[: max_rows + 1], max_rows, "rows"
        tsv = tsv[: ends[-1]]
    body = _render(tsv, fmt, max_bytes)
    if body is not None:
        return body, truncated
    head = _render(tsv[: ends[0]], fmt, 2**62) or b""  # no solution: the head and tail alone
    fitted = _most_that_fit(lambda count: _render(tsv[: ends[count]], fmt, max_bytes), head, rows, max_bytes)
    return fitted, "bytes"


class NotCarried(Refused):
    """The answer cannot be written in the type negotiated (:data:`~bytedance_kg.server.operation.
    CARRIERS`): it is written in the next type the client accepts, else refused."""


def _as_xml(body: bytes, media_type: str, max_bytes: int) -> bytes:
    """An XML answer as it is sent, or a refusal (406) naming what to ask for instead (:data:`~bytedance_kg.
    server.operation.CARRIERS`).

    Refused: an answer holding a character XML 1.0 cannot carry (:data:`~bytedance_kg.sparql.
    results.NOT_IN_XML`), and one the serialiser did not write as well-formed XML (pyoxigraph 0.5
    writes a predicate whose IRI ends in no XML name, ``<http://ex/123>``, with an empty local
    name). Its carriage returns are written ``&#13;``: raw, an XML parser reads each back as a line
    feed. An answer that this escaping takes past ``max_bytes`` is refused too, so the escaping
    never breaks the byte limit."""
    instead = CARRIERS[media_type]
    escaped = body.replace(b"\r", b"&#13;")
    try:  # one pass over a good answer; expat refuses the characters XML cannot carry too
        expat.ParserCreate(namespace_separator=" ").Parse(escaped, True)  # names checked as QNames
    except expat.ExpatError as error:
        if not xml_can_carry(body.decode("utf-8")):  # the reason, said more plainly than expat does
            why = f"it holds {XML_CANNOT_CARRY}"
        else:
            # (expat's line and column are in a document the client never receives: left out)
            why = f"it cannot be written as well-formed XML ({expat.ErrorString(error.code)})"
    else:  # (an answer cut to its head and tail alone may be past the limit unescaped: kept)
        if len(escaped) == len(body) or len(escaped) <= max_bytes:
            return escaped
        why = f"its carriage returns, escaped for XML, take it past the limit of {max_bytes} bytes"
    raise NotCarried(406, f"the answer is not offered in XML: {why}: ask for {instead}")


def execute(
    store: ox.Store, request: Request, max_rows: int, max_bytes: int, merged_default: bool = False
) -> Answer:
    """Check, negotiate and run one request, and write its answer within the limits (in the worker).
    A SELECT query runs with its top-level ``LIMIT`` at most ``max_rows + 1`` (set by the guard), so
    the engine's work stops past the row limit; its answer is written by the engine
    (:func:`_solutions_within`), or, in CSV, one solution at a time, stopping at a limit. A graph
    answer reads at most ``max_rows + 1`` triples. ``merged_default``: the store's default graph is
    the service's (:func:`worker_store`). Raises :class:`Refused` or :class:`QueryFailed`
    (positions in the client's text)."""
    operation = prepare(request.protocol, max_rows + 1)
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None
    named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None
    if merged_default and operation.service_default:
        pass  # the store's default graph is their merge (and every graph is available by name)
    elif operation.default_graphs is not None:
        default_graph = [ox.NamedNode(g) for g in operation.default_graphs]
    if operation.named_graphs is not None:
        named_graphs = [ox.NamedNode(g) for g in operation.named_graphs]
    dataset = (default_graph, named_graphs)
    first: NotCarried | None = None
    # the query runs again for each type tried: only a format of CARRIERS can fail, so at most three
    for media_type in (operation.media_type, *operation.others):
        try:
            return _answer(store, request, operation, media_type, dataset, max_rows, max_bytes)
        except NotCarried as refusal:
            first = first or refusal
    assert first is not None
    raise first


Dataset = tuple[
    list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None, list[ox.NamedNode | ox.BlankNode] | None
]
"""The default graph and the named graphs a query runs on (``None``: the store's)."""


def _answer(
    store: ox.Store,
    request: Request,
    operation: Operation,
    media_type: str,
    dataset: Dataset,
    max_rows: int,
    max_bytes: int,
) -> Answer:
    """The query run and its answer written in ``media_type``, within the limits."""
    engine_writes = operation.checked.row_limit is not None and media_type in ENGINE_FORMATS
    try:
        result = store.query(
            operation.checked.text,
            base_iri=request.base,
            default_graph=dataset[0],
            named_graphs=dataset[1],
        )
    except SyntaxError as error:
        raise QueryFailed(*engine_error(error, operation.checked, request.base)) from None
    truncated: str | None = None
    if isinstance(result, ox.QueryBoolean):
        body = WRITERS[media_type].boolean(bool(result)).encode("utf-8")
    elif isinstance(result, ox.QuerySolutions) and engine_writes:
        body, truncated = _solutions_within(result, media_type, max_rows, max_bytes)
    elif isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows: Iterator[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]] = (
            {v: s[v] for v in variables if s[v] is not None} for s in result
        )
        cut: Cut = write_limited(WRITERS[media_type](variables), rows, max_rows, max_bytes)
        body, truncated = cut.text.encode("utf-8"), cut.truncated
    else:
        triples = list(itertools.islice(result, max_rows + 1))
        if len(triples) > max_rows:
            triples, truncated = triples[:max_rows], "rows"
        body, over = _triples_within(triples, media_type, max_bytes)
        truncated = "bytes" if over else truncated
    if media_type in XML_ANSWERS:
        body = _as_xml(body, media_type, max_bytes)
    if len(body) <= INLINE_BYTES:
        return Answer(
            len(body), media_type, body=body, truncated=truncated, volatile=operation.checked.volatile
        )
    with open(request.spool, "wb") as spool:
        spool.write(body)
    return Answer(
        len(body), media_type, path=request.spool, truncated=truncated, volatile=operation.checked.volatile
    )


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _answer_requests(
    connection: Connection, release: str, max_rows: int, max_bytes: int, confinement: str
) -> None:
    """A worker's loop (on the large-stack thread): answer requests until the pipe closes."""
    stores = {release: worker_store(Path(release))}
    connection.send(("ready", confinement))
    while True:
        try:
            request: Request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            if request.release not in stores:  # the server moved to a new release
                stores = {request.release: worker_store(Path(request.release))}
            store, merged = stores[request.release]
            reply: tuple[str, object] = ("ok", execute(store, request, max_rows, max_bytes, merged))
        except Refused as refusal:
            reply = ("refused", (refusal.status, refusal.message))
        except QueryFailed as failure:
            reply = ("failed", (failure.message, failure.line, failure.column))
        except MemoryError:
            reply = ("memory", None)
        except (
            OSError,
            RuntimeError,
            ValueError,
        ) as error:  # the engine's evaluation errors: the query's fault
            reply = ("failed", (_one_line(str(error)), None, None))
        except Exception as error:  # anything else is a fault of ours: no detail to the client
            print(
                f"query worker: internal error: {type(error).__name__}: {_one_line(str(error))}",
                file=sys.stderr,
            )
            reply = ("internal", None)
        connection.send(reply)


def confine_worker(memory: int) -> Confinement:
    """What a worker does to itself before it loads anything: close the network (or report that it
    could not), cap its address space, and end an allocation failure with one line."""
    os.environ["RUST_BACKTRACE"] = "0"
    confinement = forbid_network(new_namespace=True)
    if confinement.confined:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return confinement


def code_version() -> str:
    """A digest of this package's source files as they are on disk now. A worker started after the
    code was changed under a running server would speak another protocol: it compares its digest
    with the server's and refuses to start."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


SERVER_CODE = code_version()
"""The code the server process runs (computed when this module is first imported)."""


def _worker_main(
    connection: Connection, release: str, memory: int, max_rows: int, max_bytes: int, server_code: str
) -> None:
    """A worker process: check it runs the server's code, confine itself, load the release, serve
    the pipe (on the engine's large stack)."""
    if SERVER_CODE != server_code:
        connection.send(("changed", "the code on disk changed since the server started: restart the server"))
        return
    confinement = confine_worker(memory)
    if not confinement.confined:
        connection.send(("failed", "the worker could not be confined (no seccomp, no network namespace)"))
        return
    with_engine_stack(
        lambda: _answer_requests(connection, release, max_rows, max_bytes, confinement.describe())
    )


# ---------------------------------------------------------------- in the server process


async def _receive(connection: Connection, timeout: float) -> tuple[str, object]:
    """The next message on a worker's pipe, waiting without blocking the event loop."""
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    descriptor = connection.fileno()

    def wake() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(descriptor, wake)
    try:
        await asyncio.wait_for(readable, timeout)
    finally:
        loop.remove_reader(descriptor)
        # uvloop made the pipe non-blocking; the rest of a long message must be waited for, not
        # refused with EAGAIN (the worker is writing it right now).
        os.set_blocking(descriptor, True)
    return connection.recv()


class Worker:
    """One worker process and its pipe, seen from the server."""

    def __init__(self, process: multiprocessing.process.BaseProcess, connection: Connection) -> None:
        self.process, self.connection = process, connection
        self.confinement = ""

    @classmethod
    async def start(
        cls, context: multiprocessing.context.SpawnContext, release: Path, limits: Limits
    ) -> Worker:
        connection, child = context.Pipe()
        process = context.Process(
            target=_worker_main,
            daemon=True,
            args=(child, str(release), limits.worker_memory, limits.max_rows, limits.max_bytes, SERVER_CODE),
        )
        process.start()
        child.close()
        worker = cls(process, connection)
        try:
            status, detail = await _receive(connection, 120)
        except (TimeoutError, EOFError, OSError):
            status, detail = "failed", f"the worker exited with {process.exitcode}"
        if status == "changed":
            worker.kill()
            raise Unavailable(str(detail))
        if status != "ready":
            worker.kill()
            raise RuntimeError(f"a query worker failed to start: {detail}")
        worker.confinement = str(detail)
        return worker

    async def ask(self, request: Request, timeout: float) -> tuple[str, object]:
        self.connection.send(request)
        return await _receive(self.connection, timeout)

    @property
    def alive(self) -> bool:
        """Whether the process is still running (it may have been killed while idle)."""
        return self.process.is_alive()

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.join(5)
        self.connection.close()

    @property
    def ran_out_of_memory(self) -> bool:
        """A Rust allocation failure aborts the process (SIGABRT)."""
        return self.process.exitcode == -signal.SIGABRT


@dataclass
class FairScheduler:
    """Worker slots handed out round-robin among clients, at most ``per_client`` each at once."""

    slots: int
    per_client: int
    max_waiting: int
    running: Counter[str] = field(default_factory=Counter)
    queues: dict[str, deque[asyncio.Future[None]]] = field(default_factory=dict)
    waiting: int = 0

    async def acquire(self, client: str, wait: float) -> None:
        """Take a slot for ``client``, waiting up to ``wait`` seconds; raise :class:`ClientBusy` or
        :class:`Busy` if none comes."""
        if self.slots > 0 and self.running[client] < self.per_client:
            self._grant(client)
            return
        if self.waiting >= self.max_waiting:
            raise Busy()
        if len(self.queues.get(client, ())) >= 2 * self.per_client:
            raise ClientBusy()  # one client's pile of waiting queries would crowd the others out
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queues.setdefault(client, deque()).append(granted)
        self.waiting += 1
        try:
            await asyncio.wait_for(asyncio.shield(granted), wait)
        except TimeoutError:
            if granted.done():
                return
            granted.cancel()
            raise ClientBusy() if self.running[client] >= self.per_client else Busy() from None
        except asyncio.CancelledError:  # the client went away while waiting
            if granted.done() and not granted.cancelled():
                self.release(client)
            granted.cancel()
            raise
        finally:
            self.waiting -= 1
            queue = self.queues.get(client)
            if queue is not None and granted in queue:
                queue.remove(granted)
            if queue is not None and not queue:
                del self.queues[client]

    def _grant(self, client: str) -> None:
        self.slots -= 1
        self.running[client] += 1

    def release(self, client: str, slot: bool = True) -> None:
        """``client``'s query is over; ``slot`` False if its worker is not free again yet."""
        self.running[client] -= 1
        if self.running[client] <= 0:
            del self.running[client]
        if slot:
            self.slots += 1
        self._dispatch()

    def add_slot(self) -> None:
        """A worker joined (a replacement is ready)."""
        self.slots += 1
        self._dispatch()

    def take_free_slot(self) -> bool:
        """A free worker left (it died while idle); False, and nothing taken, if no slot is free
        (those given out belong to clients, whose workers are still in the pool)."""
        if self.slots <= 0:
            return False
        self.slots -= 1
        return True

    def _dispatch(self) -> None:
        while self.slots > 0:
            for client in list(self.queues):
                queue = self.queues[client]
                while queue and queue[0].done():
                    queue.popleft()
                if queue and self.running[client] < self.per_client:
                    queue.popleft().set_result(None)
                    self._grant(client)
                    del self.queues[client]  # to the back of the round
                    if queue:
                        self.queues[client] = queue
                    break
            else:
                return


class QueryService:
    """The worker pool: runs checked queries for clients, within the limits."""

    def __init__(self, release: Path, limits: Limits, base: str) -> None:
        self.release, self.limits, self.base = release, limits, base
        self.context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self.idle: list[Worker] = []
        self.scheduler = FairScheduler(0, limits.per_client, limits.max_waiting)
        self.spool = Path(tempfile.mkdtemp(prefix="bytedance-kg-answers-"))
        self.spooled: dict[str, tuple[str, float]] = {}
        """Spooled answers not yet sent: path -> (client, when)."""
        self.unavailable = ""
        """Why no replacement worker can start, once that is so (the server must be restarted)."""
        self._serial = itertools.count()
        self._started = False
        self._spool_prefix = str(self.spool / "answer-")
        self._tasks: set[asyncio.Task[None]] = set()
        self.answers: AnswerCache[Answer] = AnswerCache(limits.answer_cache)

    async def start(self) -> None:
        """Start every worker (in parallel); fail if none can start. Once: the command line starts
        them before it announces the port (a worker that cannot start is an error there), and the
        app's start-up asks again (a second set was started, and the first four left as exited
        children that nothing waited for)."""
        if self._started:
            return
        self._started = True
        workers = await asyncio.gather(
            *(Worker.start(self.context, self.release, self.limits) for _ in range(self.limits.workers))
        )
        self.idle = list(workers)
        self.scheduler.slots = len(self.idle)

    @property
    def confinement(self) -> str:
        return self.idle[0].confinement if self.idle else ""

    async def run(self, client: str, protocol: ProtocolRequest) -> Answer:
        """Run one protocol request for ``client``; raise :class:`Refused`, :class:`QueryFailed` or
        one of the limit exceptions of this module."""
        if self.unavailable and not self.idle:
            raise Unavailable(self.unavailable)
        release = str(self.release)
        key = answer_key(release, protocol) if self.answers.max_bytes else None  # no budget, no key
        kept = None if key is None else self.answers.get(key)
        if kept is not None:
            return dataclasses.replace(kept, client=client)
        if len(self.spooled) >= self.limits.max_streams:
            raise Busy()
        if sum(1 for owner, _ in self.spooled.values() if owner == client) >= 2 * self.limits.per_client:
            raise ClientBusy()  # its earlier answers are still being sent (or not read)
        worker = await self._worker_for(client)
        request = Request(release, protocol, self.base, f"{self._spool_prefix}{next(self._serial)}")
        try:
            status, value = await worker.ask(request, self.limits.timeout)
        except TimeoutError:
            self._retire(worker, client)
            Path(request.spool).unlink(missing_ok=True)
            raise QueryTimeout() from None
        except (EOFError, OSError):
            self._retire(worker, client)
            Path(request.spool).unlink(missing_ok=True)
            raise OutOfMemory() if worker.ran_out_of_memory else WorkerFailed() from None
        except asyncio.CancelledError:  # the client went away: the worker's answer is not wanted
            self._retire(worker, client)
            Path(request.spool).unlink(missing_ok=True)
            raise
        self.idle.append(worker)
        self.scheduler.release(client)
        if status == "ok":
            assert isinstance(value, Answer)
            if value.path is not None:  # counted from now until it is sent or given up (:meth:`done`)
                self.spooled[value.path] = (client, time.monotonic())
            elif value.body is not None and key is not None and not value.volatile:
                self.answers.put(key, value, value.body)
            return dataclasses.replace(value, client=client)
        if status == "memory":
            raise OutOfMemory()
        if status == "refused":
            assert isinstance(value, tuple)
            raise Refused(*value)
        if status == "internal":
            raise InternalError()
        assert isinstance(value, tuple)
        raise QueryFailed(*value)

    async def _worker_for(self, client: str) -> Worker:
        """A live idle worker, with a slot taken for ``client``. One that died while idle (killed
        from outside, by the kernel's OOM killer or an operator) and was not yet found by
        :meth:`sweep` is replaced and passed over: it would have failed the query with a 503."""
        while True:
            await self.scheduler.acquire(client, self.limits.queue_wait)
            worker = self.idle.pop()
            if worker.alive:
                return worker
            self._retire(worker, client)

    def _retire(self, worker: Worker, client: str) -> None:
        """Kill a worker that overran or died, free its client's share now, and start a replacement."""
        worker.kill()
        self.scheduler.release(client, slot=False)
        self._start_replacement()

    def _start_replacement(self) -> None:
        task = asyncio.get_running_loop().create_task(self._replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _replace_dead(self) -> None:
        """Replace the idle workers that died (killed from outside), so that the pool is whole and
        no exited child is left unwaited for even when no query comes. Each takes its free slot
        with it, and only while one is free: a slot handed to a waiter that has not yet taken its
        worker keeps a worker in the list for it."""
        for worker in [w for w in self.idle if not w.alive]:
            if not self.scheduler.take_free_slot():
                return
            self.idle.remove(worker)
            worker.kill()
            self._start_replacement()

    async def _replace(self) -> None:
        for attempt in range(5):
            try:
                worker = await Worker.start(self.context, self.release, self.limits)
            except Unavailable as reason:
                self.unavailable = str(reason)
                return
            except RuntimeError:
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            self.idle.append(worker)
            self.scheduler.add_slot()
            return

    async def stream(self, answer: Answer, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
        """The bytes of a spooled answer, a chunk at a time (the server's send waits for the client
        between chunks); the file goes as soon as it is open."""
        assert answer.path is not None
        with open(answer.path, "rb") as source:
            os.unlink(answer.path)  # gone from the folder at once; the open handle still reads
            while block := source.read(chunk):
                yield block

    def done(self, answer: Answer) -> None:
        """A spooled answer was sent, or its client went away: its file and its count go."""
        if answer.path is not None:
            self.spooled.pop(answer.path, None)
            Path(answer.path).unlink(missing_ok=True)

    def sweep(self, older_than: float = 300.0) -> None:
        """Forget spooled answers nobody came to read (a response that never started), and replace
        the idle workers that died (:meth:`_replace_dead`); the server calls it every second."""
        self._replace_dead()
        cutoff = time.monotonic() - older_than
        for path, (_, created) in list(self.spooled.items()):
            if created < cutoff:
                self.spooled.pop(path, None)
                Path(path).unlink(missing_ok=True)

    def close(self) -> None:
        for worker in self.idle:
            worker.kill()
        self.idle = []
        for task in self._tasks:
            task.cancel()
        shutil.rmtree(self.spool, ignore_errors=True)
