"""Recent answers (bytedance_kg.server.answers): the same query on the same release is answered
without a worker; anything that could change the answer is a different key; the budget holds."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from bytedance_kg.server.answers import AnswerCache, answer_key
from bytedance_kg.server.executor import Answer, Limits, QueryService, Request, execute
from bytedance_kg.server.operation import ProtocolRequest, Refused
from bytedance_kg.sparql.guard import check_query

pytestmark = pytest.mark.fast  # the quick tier: make check

QUERY = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
JSON = "application/sparql-results+json"


@pytest.fixture(autouse=True)
def spool_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A pool made here is never closed (its workers are stand-ins), so its spool folder is made
    under ``tmp_path``, which pytest removes, instead of being left in the system's /tmp."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield


class CountingWorker:
    """A worker that answers every request with ``reply`` and counts what it was asked."""

    alive = True  # no process of its own to die

    def __init__(self, reply: tuple[str, object]) -> None:
        self.reply = reply
        self.asked: list[Request] = []

    async def ask(self, request: Request, timeout: float) -> tuple[str, object]:
        self.asked.append(request)
        return self.reply


def service(
    tmp_path: Path, reply: tuple[str, object], cache: int = 1024 * 1024
) -> tuple[QueryService, CountingWorker]:
    pool = QueryService(tmp_path / "release-a", Limits(answer_cache=cache), "sparql")
    worker = CountingWorker(reply)
    pool.idle = [worker]  # type: ignore[list-item]  # stands in for a worker process
    pool.scheduler.slots = 1
    return pool, worker


def ask(pool: QueryService, request: ProtocolRequest, client: str = "127.0.0.1") -> Answer:
    return asyncio.run(pool.run(client, request))


def test_the_same_query_on_the_same_release_is_answered_once(tmp_path: Path) -> None:
    body = b'{"head": {"vars": []}, "results": {"bindings": []}}'
    pool, worker = service(tmp_path, ("ok", Answer(len(body), JSON, body)))
    request = ProtocolRequest(QUERY, JSON, None, None)
    first, second = ask(pool, request, "10.0.0.1"), ask(pool, request, "10.0.0.2")
    assert len(worker.asked) == 1 and first.body == second.body == body
    assert (first.client, second.client) == ("10.0.0.1", "10.0.0.2")
    assert (pool.answers.hits, pool.answers.misses) == (1, 1)


@pytest.mark.parametrize(
    "other",
    [
        ProtocolRequest(QUERY + " ", JSON, None, None),
        ProtocolRequest(QUERY, "text/csv", None, None),
        ProtocolRequest(QUERY, JSON, ["https://w3id.org/bytedance-kg/graph/data"], None),
        ProtocolRequest(QUERY, JSON, None, ["https://w3id.org/bytedance-kg/graph/data"]),
        ProtocolRequest(QUERY, JSON, [], None),
    ],
    ids=["text", "accept", "default-graph-uri", "named-graph-uri", "empty-default-graph-uri"],
)
def test_anything_that_can_change_the_answer_is_another_query(tmp_path: Path, other: ProtocolRequest) -> None:
    pool, worker = service(tmp_path, ("ok", Answer(2, JSON, b"{}")))
    ask(pool, ProtocolRequest(QUERY, JSON, None, None))
    ask(pool, other)
    assert len(worker.asked) == 2


def test_a_new_release_is_never_answered_from_the_old_one(tmp_path: Path) -> None:
    pool, worker = service(tmp_path, ("ok", Answer(2, JSON, b"{}")))
    request = ProtocolRequest(QUERY, JSON, None, None)
    ask(pool, request)
    pool.release = tmp_path / "release-b"  # what the backend does when it follows a rebuild
    ask(pool, request)
    assert [r.release for r in worker.asked] == [str(tmp_path / "release-a"), str(tmp_path / "release-b")]


@pytest.mark.parametrize(
    "reply",
    [("refused", (400, "no")), ("failed", ("bad", 1, 1)), ("ok", Answer(300_000, JSON, None, path="/tmp/x"))],
    ids=["refusal", "failure", "spooled"],
)
def test_refusals_failures_and_spooled_answers_are_not_kept(
    tmp_path: Path, reply: tuple[str, object]
) -> None:
    pool, worker = service(tmp_path, reply)
    request = ProtocolRequest(QUERY, JSON, None, None)
    for _ in range(2):
        try:
            ask(pool, request)
        except Exception as error:  # a refusal or a failure, as the server raises them
            assert isinstance(error, Refused) or type(error).__name__ == "QueryFailed"
    assert len(worker.asked) == 2 and len(pool.answers) == 0


def test_a_long_query_is_not_kept_and_costs_no_hash(tmp_path: Path) -> None:
    """The event loop's work must not grow with the query text: a key is made only for requests
    up to 4,096 characters, and a list of graph IRIs is measured by its length first."""
    pool, worker = service(tmp_path, ("ok", Answer(2, JSON, b"{}")))
    long = ProtocolRequest(QUERY + " " * 5000, JSON, None, None)
    ask(pool, long)
    ask(pool, long)
    assert len(worker.asked) == 2 and len(pool.answers) == 0
    assert answer_key("r", ProtocolRequest(QUERY, JSON, ["g"] * 5000, None)) is None
    assert answer_key("r", ProtocolRequest(QUERY, JSON, ["g"] * 10, None)) is not None


class ExecutingWorker(CountingWorker):
    """A worker that runs each request as a query worker does (:func:`execute`: the guard, the
    engine, the answer), on a small store."""

    def __init__(self, store: ox.Store, spool: Path) -> None:
        super().__init__(("ok", None))
        self.store, self.spool = store, spool

    async def ask(self, request: Request, timeout: float) -> tuple[str, object]:
        self.asked.append(request)
        return "ok", execute(
            self.store,
            dataclasses.replace(request, spool=str(self.spool), base="http://example.org/sparql"),
            100,
            2**20,
        )


NEW_ON_EVERY_RUN = [
    "SELECT (NOW() AS ?t) {}",
    "SELECT (rand ( ) AS ?r) {}",
    "SELECT (STRUUID() AS ?u) {}",
    "SELECT (UUID() AS ?u) {}",
    "CONSTRUCT { ?s <urn:p> ?b } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }",
    # a spelling an outside test found answered from a kept answer when the server read the text
    # with a regular expression: the engine reads it as a call all the same
    "SELECT (STRUUID #a comment\n () AS ?r) {}",
]
ESCAPED_CALLS = [
    "SELECT (\\u0052AND() AS ?r) {}",
    "SELECT (\\U00000052AND() AS ?r) {}",
    "SELECT (N\\u004fW() AS ?t) {}",
    "SELECT (\\u0073truuid() AS ?r) {}",
]
"""Calls spelt with escapes, which SPARQL 1.1 decoded before parsing (and the same outside test
found answered from a kept answer): SPARQL 1.2 and the engine read escapes in strings and IRIs
only, so these are malformed."""


@pytest.mark.parametrize("text", NEW_ON_EVERY_RUN)
def test_a_query_whose_answer_is_new_on_every_run_is_always_run(tmp_path: Path, text: str) -> None:
    """Whether a query may call NOW(), RAND(), ... is read by the guard in the worker, on the text
    the engine runs, and such an answer is never kept: each request reaches the engine."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))
    pool, _ = service(tmp_path, ("ok", None))
    worker = ExecutingWorker(store, tmp_path / "spool")
    pool.idle = [worker]  # type: ignore[list-item]  # stands in for a worker process
    accept = JSON if text.startswith("SELECT") else "application/n-triples"
    answers = [ask(pool, ProtocolRequest(text, accept, None, None)) for _ in range(2)]
    assert len(worker.asked) == 2 and len(pool.answers) == 0
    assert all(answer.volatile for answer in answers)
    assert check_query(text).volatile


@pytest.mark.parametrize("text", ESCAPED_CALLS)
def test_a_call_spelt_with_escapes_is_refused(tmp_path: Path, text: str) -> None:
    """Refused by the worker's guard, so never run, and never kept (refusals are not:
    :func:`test_refusals_failures_and_spooled_answers_are_not_kept`)."""
    store = ox.Store()
    request = Request(str(tmp_path), ProtocolRequest(text, JSON, None, None), "", str(tmp_path))
    with pytest.raises(Refused, match="an escape is read only inside a string or an IRI"):
        execute(store, request, 100, 2**20)
    with pytest.raises(SyntaxError):  # the engine, given the text as written, refuses it too
        store.query(text)


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ("RAND()" AS ?r) {}',  # a string
        "SELECT ?s WHERE { ?s <urn:NOW> ?now }",  # an IRI and a variable
        "SELECT ?s WHERE { ?s ?p ?o } # RAND() in a comment",
        "PREFIX rand: <urn:x#> SELECT ?s WHERE { ?s rand:p ?o }",  # a prefix name
    ],
)
def test_a_name_that_is_not_a_call_leaves_the_answer_to_be_kept(tmp_path: Path, text: str) -> None:
    store = ox.Store()
    pool, _ = service(tmp_path, ("ok", None))
    worker = ExecutingWorker(store, tmp_path / "spool")
    pool.idle = [worker]  # type: ignore[list-item]
    for _ in range(2):
        ask(pool, ProtocolRequest(text, JSON, None, None))
    assert len(worker.asked) == 1 and len(pool.answers) == 1
    assert not check_query(text).volatile


def test_the_budget_holds_and_the_least_recently_used_go_first() -> None:
    cache: AnswerCache[str] = AnswerCache(8000)  # each entry below counts about 1,000 bytes
    made = [answer_key("r", ProtocolRequest(f"q{i}", None, None, None)) for i in range(12)]
    keys = [key for key in made if key is not None]
    for key in keys[:8]:
        cache.put(key, "answer", b"x" * 500)
    assert cache.used <= 8000 and cache.get(keys[0]) is None and len(cache) == 7  # 0 went first
    cache.get(keys[1])  # used now: it outlives 2 when room is needed
    cache.put(keys[8], "answer", b"x" * 500)
    assert cache.get(keys[1]) == "answer" and cache.get(keys[2]) is None
    cache.put(keys[9], "too big", b"x" * 1500)  # over a quarter of the budget: not kept
    assert cache.get(keys[9]) is None and cache.used <= 8000
    off: AnswerCache[str] = AnswerCache(0)
    off.put(keys[10], "answer", b"")
    assert len(off) == 0


def test_the_guard_s_verdict_on_a_repeated_text_is_reused_and_bounded() -> None:
    """A worker keeps the guard's verdicts on recent short texts: the same text and row limit give
    the same verdict, another row limit is checked anew, refusals and long texts are never kept,
    and at most ``size`` verdicts are held, the least recently used going first."""
    from bytedance_kg.server.operation import CheckedQueries
    from bytedance_kg.sparql.guard import QueryRefused, check_query

    kept = CheckedQueries(size=2, max_chars=200)
    first = kept.check("SELECT * WHERE { ?s ?p ?o }", 11)
    assert kept.check("SELECT * WHERE { ?s ?p ?o }", 11) is first
    assert first == check_query("SELECT * WHERE { ?s ?p ?o }", 11)
    other = kept.check("SELECT * WHERE { ?s ?p ?o }", 5)
    assert other is not first and other.row_limit == 5
    with pytest.raises(QueryRefused):
        kept.check("SELECT * WHERE { SERVICE <http://127.0.0.1/> { ?s ?p ?o } }", 11)
    assert len(kept._kept) == 2
    kept.check("ASK {}", None)  # a third: the least recently used (the first) goes
    assert kept.check("SELECT * WHERE { ?s ?p ?o }", 11) is not first
    long = "SELECT * WHERE { ?s ?p ?o }" + " " * 300
    assert kept.check(long, 11) is not kept.check(long, 11)
