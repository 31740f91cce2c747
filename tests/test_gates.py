"""Every quality gate returns no rows on the real sources, and catches what it is for."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from bytedance_kg.build import CheckReport
from bytedance_kg.dataset import Sources
from bytedance_kg.gates import gate_files, run_gate
from bytedance_kg.namespaces import KG, ORG
from bytedance_kg.paths import default_paths

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


def _with_extra(sources: Sources, graph_name: str, triples: list[tuple]) -> Sources:
    copies = {name: Graph() for name in ("ontology", "imports", "shapes", "data")}
    for name, copy in copies.items():
        for triple in getattr(sources, name):
            copy.add(triple)
    for triple in triples:
        copies[graph_name].add(triple)
    return Sources(**copies)


NEW_TERM = KG._NS["NewThing"]


@pytest.mark.parametrize(
    ("gate", "graph", "triple"),
    [
        ("http-schema-org", "data", (FLOW, URIRef("http://schema.org/name"), Literal("Flow"))),
        ("misspelt-standard-term", "data", (FLOW, ORG.unitof, SEED)),
        ("undeclared-local-term", "data", (FLOW, KG._NS["ledBy"], SEED)),
        ("dangling-reference", "data", (FLOW, RDFS.seeAlso, URIRef("https://w3id.org/bytedance-kg/id/unit/flwo"))),
        ("unreified-fact", "data", (FLOW, ORG.unitOf, SEED)),
        ("stray-whitespace", "data", (FLOW, RDFS.comment, Literal("Flow "))),
        ("missing-definition", "ontology", (NEW_TERM, RDF.type, OWL.Class)),
        ("class-alignment", "ontology", (NEW_TERM, RDF.type, OWL.Class)),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_gate_catches_its_violation(sources: Sources, paths, gate: str, graph: str, triple: tuple) -> None:
    broken = _with_extra(sources, graph, [triple])
    dataset = broken.dataset()
    result = run_gate(dataset, paths.checks_dir / f"{gate}-violation.rq")
    assert not result.passed, f"gate {gate} missed {triple}"
    offending = {term.n3(dataset.namespace_manager) for term in triple if isinstance(term, URIRef)}
    assert any(offending & set(row) for row in result.rows), result.report()
