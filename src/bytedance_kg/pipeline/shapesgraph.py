"""What SHACL requires of a shapes graph's syntax, checked before either engine runs.

SHACL 1.0 gives most parameters a fixed form: a count is one non-negative ``xsd:integer``, a
severity or a class an IRI, ``sh:deactivated`` a boolean, ``sh:in`` a well-formed list, a property
shape one well-formed ``sh:path``, ``sh:minCount`` a parameter of property shapes only. The two
engines do not agree on a shape that breaks such a rule: an outside test found the ``shacl`` Core
engine reading ``"1"`` as 1 where pySHACL refuses it, pySHACL ignoring a list without ``rdf:nil``
that the Core engine refuses, a literal severity ending the fast engine with a traceback, and a
dozen more. So a shapes graph that breaks one is an input error naming the file, the shape and the
parameter, whichever engine is chosen, and both engines only ever see well-formed shapes.

What is not checked here, and may still be read differently (README, "The build"): a regular
expression outside the common ground of XPath, Rust's ``regex`` and Python's ``re``, and a range
bound (``sh:minInclusive`` ...) that cannot be compared with the values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from bytedance_kg.project.errors import InputError
from bytedance_kg.project.namespaces import sorted_terms

Rule = Callable[[Graph, Node], str | None]
"""A parameter's rule: what is wrong with one value (in words), or None."""


def _integer(shapes: Graph, value: Node) -> str | None:
    if isinstance(value, Literal) and value.datatype == XSD.integer and not value.ill_typed:
        number = value.toPython()
        if isinstance(number, int) and not isinstance(number, bool) and number >= 0:
            return None
    return "not a non-negative xsd:integer"


def _boolean(shapes: Graph, value: Node) -> str | None:
    ok = isinstance(value, Literal) and value.datatype == XSD.boolean and not value.ill_typed
    return None if ok else "not an xsd:boolean"


def _iri(shapes: Graph, value: Node) -> str | None:
    return None if isinstance(value, URIRef) else "not an IRI"


def _shape(shapes: Graph, value: Node) -> str | None:
    return "not a shape (an IRI or a blank node)" if isinstance(value, Literal) else None


def _property_shape(shapes: Graph, value: Node) -> str | None:
    if isinstance(value, Literal):
        return "not a shape (an IRI or a blank node)"
    return None if len(list(shapes.objects(value, SH.path))) == 1 else "a shape without one sh:path"


def _string(shapes: Graph, value: Node) -> str | None:
    plain = isinstance(value, Literal) and value.datatype in (None, XSD.string) and not value.language
    return None if plain else "not an xsd:string"


FLAGS = set("smix")
"""The flags of ``sh:flags`` that both engines read as XPath does (``q`` is XPath's too, but one
engine ignores it)."""


def _flags(shapes: Graph, value: Node) -> str | None:
    if _string(shapes, value) or not set(str(value)) <= FLAGS:
        return f"not a string of the flags {''.join(sorted(FLAGS))}"
    return None


NODE_KINDS = {SH.BlankNode, SH.IRI, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral, SH.IRIOrLiteral}


def members(shapes: Graph, head: Node) -> list[Node] | None:
    """The members of the RDF list at ``head``, or None if it is not a well-formed list (each cell a
    blank node with one ``rdf:first`` and one ``rdf:rest``, no cycle, ending in ``rdf:nil``)."""
    found: list[Node] = []
    seen: set[Node] = set()
    while head != RDF.nil:
        if not isinstance(head, BNode) or head in seen:
            return None
        seen.add(head)
        firsts, rests = list(shapes.objects(head, RDF.first)), list(shapes.objects(head, RDF.rest))
        if len(firsts) != 1 or len(rests) != 1:
            return None
        found.append(firsts[0])
        head = rests[0]
    return found


def _list_of(rule: Rule | None) -> Rule:
    def check(shapes: Graph, value: Node) -> str | None:
        listed = members(shapes, value)
        if listed is None:
            return "not a well-formed list"
        wrong = [(member, problem) for member in listed if rule and (problem := rule(shapes, member))]
        return f"a list whose member {shown(shapes, wrong[0][0])} is {wrong[0][1]}" if wrong else None

    return check


PATH_OPERATORS = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)


def _path(shapes: Graph, value: Node, depth: int = 0) -> str | None:
    """SHACL's property paths (section 2.3.1): an IRI, a list of two or more paths, one of the
    path operators on a path, ``sh:alternativePath`` on a list of two or more paths."""
    if value == RDF.nil:
        return "not a well-formed property path (an empty sequence)"
    if isinstance(value, URIRef):
        return None
    if not isinstance(value, BNode) or depth > 64:
        return "not a well-formed property path"
    listed = members(shapes, value)
    operators = [(p, o) for p, o in shapes.predicate_objects(value) if p in PATH_OPERATORS]
    if listed is not None and not operators:
        inner = listed
    elif listed is None and len(operators) == 1 and len(set(shapes.predicates(value))) == 1:
        operator, operand = operators[0]
        if operator != SH.alternativePath:
            return _path(shapes, operand, depth + 1)
        inner = members(shapes, operand) or []
    else:
        return "not a well-formed property path"
    if len(inner) < 2:
        return "not a well-formed property path (a sequence or alternative of fewer than two paths)"
    return next((problem for step in inner if (problem := _path(shapes, step, depth + 1))), None)


RULES: dict[URIRef, Rule] = {
    **dict.fromkeys(
        (SH.minCount, SH.maxCount, SH.minLength, SH.maxLength, SH.qualifiedMinCount, SH.qualifiedMaxCount),
        _integer,
    ),
    **dict.fromkeys((SH.deactivated, SH.closed, SH.uniqueLang, SH.qualifiedValueShapesDisjoint), _boolean),
    **dict.fromkeys(
        (SH.severity, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH["class"], SH.datatype),
        _iri,
    ),
    SH.nodeKind: lambda shapes, value: None if value in NODE_KINDS else "not one of SHACL's six node kinds",
    SH.pattern: _string,
    SH.flags: _flags,
    SH["in"]: _list_of(None),
    SH.languageIn: _list_of(_string),
    SH.ignoredProperties: _list_of(_iri),
    **dict.fromkeys((SH["and"], SH["or"], SH.xone), _list_of(_shape)),
    SH.path: _path,
    **dict.fromkeys((SH.node, SH["not"], SH.qualifiedValueShape), _shape),
    SH.property: _property_shape,
    **dict.fromkeys((SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals), _iri),
    SH.prefixes: _shape,
}
"""Each checked parameter's rule for its values."""

AT_MOST_ONE = {
    SH.minCount,
    SH.maxCount,
    SH.minLength,
    SH.maxLength,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.deactivated,
    SH.closed,
    SH.uniqueLang,
    SH.qualifiedValueShapesDisjoint,
    SH.severity,
    SH.datatype,
    SH.nodeKind,
    SH.flags,
    SH.path,
}
"""The parameters a shape gives at most one value (SHACL 1.0, each parameter's definition)."""

PROPERTY_SHAPES_ONLY = {
    SH.minCount,
    SH.maxCount,
    SH.uniqueLang,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
}
"""Parameters of property shapes only: on a shape without ``sh:path`` they are an error."""


def name_of(shapes: Graph, node: Node, depth: int = 0) -> str:
    """A shape (or a constraint) as a reader finds it in the file: its name, or for a blank node
    what links to it and from where, with its path (a blank node's label is new on every parse)."""
    names = shapes.namespace_manager
    if not isinstance(node, BNode):
        return node.n3(names)
    path = shapes.value(node, SH.path)
    on = f" on {path.n3(names)}" if isinstance(path, URIRef) else ""
    for parent, link in sorted(
        shapes.subject_predicates(node), key=lambda pair: (str(pair[1]), str(pair[0]))
    ):
        if depth < 8:
            return f"the {link.n3(names)}{on} of {name_of(shapes, parent, depth + 1)}"
    return f"a blank node{on}"


def shown(shapes: Graph, value: Node) -> str:
    """A value in an error message: a blank node has no label worth showing."""
    return "a blank node" if isinstance(value, BNode) else value.n3(shapes.namespace_manager)


def check_shapes_graph(shapes: Graph, origin: Path | str) -> None:
    """Raise an :class:`~bytedance_kg.project.errors.InputError` naming ``origin`` (the shapes
    file), the shape and the parameter at the first place that breaks SHACL's syntax rules above."""
    names = shapes.namespace_manager
    for parameter in [*RULES, *sorted(PROPERTY_SHAPES_ONLY - RULES.keys())]:
        rule = RULES.get(parameter)
        for shape in sorted_terms(set(shapes.subjects(parameter, None))):
            values = sorted_terms(shapes.objects(shape, parameter))
            where = f"{origin} ({name_of(shapes, shape)}, {parameter.n3(names)})"
            if parameter in AT_MOST_ONE and len(values) > 1:
                raise InputError(
                    where,
                    f"a shape has at most one value here, not {', '.join(shown(shapes, v) for v in values)}",
                )
            for value in values:
                problem = rule(shapes, value) if rule else None
                if problem:
                    raise InputError(where, f"{problem}: {shown(shapes, value)}")
            if parameter in PROPERTY_SHAPES_ONLY and (shape, SH.path, None) not in shapes:
                raise InputError(where, "a parameter of property shapes only, on a shape without sh:path")
            if (
                parameter in (SH.qualifiedMinCount, SH.qualifiedMaxCount)
                and (
                    shape,
                    SH.qualifiedValueShape,
                    None,
                )
                not in shapes
            ):
                raise InputError(where, "a qualified count without sh:qualifiedValueShape")
