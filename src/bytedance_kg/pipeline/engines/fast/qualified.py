"""Qualified value counts of a class, run on pyoxigraph in linear time.

A property shape such as ``shape:Quote-textPositionSelector`` says that exactly one value of
``oa:hasSelector`` is an ``oa:TextPositionSelector`` (``sh:qualifiedValueShape [ sh:class C ]``,
``sh:qualifiedMinCount``, ``sh:qualifiedMaxCount``). The Core engine's time on such shapes grows
with the square of the data (measured in ``make bench``'s workspaces: 0.08 s at 100k triples,
4.7 s at 1M), so this module counts them itself: the SHACL instances of ``C`` once, the values of
the path once, a tally per focus node.

Only the plain form is taken from the Core engine (:func:`qualified_counts`): a predicate path; a
qualified value shape that is a blank node saying ``sh:class C`` and nothing else; no other
constraint on the property shape; ``sh:qualifiedValueShapesDisjoint`` absent; one parent node shape
that links it with ``sh:property``, has targets of its own and is referenced by no other shape;
neither shape deactivated. Anything else stays with the Core engine, which is still exact, only
slower. The differential tests compare the results with pySHACL's, negative cases included.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from bytedance_kg.pipeline.engines.fast.findings import Finding, default_message
from bytedance_kg.pipeline.engines.fast.targets import Targets, select_x
from bytedance_kg.rdf.terms import from_ox

DESCRIPTIVE = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.path,
    SH.name,
    SH.description,
    SH.message,
    SH.severity,
    SH.order,
    SH.group,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
}
"""What a property shape run here may say: its path, its qualified count and how it is described;
any other constraint (or ``sh:deactivated``, or ``sh:qualifiedValueShapesDisjoint``) leaves the
shape to the Core engine."""


@dataclass(frozen=True)
class QualifiedCount:
    """One property shape's qualified count of the values of ``path`` that are instances of ``of``,
    on the focus nodes of its parent node shape."""

    shape: Node
    parent: Node
    path: URIRef
    of: Node
    minimum: int | None
    maximum: int | None
    message: str
    severity: Node
    targets: Targets


def _count(shapes: Graph, shape: Node, parameter: URIRef) -> int | None:
    value = shapes.value(shape, parameter)
    return int(value) if isinstance(value, Literal) and isinstance(value.toPython(), int) else None


def _plain(shapes: Graph, shape: Node) -> QualifiedCount | None:
    """``shape`` as a :class:`QualifiedCount` if it has the plain form this module runs, else None."""
    if set(shapes.predicates(shape)) - DESCRIPTIVE or len(set(shapes.objects(shape, SH.message))) > 1:
        return None
    path, inner = shapes.value(shape, SH.path), shapes.value(shape, SH.qualifiedValueShape)
    if not isinstance(path, URIRef) or not isinstance(inner, BNode):
        return None
    said = {(p, o) for p, o in shapes.predicate_objects(inner) if (p, o) != (RDF.type, SH.NodeShape)}
    classes = [o for p, o in said if p == SH["class"]]
    if len(said) != 1 or len(classes) != 1 or len(set(shapes.subjects(None, inner))) != 1:
        return None
    links = set(shapes.subject_predicates(shape))
    if len(links) != 1 or next(iter(links))[1] != SH.property:
        return None
    parent = next(iter(links))[0]
    targets = Targets.of(shapes, parent)
    if (
        set(shapes.subjects(None, parent))  # reached from another shape too (sh:node, sh:and, ...)
        or not targets.declared
        or targets.advanced
        or (parent, SH.deactivated, None) in shapes
    ):
        return None
    minimum, maximum = (
        _count(shapes, shape, SH.qualifiedMinCount),
        _count(shapes, shape, SH.qualifiedMaxCount),
    )
    if minimum is None and maximum is None:
        return None
    return QualifiedCount(
        shape=shape,
        parent=parent,
        path=path,
        of=classes[0],
        minimum=minimum,
        maximum=maximum,
        message=str(shapes.value(shape, SH.message) or ""),
        severity=shapes.value(shape, SH.severity) or SH.Violation,
        targets=targets,
    )


def qualified_counts(shapes: Graph) -> list[QualifiedCount]:
    """Every property shape of the plain form (see the module), to be run here instead of in the
    Core engine."""
    found = (
        _plain(shapes, shape) for shape in sorted(set(shapes.subjects(SH.qualifiedValueShape, None)), key=str)
    )
    return [count for count in found if count is not None]


def run_qualified_counts(store: ox.Store, counts: list[QualifiedCount]) -> list[Finding]:
    """One result per focus node whose tally of qualifying values is under ``sh:qualifiedMinCount``
    or over ``sh:qualifiedMaxCount``, as SHACL defines them (no ``sh:value``; the path as
    ``sh:resultPath``)."""
    findings = []
    for count in counts:
        focus_nodes = count.targets.focus_nodes(store)
        if not focus_nodes:
            continue
        instances = select_x(
            store, f"SELECT DISTINCT ?x WHERE {{ ?x <{RDF.type}>/<{RDFS.subClassOf}>* <{count.of}> }}"
        )
        tally: Counter[object] = Counter()  # subjects; a focus node absent from it counts 0
        for quad in store.quads_for_pattern(None, ox.NamedNode(str(count.path)), None):
            if quad.object in instances:
                tally[quad.subject] += 1
        for focus in sorted(focus_nodes, key=str):
            number = tally[focus]
            for component, broken in (
                (
                    "QualifiedMinCountConstraintComponent",
                    count.minimum is not None and number < count.minimum,
                ),
                (
                    "QualifiedMaxCountConstraintComponent",
                    count.maximum is not None and number > count.maximum,
                ),
            ):
                if broken:
                    findings.append(
                        Finding(
                            shape=count.shape,
                            focus=from_ox(focus),
                            path=count.path,
                            component=SH[component],
                            value=None,
                            message=count.message or default_message(component, count.parent),
                            severity=count.severity,
                        )
                    )
    return findings
