"""A thing's documents (``/doc/<path>.ttl|.jsonld|.nt|.rdf``, and by negotiation): what they hold
(outgoing and incoming triples, the labels of linked things, the reasoned standard types), how each
syntax writes it (JSON-LD compacted with the published context, Turtle with only the prefixes it
uses), ``Accept: application/json``, and the schema.org JSON-LD a thing's page embeds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import RDF, RDFS, URIRef

from bytedance_kg.project.graphs import GRAPH
from bytedance_kg.project.namespaces import ALL_PREFIXES, SCHEMA
from bytedance_kg.server import documents
from bytedance_kg.server.backend import EmbeddedBackend
from bytedance_kg.server.site import Site, script_safe

BASE = "https://w3id.org/bytedance-kg/"
HONG = BASE + "id/person/hong-dingkun"
MEMBERSHIP = BASE + "id/membership/hong-dingkun-technical-lead-flow"
ORG_MEMBER = "http://www.w3.org/ns/org#member"
RDF_TYPE = str(RDF.type)
LABELS = {str(RDFS.label), str(SCHEMA.name)}
SYNTAXES = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdf": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
THINGS = ["person/hong-dingkun", "quote/flow-technical-lead", "unit/flow", "event/all-staff-meeting-2025"]


@pytest.fixture()
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30, follow_redirects=False) as c:
        yield c


def graph_of(body: bytes, fmt: ox.RdfFormat) -> set[tuple[str, str, str]]:
    """A document's triples as N-Triples terms (no document here has blank nodes)."""
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in ox.parse(body, format=fmt)}


def pyld_graph(body: bytes) -> set[tuple[str, str, str]]:
    """The graph pyLD (a processor independent of ours) reads from a JSON-LD document."""
    nquads = jsonld.to_rdf(json.loads(body), {"format": "application/n-quads"})
    return graph_of(nquads.encode("utf-8"), ox.RdfFormat.N_QUADS)


def iri(value: str) -> str:
    return f"<{value}>"


def test_a_person_document_holds_incoming_links_labels_and_reasoned_types(client: httpx.Client, full) -> None:
    response = client.get("/doc/person/hong-dingkun.ttl")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = graph_of(response.content, ox.RdfFormat.TURTLE)
    # incoming: the membership that says what his role is
    assert (iri(MEMBERSHIP), iri(ORG_MEMBER), iri(HONG)) in graph
    assert any(s == iri(MEMBERSHIP) and p == iri(str(RDFS.label)) for s, p, _ in graph)
    # reasoned types: exactly the schema.org types the reasoner gives him
    reasoned = {str(o) for o in full.objects(URIRef(HONG), RDF.type) if str(o).startswith(str(SCHEMA))}
    assert reasoned >= {str(SCHEMA.Person)}
    stated_schema_types = {
        o[1:-1]
        for s, p, o in graph
        if s == iri(HONG) and p == iri(RDF_TYPE) and o.startswith(iri(str(SCHEMA))[:-1])
    }
    assert stated_schema_types == reasoned
    # the reasoned graph gives him only types: its other inferences (dcterms:title) stay out
    assert not any(s == iri(HONG) and "purl.org/dc/terms/title" in p for s, p, _ in graph)


@pytest.mark.parametrize("path", THINGS)
def test_every_linked_thing_has_its_label(client: httpx.Client, full, path: str) -> None:
    """Each node the thing links to, or is linked from, comes with the labels the reasoned graph
    has for it (a client can show a link without fetching its target)."""
    triples = [
        q.triple for q in ox.parse(client.get(f"/doc/{path}.nt").content, format=ox.RdfFormat.N_TRIPLES)
    ]
    thing = BASE + "id/" + path
    own = {t.subject for t in triples if t.subject.value == thing or t.subject.value.startswith(thing + "#")}
    linked = {t.object for t in triples if t.subject in own and isinstance(t.object, ox.NamedNode)} | {
        t.subject for t in triples if t.object == ox.NamedNode(thing) and t.subject not in own
    }
    assert len(linked - own) > 1
    for node in linked - own:
        expected = {
            (p, o.value, o.language)
            for p in LABELS
            for o in (
                ox.Literal(str(x), language=x.language) for x in full.objects(URIRef(node.value), URIRef(p))
            )
        }
        found = {
            (t.predicate.value, t.object.value, t.object.language)
            for t in triples
            if t.subject == node and t.predicate.value in LABELS and isinstance(t.object, ox.Literal)
        }
        assert found == expected, node


@pytest.mark.parametrize("path", THINGS)
def test_every_syntax_holds_the_same_graph(client: httpx.Client, path: str) -> None:
    graphs = {
        extension: graph_of(client.get(f"/doc/{path}.{extension}").content, fmt)
        for extension, fmt in SYNTAXES.items()
    }
    assert graphs["ttl"] and all(g == graphs["ttl"] for g in graphs.values()), path
    assert pyld_graph(client.get(f"/doc/{path}.jsonld").content) == graphs["ttl"]


def test_jsonld_is_compacted_with_the_published_context(client: httpx.Client) -> None:
    document = client.get("/doc/person/hong-dingkun.jsonld").json()
    published = client.get("/context.jsonld").json()
    assert document["@context"] == published["@context"]
    person = next(node for node in document["@graph"] if node["id"] == HONG)
    assert person["name"] == "Hong Dingkun"  # a term of the context, not an expanded IRI
    assert "schema:Person" in person["type"]
    membership = next(node for node in document["@graph"] if node["id"] == MEMBERSHIP)
    assert membership["member"] == HONG


def test_turtle_declares_only_the_prefixes_it_uses(client: httpx.Client) -> None:
    for path in THINGS:
        text = client.get(f"/doc/{path}.ttl").text
        declared = dict(re.findall(r"^@prefix (\w*): <([^>]*)> \.$", text, re.M))
        assert declared, path
        assert len(declared) < len(ALL_PREFIXES)
        terms = {
            term.value
            for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)
            for term in (q.subject, q.predicate, q.object, getattr(q.object, "datatype", None))
            if isinstance(term, ox.NamedNode)
        }
        for name, namespace in declared.items():
            assert namespace == ALL_PREFIXES[name]
            assert any(t.startswith(namespace) for t in terms), (path, name)
        xml = client.get(f"/doc/{path}.rdf").text
        for name in re.findall(r'xmlns:([\w.-]+)="', xml):
            assert f"<{name}:" in xml or f" {name}:" in xml.split(">", 1)[1], (path, name)
    # the quote's offsets are bare integers: nothing in the document is written with xsd:
    quote = client.get("/doc/quote/flow-technical-lead.ttl").text
    assert "oa:start 2807" in quote and "@prefix xsd:" not in quote


def test_accept_application_json_gets_the_jsonld_document(client: httpx.Client) -> None:
    response = client.get("/doc/person/hong-dingkun", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "Accept" in response.headers["vary"]
    assert response.content == client.get("/doc/person/hong-dingkun.jsonld").content
    redirect = client.get("/id/person/hong-dingkun", headers={"Accept": "application/json"})
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/doc/person/hong-dingkun.jsonld"
    # the alias never outranks what a client prefers, nor the server's own order under */*
    html = client.get("/id/person/hong-dingkun", headers={"Accept": "application/json;q=0.5, text/html"})
    assert html.headers["location"].endswith(".html")
    anything = client.get("/id/person/hong-dingkun", headers={"Accept": "*/*"})
    assert anything.headers["location"].endswith(".html")


def test_the_page_embeds_schema_org_types_and_name(client: httpx.Client) -> None:
    page = client.get("/doc/person/hong-dingkun.html").text
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(scripts) == 1
    summary = json.loads(scripts[0])
    assert summary["@context"] == "https://schema.org"
    assert summary["@id"] == HONG and summary["name"] == "Hong Dingkun"
    assert "Person" in summary["@type"]
    event = client.get("/doc/event/all-staff-meeting-2025.html").text
    linked = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', event, re.S)[0])
    assert "Event" in linked["@type"]
    assert linked["performer"] == {"@id": BASE + "id/person/liang-rubo", "name": "Liang Rubo"}
    article = client.get("/doc/source/bytedance-on-deepseeks-impact.html").text  # the article's page too
    read = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', article, re.S)[0])
    assert read["@context"] == "https://schema.org" and "NewsArticle" in read["@type"]


# ------------------------------------------------ on a small store of our own, without the server


def small_site(quads: list[ox.Quad]) -> Site:
    """A :class:`Site` over a store holding ``quads`` (its page queries run as the embedded backend
    runs them), for what the release cannot show: hostile names, hubs."""
    store = ox.Store()
    store.extend(quads)
    backend = EmbeddedBackend.__new__(EmbeddedBackend)  # no release folder, no workers: its store only
    backend.store = store
    return Site(backend, BASE, None, {}, "", None)  # type: ignore[arg-type]  # templates etc. unused


DATA, INFERRED = ox.NamedNode(str(GRAPH["data"])), ox.NamedNode(str(GRAPH["inferred"]))
NAME, MEMBER = ox.NamedNode(str(SCHEMA.name)), ox.NamedNode(ORG_MEMBER)


def test_the_embedded_summary_stays_script_safe() -> None:
    hostile = '</script><script>alert("x")</script> & <!--'
    person = ox.NamedNode(HONG)
    site = small_site(
        [
            ox.Quad(person, NAME, ox.Literal(hostile, language="en"), DATA),
            ox.Quad(person, ox.NamedNode(RDF_TYPE), ox.NamedNode(str(SCHEMA.Person)), INFERRED),
        ]
    )
    text = script_safe(documents.search_summary(site, person).decode("utf-8"))
    assert not re.search(r"[<>&]", text)
    assert json.loads(text)["name"] == hostile and json.loads(text)["@type"] == "Person"


@pytest.mark.parametrize(("limit", "kept", "cut"), [(3, 3, True), (5, 5, False)])
def test_a_hub_keeps_a_bounded_number_of_incoming_triples(
    monkeypatch: pytest.MonkeyPatch, limit: int, kept: int, cut: bool
) -> None:
    monkeypatch.setattr(documents, "INCOMING_LIMIT", limit)
    hub = ox.NamedNode(BASE + "id/org/hub")
    part = ox.NamedNode(hub.value + "#board")  # its own hash IRI's link is outgoing, not incoming
    quads = [
        ox.Quad(hub, NAME, ox.Literal("Hub", language="en"), DATA),
        ox.Quad(part, MEMBER, hub, DATA),
        *(ox.Quad(ox.NamedNode(f"{BASE}id/person/p{n}"), MEMBER, hub, DATA) for n in range(5)),
    ]
    description = documents.describe_resource(small_site(quads), hub)
    assert ox.Triple(part, MEMBER, hub) in description.triples
    incoming = [t for t in description.triples if t.object == hub and t.subject != part]
    assert len(incoming) == kept and description.incoming_cut == cut
    assert [str(t.subject) for t in incoming] == sorted(str(t.subject) for t in incoming)
