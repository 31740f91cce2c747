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
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from bytedance_kg.project.errors import KGError
from bytedance_kg.sparql.catalogue import SavedQuery
from bytedance_kg.sparql.querying import (
    QueryOutcome,
    bind,
    expected_outcome,
    outcome_rows,
    run_query,
    run_rdflib,
    to_ntriples,
    to_sparql_json,
)


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


XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_SUBTYPES = frozenset(
    XSD + name
    for name in (
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
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


def _row_text(item: tuple[Any, int]) -> str:
    return str(sorted(item[0], key=str))


def differences(query: SavedQuery, outcome: QueryOutcome, deviations: bool = False) -> list[str]:
    """How ``outcome`` differs from the expected file (empty if it matches); ``deviations`` applies
    :data:`ENGINE_DEVIATIONS` to both sides first (for pyoxigraph and Virtuoso results)."""
    path = expected_path(query)
    if not path.exists():
        return [
            f"no expected results file {path} (write it with: bytedance-kg expected --write {query.name})"
        ]
    if query.is_graph:
        expected_lines = set(path.read_text(encoding="utf-8").splitlines())
        actual_lines = set(to_ntriples(outcome.triples or []).splitlines())
        if deviations:
            pattern = re.compile(r"\^\^<(" + "|".join(re.escape(t) for t in sorted(INTEGER_SUBTYPES)) + r")>")
            expected_lines = {pattern.sub(f"^^<{XSD}integer>", line) for line in expected_lines}
            actual_lines = {pattern.sub(f"^^<{XSD}integer>", line) for line in actual_lines}
        return [f"missing: {t}" for t in sorted(expected_lines - actual_lines)] + [
            f"unexpected: {t}" for t in sorted(actual_lines - expected_lines)
        ]
    variables, rows = expected_outcome(path)
    if isinstance(rows, bool):
        return [] if outcome.boolean == rows else [f"expected {rows}, got {outcome.boolean}"]
    problems = (
        [] if variables == outcome.variables else [f"variables {outcome.variables} != expected {variables}"]
    )
    actual = outcome_rows(outcome)
    if deviations:
        rows, actual = normalise(rows), normalise(actual)
    # a row is a set of (variable, value) pairs: ordered by its sorted text, not by the set's own
    # order, which follows the string hash and changed from run to run
    for row, count in sorted((rows - actual).items(), key=_row_text):
        problems.append(f"missing ({count}x): {dict(sorted(row))}")
    for row, count in sorted((actual - rows).items(), key=_row_text):
        problems.append(f"unexpected ({count}x): {dict(sorted(row))}")
    return problems


def check_answers(queries: list[SavedQuery], stores: dict[str, ox.Store]) -> list[str]:
    """Every saved query that has an expected-results file must still give those results (with
    :data:`ENGINE_DEVIATIONS`): the build's last check, which an empty or gutted data file fails
    even where every shape and gate passes (both are vacuously true of no data)."""
    problems = []
    for query in queries:
        if not expected_path(query).exists():
            continue
        try:
            outcome = run_example(query, stores[query.graph])
        except KGError as error:
            problems.append(f"{query.name}: {error}")
            continue
        found = differences(query, outcome, deviations=True)
        if found:
            problems.append(
                f"{query.name}: {len(found)} difference(s) from {expected_path(query).name}, "
                f"first: {found[0]}"
            )
    return problems
