"""The graph says what the article says, no more: no invented facts, implied facts marked.

These are "this pattern must not occur" checks for the facts the article does *not* give.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from bytedance_kg.pipeline.sources import Sources
from bytedance_kg.project.namespaces import KG, SCHEMA

pytestmark = pytest.mark.fast  # the quick tier: make check

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
    assert (
        list(full.objects(relative, KG.earliestDate)) == []
        and list(full.objects(relative, KG.latestDate)) == []
    )


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
    missing = rows(
        sources.data,
        """
        SELECT ?fact WHERE {
          VALUES ?kind { kg:Membership kg:Statement kg:Observation kg:Claim kg:Event }
          ?fact a ?type . ?type <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?kind .
          FILTER NOT EXISTS { ?fact kg:evidence ?e }
        }""",
    )
    assert missing == []


def test_oddities_carry_editorial_notes(sources: Sources) -> None:
    note = URIRef("http://www.w3.org/2004/02/skos/core#editorialNote")
    for thing in (
        "observation/chatgpt-global-usage-figure",
        "membership/zhou-shouzi-ceo-tiktok",
        "unit/xiang-liang-team",
        "org/tiktok",
    ):
        assert sources.data.value(URIRef(ID + thing), note), thing


def test_lower_bound_is_not_a_fake_exact_value(sources: Sources) -> None:
    dau = URIRef(ID + "observation/deepseek-app-dau-21-days")
    assert sources.data.value(dau, SCHEMA.value) is None
    assert int(sources.data.value(dau, SCHEMA.minValue)) == 20_000_000
    assert sources.data.value(dau, KG.lowerBoundExclusive).toPython() is True


def test_vague_periods_keep_wording_and_ordered_bounds(sources: Sources) -> None:
    found = rows(
        sources.data,
        """
        SELECT ?period ?wording ?earliest ?latest WHERE {
          VALUES ?kind { kg:VaguePeriod kg:VagueInstant }
          ?period a ?kind ; kg:wording ?wording ; kg:earliestDate ?earliest ; kg:latestDate ?latest }""",
    )
    wordings = {str(r[1]) for r in found}
    assert {
        "around mid-2023",
        "the latter half of 2024",
        "from 2018 to 2021",
        "Later in 2023",
        "the previous year",
    } <= wordings
    assert all(r[2].toPython() <= r[3].toPython() for r in found)


# The review of issue 12, point by point: each over-reading it found stays fixed.
ORG = "http://www.w3.org/ns/org#"
TIME_NS = "http://www.w3.org/2006/time#"
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def test_flow_roles_have_no_start_and_no_first_leadership(sources: Sources, full: Graph) -> None:
    """The article dates Flow's creation ("Later in 2023"), not its leaders' roles, and never says
    "first"."""
    flow_roles = set(full.subjects(URIRef(ORG + "organization"), URIRef(ID + "unit/flow")))
    assert len(flow_roles) == 3
    for role in flow_roles:
        assert (role, KG.evidence, KG.stated) in sources.stated
        for interval in full.objects(role, URIRef(ORG + "memberDuring")):
            for prop in ("hasBeginning", "inside", "hasTime", "inXSDgYear"):
                assert list(full.objects(interval, URIRef(TIME_NS + prop))) == [], (interval, prop)
            assert (interval, KG.earliestDate, None) not in full
    labels = " ".join(str(o) for o in full.objects(None, RDFS_LABEL)).lower()
    assert "first leadership" not in labels


def test_deepseek_is_typed_no_further_than_a_named_entity(full: Graph) -> None:
    deepseek = URIRef(ID + "org/deepseek")
    types = set(full.objects(deepseek, RDF.type))
    assert KG.NamedEntity in types
    for kind in (
        KG.Company,
        URIRef(ORG + "Organization"),
        SCHEMA.Organization,
        SCHEMA.Corporation,
        SCHEMA.Product,
        KG.SoftwareProduct,
    ):
        assert kind not in types, kind


def test_the_2025_dating_and_presenters_rest_on_context(sources: Sources) -> None:
    """Only Liang Rubo is said to present at the 2025 meeting; the others present "alongside Liang"
    in a paragraph that names no meeting, and their roles carry no year of their own."""
    meeting = URIRef(ID + "event/all-staff-meeting-2025")
    stated = set(sources.stated.objects(meeting, SCHEMA.performer))
    implied = set(sources.implied.objects(meeting, SCHEMA.performer))
    assert stated == {URIRef(ID + "person/liang-rubo")}
    assert {URIRef(ID + "person/" + p) for p in ("kang-zeyu", "zhou-shouzi", "zhu-wenjia")} <= implied
    dated = [
        t
        for t in sources.data.triples(
            (None, URIRef(ORG + "memberDuring"), URIRef(ID + "time/during-2025-roles"))
        )
    ]
    assert len(dated) == 6 and all(t in sources.implied and t not in sources.stated for t in dated)


def test_the_struggles_claim_is_stated_and_its_authors_are_among_others(sources: Sources) -> None:
    claim = URIRef(ID + "claim/struggles-with-speed")
    assert (claim, KG.evidence, KG.stated) in sources.stated
    authors = set(sources.data.objects(claim, SCHEMA.author))
    assert len(authors) == 3 and not set(sources.stated.objects(claim, SCHEMA.author))
    assert set(sources.implied.objects(claim, SCHEMA.author)) == authors
    for record in sources.data.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"), claim):
        if (
            sources.data.value(record, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate"))
            == SCHEMA.author
        ):
            assert " among " in str(sources.data.value(record, RDFS_LABEL)), (
                record
            )  # "including": an open list


def test_the_unexplained_percentage_is_not_a_usage_figure(full: Graph) -> None:
    figure = URIRef(ID + "observation/chatgpt-global-usage-figure")
    types = set(full.objects(figure, RDF.type))
    assert KG.Observation in types and KG.UsageFigure not in types


def test_by_2024_is_an_upper_bound_only(full: Graph) -> None:
    by_2024 = URIRef(ID + "time/by-2024")
    assert str(full.value(by_2024, KG.latestDate)) == "2024-12-31"
    assert full.value(by_2024, KG.earliestDate) is None
    assert full.value(by_2024, URIRef(TIME_NS + "inXSDgYear")) is None
    assert full.value(by_2024, URIRef(TIME_NS + "inDateTime")) is None


def test_the_forecast_that_came_true_names_its_evidence(sources: Sources) -> None:
    came_true = URIRef(ID + "claim/forecast-came-true")
    evidence = set(sources.stated.objects(came_true, URIRef("http://www.w3.org/ns/prov#wasInfluencedBy")))
    assert evidence and all(
        (e, RDF.type, KG.UsageFigure) in sources.data
        or (e, RDF.type, KG.RankingObservation) in sources.data
        or (e, RDF.type, KG.Observation) in sources.data
        for e in evidence
    )


def test_ailab_is_a_team(full: Graph) -> None:
    types = set(full.objects(URIRef(ID + "unit/ailab"), RDF.type))
    assert KG.Team in types and KG.Lab not in types
