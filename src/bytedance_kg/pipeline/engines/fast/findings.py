"""What the fast validator's parts find, in one form: each becomes a pySHACL-like record
(:class:`~bytedance_kg.pipeline.engines.shaperesults.ShapeResult`) and a node of the SHACL
validation report."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, NamespaceManager
from rdflib.term import Node

from bytedance_kg.pipeline.engines.shaperesults import ShapeResult
from bytedance_kg.project.namespaces import REPORT_NAMES, new_graph


def default_message(component: str, shape: Node) -> Literal:
    """The message of a result whose shape writes none (pySHACL writes its own English there; the
    differential tests compare only the shapes' own messages)."""
    return Literal(f"Violates sh:{component} of {shape.n3(REPORT_NAMES)}.")


def shape_message(shapes: Graph, shape: Node) -> Literal | None:
    """The shape's ``sh:message`` as written, language tag included (the first in a fixed order if
    it has several); None when it writes none."""
    return min((m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)), default=None)


def written_message(shapes: Graph, shape: Node, text: str) -> Literal:
    """The ``sh:message`` literal whose text an engine reported without its language tag: the
    shape's own, else any shape's with that text (a blank-node shape's label in an engine's report
    is not the one in ``shapes``); the bare text when no shape wrote it."""
    for candidates in (shapes.objects(shape, SH.message), shapes.objects(None, SH.message)):
        matching = [m for m in candidates if isinstance(m, Literal) and str(m) == text]
        if matching:
            return min(matching)
    return Literal(text)


@dataclass(frozen=True)
class Finding:
    """One validation result as RDF terms: a :class:`ShapeResult` and a report node are made from it."""

    shape: Node
    focus: Node
    path: Node | None
    component: URIRef
    value: Node | None
    message: Literal
    severity: Node
    constraint: Node | None = None
    """The constraint that gave the result, where SHACL names one (``sh:sparql``'s value)."""

    def record(self, names: NamespaceManager) -> ShapeResult:
        """The finding as the record both engines' results are compared in."""
        return ShapeResult(
            shape=self.shape.n3(names),
            focus=self.focus.n3(names),
            path="" if self.path is None else self.path.n3(names),
            component=self.component.n3(names),
            value="" if self.value is None else self.value.n3(names),
            message=str(self.message),
            severity=self.severity.n3(names),
        )


def report_graph(findings: list[Finding], conforms: bool) -> Graph:
    """The findings as a SHACL validation report graph."""
    report = new_graph()
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(conforms)))
    for finding in findings:
        node = BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        for predicate, value in (
            (SH.sourceShape, finding.shape),
            (SH.focusNode, finding.focus),
            (SH.resultPath, finding.path),
            (SH.sourceConstraintComponent, finding.component),
            (SH.value, finding.value),
            (SH.resultSeverity, finding.severity),
            (SH.sourceConstraint, finding.constraint),
        ):
            if value is not None:
                report.add((node, predicate, value))
        report.add((node, SH.resultMessage, finding.message))
    return report
