"""SHACL results as plain records that compare exactly, whichever engine validated.

Every property shape in ``ontology/shapes.ttl`` has an IRI, so a result is identified by
(focus node, path, constraint component, source shape): the same four that the negative test
suite's expected files list. Both engines give their results as these records, and a report graph
in the SHACL vocabulary is read back into them by :func:`results_of`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node


@dataclass(frozen=True, order=True)
class ShapeResult:
    """One SHACL validation result."""

    shape: str
    focus: str
    path: str
    component: str
    value: str
    message: str
    severity: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What the negative tests compare: focus node, path, component, source shape."""
        return (self.focus, self.path, self.component, self.shape)


def _text(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, (list, tuple)):
        return " ".join(_text(graph, n) for n in node)
    return node.n3(graph.namespace_manager) if hasattr(node, "n3") else str(node)


def _path_text(report: Graph, node: Node | None) -> str:
    """A readable form of a result path, including SPARQL-style inverse and sequence paths."""
    if node is None:
        return ""
    inverse = report.value(node, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(report, inverse)
    if (node, RDF.first, None) in report:
        items = []
        while node is not None and node != RDF.nil:
            items.append(_path_text(report, report.value(node, RDF.first)))
            node = report.value(node, RDF.rest)
        return "/".join(items)
    return node.n3(report.namespace_manager)


def results_of(report: Graph) -> list[ShapeResult]:
    """The validation results in a pySHACL report graph, sorted."""
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        out.append(
            ShapeResult(
                shape=_text(report, report.value(result, SH.sourceShape)),
                focus=_text(report, report.value(result, SH.focusNode)),
                path=_path_text(report, report.value(result, SH.resultPath)),
                component=_text(report, report.value(result, SH.sourceConstraintComponent)),
                value=_text(report, report.value(result, SH.value)),
                message=str(report.value(result, SH.resultMessage) or ""),
                severity=_text(report, report.value(result, SH.resultSeverity)),
            )
        )
    return sorted(out)
