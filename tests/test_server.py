"""HTTP tests of the running server on 127.0.0.1: the SPARQL 1.1 Protocol (every format, GET and
POST, 400, 406, Service Description, CORS), Cool-URI dereferencing (303, Vary), downloads."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from rdflib import URIRef

BASE = "https://w3id.org/bytedance-kg/"
SELECT = (
    "SELECT ?name WHERE { ?p a <https://w3id.org/bytedance-kg/ontology#Person> ; "
    "<https://schema.org/name> ?name } ORDER BY ?name"
)
CONSTRUCT = (
    "CONSTRUCT { ?u <http://www.w3.org/ns/org#subOrganizationOf> ?p } "
    "WHERE { ?u <http://www.w3.org/ns/org#subOrganizationOf> ?p }"
)


@pytest.fixture()
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30, follow_redirects=False) as c:
        yield c


@pytest.mark.parametrize(
    ("accept", "check"),
    [
        (
            "application/sparql-results+json",
            lambda b: json.loads(b)["results"]["bindings"][0]["name"]["value"] == "Hong Dingkun",
        ),
        ("application/sparql-results+xml", lambda b: b"<sparql" in b and b"Hong Dingkun" in b),
        ("text/csv", lambda b: b.splitlines()[0] == b"name" and b"Hong Dingkun" in b),
        ("text/tab-separated-values", lambda b: b.splitlines()[0] == b"?name"),
    ],
)
def test_select_in_every_result_format(client: httpx.Client, accept: str, check) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert "Accept" in response.headers["vary"]
    assert check(response.content)


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_in_every_graph_format(client: httpx.Client, accept: str, rdf_format, full) -> None:
    response = client.post(
        "/sparql", content=CONSTRUCT, headers={"Content-Type": "application/sparql-query", "Accept": accept}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    triples = list(ox.parse(response.content, format=rdf_format))
    stated = set(full.triples((None, URIRef("http://www.w3.org/ns/org#subOrganizationOf"), None)))
    assert len(triples) == len(stated) > 0  # the default graph: stated facts and their closure


def test_post_form_and_ask(client: httpx.Client) -> None:
    response = client.post(
        "/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200 and response.json() == {"head": {}, "boolean": True}


def test_accept_q_values_are_honoured(client: httpx.Client) -> None:
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith("text/csv")
    default = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "*/*"})
    assert default.headers["content-type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize(
    ("query", "accept", "answered"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "application/json", "application/sparql-results+json"),
        ("ASK { ?s ?p ?o }", "application/json", "application/sparql-results+json"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "application/xml", "application/sparql-results+xml"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "application/json", "application/ld+json"),  # was a 406
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "application/xml", "application/rdf+xml"),
    ],
)
def test_generic_json_and_xml_get_the_results_types(
    client: httpx.Client, query: str, accept: str, answered: str
) -> None:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(answered)
    anything = client.get("/sparql", params={"query": query}, headers={"Accept": "*/*"})
    preferred = "text/turtle" if query.startswith("CONSTRUCT") else "application/sparql-results+json"
    assert anything.headers["content-type"].startswith(preferred)  # not an alias


def test_nothing_acceptable_is_406(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    for path in ("/id/person/zhu-jun", "/id/dataset", "/shapes"):
        refused = client.get(path, headers={"Accept": "image/png"})
        assert refused.status_code == 406 and "accept" in refused.headers["vary"].lower(), path


def test_malformed_query_is_400_with_the_parser_message(client: httpx.Client) -> None:
    response = client.get(
        "/sparql",
        params={"query": "SELECT ?x WHERE {\n  ?x ?y }"},
        headers={"Accept": "application/sparql-results+json, text/plain;q=0.5"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "malformed query" in response.text and "(line 2, column" in response.text


def test_service_description_without_a_query(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(t.object == ox.NamedNode(sd + "Service") for t in graph)
    assert any(t.predicate == ox.NamedNode(sd + "resultFormat") for t in graph)
    for accept in ("*/*", None):  # curl and other clients that ask for anything get the description
        answer = client.get("/sparql", headers={"Accept": accept} if accept else {})
        assert answer.status_code == 200 and not answer.headers["content-type"].startswith("text/html"), (
            accept
        )
    browser = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 303 and browser.headers["location"] == "/query"


def test_updates_are_refused(client: httpx.Client) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    assert (
        client.post(
            "/sparql", content=update, headers={"Content-Type": "application/sparql-update"}
        ).status_code
        == 403
    )
    assert client.post("/sparql", data={"update": update}).status_code == 403
    assert (
        client.get("/sparql", params={"query": update}, headers={"Accept": "text/plain"}).status_code == 400
    )
    count = client.get("/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"}).json()
    assert count["boolean"] is False


def test_cors_preflight_and_headers(client: httpx.Client) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://example.org")
    simple = client.get("/sparql", params={"query": SELECT}, headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("accept", "extension"),
    [
        ("text/html", "html"),
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("text/turtle;q=0.4, application/ld+json", "jsonld"),
    ],
)
def test_identifiers_303_to_documents(client: httpx.Client, accept: str, extension: str) -> None:
    response = client.get("/id/person/liang-rubo", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["location"] == f"/doc/person/liang-rubo.{extension}"
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("extension", "media_type", "rdf_format"),
    [
        ("ttl", "text/turtle", ox.RdfFormat.TURTLE),
        ("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_documents_by_extension(client: httpx.Client, extension: str, media_type: str, rdf_format) -> None:
    response = client.get(f"/doc/person/liang-rubo.{extension}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    triples = [(t.subject, t.predicate, t.object) for t in ox.parse(response.content, format=rdf_format)]
    assert (
        ox.NamedNode(BASE + "id/person/liang-rubo"),
        ox.NamedNode("https://schema.org/name"),
        ox.Literal("Liang Rubo", language="en"),
    ) in triples


def test_document_by_negotiation_and_unknown_things(client: httpx.Client) -> None:
    response = client.get("/doc/unit/flow", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert "Accept" in response.headers["vary"]
    assert client.get("/id/person/nobody", headers={"Accept": "text/html"}).status_code == 404
    assert client.get("/doc/person/nobody.ttl").status_code == 404


def test_quote_hash_iris_are_in_the_quote_document(client: httpx.Client) -> None:
    response = client.get("/doc/quote/flow-technical-lead.nt")
    assert f"<{BASE}id/quote/flow-technical-lead#position>".encode() in response.content


def test_ontology_iri_resolves(client: httpx.Client) -> None:
    html = client.get("/ontology", headers={"Accept": "text/html"})
    assert html.status_code == 303 and html.headers["location"] == "/ontology.html"
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.headers["location"] == "/ontology.ttl"
    body = client.get("/ontology.ttl")
    assert body.status_code == 200 and b"owl:Ontology" in body.content
    assert client.get("/ontology.html").headers["content-type"].startswith("text/html")


def test_void_and_downloads(client: httpx.Client, built) -> None:
    void = client.get("/.well-known/void")
    assert void.status_code == 200 and void.headers["content-type"].startswith("text/turtle")
    expected = {
        ".ttl": "text/turtle",
        ".nt": "application/n-triples",
        ".nq": "application/n-quads",
        ".trig": "application/trig",
        ".jsonld": "application/ld+json",
        ".rdf": "application/rdf+xml",
        ".html": "text/html",
    }
    for path in built[0].dist.iterdir():
        response = client.get(f"/dist/{path.name}")
        assert response.status_code == 200 and response.content == path.read_bytes()
        if path.suffix in expected:
            assert response.headers["content-type"].startswith(expected[path.suffix]), path.name
    assert client.get("/dist/" + urllib.parse.quote("../pyproject.toml", safe="")).status_code == 404


def test_pages_render(client: httpx.Client) -> None:
    landing = client.get("/")
    assert landing.status_code == 200 and "<svg" in landing.text and "Questions to ask" in landing.text
    person = client.get("/doc/person/hong-dingkun.html")
    assert re.search(r"<mark[^>]*>Hong Dingkun as the technical lead</mark>", person.text)
    assert 'type="application/ld+json"' in person.text
    for name in ("org-chart.svg", "timeline.svg"):
        chart = client.get(f"/charts/{name}")
        assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
        assert chart.text.startswith("<svg")


def test_timeline_draws_a_date_with_only_an_upper_bound_as_open() -> None:
    """ "By 2024" has a latest date and no earliest: drawn from the axis' start, marked open, and
    said so in its title, not dropped and not given a start the article does not give."""
    from types import SimpleNamespace

    from bytedance_kg.server.charts import timeline_svg

    def row(name: str, earliest: str | None, latest: str) -> dict[str, ox.NamedNode | ox.Literal]:
        out = {
            "event": ox.NamedNode(BASE + "id/event/" + name),
            "label": ox.Literal(name, language="en"),
            "when": ox.Literal(name + " time"),
            "latest": ox.Literal(latest),
        }
        return out | ({"earliest": ox.Literal(earliest)} if earliest else {})

    rows = [row("bounded", "2023-01-01", "2023-01-31"), row("by-2024", None, "2024-12-31")]
    svg = timeline_svg(lambda _: SimpleNamespace(rows=rows), lambda iri: iri)
    assert svg.count('class="tl-event') == 2 and svg.count('class="tl-event tl-vague tl-open"') == 1
    assert "by-2024 time (no earliest date recorded; by 2024-12-31)" in svg


def test_the_shapes_iri_dereferences(client: httpx.Client) -> None:
    """VoID says every variant dct:conformsTo <.../shapes>: that IRI answers with the shapes graph."""
    response = client.get("/shapes", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    shapes = {
        t.subject
        for t in triples
        if t.predicate == ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        and t.object == ox.NamedNode("http://www.w3.org/ns/shacl#NodeShape")
    }
    assert len(shapes) >= 10
    assert client.get("/shapes", headers={"Accept": "application/ld+json"}).status_code == 406


@pytest.mark.parametrize(
    ("relative", "absolute"),
    [("id/person/zhu-jun", "id/person/zhu-jun"), ("", "sparql"), ("#f", "sparql#f"), ("?q=1", "sparql?q=1")],
)
def test_a_relative_iri_resolves_against_the_endpoint_iri(
    client: httpx.Client, relative: str, absolute: str
) -> None:
    """As on the command line (test_cli): the same text gives the same answer in both places."""
    query = f"SELECT ?x WHERE {{ BIND(<{relative}> AS ?x) }}"
    response = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    value = response.json()["results"]["bindings"][0]["x"]["value"]
    assert value == f"https://w3id.org/bytedance-kg/{absolute}"
