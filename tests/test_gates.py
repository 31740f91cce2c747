"""Every quality gate returns no rows on the real sources, and catches what it is for."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, TIME

from bytedance_kg.build import CheckReport
from bytedance_kg.pipeline.engines import ENGINES, engine
from bytedance_kg.pipeline.gates import gate_files
from bytedance_kg.pipeline.sources import Sources
from bytedance_kg.project.namespaces import KG, ORG, REPORT_NAMES
from bytedance_kg.project.paths import default_paths

pytestmark = pytest.mark.fast  # the quick tier: make check

CHECKS = gate_files(default_paths().checks_dir)
FLOW = URIRef("https://w3id.org/bytedance-kg/id/unit/flow")
SEED = URIRef("https://w3id.org/bytedance-kg/id/unit/seed")


def test_there_are_gates() -> None:
    assert len(CHECKS) >= 15


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_gate_passes(report: CheckReport, check: Path) -> None:
    result = next(g for g in report.gate_results if g.name == check.name.removesuffix("-violation.rq"))
    if not result.passed:
        pytest.fail(result.report())


def _changed(sources: Sources, graph_name: str, added: list[tuple], removed: list[tuple]) -> Sources:
    """A copy of the sources with triples added to, and patterns removed from, one graph."""
    copies = {name: Graph() for name in ("ontology", "imports", "shapes", "data")}
    for name, copy in copies.items():
        for triple in getattr(sources, name):
            copy.add(triple)
    for pattern in removed:
        assert list(copies[graph_name].triples(pattern)), f"nothing to remove: {pattern}"
        copies[graph_name].remove(pattern)
    for triple in added:
        copies[graph_name].add(triple)
    return Sources.of_graphs(**copies)


NEW_TERM = KG._NS["NewThing"]
ID = "https://w3id.org/bytedance-kg/id/"
NEW_INSTANT = URIRef(ID + "time/2020-01-01")
NEW_QUOTE = URIRef(ID + "quote/nobody-cites-me")
ONTOLOGY = URIRef("https://w3id.org/bytedance-kg/ontology")
DCTERMS_LICENSE = URIRef("http://purl.org/dc/terms/license")
SCHEMA_NAME = URIRef("https://schema.org/name")
AI_INNOVATION = URIRef(ID + "unit/ai-innovation-unit")
DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

# gate: (graph, triples added, patterns removed, a term the gate's rows must name)
VIOLATIONS: dict[str, tuple[str, list[tuple], list[tuple], URIRef]] = {
    "http-schema-org": (
        "data",
        [(FLOW, URIRef("http://schema.org/name"), Literal("Flow"))],
        [],
        URIRef("http://schema.org/name"),
    ),
    "misspelt-standard-term": ("data", [(FLOW, ORG.unitof, SEED)], [], ORG.unitof),
    "undeclared-local-term": ("data", [(FLOW, KG._NS["ledBy"], SEED)], [], KG._NS["ledBy"]),
    "dangling-reference": (
        "data",
        [(FLOW, RDFS.seeAlso, URIRef(ID + "unit/flwo"))],
        [],
        URIRef(ID + "unit/flwo"),
    ),
    "unreified-fact": ("data", [(FLOW, ORG.unitOf, SEED)], [], FLOW),
    "stray-whitespace": ("data", [(FLOW, RDFS.comment, Literal("Flow "))], [], FLOW),
    "missing-definition": ("ontology", [(NEW_TERM, RDF.type, OWL.Class)], [], NEW_TERM),
    "class-alignment": ("ontology", [(NEW_TERM, RDF.type, OWL.Class)], [], NEW_TERM),
    "date-bounds": (
        "data",
        [
            (NEW_INSTANT, KG.earliestDate, Literal("2020-01-01", datatype=DATE)),
            (NEW_INSTANT, KG.latestDate, Literal("2020-01-02", datatype=DATE)),
            (NEW_INSTANT, TIME.inXSDDate, Literal("2020-01-01", datatype=DATE)),
        ],
        [],
        NEW_INSTANT,
    ),
    "duplicate-label": ("data", [(SEED, RDFS.label, Literal("Flow", lang="en"))], [], SEED),
    "missing-label": ("data", [], [(FLOW, RDFS.label, None)], FLOW),
    "name-not-in-mention": ("data", [(FLOW, SCHEMA_NAME, Literal("Flwo", lang="en"))], [], FLOW),
    "named-thing-without-mention": ("data", [], [(FLOW, KG.mention, None)], FLOW),
    "ontology-header": ("ontology", [], [(ONTOLOGY, DCTERMS_LICENSE, None)], DCTERMS_LICENSE),
    "property-domain-range": (
        "ontology",
        [(KG._NS["newProperty"], RDF.type, OWL.ObjectProperty)],
        [],
        KG._NS["newProperty"],
    ),
    "unasserted-statement": ("data", [], [(FLOW, ORG.subOrganizationOf, AI_INNOVATION)], FLOW),
    "unused-quote": ("data", [(NEW_QUOTE, RDF.type, KG.Quote)], [], NEW_QUOTE),
    "version-iri": (
        "ontology",
        [(ONTOLOGY, OWL.versionIRI, URIRef(str(ONTOLOGY) + "/9.9.9"))],
        [(ONTOLOGY, OWL.versionIRI, None)],
        ONTOLOGY,
    ),
}


def test_every_gate_has_a_negative_case() -> None:
    """As every shape has one: a gate nobody has seen fire may check nothing."""
    assert sorted(VIOLATIONS) == sorted(p.name.removesuffix("-violation.rq") for p in CHECKS)


@pytest.mark.parametrize("engine_name", sorted(ENGINES))
@pytest.mark.parametrize("gate", sorted(VIOLATIONS))
def test_gate_catches_its_violation(
    sources: Sources, paths, gate: str, engine_name: str, tmp_path: Path
) -> None:
    """On each engine, through the protocol the build uses (with a checks folder holding this gate
    alone): quiet on the real data, and firing, naming the term, once the violation is in."""
    graph, added, removed, named = VIOLATIONS[gate]
    shutil.copy(paths.checks_dir / f"{gate}-violation.rq", tmp_path)
    checker = engine(engine_name)
    [before] = checker.gates(sources, tmp_path)
    assert before.passed, "fires on the real data"
    [result] = checker.gates(_changed(sources, graph, added, removed), tmp_path)
    assert not result.passed, f"gate {gate} missed its violation"
    assert any(named.n3(REPORT_NAMES) in row for row in result.rows), result.report()


@pytest.mark.parametrize("engine_name", sorted(ENGINES))
def test_an_undeclared_term_of_ours_is_caught_as_a_class_and_as_a_value(
    sources: Sources, paths, engine_name: str, tmp_path: Path
) -> None:
    """The gate looks at predicates and at objects (a class a thing is typed with is an object):
    a misspelt class and a misspelt value are each named, with the graph they are in."""
    shutil.copy(paths.checks_dir / "undeclared-local-term-violation.rq", tmp_path)
    checker = engine(engine_name)
    misspelt_class, misspelt_value = KG._NS["OrganisationalUnitt"], KG._NS["statedd"]
    changed = _changed(
        sources, "data", [(FLOW, RDF.type, misspelt_class), (FLOW, RDFS.seeAlso, misspelt_value)], []
    )
    [result] = checker.gates(changed, tmp_path)
    named = {row[0] for row in result.rows}
    assert named == {misspelt_class.n3(REPORT_NAMES), misspelt_value.n3(REPORT_NAMES)}, result.report()
    assert {row[1] for row in result.rows} == {"<https://w3id.org/bytedance-kg/graph/data>"}
