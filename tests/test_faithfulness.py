"""The graph says what the article says, no more: no invented facts, implied facts marked.

These are "this pattern must not occur" checks for the facts the article does *not* give.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from bytedance_kg.dataset import Sources
from bytedance_kg.namespaces import KG, SCHEMA

ID = "https://w3id.org/bytedance-kg/id/"
PREFIXES = """
PREFIX kg: <https://w3id.org/bytedance-kg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX time: <http://www.w3.org/2006/time#>
"""


def rows(graph: Graph, query: str) -> list[tuple]:
    return [tuple(r) for r in graph.query(PREFIXES + query)]


def test_no_founder_of_deepseek(full: Graph) -> None:
    assert list(full.objects(URIRef(ID + "org/deepseek"), SCHEMA.founder)) == []


def test_no_maker_of_chatgpt(full: Graph) -> None:
    chatgpt = URIRef(ID + "product/chatgpt")
    for prop in (SCHEMA.creator, SCHEMA.author, SCHEMA.publisher, SCHEMA.manufacturer, SCHEMA.producer):
        assert list(full.objects(chatgpt, prop)) == []


def test_no_launch_date(full: Graph) -> None:
    launch = URIRef(ID + "event/deepseek-app-launch")
    assert list(full.objects(launch, SCHEMA.startDate)) == []
    assert list(full.objects(launch, URIRef("http://www.w3.org/2006/time#hasTime"))) == []
    relative = URIRef(ID + "time/21-days-after-deepseek-app-launch")
    assert list(full.objects(relative, KG.earliestDate)) == [] and list(full.objects(relative, KG.latestDate)) == []


def test_no_headquarters_author_or_publication_date(full: Graph) -> None:
    forbidden = [SCHEMA.location, SCHEMA.address, SCHEMA.foundingDate, SCHEMA.datePublished, SCHEMA.author]
    for company in full.subjects(RDF.type, KG.Company):
        for prop in forbidden:
            assert list(full.objects(company, prop)) == [], (company, prop)
    article = URIRef(ID + "source/bytedance-on-deepseeks-impact")
    for prop in (SCHEMA.author, SCHEMA.publisher, SCHEMA.datePublished, SCHEMA.url):
        assert list(full.objects(article, prop)) == []


def test_no_tiktok_ownership(full: Graph) -> None:
    tiktok = URIRef(ID + "org/tiktok")
    assert list(full.objects(tiktok, SCHEMA.parentOrganization)) == []
    assert list(full.objects(tiktok, URIRef("http://www.w3.org/ns/org#subOrganizationOf"))) == []


def test_implied_facts_are_marked_and_explained(sources: Sources) -> None:
    implied = set(sources.data.subjects(KG.evidence, KG.implied))
    expected = {
        URIRef(ID + "statement/doubao-creator-bytedance"),
        URIRef(ID + "statement/deepseek-app-creator-deepseek"),
        URIRef(ID + "membership/zhu-wenjia-head-seed"),
        URIRef(ID + "statement/search-department-part-of-bytedance"),
    }
    assert expected <= implied
    for fact in implied:
        assert sources.data.value(fact, URIRef("http://www.w3.org/2004/02/skos/core#editorialNote")), fact


def test_every_fact_says_stated_or_implied(sources: Sources) -> None:
    missing = rows(sources.data, """
        SELECT ?fact WHERE {
          VALUES ?kind { kg:Membership kg:Statement kg:Observation kg:Claim kg:Event }
          ?fact a ?type . ?type <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?kind .
          FILTER NOT EXISTS { ?fact kg:evidence ?e }
        }""")
    assert missing == []


def test_oddities_carry_editorial_notes(sources: Sources) -> None:
    note = URIRef("http://www.w3.org/2004/02/skos/core#editorialNote")
    for thing in ("observation/chatgpt-global-usage-figure", "membership/zhou-shouzi-ceo-tiktok",
                  "unit/xiang-liang-team", "org/tiktok"):
        assert sources.data.value(URIRef(ID + thing), note), thing


def test_lower_bound_is_not_a_fake_exact_value(sources: Sources) -> None:
    dau = URIRef(ID + "observation/deepseek-app-dau-21-days")
    assert sources.data.value(dau, SCHEMA.value) is None
    assert int(sources.data.value(dau, SCHEMA.minValue)) == 20_000_000
    assert sources.data.value(dau, KG.lowerBoundExclusive).toPython() is True


def test_vague_periods_keep_wording_and_ordered_bounds(sources: Sources) -> None:
    found = rows(sources.data, """
        SELECT ?period ?wording ?earliest ?latest WHERE {
          VALUES ?kind { kg:VaguePeriod kg:VagueInstant }
          ?period a ?kind ; kg:wording ?wording ; kg:earliestDate ?earliest ; kg:latestDate ?latest }""")
    wordings = {str(r[1]) for r in found}
    assert {"around mid-2023", "the latter half of 2024", "from 2018 to 2021", "Later in 2023",
            "the previous year"} <= wordings
    assert all(r[2].toPython() <= r[3].toPython() for r in found)
