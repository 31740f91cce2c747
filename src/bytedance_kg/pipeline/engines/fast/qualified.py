"""Qualified value counts of a class, run on pyoxigraph in linear time.

A property shape such as ``shape:Quote-textPositionSelector`` says that exactly one value of
``oa:hasSelector`` is an ``oa:TextPositionSelector`` (``sh:qualifiedValueShape [ sh:class C ]``,
``sh:qualifiedMinCount``, ``sh:qualifiedMaxCount``). The ``shacl`` Core engine's time on such
shapes grows with the square of the data (measured in ``make bench``'s workspaces, the whole Core
run: 0.39 s at 100k triples and 7.16 s at 1M with them, 0.31 s and 2.44 s without), so this
module counts them itself: the SHACL instances of ``C`` once, the values of the path once, a tally
per focus node.

Only the plain form is taken from the Core engine (:func:`qualified_counts`): one predicate path;
one qualified value shape, a blank node saying ``sh:class`` of one IRI and nothing else; each count
one integer; at most one severity and one message; no other constraint on the property shape; one
parent node shape (not a property shape) that links it with ``sh:property``, has targets of its
own, is referenced by no other shape and has no property shape with
``sh:qualifiedValueShapesDisjoint`` (which reads its siblings' value shapes); neither shape
deactivated. Anything else stays with the Core engine, which is still exact, only slower. The
differential tests compare the results with pySHACL's, negative cases included.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from bytedance_kg.pipeline.engines.fast.findings import Finding, default_message, shape_message
from bytedance_kg.pipeline.engines.fast.targets import Targets, instances_of
from bytedance_kg.rdf.terms import from_ox
from bytedance_kg.rdf.triples import Queryable
from bytedance_kg.sparql.results import Term, solutions_at_once

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
    of: URIRef
    minimum: int | None
    maximum: int | None
    message: Literal | None
    severity: Node
    targets: Targets


def _one(shapes: Graph, shape: Node, parameter: URIRef) -> Node | None:
    """The single value of ``parameter`` on ``shape``; None when it has none or several (several
    values of a parameter this module reads leave the shape to the Core engine)."""
    values = list(shapes.objects(shape, parameter))
    return values[0] if len(values) == 1 else None


def _counts(shapes: Graph, shape: Node) -> tuple[int | None, int | None] | None:
    """The shape's qualified minimum and maximum counts (None where it gives none); None when either
    is there but is not one integer: not ours to judge, the Core engine reports the malformed shape."""
    counts: list[int | None] = []
    for parameter in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
        values = list(shapes.objects(shape, parameter))
        number = values[0].toPython() if len(values) == 1 and isinstance(values[0], Literal) else None
        if values and (not isinstance(number, int) or isinstance(number, bool)):
            return None
        counts.append(number if values else None)
    return counts[0], counts[1]


def _parent(shapes: Graph, shape: Node) -> Node | None:
    """The one node shape that links ``shape`` with ``sh:property`` and through which alone it is
    validated, when that is so; else None."""
    links = set(shapes.subject_predicates(shape))
    if len(links) != 1 or next(iter(links))[1] != SH.property:
        return None
    parent = next(iter(links))[0]
    siblings = set(shapes.objects(parent, SH.property))
    if (
        set(shapes.subjects(None, parent))  # reached from another shape too (sh:node, sh:and, ...)
        or (parent, SH.path, None) in shapes  # a property shape: its focus nodes are its values
        or (parent, SH.deactivated, None) in shapes
        # sh:qualifiedValueShapesDisjoint on a sibling reads this shape's value shape too
        or any((sibling, SH.qualifiedValueShapesDisjoint, None) in shapes for sibling in siblings)
    ):
        return None
    return parent


def _plain(shapes: Graph, shape: Node) -> QualifiedCount | None:
    """``shape`` as a :class:`QualifiedCount` if it has the plain form this module runs, else None."""
    if set(shapes.predicates(shape)) - DESCRIPTIVE or len(set(shapes.objects(shape, SH.message))) > 1:
        return None
    path, inner = _one(shapes, shape, SH.path), _one(shapes, shape, SH.qualifiedValueShape)
    if not isinstance(path, URIRef) or not isinstance(inner, BNode):
        return None
    said = {(p, o) for p, o in shapes.predicate_objects(inner) if (p, o) != (RDF.type, SH.NodeShape)}
    classes = [o for p, o in said if p == SH["class"]]
    if len(said) != 1 or len(classes) != 1 or not isinstance(classes[0], URIRef):
        return None
    if len(set(shapes.subjects(None, inner))) != 1 or len(list(shapes.objects(shape, SH.severity))) > 1:
        return None
    parent = _parent(shapes, shape)
    if parent is None:
        return None
    targets = Targets.of(shapes, parent)
    if not targets.declared or targets.advanced:
        return None
    counts = _counts(shapes, shape)
    if counts is None or counts == (None, None):
        return None
    minimum, maximum = counts
    return QualifiedCount(
        shape=shape,
        parent=parent,
        path=path,
        of=classes[0],
        minimum=minimum,
        maximum=maximum,
        message=shape_message(shapes, shape),
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


def _pairs(store: Queryable, path: URIRef) -> list[tuple[Term, Term]]:
    """Every subject and value of the predicate ``path``."""
    pairs = store.query(f"SELECT ?s ?o WHERE {{ ?s <{path}> ?o }}")
    assert isinstance(pairs, ox.QuerySolutions)
    return [(pair["s"], pair["o"]) for pair in solutions_at_once(pairs)]


def run_qualified_counts(store: Queryable, counts: list[QualifiedCount]) -> list[Finding]:
    """One result per focus node whose tally of qualifying values is under ``sh:qualifiedMinCount``
    or over ``sh:qualifiedMaxCount``, as SHACL defines them (no ``sh:value``; the path as
    ``sh:resultPath``). The values of a path are read once for all the counts on it (a shape
    typically counts several kinds of value on one property: at a million triples, a read of
    57,000 pairs was half a second)."""
    findings: list[Finding] = []
    values: dict[URIRef, list[tuple[Term, Term]]] = {}
    for count in counts:
        focus_nodes = count.targets.focus_nodes(store)
        if not focus_nodes:
            continue
        instances = instances_of(store, count.of)
        tally: Counter[object] = Counter()  # subjects; a focus node absent from it counts 0
        if count.path not in values:
            values[count.path] = _pairs(store, count.path)
        for subject, value in values[count.path]:
            if value in instances:
                tally[subject] += 1
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
