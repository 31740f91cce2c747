"""A shape's own targets, and its focus nodes in a pyoxigraph store: what the parts of the fast
validator that run outside the Core engine (SPARQL constraints, qualified counts) validate."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from bytedance_kg.rdf.terms import to_ox
from bytedance_kg.rdf.triples import Queryable
from bytedance_kg.sparql.results import solutions_at_once


@dataclass(frozen=True)
class Targets:
    """The targets a shape declares itself: class targets (with the implicit one of a shape that is
    also a class), node targets, subjects-of and objects-of targets. A SHACL-AF ``sh:target`` is
    not among them: :attr:`advanced` says whether the shape has one."""

    classes: tuple[Node, ...]
    nodes: tuple[Node, ...]
    subjects_of: tuple[Node, ...]
    objects_of: tuple[Node, ...]
    advanced: bool

    @classmethod
    def of(cls, shapes: Graph, shape: Node) -> Targets:
        classes = list(shapes.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
            classes.append(shape)  # an implicit class target
        return cls(
            classes=tuple(classes),
            nodes=tuple(shapes.objects(shape, SH.targetNode)),
            subjects_of=tuple(shapes.objects(shape, SH.targetSubjectsOf)),
            objects_of=tuple(shapes.objects(shape, SH.targetObjectsOf)),
            advanced=(shape, SH.target, None) in shapes,
        )

    @property
    def declared(self) -> bool:
        """Whether the shape has any target of its own (a property shape reached only through
        ``sh:property`` has none: its focus nodes are its parent's)."""
        return bool(self.classes or self.nodes or self.subjects_of or self.objects_of or self.advanced)

    def focus_nodes(self, store: Queryable) -> set[ox.NamedNode | ox.BlankNode | ox.Literal]:
        """The focus nodes of these targets in ``store`` (SHACL instances of a class through
        ``rdfs:subClassOf*``, as SHACL defines class targets)."""
        nodes = set(map(to_ox, self.nodes))
        for cls in self.classes:
            nodes |= instances_of(store, cls)
        patterns = [f"?x <{predicate}> ?y" for predicate in self.subjects_of]
        patterns += [f"?y <{predicate}> ?x" for predicate in self.objects_of]
        for pattern in patterns:
            nodes |= select_x(store, f"SELECT DISTINCT ?x WHERE {{ {pattern} }}")
        return nodes


def instances_of(store: Queryable, cls: Node) -> set[ox.NamedNode | ox.BlankNode | ox.Literal]:
    """The SHACL instances of ``cls`` in ``store``: the subjects of ``rdf:type`` one of its
    ``rdfs:subClassOf*`` subclasses (a class that is not an IRI has none that a query can name)."""
    if not isinstance(cls, URIRef):
        return set()
    return select_x(store, f"SELECT DISTINCT ?x WHERE {{ ?x <{RDF.type}>/<{RDFS.subClassOf}>* <{cls}> }}")


def select_x(store: Queryable, query: str) -> set[ox.NamedNode | ox.BlankNode | ox.Literal]:
    """The values of ``?x`` in the solutions of a SELECT query on ``store``."""
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return {row["x"] for row in solutions_at_once(solutions) if "x" in row}
