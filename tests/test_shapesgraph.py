"""The shapes graph's syntax (bytedance_kg.pipeline.shapesgraph): SHACL's rules on the form of each
parameter, checked before either engine runs, since the engines read a malformed shape differently.
The command-line side (one error line, exit 2, on both engines) is in ``test_faults.py``."""

from __future__ import annotations

import pytest
from rdflib import Graph

from bytedance_kg.pipeline.shapesgraph import check_shapes_graph
from bytedance_kg.project.errors import InputError
from tests.conftest import ROOT

pytestmark = pytest.mark.fast  # the quick tier: make check

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
"""

BROKEN = {
    "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount -1 ] .": (
        "the sh:property on ex:p of ex:S, sh:minCount",
        "not a non-negative xsd:integer",
    ),
    'ex:S sh:path ex:p ; sh:maxLength "3" .': ("ex:S, sh:maxLength", "not a non-negative"),
    "ex:S sh:path ex:p ; sh:maxCount 1, 2 .": ("ex:S, sh:maxCount", "at most one value"),
    "ex:S sh:path ex:p ; sh:deactivated 1 .": ("ex:S, sh:deactivated", "not an xsd:boolean"),
    'ex:S sh:path ex:p ; sh:severity "Warning" .': ("ex:S, sh:severity", 'not an IRI: "Warning"'),
    'ex:S sh:targetClass "ex:A" .': ("ex:S, sh:targetClass", "not an IRI"),
    'ex:S sh:path ex:p ; sh:class "ex:A" .': ("ex:S, sh:class", "not an IRI"),
    "ex:S sh:path ex:p ; sh:nodeKind ex:Thing .": ("ex:S, sh:nodeKind", "node kinds"),
    'ex:S sh:path ex:p ; sh:pattern "a"@en .': ("ex:S, sh:pattern", "not an xsd:string"),
    'ex:S sh:path ex:p ; sh:pattern "a" ; sh:flags "q" .': ("ex:S, sh:flags", "flags imsx"),
    'ex:S sh:path ex:p ; sh:in "a" .': ("ex:S, sh:in", "not a well-formed list"),
    "ex:S sh:path ex:p ; sh:in [ rdf:first 1 ] .": ("ex:S, sh:in", "not a well-formed list: a blank node"),
    "ex:S sh:path ex:p ; sh:in _:l . _:l rdf:first 1 ; rdf:rest _:l .": ("ex:S, sh:in", "well-formed list"),
    "ex:S sh:path ex:p ; sh:languageIn ( ex:en ) .": (
        "ex:S, sh:languageIn",
        "member ex:en is not an xsd:string",
    ),
    'ex:S sh:path "ex:p" .': ("ex:S, sh:path", "not a well-formed property path"),
    "ex:S sh:path [ sh:inversePath 1 ] .": ("ex:S, sh:path", "not a well-formed property path"),
    "ex:S sh:path ( ex:p ) .": ("ex:S, sh:path", "fewer than two paths"),
    "ex:S sh:path [ sh:alternativePath ( ex:p ) ] .": ("ex:S, sh:path", "fewer than two paths"),
    "ex:S sh:path [ rdf:first ex:p ] .": ("ex:S, sh:path", "not a well-formed property path"),
    "ex:S sh:path ex:p, ex:q .": ("ex:S, sh:path", "at most one value"),
    "ex:S sh:targetNode ex:a ; sh:minCount 1 .": ("ex:S, sh:minCount", "property shapes only"),
    "ex:S sh:targetNode ex:a ; sh:lessThan ex:q .": ("ex:S, sh:lessThan", "property shapes only"),
    "ex:S sh:path ex:p ; sh:qualifiedMaxCount 1 .": (
        "ex:S, sh:qualifiedMaxCount",
        "without sh:qualifiedValueShape",
    ),
    # found by a second outside test: the engines split on each
    'ex:S sh:targetNode ex:a ; sh:property "ex:P" .': ("ex:S, sh:property", "not a shape"),
    "ex:S sh:targetNode ex:a ; sh:property ex:P . ex:P sh:minLength 1 .": (
        "ex:S, sh:property",
        "a shape without one sh:path",
    ),
    'ex:S sh:path ex:p ; sh:equals "rdfs:label" .': ("ex:S, sh:equals", "not an IRI"),
    'ex:S sh:targetNode ex:a ; sh:node "ex:T" .': ("ex:S, sh:node", "not a shape"),
    'ex:S sh:targetNode ex:a ; sh:and ( ex:T "ex:U" ) .': ("ex:S, sh:and", 'member "ex:U" is not a shape'),
    "ex:S sh:path () .": ("ex:S, sh:path", "an empty sequence"),
    'ex:S sh:targetNode ex:a ; sh:sparql [ sh:prefixes "ex" ; sh:select "SELECT $this {}" ] .': (
        "the sh:sparql of ex:S, sh:prefixes",
        "not a shape",
    ),
}


@pytest.mark.parametrize("turtle", sorted(BROKEN))
def test_a_parameter_in_the_wrong_form_is_refused_by_name(turtle: str) -> None:
    where, problem = BROKEN[turtle]
    shapes = Graph().parse(data=PREFIXES + turtle, format="turtle")
    with pytest.raises(InputError) as refused:
        check_shapes_graph(shapes, "shapes.ttl")
    assert f"shapes.ttl ({where})" in str(refused.value) and problem in str(refused.value)


@pytest.mark.parametrize(
    "turtle",
    [
        "ex:S sh:path ( ex:p [ sh:inversePath ex:q ] [ sh:zeroOrMorePath ex:r ] ) ; sh:minCount 0 .",
        "ex:S sh:path [ sh:alternativePath ( ex:p [ sh:oneOrMorePath ex:q ] ) ] ; sh:maxCount 3 .",
        'ex:S sh:path ex:p ; sh:in ( 1 "a" ex:b ) ; sh:languageIn ( "en" "zh" ) ; sh:flags "i" ; '
        'sh:pattern "^a" .',
        "ex:S sh:targetNode ex:a ; sh:deactivated false ; sh:severity sh:Warning ; sh:nodeKind sh:IRI .",
        "ex:S sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:A ] ; sh:qualifiedMinCount 0 .",
    ],
)
def test_well_formed_parameters_pass(turtle: str) -> None:
    check_shapes_graph(Graph().parse(data=PREFIXES + turtle, format="turtle"), "shapes.ttl")


def test_the_project_s_shapes_are_well_formed() -> None:
    check_shapes_graph(Graph().parse(ROOT / "ontology/shapes.ttl"), "ontology/shapes.ttl")
