"""What SHACL requires of the shapes graph's numeric parameters, checked before either engine runs.

SHACL 1.0 says that ``sh:minCount``, ``sh:maxCount``, ``sh:minLength``, ``sh:maxLength``,
``sh:qualifiedMinCount`` and ``sh:qualifiedMaxCount`` each have at most one value on a shape, an
``xsd:integer`` literal (a count or a length, so not negative). The engines do not agree on a
shape that breaks this: the ``shacl`` Core engine reads ``"1"`` as 1 and stops at ``true``,
pySHACL refuses ``"1"`` and reads ``true`` as 1, and a shape that one of them ignores checks
nothing. So such a shapes graph is an input error naming the shape, the parameter and the value,
whichever engine is chosen.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from bytedance_kg.project.errors import InputError
from bytedance_kg.project.namespaces import sorted_terms

NON_NEGATIVE_INTEGERS = (
    SH.minCount,
    SH.maxCount,
    SH.minLength,
    SH.maxLength,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
)
"""The SHACL Core parameters whose value is one ``xsd:integer`` literal, not negative."""


def _non_negative_integer(value: Node) -> bool:
    if not isinstance(value, Literal) or value.datatype != XSD.integer or value.ill_typed:
        return False
    number = value.toPython()
    return isinstance(number, int) and not isinstance(number, bool) and number >= 0


def check_shape_parameters(shapes: Graph, origin: Path | str) -> None:
    """Raise an :class:`~bytedance_kg.project.errors.InputError` naming ``origin`` (the shapes
    file), the shape and the parameter, at the first numeric parameter that is not one
    non-negative ``xsd:integer`` literal."""
    names = shapes.namespace_manager
    for parameter in NON_NEGATIVE_INTEGERS:
        for shape in sorted_terms(set(shapes.subjects(parameter, None))):
            values = sorted_terms(shapes.objects(shape, parameter))
            where = f"{origin} ({shape.n3(names)} {parameter.n3(names)})"
            if len(values) > 1:
                shown = ", ".join(v.n3(names) for v in values)
                raise InputError(where, f"a shape has at most one value here, not {shown}")
            if not _non_negative_integer(values[0]):
                raise InputError(where, f"not a non-negative xsd:integer: {values[0].n3(names)}")
