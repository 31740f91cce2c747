"""The saved queries: their headers and style, and their results against the expected files on
two engines (pyoxigraph, which the tools use, and rdflib), compared as multisets."""

from __future__ import annotations

import re
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import Graph

from bytedance_kg.pipeline.sources import union
from bytedance_kg.project.errors import UsageError
from bytedance_kg.project.paths import default_paths
from bytedance_kg.rdf.canonical import canonical_turtle
from bytedance_kg.sparql.catalogue import SavedQuery, find_query, load_catalogue
from bytedance_kg.sparql.expected import differences, expected_path, run_example
from bytedance_kg.sparql.querying import QueryOutcome, bind

PATHS = default_paths()
CATALOGUE = load_catalogue(PATHS.queries_dir)
QUERIES = list(CATALOGUE.values())
KEYWORDS = (
    "select",
    "where",
    "optional",
    "filter",
    "order",
    "group",
    "union",
    "values",
    "bind",
    "distinct",
    "construct",
    "ask",
    "prefix",
    "having",
    "exists",
    "limit",
    "count",
    "desc",
    "asc",
    "as",
)


def _graphs(sources, full: Graph) -> dict[str, Graph]:
    """The default graph of each ``Graph:`` mode: what the article states, reasoned, or with what it
    implies."""
    return {"asserted": sources.asserted(), "full": full, "all": union(sources.asserted(), sources.implied)}


@pytest.fixture(scope="module")
def stores(sources, full: Graph) -> dict[str, ox.Store]:
    out = {}
    for name, graph in _graphs(sources, full).items():
        store = ox.Store()
        store.bulk_load(canonical_turtle(graph).encode("utf-8"), format=ox.RdfFormat.TURTLE)
        out[name] = store
    return out


@pytest.fixture(scope="module")
def rdflib_graphs(sources, full: Graph) -> dict[str, Graph]:
    return _graphs(sources, full)


def test_catalogue_is_rich_enough() -> None:
    forms = Counter(q.form for q in QUERIES)
    assert len(QUERIES) >= 25
    assert forms["SELECT"] and forms["ASK"] and forms["CONSTRUCT"] >= 2
    assert any(re.search(r"\bCOUNT\(", q.text) for q in QUERIES)
    assert any(re.search(r"\w+:\w[\w-]*[+*]", q.text) for q in QUERIES), "a property path over the hierarchy"
    assert any(q.params for q in QUERIES)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_header(query: SavedQuery) -> None:
    assert query.question.endswith(("?", "."))
    assert query.tags
    assert query.graph in ("asserted", "full", "all")
    for binding in query.example:
        query.param(binding.partition("=")[0])


def _code(text: str) -> list[str]:
    """Query lines without comments, string literals and IRIs."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return [re.sub(r'"[^"]*"|<[^>]*>', "", line) for line in lines]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_style(query: SavedQuery) -> None:
    prefix_lines = [line for line in query.text.splitlines() if line.startswith("PREFIX")]
    names = [line.split()[1] for line in prefix_lines]
    assert names == sorted(names), "PREFIX block sorted"
    assert len({line.index("<") for line in prefix_lines}) <= 1, "PREFIX block aligned"
    for line in _code(query.text):
        for word in re.findall(r"(?<![?$:\w-])([A-Za-z]+)(?![\w:-])", line):
            if word.lower() in KEYWORDS and word != word.upper() and word != "a":
                pytest.fail(f"keyword not in upper case: {word!r} in {line.strip()!r}")
        assert not line.startswith("\t") and (len(line) - len(line.lstrip())) % 2 == 0, (
            f"two-space indent: {line!r}"
        )


@pytest.mark.parametrize("query", [q for q in QUERIES if q.form == "SELECT"], ids=lambda q: q.name)
def test_select_is_ordered_by_every_projected_variable(query: SavedQuery) -> None:
    body = "\n".join(_code(query.text))
    head = re.search(r"SELECT(.*?)WHERE", body, re.S).group(1)
    projected = set(re.findall(r"AS \?(\w+)\)", head)) | set(re.findall(r"(?<!AS )\?(\w+)(?![^(]*\))", head))
    order = body[body.rindex("ORDER BY") :]
    ordered = set(re.findall(r"\?(\w+)", order))
    assert projected <= ordered, f"not ordered by {sorted(projected - ordered)}"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_matches_expected_on_rdflib(query: SavedQuery, rdflib_graphs: dict[str, Graph]) -> None:
    """rdflib is the reference engine the expected files were recorded with: exact comparison."""
    assert expected_path(query).exists()
    problems = differences(query, run_example(query, rdflib_graphs[query.graph]))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_matches_expected_on_pyoxigraph(query: SavedQuery, stores: dict[str, ox.Store]) -> None:
    """pyoxigraph, up to its one documented deviation (integer subtypes stored as xsd:integer)."""
    problems = differences(query, run_example(query, stores[query.graph]), deviations=True)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_pyoxigraph_keeps_every_datatype_of_the_data(stores: dict[str, ox.Store], query: SavedQuery) -> None:
    """Offsets and counts are xsd:integer, which every engine keeps (pyoxigraph stored the former
    xsd:nonNegativeInteger as xsd:integer): its results equal the expected ones with no deviation allowed."""
    assert differences(query, run_example(query, stores[query.graph])) == []


def test_parameters_are_bound_as_values() -> None:
    query = CATALOGUE["unit-leadership"]
    text = bind(query, ["unit=unit:flow"])
    assert "WHERE {\n  VALUES ?unit { <https://w3id.org/bytedance-kg/id/unit/flow> }\n" in text
    assert text.replace("\n  VALUES ?unit { <https://w3id.org/bytedance-kg/id/unit/flow> }", "") == query.text


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("unit=unit:flow> } ; ?x ?y ?z . #", "not an IRI"),
        ("unit=not an iri", "not an IRI"),
        ("team=unit:flow", "has no parameter 'team'"),
        ("unit", "name=value"),
    ],
)
def test_bad_parameters_are_refused(assignment: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        bind(CATALOGUE["unit-leadership"], [assignment])


def test_required_parameter_is_enforced() -> None:
    with pytest.raises(UsageError, match="needs --param thing"):
        bind(CATALOGUE["describe"], [])


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(UsageError, match="did you mean: .*timeline"):
        find_query(CATALOGUE, "timline")


def test_flow_technical_lead_in_one_query(stores) -> None:
    """The README's promise: who leads Flow's technical side, and where the article says so."""
    outcome: QueryOutcome = run_example(CATALOGUE["unit-leadership"], stores["asserted"])
    rows = [{k: v.value for k, v in row.items()} for row in outcome.rows or []]
    technical = [r for r in rows if r["role"] == "technical lead"]
    assert {r["name"] for r in technical} == {"Hong Dingkun"}
    assert {"Hong Dingkun as the technical lead"} <= {r["exact"] for r in technical}
