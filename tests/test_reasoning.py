"""OWL RL reasoning: consistent, clean RDF, and the MODELING.md §2 contract holds in the closure.

The contract tests query the reasoned graph with standard vocabularies only (ORG, schema.org,
PROV-O, OWL-Time, SKOS, Web Annotation), as a consumer who never read our ontology would.
"""

from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, PROV

from bytedance_kg.pipeline.engines.closure import Closure
from bytedance_kg.pipeline.engines.reference.reasoning import closure
from bytedance_kg.rdf.canonical import canonical_turtle

pytestmark = pytest.mark.fast  # the quick tier: make check

ID = "https://w3id.org/bytedance-kg/id/"
STANDARD_PREFIXES = """
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def ask(graph: Graph, body: str) -> bool:
    return bool(graph.query(STANDARD_PREFIXES + "ASK { " + body + " }").askAnswer)


def select(graph: Graph, query: str) -> list[tuple]:
    return [tuple(row) for row in graph.query(STANDARD_PREFIXES + query)]


def test_closure_is_consistent(reasoned: Closure) -> None:
    assert reasoned.problems == []


def test_closure_holds_no_invalid_or_trivial_triples(full: Graph) -> None:
    assert not any(isinstance(s, Literal) for s, _, _ in full)
    assert not any(s == o for s, o in full.subject_objects(OWL.sameAs))


def test_full_graph_loads_in_a_strict_parser(full: Graph) -> None:
    store = pyoxigraph.Store()
    store.load(canonical_turtle(full).encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(full)


def test_inconsistency_is_reported() -> None:
    """Two members on one membership make OWL RL merge them (org:member is functional)."""
    graph = Graph()
    graph.parse(
        data=STANDARD_PREFIXES
        + """
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        org:member a owl:FunctionalProperty .
        <urn:m> a org:Membership ; org:member <urn:alice> , <urn:bob> .
    """.replace("PREFIX", "@prefix").replace(">\n", "> .\n"),
        format="turtle",
    )
    assert any("merges distinct things" in p for p in closure(graph).problems)


@pytest.mark.parametrize(
    ("thing", "types"),
    [
        (
            "org/bytedance",
            ["org:FormalOrganization", "schema:Organization", "schema:Corporation", "foaf:Agent"],
        ),
        ("org/guohai-securities", ["org:FormalOrganization", "schema:Corporation"]),
        ("unit/flow", ["org:OrganizationalUnit", "schema:Organization", "org:Organization"]),
        ("unit/language-model-group", ["org:OrganizationalUnit", "schema:Organization"]),
        ("person/hong-dingkun", ["schema:Person", "foaf:Person"]),
        ("membership/hong-dingkun-technical-lead-flow", ["org:Membership", "prov:Entity"]),
        ("role/technical-lead", ["org:Role", "skos:Concept"]),
        ("product/doubao", ["schema:SoftwareApplication"]),
        ("product/deepseek-app", ["schema:SoftwareApplication", "schema:MobileApplication"]),
        ("event/all-staff-meeting-2025", ["schema:Event"]),
        ("event/seed-named", ["schema:Event"]),
        ("observation/deepseek-app-dau-21-days", ["schema:Observation"]),
        ("claim/guohai-doubao-forecast", ["schema:Claim", "prov:Entity"]),
        ("concept/pragmatic-romance", ["skos:Concept"]),
        ("concept/app-factory", ["skos:Concept"]),
        ("source/bytedance-on-deepseeks-impact", ["schema:NewsArticle"]),
        ("quote/flow-technical-lead", ["oa:SpecificResource"]),
        ("time/latter-half-2024", ["time:ProperInterval", "time:Interval", "time:TemporalEntity"]),
        ("time/mid-2023", ["time:Instant", "time:TemporalEntity"]),
    ],
)
def test_standard_typing_holds(full: Graph, thing: str, types: list[str]) -> None:
    for kind in types:
        assert ask(full, f"<{ID}{thing}> a {kind}"), f"{thing} is not a {kind}"


def test_unit_hierarchy_in_org_terms(full: Graph) -> None:
    assert ask(full, f"<{ID}unit/flow> org:subOrganizationOf <{ID}unit/ai-innovation-unit>")
    assert not ask(full, "?unit org:unitOf ?parent")  # ORG's range for it would make a unit a legal entity
    assert not ask(full, f"<{ID}unit/ai-innovation-unit> a org:FormalOrganization")
    assert ask(full, f"<{ID}unit/flow> org:transitiveSubOrganizationOf <{ID}org/bytedance>")
    assert ask(full, f"<{ID}unit/first-large-model-team> org:transitiveSubOrganizationOf <{ID}org/bytedance>")
    assert ask(full, f"<{ID}unit/first-large-model-team> org:hasSubOrganization <{ID}unit/image-model-group>")
    assert ask(full, f"<{ID}unit/image-model-group> org:transitiveSubOrganizationOf <{ID}org/bytedance>")
    assert ask(full, f"<{ID}unit/flow> schema:parentOrganization <{ID}unit/ai-innovation-unit>")
    # Transitivity is only on the transitive property: Flow is not directly part of ByteDance.
    assert not ask(full, f"<{ID}unit/flow> org:subOrganizationOf <{ID}org/bytedance>")


def test_who_leads_flows_technical_side_and_where_it_is_written(full: Graph) -> None:
    rows = select(
        full,
        """
        SELECT ?name ?roleLabel ?exact ?start ?end WHERE {
          ?membership a org:Membership ; org:member ?person ; org:organization ?unit ; org:role ?role ;
                      prov:wasDerivedFrom ?quote .
          ?unit schema:name "Flow"@en . ?person schema:name ?name . ?role skos:prefLabel ?roleLabel .
          FILTER (CONTAINS(LCASE(?roleLabel), "technical"))
          ?quote oa:hasSelector ?t , ?p . ?t oa:exact ?exact . ?p oa:start ?start ; oa:end ?end .
        }""",
    )
    assert {(str(r[0]), str(r[1])) for r in rows} == {("Hong Dingkun", "technical lead")}
    quotes = {str(r[2]) for r in rows}
    assert "Hong Dingkun as the technical lead" in quotes
    assert any("ByteDance created the Flow team" in q for q in quotes)  # names the unit the lead is of


def test_roles_over_time_in_owl_time(full: Graph) -> None:
    rows = select(
        full,
        """
        SELECT ?begin WHERE {
          ?m org:member ?p ; org:organization ?u ; org:memberDuring ?i .
          ?p schema:name "Zhu Wenjia"@en . ?u org:transitiveSubOrganizationOf ?company .
          ?company schema:name "ByteDance"@en .
          ?i a time:Interval ; time:hasBeginning|time:inside ?b . ?b time:inXSDgYearMonth ?begin .
        }""",
    )
    begins = {str(r[0]) for r in rows}
    assert "2023-01" in begins  # at the helm of the first team from January 2023: stated
    assert "2024-04" not in begins  # 'In April': the year is only implied, so not in what the article states


def test_head_of_and_reporting_line(full: Graph) -> None:
    assert ask(full, f"<{ID}person/zhu-wenjia> org:headOf <{ID}unit/first-large-model-team>")
    assert ask(full, f"<{ID}person/zhu-wenjia> org:memberOf <{ID}unit/first-large-model-team>")
    assert ask(full, f"<{ID}person/zhu-wenjia> org:reportsTo <{ID}person/liang-rubo>")
    assert ask(full, f"<{ID}org/bytedance> schema:founder <{ID}person/zhang-yiming>")
    assert not ask(full, "?x org:reportsTo ?x")


def test_meetings_and_presenters(full: Graph) -> None:
    rows = select(
        full,
        """
        SELECT ?name WHERE {
          ?meeting a schema:Event ; time:hasTime/time:inDateTime/time:year ?y ; schema:performer ?p .
          FILTER (STR(?y) = "2025") ?p schema:name ?name }""",
    )
    # stated: Liang spoke at the 2025 meeting; the other presenters are read from context (graph/implied)
    assert {str(r[0]) for r in rows} == {"Liang Rubo"}


def test_observations_and_claims(full: Graph) -> None:
    assert ask(
        full,
        f"""?o a schema:Observation ; schema:observationAbout <{ID}product/deepseek-app> ;
                          schema:minValue 20000000""",
    )
    assert ask(
        full,
        f"""?o schema:observationDate "2025-01-28"^^xsd:date ;
                          schema:observationAbout <{ID}product/deepseek-app>""",
    )
    assert ask(
        full,
        f"""?c a schema:Claim ; schema:author <{ID}org/guohai-securities> ;
                          prov:wasAttributedTo <{ID}org/guohai-securities> ;
                          schema:about <{ID}product/doubao>""",
    )


def test_every_fact_is_derived_from_a_quote(full: Graph) -> None:
    rows = select(
        full,
        """
        SELECT ?fact WHERE {
          VALUES ?kind { org:Membership schema:Event schema:Observation schema:Claim }
          ?fact a ?kind .
          FILTER NOT EXISTS { ?fact prov:wasDerivedFrom ?q . ?q a oa:SpecificResource ; oa:hasSource ?src .
                              ?src a schema:NewsArticle }
        }""",
    )
    assert rows == []


def test_no_blank_node_facts(full: Graph) -> None:
    """Every fact (anything derived from a quote) has an IRI, so consumers can cite and dereference it."""
    facts = set(full.subjects(PROV.wasDerivedFrom, None))
    assert len(facts) >= 60
    assert not any(isinstance(s, BNode) for s in facts)


def test_owlrl_leaves_rdflib_judging_literals_as_before() -> None:
    """owlrl swaps rdflib's converters process-wide; after a closure, valid Gregorian literals parsed
    later are still valid (pySHACL in the same process reported every time:month otherwise)."""
    from rdflib import Graph, Literal
    from rdflib.namespace import XSD

    from bytedance_kg.pipeline.engines.reference.reasoning import owlrl_closure

    owlrl_closure(Graph())
    assert not Literal("--01", datatype=XSD.gMonth).ill_typed  # None: rdflib has no converter, so no verdict
    assert not Literal("---28", datatype=XSD.gDay).ill_typed
