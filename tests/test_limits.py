"""The row limit in the query and the answers the engine writes (bytedance_kg.sparql.guard ``row_limit``,
bytedance_kg.server.executor): the guard bounds a SELECT query's top-level LIMIT so that the engine's
work stops at the row limit, and the worker's answer, written by the engine, is cut at ``max_rows``
solutions and ``max_bytes`` bytes, at a solution boundary, and says which. (The same limits seen
through a running server are tried in test_security.py.)"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest

from bytedance_kg.project.graphs import FULL_GRAPHS
from bytedance_kg.project.releasefiles import FULL, VOID_FILE
from bytedance_kg.query.served import release_store
from bytedance_kg.server import executor
from bytedance_kg.server.executor import ENGINE_FORMATS, Request, execute, worker_store
from bytedance_kg.server.operation import ProtocolRequest
from bytedance_kg.sparql.guard import check_query
from bytedance_kg.sparql.results import WRITERS, write_limited

pytestmark = pytest.mark.fast  # the quick tier: make check

E = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SPOOL = Path(tempfile.gettempdir()) / "bytedance-kg-test-limits-answer"
"""Where a worker spools an answer larger than 256 KiB (read back by the test)."""
JSON = "application/sparql-results+json"
FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


@pytest.mark.parametrize(
    ("query", "text", "limit"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o } LIMIT 11", 11),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 5", "SELECT * WHERE { ?s ?p ?o } LIMIT 5", 5),
        ("SELECT * WHERE { ?s ?p ?o } limit 500", "SELECT * WHERE { ?s ?p ?o } limit 11", 11),
        ("SELECT * { ?s ?p ?o } LIMIT 500 OFFSET 3", "SELECT * { ?s ?p ?o } LIMIT 11 OFFSET 3", 11),
        ("SELECT * { ?s ?p ?o } OFFSET 3 LIMIT 007", "SELECT * { ?s ?p ?o } OFFSET 3 LIMIT 7", 7),
        ("SELECT * { ?s ?p ?o } OFFSET 3", "SELECT * { ?s ?p ?o } OFFSET 3 LIMIT 11", 11),
        (  # a subquery's LIMIT is its own; the trailing VALUES clause stays last
            "SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 500 } } ORDER BY ?s VALUES ?s { <a:b> }",
            "SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 500 } } ORDER BY ?s LIMIT 11 VALUES ?s { <a:b> }",
            11,
        ),
        (
            "PREFIX limit: <a:> SELECT ?limit { ?s limit:limit ?limit } # LIMIT 3",
            "PREFIX limit: <a:> SELECT ?limit { ?s limit:limit ?limit } LIMIT 11",
            11,
        ),
        (
            "SELECT (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(*) > 1) ORDER BY DESC(?n)",
            "SELECT(COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s HAVING(COUNT(*) > 1) ORDER BY DESC(?n) LIMIT 11",
            11,
        ),
        ("SELECT * {} LIMIT 18446744073709551615", "SELECT * {} LIMIT 11", 11),  # the engine's largest
        ("SELECT * {} LIMIT " + "0" * 5000 + "5", "SELECT * {} LIMIT 5", 5),
        ("ASK { ?s ?p ?o }", "ASK { ?s ?p ?o }", None),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }", None),
        ("DESCRIBE ?s WHERE { ?s ?p ?o }", "DESCRIBE ?s WHERE { ?s ?p ?o }", None),
    ],
)
def test_the_guard_bounds_a_select_query_at_its_top_level(query: str, text: str, limit: int | None) -> None:
    checked = check_query(query, row_limit=11)
    assert (checked.text, checked.row_limit) == (text, limit)
    assert check_query(checked.text, row_limit=11).text == checked.text  # nothing left to rewrite
    assert check_query(query).row_limit is None  # only when asked
    assert check_query(query).text == check_query(query).text.replace(" LIMIT 11", "")


def _store(size: int = 40, accept: str = "") -> ox.Store:
    """Solutions with every kind of term the writers must keep intact, in the endpoint's graphs
    (a control character but in XML, which cannot carry one)."""
    store = ox.Store()
    graph = ox.NamedNode(FULL_GRAPHS[0])
    control = "\x7f" if "xml" in accept else "\x01"
    awkward = ['a "quoted" },{"x": line\nbreak\r\tand tab', f"é中 \u2028 {control}", "<result>&amp;</result>"]
    for i in range(size):
        thing = ox.NamedNode(f"{E}thing/{i:03d}")
        objects = [
            ox.Literal(f"{awkward[i % 3]} {i}", language="en" if i % 2 else None),
            ox.Literal(str(i), datatype=ox.NamedNode(f"{XSD}integer")),
            ox.BlankNode(f"b{i}"),
            ox.NamedNode(f"{E}é?q={i}#f"),
        ]
        for obj in objects:
            store.add(ox.Quad(thing, ox.NamedNode(f"{E}p"), obj, graph))
    return store


def _answer(
    store: ox.Store, query: str, accept: str, max_rows: int, max_bytes: int, merged: bool = False
) -> tuple[bytes, str | None]:
    request = Request("", ProtocolRequest(query, accept, None, None), E, str(SPOOL))
    answer = execute(store, request, max_rows, max_bytes, merged)
    body = answer.body
    if answer.path is not None:
        body = Path(answer.path).read_bytes()
        Path(answer.path).unlink()
    assert body is not None and len(body) == answer.size
    return body, answer.truncated


def _rows(body: bytes, accept: str) -> list[str]:
    return [str(list(solution)) for solution in ox.parse_query_results(body, format=FORMATS[accept])]


def _written_by_python(store: ox.Store, query: str, accept: str) -> list[str]:
    """The whole answer as the Python writers write it, from the query as the client wrote it."""
    result = store.query(check_query(query).text, default_graph=[ox.NamedNode(g) for g in FULL_GRAPHS])
    variables = [v.value for v in result.variables]
    solutions = ({v: s[v] for v in variables if s[v] is not None} for s in result)
    text = write_limited(WRITERS[accept](variables), solutions, 10**9, 2**40).text.encode("utf-8")
    return _rows(text, accept)


LITERALS = (
    "SELECT * WHERE { VALUES (?a ?b ?c ?d ?e ?f ?g ?h ?i ?j ?k) {"
    ' ("1.5"^^xsd:decimal 1 "-01"^^xsd:integer 1e5 "1.0E0"^^xsd:decimal true "TRUE"^^xsd:boolean'
    ' " 2"^^xsd:integer "INF"^^xsd:double "x" "y"@en) } }'
)


@pytest.mark.parametrize("media_type", ["text/tab-separated-values", "application/sparql-results+xml"])
def test_the_python_writers_write_literals_as_the_engine_does(media_type: str) -> None:
    """The command line's TSV and XML and the endpoint's (the engine's) are the same bytes but for
    XML's line breaks: a number or a boolean bare in TSV where Turtle reads it back so, typed where
    it would not; no datatype on a simple literal in XML (helper-50: `"1.5"^^xsd:decimal` and
    ``datatype="...#string"`` from the command line)."""
    store = ox.Store()
    query = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> " + LITERALS
    result = store.query(query)
    variables = [v.value for v in result.variables]
    solutions = ({v: s[v] for v in variables if s[v] is not None} for s in result)
    ours = write_limited(WRITERS[media_type](variables), solutions, 10**9, 2**40).text
    engine = store.query(query).serialize(format=FORMATS[media_type]).decode("utf-8")
    assert ours.replace(">\n<", "><").strip() == engine.strip()


ORDERED = [
    "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY DESC(STR(?o)) ?s LIMIT 50 OFFSET 7",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?o ?s OFFSET 100 LIMIT 3",
    "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) } ORDER BY ?o",
    "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY ?s",
    "SELECT ?x ?s WHERE { OPTIONAL { ?s <urn:none> ?x } } ORDER BY ?s",  # unbound values
    "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 9 } } ORDER BY DESC(?s)",
    "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o ?s VALUES ?s { <http://example.org/thing/003> }",
    "SELECT * WHERE { }",  # one solution with no variables
    "SELECT ?s WHERE { ?s ?p ?o FILTER(false) }",  # none
]


@pytest.mark.parametrize("accept", list(ENGINE_FORMATS))
@pytest.mark.parametrize("query", ORDERED)
def test_answers_are_those_of_the_query_as_written(query: str, accept: str) -> None:
    """Below the limits, the engine's answer has the solutions, in order, that the Python writers
    write for the query as the client wrote it (LIMIT, OFFSET, ORDER BY, VALUES, subqueries)."""
    store = _store(accept=accept)
    body, truncated = _answer(store, query, accept, 10_000, 16 * 2**20)
    assert truncated is None
    assert _rows(body, accept) == _written_by_python(store, query, accept)


@pytest.mark.parametrize("accept", list(ENGINE_FORMATS))
def test_the_row_limit_cuts_and_says_so(accept: str) -> None:
    store = _store(accept=accept)
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"
    whole = _written_by_python(store, query, accept)
    for max_rows in (1, 7, len(whole) - 1):
        body, truncated = _answer(store, query, accept, max_rows, 16 * 2**20)
        assert (truncated, _rows(body, accept)) == ("rows", whole[:max_rows])
    body, truncated = _answer(store, query, accept, len(whole), 16 * 2**20)  # exactly at the limit
    assert (truncated, _rows(body, accept)) == (None, whole)
    own = query + " LIMIT 5"  # the query's own, smaller LIMIT is no cut
    assert _answer(store, own, accept, 5, 16 * 2**20)[1] is None


@pytest.mark.parametrize("accept", list(ENGINE_FORMATS))
def test_the_byte_limit_cuts_at_a_solution_within_3_percent(accept: str) -> None:
    store = _store(400, accept=accept)
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"
    whole = _written_by_python(store, query, accept)
    for max_bytes in (5_000, 20_000, 64_000):
        body, truncated = _answer(store, query, accept, 10_000, max_bytes)
        assert truncated == "bytes"
        assert 0.97 * max_bytes <= len(body) <= max_bytes, (max_bytes, len(body))
        rows = _rows(body, accept)
        assert rows and rows == whole[: len(rows)]
    body, truncated = _answer(store, query, accept, 10_000, 10)  # not even one solution fits
    assert (truncated, _rows(body, accept)) == ("bytes", [])


def _repeat(variable: str, times: int) -> str:
    return "CONCAT(" + ", ".join([variable] * times) + ")"


@pytest.mark.parametrize("accept", list(ENGINE_FORMATS))
def test_one_solution_longer_than_the_engine_s_tsv_line_is_a_byte_cut_not_a_failure(accept: str) -> None:
    """pyoxigraph's TSV reader refuses a line over 16 MiB with a MemoryError; that one solution
    cannot fit the byte limit either, so the answer is cut before it (it was a 507)."""
    store = _store(1, accept=accept)
    query = (  # one solution of 17 MB from a query of about 1 KB
        f'SELECT ?big WHERE {{ BIND("{"x" * 1000}" AS ?a) BIND({_repeat("?a", 10)} AS ?b) '
        f"BIND({_repeat('?b', 10)} AS ?c) BIND({_repeat('?c', 10)} AS ?d) "
        f"BIND({_repeat('?d', 17)} AS ?big) }}"
    )
    body, truncated = _answer(store, query, accept, 10_000, 16 * 2**20)
    assert (truncated, _rows(body, accept)) == ("bytes", [])


@pytest.mark.parametrize("accept", [*ENGINE_FORMATS, "text/csv"])
def test_a_cross_product_stops_at_the_row_limit(accept: str) -> None:
    """About 4 * 10^9 solutions: the limit is in the query the engine runs, so it stops at once."""
    store = _store(400, accept=accept)
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    body, truncated = _answer(store, query, accept, 1000, 16 * 2**20)
    assert time.monotonic() - started < 5
    assert truncated == "rows"
    if accept == "text/csv":
        assert body.count(b"\r\n") == 1001  # the header and 1000 solutions (no line breaks in values)
    else:
        assert len(_rows(body, accept)) == 1000


def _release(folder: Path) -> Path:
    """A release folder with the files a worker loads: the reasoned graphs, one more graph (not part
    of the default graph), a triple held by two graphs, and the VoID description."""
    quads = []
    for i, graph in enumerate([*FULL_GRAPHS, f"{E}graph/other"]):
        for j in range(5):
            quads.append(f"<{E}s{j}> <{E}p> <{E}o{i}> <{graph}> .")
        quads.append(f'<{E}shared> <{E}p> "in two graphs" <{graph}> .' if i < 2 else "")
    (folder / f"{FULL}.nq").write_text("\n".join(quads) + "\n", encoding="utf-8")
    (folder / VOID_FILE).write_text(f"<{E}dataset> a <http://rdfs.org/ns/void#Dataset> .\n", encoding="utf-8")
    return folder


def _integer(value: int) -> str:
    return repr(ox.Literal(str(value), datatype=ox.NamedNode(f"{XSD}integer")))


SERVICE_QUERIES = [
    "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    f"SELECT ?o WHERE {{ <{E}s1> ?p ?o }} ORDER BY ?o",
    f"SELECT ?o FROM <{E}graph/other> WHERE {{ ?s ?p ?o }} ORDER BY ?o",
]


@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_a_worker_s_merged_default_graph_answers_as_the_union_of_the_graphs(
    tmp_path: Path, query: str
) -> None:
    """The merged default graph gives the answers of the union of the reasoned release's graphs, but
    once for a triple that two of them hold (the RDF merge), and leaves every other dataset alone."""
    store, merged = worker_store(_release(tmp_path))
    assert merged
    union = _rows(_answer(release_store(tmp_path), query, JSON, 10_000, 2**24)[0], JSON)
    answer = _rows(_answer(store, query, JSON, 10_000, 2**24, merged=True)[0], JSON)
    if query.startswith("SELECT (COUNT"):
        assert [union, answer] == [[f"[{_integer(22)}]"], [f"[{_integer(21)}]"]]
    elif "?s ?o" in query:
        assert answer == sorted(set(union), key=union.index) and len(union) == len(answer) + 1
    else:
        assert answer == union


def test_a_large_release_is_queried_as_the_union(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "MERGED_DEFAULT_TRIPLES", 21)  # the union holds 22 there
    store, merged = worker_store(_release(tmp_path))
    assert not merged and not list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ('SELECT ?r WHERE { BIND("a\\rb\\r\\nc" AS ?r) }', "application/sparql-results+xml"),
        ('CONSTRUCT { <a:s> <a:p> "a\\rb\\r\\nc" } WHERE {}', "application/rdf+xml"),
    ],
)
def test_a_carriage_return_in_an_xml_answer_reads_back_as_itself(query: str, accept: str) -> None:
    """Raw, an XML parser reads a carriage return back as a line feed: it is written ``&#13;``."""
    body, _ = _answer(_store(1), query, accept, 10_000, 16 * 2**20)
    assert b"\r" not in body and b"&#13;" in body
    texts = [element.text for element in ElementTree.fromstring(body).iter() if element.text]
    assert "a\rb\r\nc" in texts


def test_escaped_carriage_returns_past_the_byte_limit_are_refused() -> None:
    """Escaping makes a carriage return five bytes: an answer that fitted raw but not escaped is
    refused, so the byte limit holds for what is sent."""
    from bytedance_kg.server.executor import _as_xml
    from bytedance_kg.server.operation import Refused

    raw = b'<?xml version="1.0"?><a>' + b"\r" * 100 + b"</a>"
    xml_type = "application/sparql-results+xml"
    assert _as_xml(raw, xml_type, len(raw) + 400) == raw.replace(b"\r", b"&#13;")
    with pytest.raises(Refused, match="past the limit of") as refused:
        _as_xml(raw, xml_type, len(raw) + 399)
    assert refused.value.status == 406


@pytest.mark.parametrize("predicate", ["http://ex/123", "http://ex/p/", "urn:x-1:2"])
def test_a_graph_rdfxml_cannot_write_is_refused(predicate: str) -> None:
    """pyoxigraph writes a predicate whose IRI ends in no XML name with an empty local name, a
    document no XML parser reads: refused, with the JSON-LD to ask for."""
    from bytedance_kg.server.operation import Refused

    query = f'CONSTRUCT {{ <http://ex/s> <{predicate}> "x" }} WHERE {{}}'
    with pytest.raises(Refused, match="well-formed XML .*: ask for application/ld\\+json") as refused:
        _answer(_store(1), query, "application/rdf+xml", 10_000, 16 * 2**20)
    assert refused.value.status == 406
    body, _ = _answer(_store(1), query, "application/ld+json", 10_000, 16 * 2**20)
    assert predicate in body.decode()


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ('SELECT ?r WHERE { BIND("a\\u0000b\\u001f" AS ?r) }', "application/sparql-results+xml"),
        ('CONSTRUCT { <a:s> <a:p> "bell\\u0007" } WHERE {}', "application/rdf+xml"),
        ('SELECT ?r WHERE { BIND("a\\uFFFEb" AS ?r) }', "application/sparql-results+xml"),
        ('CONSTRUCT { <a:s> <a:p> "a\\uFFFFb" } WHERE {}', "application/rdf+xml"),
    ],
)
def test_an_answer_xml_cannot_carry_is_refused_with_the_json_to_ask_for(query: str, accept: str) -> None:
    """XML 1.0 has no way to write U+0000 to U+001F but tab and line ends, nor U+FFFE and U+FFFF,
    and a literal may hold them: sent raw, they made a document no XML parser reads."""
    from bytedance_kg.server.operation import Refused

    with pytest.raises(Refused, match="XML 1.0 cannot carry: ask for application/") as refused:
        _answer(_store(1), query, accept, 10_000, 16 * 2**20)
    assert refused.value.status == 406
    instead = accept.replace("sparql-results+xml", "sparql-results+json").replace("rdf+xml", "ld+json")
    body, _ = _answer(_store(1), query, instead, 10_000, 16 * 2**20)
    carried = [chr(int(code, 16)) for code in re.findall(r"\\u([0-9A-F]{4})", query)]
    assert carried
    assert any(all(c in value for c in carried) for value in _strings(json.loads(body)))


BELL = 'SELECT ?r WHERE { BIND("a\\u0007b" AS ?r) }'
RDF_LI = 'CONSTRUCT { <http://ex/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#li> "a\\u0007b" } WHERE {}'
BOUND_TRIPLE = 'SELECT ?t WHERE { BIND(<<( <http://ex/a> <http://ex/b> "a\\u0007b" )>> AS ?t) }'
TRIPLE_TERM = (
    'CONSTRUCT { <http://ex/s> <http://ex/p> <<( <http://ex/a> <http://ex/b> "a\\u0007b" )>> } WHERE {}'
)


@pytest.mark.parametrize(
    ("query", "accept", "answered_in"),
    [
        (BELL, "application/sparql-results+xml, */*;q=0.1", "application/sparql-results+json"),
        (BELL, "application/xml, application/json;q=0.5", "application/sparql-results+json"),
        (BELL, "application/sparql-results+xml, text/csv;q=0.5", "text/csv"),
        (BELL, "application/xml;q=0.9, text/csv;q=0.5, */*;q=0.1", "text/csv"),  # the client's order
        (BELL, "application/sparql-results+xml, application/sparql-results+json;q=0, */*;q=0.5", "text/csv"),
        (BELL, "application/sparql-results+xml, */*;q=0", None),
        (BELL, "application/sparql-results+xml", None),
        (
            'CONSTRUCT { <http://ex/s> <http://ex/123> "x" } WHERE {}',
            "application/rdf+xml, application/ld+json;q=0.5",
            "application/ld+json",
        ),
        (RDF_LI, "application/rdf+xml, */*;q=0.1", "text/turtle"),  # RDF/XML's own term as a predicate
        (RDF_LI, "application/rdf+xml", None),
        (TRIPLE_TERM, "application/rdf+xml, application/ld+json;q=0.5, */*;q=0.1", "text/turtle"),
        (TRIPLE_TERM, "application/ld+json, application/n-triples;q=0.1", "application/n-triples"),
        (TRIPLE_TERM, "application/ld+json", None),
        (BOUND_TRIPLE, "application/sparql-results+xml, text/csv;q=0.5", "text/csv"),  # was a 500
        (BOUND_TRIPLE, "text/csv", "text/csv"),
    ],
)
def test_an_answer_a_format_cannot_carry_goes_out_in_the_next_the_client_accepts(
    query: str, accept: str, answered_in: str | None
) -> None:
    """Content negotiation picks the client's preferred type; when that format cannot write the
    answer (XML a control character, RDF/XML its own terms as predicates, JSON-LD a triple term),
    the answer goes out in the next type the client accepts, in its order, and the 406 is only for
    a client that accepts no other (``q=0`` excludes)."""
    from bytedance_kg.server.operation import Refused

    request = Request("", ProtocolRequest(query, accept, None, None), E, str(SPOOL))
    if answered_in is None:
        with pytest.raises(Refused, match="not offered in .*: ask for ") as refused:
            execute(_store(1), request, 10_000, 16 * 2**20)
        assert refused.value.status == 406
        for named in str(refused.value).rpartition("ask for ")[2].split(" or "):  # each one carries it
            asked = Request("", ProtocolRequest(query, named, None, None), E, str(SPOOL))
            assert execute(_store(1), asked, 10_000, 16 * 2**20).media_type == named
        return
    answer = execute(_store(1), request, 10_000, 16 * 2**20)
    assert answer.media_type == answered_in and answer.body is not None
    text = answer.body.decode("utf-8")
    if answered_in.endswith("json"):
        assert any("a\x07b" in value or "123" in value for value in _strings(json.loads(text)))
    else:
        assert "a\x07b" in text or "a\\u0007b" in text


def _strings(value: object) -> Iterator[str]:
    """Every string in a parsed JSON document, keys and values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_solutions_read_at_once_are_the_solutions_one_by_one() -> None:
    """Every kind of RDF 1.1 term comes back as it was bound, and an unbound variable stays out."""
    from bytedance_kg.sparql.results import solutions_at_once

    store = ox.Store()
    subject, predicate = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    objects = [
        ox.NamedNode("urn:o"),
        ox.BlankNode("b1"),
        ox.Literal("plain"),
        ox.Literal("tagged", language="en-GB"),
        ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal('quote " and \\ and\nline and\ttab'),
        ox.Literal("1.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
        ox.Literal("150", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")),
        ox.Literal("NaN", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")),
        ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
        ox.Literal("x y", datatype=ox.NamedNode("urn:datatype")),
        ox.NamedNode("urn:o?with#fragment"),
    ]
    store.extend(ox.Quad(subject, predicate, o) for o in objects)
    query = "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?none } }"
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    one_by_one = [{name: row[name] for name in names if row[name] is not None} for row in solutions]
    assert solutions_at_once(store.query(query)) == one_by_one
    assert {row["o"] for row in one_by_one} == set(objects)
