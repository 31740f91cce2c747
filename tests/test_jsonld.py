"""The JSON-LD writer compacts exactly: every kind of value, read back by pyLD (an independent
JSON-LD processor), gives the triples it was written from."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic

from bytedance_kg.rdf.jsonld import compact_document
from bytedance_kg.release.writer import load_context
from tests.conftest import ROOT

pytestmark = pytest.mark.fast  # the quick tier: make check

CONTEXT = load_context(ROOT / "ontology/context.jsonld")
TURTLE = """
@prefix kg: <https://w3id.org/bytedance-kg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
<https://w3id.org/bytedance-kg/id/person/a> a kg:Person , schema:Person ;
    rdfs:label "A"@en , "甲"@zh , "A again"@en ;        # a language map with a list
    rdfs:label "no language" ;                          # not for the language map
    schema:name "A" , "Ay"@en , "Ah"@fr ;               # a term fixing English; other values under the IRI
    org:memberOf <https://w3id.org/bytedance-kg/id/org/x> ;   # an IRI under a compact IRI key
    schema:founder "not an IRI" ;                       # a literal under an IRI-valued term
    oa:start "5"^^xsd:integer ;                         # a canonical integer: a JSON number
    oa:end "07"^^xsd:integer , "7"^^xsd:nonNegativeInteger ;   # not canonical, another datatype
    schema:position "9007199254740992"^^xsd:integer ;   # 2^53: a JSON number a double cannot hold
    schema:size "9007199254740991"^^xsd:integer ;       # 2^53 - 1: one it can
    schema:height "1000000000000000000000"^^xsd:integer ;   # from 10^21 JSON-LD reads a double
    schema:observationDate "2025-01-01"^^xsd:date ;     # the term's datatype
    kg:evidence _:b .
_:b rdfs:label "blank"@en ;
    rdfs:comment "a \\"quote\\", a back\\\\slash, a\\nnew line, a\\ttab, \\u0001, \\U0001F600 and é" .
<https://example.org/outside> <https://example.org/p> "x"^^<https://example.org/dt> .
"""


def test_every_kind_of_value_round_trips_through_pyld() -> None:
    graph = Graph().parse(data=TURTLE, format="turtle")
    triples = list(ox.parse(TURTLE.encode(), format=ox.RdfFormat.TURTLE))
    document = compact_document(triples, CONTEXT)
    person = next(n for n in document["@graph"] if n["id"].endswith("/person/a"))
    assert person["label"] == {"en": ["A", "A again"], "zh": "甲"}
    assert person["start"] == 5 and person["observationDate"] == "2025-01-01" and person["name"] == "Ay"
    assert person["type"] == ["kg:Person", "schema:Person"]
    assert {"@value": "07", "@type": "xsd:integer"} in person["end"]
    assert person["schema:position"] == {"@value": "9007199254740992", "@type": "xsd:integer"}
    assert person["schema:height"] == {"@value": "1000000000000000000000", "@type": "xsd:integer"}
    assert person["schema:size"] == 9007199254740991
    back = Graph().parse(
        data=jsonld.to_rdf(json.loads(json.dumps(document)), {"format": "application/n-quads"}), format="nt"
    )
    assert isomorphic(back, graph)


@pytest.mark.parametrize(
    "turtle", ["<schema:foo> <urn:p> 'x' .", "<urn:s> <kg:bar> 'x' .", "<urn:s> <urn:p> <xsd:string> ."]
)
def test_an_iri_that_would_read_back_as_a_compact_iri_is_refused(turtle: str) -> None:
    """``<schema:foo>`` is an absolute IRI (scheme ``schema``); written as ``"schema:foo"`` under a
    context with a ``schema`` prefix it would read back as ``https://schema.org/foo``."""
    triples = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    with pytest.raises(ValueError, match="would read it as a compact IRI"):
        compact_document(triples, CONTEXT)
