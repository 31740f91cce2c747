"""The saved queries' expected-results files: a file that cannot be read is an input error naming the
file and the place, and results written by one engine check out on the other, whatever lexical
form each writes a value in."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from bytedance_kg.project.errors import InputError
from bytedance_kg.rdf.lexical import XSD, canonical_lexical
from bytedance_kg.rdf.parsing import parse_file
from bytedance_kg.rdf.terms import from_ox
from bytedance_kg.rdf.triples import fill
from bytedance_kg.sparql.catalogue import SavedQuery, load_catalogue
from bytedance_kg.sparql.expected import differences, expected_path, read_expected, render, run_example
from tests.conftest import cli, copy_sources, edit_data


def _place(text: str, index: int) -> str:
    """``line:column`` (1-based) of ``index`` in ``text``."""
    return f"{text.count(chr(10), 0, index) + 1}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def _break(path: Path, old: str, new: bytes) -> str:
    """Replace the first ``old`` in ``path`` with the bytes ``new``; the ``line:column`` where it starts."""
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_bytes(text[:index].encode() + new + text[index + len(old) :].encode())
    return _place(text, index)


BROKEN_FILES = {
    # name: (query, what to replace, with what, offset of the fault in it, message)
    "srj-not-utf8": ("companies", '"vars"', b'"v\xffars"', 2, "not valid UTF-8 at byte"),
    "srj-not-json": ("companies", '"vars": [', b'"vars" [', 7, "not valid JSON: Expecting ':' delimiter"),
    "nt-not-utf8": ("describe", "<https://w3id.org/", b"\xe9<https://w3id.org/", 0, "not valid UTF-8"),
    "nt-not-ntriples": ("describe", " .\n", b" ;\n", 1, "not valid N-Triples"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_an_unreadable_expected_file_is_an_input_error_at_its_place(tmp_path: Path, case: str) -> None:
    """Bad bytes or syntax in a saved query's expected results stopped `validate`, `build` and
    `expected` with a traceback: now one line naming the file, line and column, exit code 2, and
    no release is written."""
    name, old, new, shift, message = BROKEN_FILES[case]
    scratch = copy_sources(tmp_path)
    path = scratch.queries_dir / "expected" / (name + (".nt" if case.startswith("nt") else ".srj"))
    line, column = map(int, _break(path, old, new).split(":"))
    where = f"{path}:{line}:{column + shift}: "
    for command in (["validate"], ["expected", name], ["build"]):
        result = cli("-q", "--root", str(scratch.root), *command)
        assert result.returncode == 2, (command, result.stderr[-2000:])
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines() == [result.stderr.splitlines()[0]], result.stderr
        assert result.stderr.startswith(f"error: {where}") and message in result.stderr, result.stderr
    assert not scratch.dist.exists()


MALFORMED_RESULTS = {
    "not-an-object": ("[1, 2]", "not SPARQL results JSON: the document is [1, 2], not an object"),
    "no-vars": ('{"head": {}, "results": {"bindings": []}}', "head.vars: null is not a list"),
    "no-bindings": ('{"head": {"vars": ["a"]}, "results": {}}', "results.bindings: null is not a list"),
    "a-solution-not-an-object": (
        '{"head": {"vars": ["a"]}, "results": {"bindings": [{"a": {"type": "uri", "value": "urn:x"}}, 7]}}',
        "results.bindings[1]: 7 is not an object",
    ),
    "a-term-without-a-type": (
        '{"head": {"vars": ["a"]}, "results": {"bindings": [{"a": {"value": "x"}}]}}',
        'results.bindings[0].a: {"value": "x"} is not an RDF term',
    ),
    "a-bad-iri": (
        '{"head": {"vars": ["a"]}, "results": {"bindings": [{"a": {"type": "uri", "value": "no iri"}}]}}',
        'results.bindings[0].a: {"type": "uri", "value": "no iri"} is not an RDF term',
    ),
    "a-boolean-that-is-not": ('{"head": {}, "boolean": "yes"}', 'boolean: "yes" is not true or false'),
    "an-ask-result-for-a-select": (
        '{"head": {}, "boolean": true}',
        "an ASK result (boolean) for a SELECT query",
    ),
    "nested-too-deeply": (
        "[" * 100_000 + "]" * 100_000,
        "not SPARQL results JSON: nested too deeply to read",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_RESULTS))
def test_json_that_is_no_sparql_result_is_an_input_error_naming_the_value(tmp_path: Path, case: str) -> None:
    text, message = MALFORMED_RESULTS[case]
    query = _query(tmp_path, "q", "SELECT ?a WHERE { ?a ?b ?c }")
    expected_path(query).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_expected(query)
    assert str(caught.value).startswith(f"{expected_path(query)}: {message}"), str(caught.value)
    assert caught.value.exit_code == 2


def test_select_results_for_an_ask_query_are_an_input_error(tmp_path: Path) -> None:
    """An ASK query's file holding a SELECT's results failed an assertion in the comparison."""
    query = _query(tmp_path, "q", "ASK { ?a ?b ?c }")
    expected_path(query).write_text('{"head": {"vars": []}, "results": {"bindings": []}}', encoding="utf-8")
    with pytest.raises(InputError, match="SELECT results for an ASK query") as caught:
        read_expected(query)
    assert caught.value.exit_code == 2


DATA = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:a ex:value "1e3"^^xsd:double .
ex:b ex:value "1.5E2"^^xsd:double .
ex:c ex:value "10.50"^^xsd:decimal .
ex:d ex:value "1E3"^^xsd:float .
ex:e ex:value "-0.0"^^xsd:double .
ex:f ex:value "1"^^xsd:boolean .
ex:g ex:value "2025-01-28T10:00:00.50+00:00"^^xsd:dateTime .
ex:h ex:value "007"^^xsd:nonNegativeInteger .
ex:i ex:value "trailing"@en-GB .
"""

QUERIES = {
    "numbers": "SELECT ?thing ?value WHERE { ?thing ex:value ?value }\nORDER BY ?thing ?value",
    "numbers-graph": "CONSTRUCT { ?thing ex:value ?value } WHERE { ?thing ex:value ?value }",
}


def _query(root: Path, name: str, body: str) -> SavedQuery:
    folder = root / "queries"
    (folder / "expected").mkdir(parents=True, exist_ok=True)
    header = "# Question: What values are there?\n# Tags: test\n# Graph: asserted\n\n"
    (folder / f"{name}.rq").write_text(
        f"{header}PREFIX ex: <http://example.org/>\n\n{body}\n", encoding="utf-8"
    )
    return load_catalogue(folder)[name]


def _engines(tmp_path: Path) -> dict[str, ox.Store | rdflib.Graph]:
    """The data as each side sees it: the build's pyoxigraph store (the answers check), the rdflib
    graph `expected --write` queries (made from a store, as ``load_graph`` makes it), and the
    reference engine's rdflib graph of the sources."""
    data = tmp_path / "data.ttl"
    data.write_text(DATA, encoding="utf-8")
    triples, _ = parse_file(data)
    store = fill(ox.Store(), triples.lines())
    written = rdflib.Graph()
    for quad in store:
        written.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return {"pyoxigraph": store, "rdflib-from-store": written, "rdflib-from-sources": triples.graph()}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_expected_results_written_by_one_engine_check_out_on_every_engine(tmp_path: Path, name: str) -> None:
    """`expected --write` recorded "1e3"^^xsd:double as rdflib writes it, "1000.0", and the build's
    answers check read "1000" from pyoxigraph: the same term, reported as missing. Both sides now
    compare in one canonical form, so any engine's file checks out on any engine."""
    query = _query(tmp_path, name, QUERIES[name])
    engines = _engines(tmp_path)
    for writer, engine in engines.items():
        expected_path(query).write_text(render(query, run_example(query, engine)), encoding="utf-8")
        for checker, other in engines.items():
            # a store keeps "007"^^xsd:nonNegativeInteger as xsd:integer: the one documented deviation
            found = differences(query, run_example(query, other), deviations=True)
            assert found == [], (writer, checker, found)
    # the two engines do write different forms: what the canonical form is there for
    rdflib_text = render(query, run_example(query, engines["rdflib-from-store"]))
    oxigraph_text = render(query, run_example(query, engines["pyoxigraph"]))
    assert '"1000.0"' in rdflib_text and '"1000"' in oxigraph_text


def test_a_different_value_still_differs(tmp_path: Path) -> None:
    query = _query(tmp_path, "numbers", QUERIES["numbers"])
    engines = _engines(tmp_path)
    text = render(query, run_example(query, engines["rdflib-from-store"]))
    assert '"1000.0"' in text
    expected_path(query).write_text(text.replace('"1000.0"', '"1000.5"', 1), encoding="utf-8")  # ex:a's
    found = differences(query, run_example(query, engines["pyoxigraph"]), deviations=True)
    assert len(found) == 2, found
    assert found[0].startswith("missing") and "/a'" in found[0] and "'1.0005E3'" in found[0], found
    assert found[1].startswith("unexpected") and "/a'" in found[1] and "'1.0E3'" in found[1], found


@pytest.mark.parametrize(
    ("datatype", "forms", "canonical"),
    [
        ("double", ["1e3", "1E3", "1000", "1000.0", "+1.0e+3", "1.0E3"], "1.0E3"),
        ("double", ["1.5E2", "150", "150.0", "0.15e3"], "1.5E2"),
        ("double", ["0", "0.0", "0e5"], "0.0E0"),
        ("double", ["-0", "-0.0E0"], "-0.0E0"),
        ("double", ["INF", "inf", "+INF"], "INF"),
        ("double", ["NaN", "nan"], "NaN"),
        ("double", ["1e-7", "0.0000001"], "1.0E-7"),
        ("float", ["0.123456789123", "0.12345679"], "1.2345679E-1"),
        ("float", ["16777217", "16777216"], "1.6777216E7"),
        ("decimal", ["10.50", "10.5", "+010.500"], "10.5"),
        ("decimal", ["10.0", "10", "10."], "10"),
        ("decimal", ["-0.0", "0", ".0"], "0"),
        ("decimal", ["1.000000000000000000000000000001"], "1.000000000000000000000000000001"),
        ("integer", ["007", "+7", "7"], "7"),
        ("integer", ["-0", "0"], "0"),
        ("nonNegativeInteger", ["0042"], "42"),
        ("boolean", ["1", "true"], "true"),
        ("dateTime", ["2025-01-28T10:00:00.500+00:00", "2025-01-28T10:00:00.5Z"], "2025-01-28T10:00:00.5Z"),
        ("dateTime", ["2025-01-28T10:00:00.000-05:00"], "2025-01-28T10:00:00-05:00"),
        ("gYear", ["2025+00:00", "2025Z"], "2025Z"),
        ("string", ["1e3"], "1e3"),
        ("double", ["1,000", "one"], None),  # ill-typed: kept as it is
    ],
)
def test_canonical_lexical_forms(datatype: str, forms: list[str], canonical: str | None) -> None:
    for form in forms:
        assert canonical_lexical(form, XSD + datatype) == (canonical or form), form


def test_the_build_checks_answers_that_expected_write_wrote_from_a_double(tmp_path: Path) -> None:
    """The tester's case end to end: a double in the data, `expected --write`, then the build's
    answers check (the data is refused only by the shape that wants a ranking to be an integer)."""
    scratch = copy_sources(tmp_path)
    edit_data(scratch, "    schema:value 2 ;\n", '    schema:value "1e3"^^xsd:double ;\n')
    names = ["deepseek-app-figures", "rankings", "schema-org-view"]
    written = cli("-q", "--root", str(scratch.root), "expected", "--write", *names)
    assert written.returncode == 0, written.stderr
    assert '"1000.0"' in (scratch.queries_dir / "expected" / "rankings.srj").read_text(encoding="utf-8")
    assert cli("-q", "--root", str(scratch.root), "expected", *names).returncode == 0
    result = cli("-q", "--root", str(scratch.root), "validate")
    assert result.returncode == 1, result.stderr
    assert "RankingObservation-value" in result.stdout
    assert not re.search(r"saved queries|difference\(s\)", result.stdout + result.stderr), result.stdout


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            ("companies.srj", "companies.nt"),
            "companies is a SELECT query: its expected results are companies.srj",
        ),
        (
            ("describe.nt", "describe.srj"),
            "describe is a CONSTRUCT query: its expected results are describe.nt",
        ),
        (
            ("companies.srj", "renamed.srj"),
            "expected results of no saved query (no queries/*.rq has this name)",
        ),
    ],
    ids=["select-as-nt", "describe-as-srj", "no-such-query"],
)
def test_an_expected_file_no_query_reads_is_an_input_error(
    tmp_path: Path, make: tuple[str, str], message: str
) -> None:
    """A query's results moved under the other form's extension, or left behind by a renamed query,
    were passed over: the build said every answer held while that query went unchecked."""
    scratch = copy_sources(tmp_path)
    folder = scratch.queries_dir / "expected"
    source, target = make
    (folder / source).rename(folder / target)
    for command in (["validate"], ["build"]):
        result = cli("-q", "--root", str(scratch.root), *command)
        assert result.returncode == 2, (command, result.stderr[-2000:])
        assert result.stderr == f"error: {folder / target}: {message}\n", result.stderr
    assert not scratch.dist.exists()
