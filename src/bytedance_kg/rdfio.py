"""Moving graphs between rdflib and pyoxigraph, and the canonical (RDFC-1.0) form of a dataset.

rdflib holds the pipeline's graphs; pyoxigraph has what rdflib lacks for publishing: RDF Dataset
Canonicalization (RDFC-1.0), which gives blank nodes labels that depend on the data alone, and
serialisers that write triples in the order given, so sorted input gives byte-stable output.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
import rdflib

from bytedance_kg.canonical import canonical_turtle
from bytedance_kg.namespaces import new_graph

Named = dict[str | None, rdflib.Graph]
"""Graphs by graph name (an IRI), ``None`` for the default graph."""


def to_quads(graph: rdflib.Graph, name: str | None = None) -> list[ox.Quad]:
    """The triples of an rdflib graph as pyoxigraph quads in graph ``name`` (datatypes kept)."""
    graph_name = ox.NamedNode(name) if name else ox.DefaultGraph()
    triples = ox.parse(canonical_turtle(graph).encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return [ox.Quad(t.subject, t.predicate, t.object, graph_name) for t in triples]


def canonical_quads(named: Named) -> list[ox.Quad]:
    """The RDFC-1.0 canonical form of a dataset, quads sorted by their N-Quads text."""
    dataset = ox.Dataset()
    for name, graph in named.items():
        for quad in to_quads(graph, name):
            dataset.add(quad)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=lambda quad: str(quad))


def nquads(quads: Iterable[ox.Quad]) -> str:
    """One quad a line, in the order given (N-Triples for default-graph quads)."""
    return "".join(f"{quad} .\n" for quad in quads)


def to_rdflib(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """An rdflib graph of the quads' triples, keeping blank-node labels (canonical ones stay so)."""
    graph = new_graph()

    def term(value: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
        if isinstance(value, ox.NamedNode):
            return rdflib.URIRef(value.value)
        if isinstance(value, ox.BlankNode):
            return rdflib.BNode(value.value)
        if value.language:
            return rdflib.Literal(value.value, lang=value.language)
        return rdflib.Literal(value.value, datatype=rdflib.URIRef(value.datatype.value))

    for quad in quads:
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    return graph
