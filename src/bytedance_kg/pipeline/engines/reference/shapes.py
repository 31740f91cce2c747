"""The reference engine's validator: SHACL with pySHACL, the engine the fast validator is compared with.

pySHACL is imported here and nowhere else (see :mod:`bytedance_kg.pipeline.engines`). Importing
this module mends one bug of pySHACL 0.40.1 (see :func:`_fill_message_literally`).
"""

from __future__ import annotations

from typing import Any

from pyshacl import validate as pyshacl_validate
from pyshacl.constraints.constraint_component import ConstraintComponent
from rdflib import Graph

from bytedance_kg.pipeline.engines import ShapesRefused
from bytedance_kg.pipeline.engines.shaperesults import ShapeResult, results_of

PYSHACL_FILL_MESSAGE = ConstraintComponent._format_sparql_based_result_message
"""pySHACL's own filling of a SHACL-SPARQL message, which :func:`_fill_message_literally` replaces."""


class _AsReplacement:
    """A bound value whose text, doubled backslashes and all, ``re.sub`` turns back into the value."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return str(self.value).replace("\\", "\\\\")


def _as_replacements(bound: Any) -> Any:
    """``bound`` (the values, a list or tuple of them with a dict of the others, or a dict) with
    each value wrapped in :class:`_AsReplacement`; ``None`` stays ``None``."""
    if isinstance(bound, dict):
        return {name: _AsReplacement(value) for name, value in bound.items()}
    if isinstance(bound, (tuple, list)):
        return type(bound)(_as_replacements(b) if isinstance(b, dict) else _wrap(b) for b in bound)
    return bound


def _wrap(value: object) -> object:
    return None if value is None else _AsReplacement(value)


def _fill_message_literally(self: ConstraintComponent, msg: str, bound_vars: Any) -> str:
    r"""pySHACL's filling of a SHACL-SPARQL message, with each value put in as it is.

        pySHACL 0.40.1 fills ``{?name}`` and ``{$name}`` in a SHACL-SPARQL constraint's ``sh:message``
        by ``re.sub`` with the value's text as the replacement template, so a backslash in a value of
        the data starts an escape: the literal ``"C:\new\stuff"`` (the text C:
    ew\stuff) made the
        validation raise ``bad escape \s``, which the build reported as shapes pySHACL cannot run; a
        ``
    `` in a value became a newline, ```` an error again. Each value is handed to pySHACL's
        own method with its backslashes doubled, which the template reading undoes: the message then
        holds the value as the fast engine writes it. ``tests/test_fastpath.py`` fails if pySHACL
        stops calling this, and once its own method no longer needs it (time to remove it)."""
    return PYSHACL_FILL_MESSAGE(self, msg, _as_replacements(bound_vars))


setattr(ConstraintComponent, "_format_sparql_based_result_message", _fill_message_literally)


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
