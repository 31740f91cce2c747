"""Namespaces: our own vocabulary as a closed ``DefinedNamespace`` and the standard ones we reuse.

A closed namespace makes a misspelt local term fail loudly in Python (``KG.Memebership`` raises)
instead of silently minting a new IRI. The gate ``undeclared-local-term`` does the same for the
Turtle files.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VANN, XSD, DefinedNamespace
from rdflib.term import Identifier, Node

BASE = "https://w3id.org/bytedance-kg/"
"""The permanent-identifier base of every IRI the project mints."""
ID = BASE + "id/"
SPARQL_SERVICE = BASE + "sparql"
"""The SPARQL endpoint's IRI, against which a query's relative IRIs resolve, on ``/sparql`` and on
the command line alike."""
ONTOLOGY_IRI = URIRef(BASE + "ontology")


class KG(DefinedNamespace):
    """The bytedance-kg ontology (``ontology/bytedance.ttl``); keep in step with that file."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    App: URIRef
    ArticleAssessment: URIRef
    Celebration: URIRef
    Claim: URIRef
    Company: URIRef
    Creation: URIRef
    Critique: URIRef
    Department: URIRef
    Development: URIRef
    Division: URIRef
    Establishment: URIRef
    Event: URIRef
    EvidenceType: URIRef
    Fact: URIRef
    Forecast: URIRef
    Group: URIRef
    Idea: URIRef
    IdeaVoicing: URIRef
    Lab: URIRef
    LargeModel: URIRef
    Launch: URIRef
    Meeting: URIRef
    Membership: URIRef
    Metric: URIRef
    Naming: URIRef
    Observation: URIRef
    OrganizationalUnit: URIRef
    Person: URIRef
    Promotion: URIRef
    Quote: URIRef
    RankingObservation: URIRef
    RelativeInstant: URIRef
    Role: URIRef
    SoftwareProduct: URIRef
    SourceArticle: URIRef
    Statement: URIRef
    Team: URIRef
    Technology: URIRef
    Unveiling: URIRef
    UsageFigure: URIRef
    VagueInstant: URIRef
    NamedEntity: URIRef
    VaguePeriod: URIRef
    KindOfVoicing: URIRef
    assignedName: URIRef
    authorDescription: URIRef
    characterCount: URIRef
    drawnFrom: URIRef
    earliestDate: URIRef
    establishedUnit: URIRef
    evidence: URIRef
    evidenceTypes: URIRef
    focus: URIRef
    ideas: URIRef
    implied: URIRef
    latestDate: URIRef
    launchedProduct: URIRef
    ledByUnit: URIRef
    localCopy: URIRef
    lowerBoundExclusive: URIRef
    mention: URIRef
    namedUnit: URIRef
    offset: URIRef
    outranks: URIRef
    promotedPerson: URIRef
    proposal: URIRef
    rebuts: URIRef
    relativeTo: URIRef
    resultOf: URIRef
    revival: URIRef
    roleWording: URIRef
    sha256: URIRef
    stated: URIRef
    validDuring: URIRef
    valueWording: URIRef
    voicingKind: URIRef
    voicingKinds: URIRef
    wording: URIRef


ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
SHAPES = Namespace(BASE + "shapes#")

STANDARD_PREFIXES: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "oa": str(OA),
    "org": str(ORG),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SCHEMA),
    "sh": str(SH),
    "skos": str(SKOS),
    "spdx": "http://spdx.org/rdf/terms#",
    "time": str(TIME),
    "vann": str(VANN),
    "void": "http://rdfs.org/ns/void#",
    "xsd": str(XSD),
}
"""The standard vocabularies' conventional prefixes."""

ID_PREFIXES: dict[str, str] = {
    "claim": ID + "claim/",
    "co": ID + "org/",
    "concept": ID + "concept/",
    "event": ID + "event/",
    "membership": ID + "membership/",
    "metric": ID + "metric/",
    "obs": ID + "observation/",
    "person": ID + "person/",
    "product": ID + "product/",
    "quote": ID + "quote/",
    "role": ID + "role/",
    "src": ID + "source/",
    "stmt": ID + "statement/",
    "unit": ID + "unit/",
    "when": ID + "time/",
}
"""Prefixes for the kinds of things the data names (``person:liang-rubo``)."""

ALL_PREFIXES: dict[str, str] = {"kg": str(KG), "shape": str(SHAPES), **STANDARD_PREFIXES, **ID_PREFIXES}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes (and only those) so serialisations read the same everywhere."""
    for prefix, namespace in ALL_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sorted_terms(terms: Iterable[Node]) -> list[Identifier]:
    """A graph's terms in rdflib's order (SPARQL's ``ORDER BY``). rdflib types them as ``Node``, which
    has no order; a graph's terms are ``Identifier`` terms, which do."""
    return sorted(cast(Iterable[Identifier], terms))


def new_graph() -> Graph:
    """An empty graph with none of rdflib's default prefixes and all of the project's."""
    graph = Graph(bind_namespaces="none")
    return bind_prefixes(graph)


REPORT_NAMES = new_graph().namespace_manager
"""The project's prefixes, for writing terms in reports (``term.n3(REPORT_NAMES)``): a prefixed
name where one is valid (``quote:flow-members``), else the IRI in angle brackets, and literals with
their datatypes so named (``"42"^^xsd:integer``). The shape results, the gates' rows and the quote
check all write terms with it, so one thing reads the same in each."""
