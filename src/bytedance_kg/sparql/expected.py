"""Expected results of the saved queries, in engine-neutral files, and their comparison.

``queries/expected/<name>.srj`` holds SPARQL 1.1 Query Results JSON for SELECT and ASK;
``<name>.nt`` sorted N-Triples for CONSTRUCT. They are written only by ``bytedance-kg expected
--write``, reviewed in the diff, and committed; tests and ``bytedance-kg expected`` only compare.
Comparison is as a multiset of rows, datatypes and language tags kept (a graph as a set).

The expected files are recorded with rdflib's engine, which keeps every literal's datatype as the
data gives it. pyoxigraph's store (like Virtuoso's) stores literals of the XSD types derived from
``xsd:integer`` as ``xsd:integer`` (``"2807"^^xsd:nonNegativeInteger`` comes back as
``"2807"^^xsd:integer``), which RDF 1.1 term equality does not allow; :data:`ENGINE_DEVIATIONS`
names that rewrite, and comparisons with such an engine apply it to both sides and nothing else.
Both sides' terms are compared in one canonical form (:func:`~bytedance_kg.rdf.lexical.canonical_term`,
the same function for both): rdflib and pyoxigraph write the same value in different lexical forms
(``1000.0`` and ``1000`` for ``"1e3"^^xsd:double``).

An expected file that cannot be read (not UTF-8, not JSON or N-Triples, not the shape of SPARQL
results) is an :class:`~bytedance_kg.project.errors.InputError` naming the file and the place or the
value, read before any query runs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from bytedance_kg.project.errors import InputError, KGError
from bytedance_kg.rdf.lexical import INTEGER_TYPES, XSD, canonical_term
from bytedance_kg.rdf.parsing import decoded, read_bytes, syntax_error
from bytedance_kg.sparql.catalogue import SavedQuery
from bytedance_kg.sparql.querying import (
    QueryOutcome,
    Row,
    bind,
    outcome_rows,
    run_query,
    run_rdflib,
    term_key,
    to_ntriples,
    to_sparql_json,
)
from bytedance_kg.sparql.results import Term, json_term


def expected_path(query: SavedQuery) -> Path:
    folder = query.path.parent / "expected"
    return folder / (query.name + (".nt" if query.is_graph else ".srj"))


def example_text(query: SavedQuery) -> str:
    """The query as the expected results record it: with its documented example bindings."""
    return bind(query, list(query.example))


def run_example(query: SavedQuery, engine: ox.Store | rdflib.Graph) -> QueryOutcome:
    """Run the documented example of ``query`` on a pyoxigraph store or an rdflib graph."""
    if isinstance(engine, rdflib.Graph):
        return run_rdflib(engine, example_text(query), str(query.path))
    return run_query(engine, example_text(query), str(query.path))


INTEGER_SUBTYPES = INTEGER_TYPES - {XSD + "integer"}
_XSD_INTEGER = ox.NamedNode(XSD + "integer")
ENGINE_DEVIATIONS = {"integer-subtypes-stored-as-integer": INTEGER_SUBTYPES}
"""Known, documented ways in which an engine's results legitimately differ from the recorded ones."""


def normalise(rows: Counter) -> Counter:
    """Apply :data:`ENGINE_DEVIATIONS` to a multiset of rows."""

    def fix(key: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
        kind, value, datatype, language = key
        return (kind, value, XSD + "integer", language) if datatype in INTEGER_SUBTYPES else key

    return Counter({frozenset((v, fix(k)) for v, k in row): n for row, n in rows.items()})


def render(query: SavedQuery, outcome: QueryOutcome) -> str:
    """The expected-file text of an outcome."""
    if outcome.triples is not None:
        return to_ntriples(outcome.triples)
    return to_sparql_json(outcome)


@dataclass(frozen=True)
class Expected:
    """A saved query's expected results as read from its file: the variables and rows of a SELECT
    (terms as :func:`~bytedance_kg.sparql.querying.term_key` gives them), the boolean of an ASK, or
    the triples of a CONSTRUCT or DESCRIBE (in :func:`canonical_triple` form)."""

    variables: list[str]
    rows: Counter[Row] | None = None
    boolean: bool | None = None
    triples: frozenset[ox.Triple] | None = None


def read_expected(query: SavedQuery) -> Expected:
    """The expected results of ``query``, or an :class:`InputError` naming the file and the line
    and column (of a byte that is not UTF-8, a JSON or N-Triples syntax error) or the value (that
    is no SPARQL result) at fault."""
    path = expected_path(query)
    data = read_bytes(path)
    text = decoded(path, data)  # UTF-8 checked here for both forms, at its line and column
    if query.is_graph:
        return Expected([], triples=_ntriples(path, data))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, f"not valid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise InputError(path, "not SPARQL results JSON: nested too deeply to read") from None
    expected = _results(path, document)
    if (expected.boolean is not None) != (query.form == "ASK"):
        found = "an ASK result (boolean)" if expected.boolean is not None else "SELECT results"
        article = "an" if query.form == "ASK" else "a"
        raise InputError(path, f"{found} for {article} {query.form} query")
    return expected


def _ntriples(path: Path, data: bytes) -> frozenset[ox.Triple]:
    try:
        return frozenset(
            canonical_triple(quad.triple) for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        )
    except SyntaxError as error:
        raise syntax_error(path, error, "not valid N-Triples: ") from None


def _results(path: Path, document: object) -> Expected:
    """SPARQL 1.1 Query Results JSON, checked for the members a comparison reads."""
    if not isinstance(document, dict):
        raise InputError(path, f"not SPARQL results JSON: the document is {_shown(document)}, not an object")
    if "boolean" in document:
        if not isinstance(document["boolean"], bool):
            raise InputError(path, f"boolean: {_shown(document['boolean'])} is not true or false")
        return Expected([], boolean=document["boolean"])
    head, results = document.get("head"), document.get("results")
    variables = head.get("vars") if isinstance(head, dict) else None
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise InputError(path, f"head.vars: {_shown(variables)} is not a list of variable names")
    bindings = results.get("bindings") if isinstance(results, dict) else None
    if not isinstance(bindings, list):
        raise InputError(path, f"results.bindings: {_shown(bindings)} is not a list of solutions")
    rows: Counter[Row] = Counter()
    for index, solution in enumerate(bindings):
        where = f"results.bindings[{index}]"
        if not isinstance(solution, dict):
            raise InputError(path, f"{where}: {_shown(solution)} is not an object")
        rows[
            frozenset((name, term_key(_term(path, f"{where}.{name}", b))) for name, b in solution.items())
        ] += 1
    return Expected(variables, rows=rows)


def _term(path: Path, where: str, binding: object) -> Term:
    """The RDF term of one binding of a SPARQL JSON result (:func:`~bytedance_kg.sparql.results.json_term`),
    or an input error naming it (``where``) and the value."""
    if isinstance(binding, dict) and all(isinstance(v, str) for v in binding.values()):
        try:
            return json_term(binding)
        except KeyError as error:
            raise InputError(path, f"{where}: {_shown(binding)} is not an RDF term (no {error})") from None
        except ValueError as error:  # an IRI, a blank node label or a language tag pyoxigraph refuses
            raise InputError(path, f"{where}: {_shown(binding)} is not an RDF term ({error})") from None
    raise InputError(path, f"{where}: {_shown(binding)} is not an RDF term of SPARQL results JSON")


def _shown(value: object) -> str:
    """``value`` as JSON, cut short: what an error about it quotes."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def canonical_triple(triple: ox.Triple) -> ox.Triple:
    """``triple`` with its object in the one form both sides are compared in
    (:func:`~bytedance_kg.rdf.lexical.canonical_term`)."""
    term = triple.object
    return ox.Triple(
        triple.subject, triple.predicate, term if isinstance(term, ox.Triple) else canonical_term(term)
    )


def _deviated(triple: ox.Triple) -> ox.Triple:
    """:data:`ENGINE_DEVIATIONS` applied to a triple."""
    term = triple.object
    if isinstance(term, ox.Literal) and term.datatype is not None and term.datatype.value in INTEGER_SUBTYPES:
        return ox.Triple(triple.subject, triple.predicate, ox.Literal(term.value, datatype=_XSD_INTEGER))
    return triple


def _row_text(item: tuple[Any, int]) -> str:
    return str(sorted(item[0], key=str))


def _triple_lines(triples: Iterable[ox.Triple]) -> list[str]:
    return sorted(f"{t.subject} {t.predicate} {t.object} ." for t in triples)


def differences(
    query: SavedQuery, outcome: QueryOutcome, deviations: bool = False, expected: Expected | None = None
) -> list[str]:
    """How ``outcome`` differs from the expected results (``expected``, else read from the file;
    empty if it matches), both sides' terms in one canonical form; ``deviations`` applies
    :data:`ENGINE_DEVIATIONS` to both sides first (for pyoxigraph and Virtuoso results)."""
    if expected is None:
        if not expected_path(query).exists():
            return [
                f"no expected results file {expected_path(query)} "
                f"(write it with: bytedance-kg expected --write {query.name})"
            ]
        expected = read_expected(query)
    if expected.triples is not None:
        wanted, actual = expected.triples, {canonical_triple(t) for t in outcome.triples or []}
        if deviations:
            wanted, actual = frozenset(map(_deviated, wanted)), set(map(_deviated, actual))
        return [f"missing: {t}" for t in _triple_lines(wanted - actual)] + [
            f"unexpected: {t}" for t in _triple_lines(actual - wanted)
        ]
    if expected.boolean is not None:
        if outcome.boolean == expected.boolean:
            return []
        return [f"expected {expected.boolean}, got {outcome.boolean}"]
    assert expected.rows is not None  # a SELECT's, when neither a graph nor a boolean
    rows, variables = expected.rows, expected.variables
    problems = (
        [] if variables == outcome.variables else [f"variables {outcome.variables} != expected {variables}"]
    )
    actual_rows = outcome_rows(outcome)
    if deviations:
        rows, actual_rows = normalise(rows), normalise(actual_rows)
    # a row is a set of (variable, value) pairs: ordered by its sorted text, not by the set's own
    # order, which follows the string hash and changed from run to run
    for row, count in sorted((rows - actual_rows).items(), key=_row_text):
        problems.append(f"missing ({count}x): {dict(sorted(row))}")
    for row, count in sorted((actual_rows - rows).items(), key=_row_text):
        problems.append(f"unexpected ({count}x): {dict(sorted(row))}")
    return problems


def expected_answers(queries: Iterable[SavedQuery]) -> list[tuple[SavedQuery, Expected]]:
    """The saved queries that have an expected-results file, each with its results
    (:func:`read_expected`): read at once, so that a file at fault stops the build before any check
    has run, and not after the slow ones. A file there that no saved query reads (a query's results
    under the other form's extension, or a query since renamed) is an input error too: passed over,
    it would leave its query unchecked while the build said every answer held."""
    queries = list(queries)
    read = {expected_path(query) for query in queries}
    for folder in sorted({path.parent for path in read}):
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path not in read:
                raise InputError(path, _unread(path, {query.name: query for query in queries}))
    return [(query, read_expected(query)) for query in queries if expected_path(query).exists()]


def _unread(path: Path, queries: dict[str, SavedQuery]) -> str:
    """Why no saved query reads ``path``."""
    query = queries.get(path.stem)
    if query is None:
        return "expected results of no saved query (no queries/*.rq has this name)"
    return f"{query.name} is a {query.form} query: its expected results are {expected_path(query).name}"


def check_answers(answers: list[tuple[SavedQuery, Expected]], stores: dict[str, ox.Store]) -> list[str]:
    """Every saved query that has an expected-results file (:func:`expected_answers`) must still
    give those results (with :data:`ENGINE_DEVIATIONS`): the build's last check, which an empty or
    gutted data file fails even where every shape and gate passes (both are vacuously true of no
    data)."""
    problems = []
    for query, expected in answers:
        try:
            outcome = run_example(query, stores[query.graph])
        except KGError as error:
            problems.append(f"{query.name}: {error}")
            continue
        found = differences(query, outcome, deviations=True, expected=expected)
        if found:
            problems.append(
                f"{query.name}: {len(found)} difference(s) from {expected_path(query).name}, "
                f"first: {found[0]}"
            )
    return problems
