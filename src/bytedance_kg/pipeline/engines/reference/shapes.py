"""The reference engine's validator: SHACL with pySHACL, the engine the fast validator is compared with.

pySHACL is imported here and nowhere else (see :mod:`bytedance_kg.pipeline.engines`).
"""

from __future__ import annotations

from pyshacl import validate as pyshacl_validate
from rdflib import Graph

from bytedance_kg.pipeline.engines import ShapesRefused
from bytedance_kg.pipeline.engines.shaperesults import ShapeResult, results_of


def validate_graph(
    data: Graph, shapes: Graph, ontology: Graph | None = None
) -> tuple[bool, list[ShapeResult], Graph]:
    """Validate ``data`` (with the ``ontology`` mixed in for class hierarchy) against ``shapes``.

    No inference is asked of pySHACL: the class hierarchy that ``sh:class`` needs comes from the
    ontology graph, and the standard-vocabulary contract is checked on the reasoned graph instead.
    pySHACL adds triples to the shapes graph it is given (``owl:Class rdfs:subClassOf rdfs:Class``),
    so it gets a copy: the caller's graph is what gets published.
    """
    shapes_copy = Graph()
    for triple in shapes:
        shapes_copy.add(triple)
    try:
        conforms, report, _ = pyshacl_validate(
            data,
            shacl_graph=shapes_copy,
            ont_graph=ontology,
            inference="none",
            advanced=True,
            allow_warnings=True,
        )
    except Exception as error:  # pySHACL raises its own and pyparsing's types on shapes it cannot run
        raise ShapesRefused(f"pySHACL cannot run the shapes: {' '.join(str(error).split())[:300]}") from None
    if not isinstance(report, Graph):  # pySHACL returns a failure object instead of a report in some cases
        raise ShapesRefused(f"pySHACL cannot run the shapes: {' '.join(str(report).split())[:300]}")
    report.namespace_manager = data.namespace_manager
    return bool(conforms), results_of(report), report
