"""SPARQL 1.1 Protocol conformance and dataset semantics of /sparql.

The query-side cases of the W3C SPARQL 1.1 Protocol test suite (``w3c/rdf-tests``,
``sparql/sparql11/protocol/manifest.ttl``) are re-stated here, in our words, against the running
server. Where a case needs its own data (the suite's ``data1.rdf`` .. ``data3.rdf``, one typed
document per graph), it is mapped onto three graphs of the release that each hold one subject of
the same type, ``owl:Ontology``:

* data1 -> graph/ontology, subject <https://w3id.org/bytedance-kg/ontology>
* data2 -> graph/shapes, subject <https://w3id.org/bytedance-kg/shapes>
* data3 -> graph/imports, subject <http://www.w3.org/ns/org>

Not applicable: the 15 update-side cases that expect success (the endpoint is read-only by design:
every update gets 403 or 400; the negative update cases are run, since they expect a 4xx), and
``query_base_uri``'s setup step, an update (its query is run against the release's own graphs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest

from tests.conftest import quads_in_graph

G = "https://w3id.org/bytedance-kg/graph/"
DATA = {
    1: (G + "ontology", "https://w3id.org/bytedance-kg/ontology"),
    2: (G + "shapes", "https://w3id.org/bytedance-kg/shapes"),
    3: (G + "imports", "http://www.w3.org/ns/org"),
}
BOOLEAN = ("application/sparql-results+xml", "application/sparql-results+json")
TABULAR = (*BOOLEAN, "text/csv", "text/tab-separated-values")
RDF = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")


def graph(n: int) -> str:
    return DATA[n][0]


def doc(n: int) -> str:
    return f"<{DATA[n][1]}>"


@dataclass
class Case:
    method: str
    params: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    """200 for success (2xx), 400 for any 4xx."""
    types: tuple[str, ...] = ()
    boolean: bool | None = None


def form(*pairs: tuple[str, str]) -> bytes:
    return httpx.QueryParams(list(pairs)).__str__().encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
TWO_DEFAULT = [("default-graph-uri", graph(1)), ("default-graph-uri", graph(2))]
TWO_NAMED = [("named-graph-uri", graph(1)), ("named-graph-uri", graph(2))]
BOTH_TYPED = f"ASK {{ {doc(1)} a ?type . {doc(2)} a ?type . }}"
BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ {doc(1)} a ?type }} GRAPH ?g2 {{ {doc(2)} a ?type }} }}"

CASES = {
    "bad_multiple_queries": Case("GET", [("query", "ASK {}"), ("query", "SELECT * {}")], status=400),
    "bad_multiple_queries_form": Case(
        "POST", body=form(("query", "ASK {}"), ("query", "SELECT * {}")), headers=FORM, status=400
    ),
    "bad_query_get_with_body": Case(
        "GET",
        [("query", "ASK {}"), ("default-graph-uri", graph(1))],
        body=b"unexpected body content",
        status=400,
    ),
    "bad_query_method": Case(
        "PUT", [("query", "ASK {}"), ("default-graph-uri", graph(1))], headers=FORM, status=400
    ),
    "bad_query_missing_direct_type": Case("POST", body=b"ASK {}", status=400),
    "bad_query_missing_form_type": Case("POST", body=b"query=ASK%20%7B%7D", status=400),
    "bad_query_non_utf8": Case(
        "POST",
        body="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
        status=400,
    ),
    "bad_query_syntax": Case("GET", [("query", "ASK {")], status=400),
    "bad_query_wrong_media_type": Case(
        "POST", body=b"ASK {}", headers={"Content-Type": "text/plain"}, status=400
    ),
    "bad_multiple_updates": Case(
        "POST", body=b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", headers=FORM, status=400
    ),
    "bad_update_dataset_conflict": Case(
        "POST",
        [("using-named-graph-uri", "http://example/people")],
        body=b"WITH <http://example/addresses> DELETE { ?p <urn:n> 'Bill' } "
        b"INSERT { ?p <urn:n> 'William' } WHERE { ?p <urn:n> 'Bill' }",
        headers={"Content-Type": "application/sparql-update"},
        status=400,
    ),
    "bad_update_form_body_missing": Case("POST", [("update", "CLEAR ALL")], headers=FORM, status=400),
    "bad_update_get": Case("GET", [("update", "CLEAR ALL")], status=400),
    "bad_update_missing_form_type": Case("POST", body=b"update=CLEAR%20NAMED", status=400),
    "bad_update_non_utf8": Case(
        "POST",
        body="CLEAR NAMED".encode("utf-16"),
        headers={"Content-Type": "application/sparql-update; charset=UTF-16"},
        status=400,
    ),
    "bad_update_syntax": Case("POST", body=b"update=CLEAR%20XYZ", headers=FORM, status=400),
    "bad_update_wrong_media_type": Case(
        "POST", body=b"CLEAR NAMED", headers={"Content-Type": "text/plain"}, status=400
    ),
    "query_base_uri": Case(
        "POST",
        body=f"BASE <{G}> ASK {{ GRAPH <ontology> {{ <../ontology> ?p ?o }} }}".encode(),
        headers=DIRECT,
        types=BOOLEAN,
        boolean=True,
    ),
    "query_content_negotiation_json": Case(
        "POST",
        body=form(("query", "ASK {}"), ("default-graph-uri", graph(1))),
        headers={**FORM, "Accept": "application/sparql-results+json"},
        types=("application/sparql-results+json",),
    ),
    "query_content_negotiation_xml": Case(
        "POST",
        body=form(("query", "ASK {}"), ("default-graph-uri", graph(1))),
        headers={**FORM, "Accept": "application/sparql-results+xml"},
        types=("application/sparql-results+xml",),
    ),
    "query_content_type_ask": Case(
        "POST", [("default-graph-uri", graph(1))], body=b"ASK {}", headers=DIRECT, types=BOOLEAN
    ),
    "query_content_type_construct": Case(
        "POST",
        [("default-graph-uri", graph(1))],
        body=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers=DIRECT,
        types=RDF,
    ),
    "query_content_type_describe": Case(
        "POST",
        [("default-graph-uri", graph(1))],
        body=b"DESCRIBE <http://example.org/>",
        headers=DIRECT,
        types=RDF,
    ),
    "query_content_type_select": Case(
        "POST",
        [("default-graph-uri", graph(1))],
        body=b"SELECT (1 AS ?value) {}",
        headers=DIRECT,
        types=TABULAR,
    ),
    "query_dataset_default_graph": Case(
        "POST",
        body=form(("query", f"ASK {{ {doc(1)} ?p ?o }}"), ("default-graph-uri", graph(1))),
        headers={**FORM, "Accept": "application/sparql-results+xml"},
        types=BOOLEAN,
        boolean=True,
    ),
    "query_dataset_default_graphs_get": Case(
        "GET", [("query", BOTH_TYPED), *TWO_DEFAULT], types=BOOLEAN, boolean=True
    ),
    "query_dataset_default_graphs_post": Case(
        "POST", TWO_DEFAULT, body=BOTH_TYPED.encode(), headers=DIRECT, types=BOOLEAN, boolean=True
    ),
    "query_dataset_full": Case(
        "POST",
        [("default-graph-uri", graph(3)), *TWO_NAMED],
        body=f"ASK {{ {doc(3)} a ?type GRAPH ?g1 {{ {doc(1)} a ?type }} "
        f"GRAPH ?g2 {{ {doc(2)} a ?type }} }}".encode(),
        headers=DIRECT,
        types=BOOLEAN,
        boolean=True,
    ),
    "query_dataset_named_graphs_get": Case(
        "GET", [("query", BOTH_NAMED), *TWO_NAMED], types=BOOLEAN, boolean=True
    ),
    "query_dataset_named_graphs_post": Case(
        "POST", TWO_NAMED, body=BOTH_NAMED.encode(), headers=DIRECT, types=BOOLEAN, boolean=True
    ),
    "query_get": Case(
        "GET", [("query", "ASK {}"), ("default-graph-uri", graph(1))], types=BOOLEAN, boolean=True
    ),
    "query_multiple_dataset": Case(
        "POST",
        TWO_NAMED,
        body=f"ASK FROM <{graph(3)}> {{ GRAPH ?g1 {{ {doc(1)} a ?type }} "
        f"GRAPH ?g2 {{ {doc(2)} a ?type }} }}".encode(),
        headers=DIRECT,
        types=BOOLEAN,
        boolean=True,
    ),
    "query_post_direct": Case("POST", body=b"ASK {}", headers=DIRECT, types=BOOLEAN, boolean=True),
    "query_post_form": Case(
        "POST",
        [("default-graph-uri", graph(1))],
        body=b"query=ASK%20%7B%7D",
        headers=FORM,
        types=BOOLEAN,
        boolean=True,
    ),
    "query_post_form_dataset": Case(
        "POST",
        body=form(("query", f"ASK {{ {doc(1)} ?p ?o }}"), ("default-graph-uri", graph(1))),
        headers=FORM,
        types=BOOLEAN,
        boolean=True,
    ),
}
NOT_APPLICABLE = {
    "update_base_uri",
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_full",
    "update_dataset_named_graphs",
    "update_post_direct",
    "update_post_form",
}
"""Update operations that the protocol expects to succeed: this endpoint is read-only."""


def _send(server: str, case: Case) -> httpx.Response:
    url = server + "/sparql"
    if case.params:
        url += "?" + str(httpx.QueryParams(case.params))
    return httpx.request(case.method, url, content=case.body, headers=case.headers, timeout=30)


@pytest.mark.parametrize("name", sorted(CASES))
def test_w3c_protocol_case(server: str, name: str) -> None:
    case = CASES[name]
    response = _send(server, case)
    if case.status == 400:
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text[:300])
        return
    assert response.status_code == 200, (name, response.text[:300])
    content_type = response.headers["content-type"].split(";")[0]
    assert content_type in case.types, (name, content_type)
    if case.boolean is not None:
        text = response.text
        answer = (
            response.json()["boolean"] if content_type.endswith("json") else "<boolean>true</boolean>" in text
        )
        assert answer is case.boolean, (name, text)


@pytest.mark.parametrize("name", sorted(NOT_APPLICABLE))
def test_updates_the_protocol_expects_to_succeed_are_refused(server: str, name: str) -> None:
    """Listed as not applicable (read-only endpoint), and shown to be refused, not half-done."""
    response = httpx.post(
        server + "/sparql",
        content=b"CLEAR ALL",
        headers={"Content-Type": "application/sparql-update"},
        timeout=30,
    )
    assert response.status_code == 403
    assert (
        httpx.get(server + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30).json()["boolean"]
        is True
    )


def test_every_case_of_the_suite_is_accounted_for() -> None:
    """42 cases in the manifest: 35 run above, 7 not applicable."""
    assert len(CASES) + len(NOT_APPLICABLE) == 42
    assert not set(CASES) & NOT_APPLICABLE


def count(server: str, query: str, **params: str | list[str]) -> int:
    response = httpx.get(server + "/sparql", params={"query": query, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


COUNT = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"


def test_from_chooses_the_default_graph(server: str, built) -> None:
    data_lines = quads_in_graph(built[0].dist / "bytedance-kg.nq", "https://w3id.org/bytedance-kg/graph/data")
    assert count(server, COUNT.format(**{"from": f"FROM <{G}data>"})) == data_lines
    assert (
        count(server, COUNT.format(**{"from": ""})) > data_lines
    )  # the service default: the reasoned release
    both = count(server, COUNT.format(**{"from": f"FROM <{G}data> FROM <{G}ontology>"}))
    assert both > data_lines


def test_from_named_alone_leaves_the_default_graph_empty(server: str) -> None:
    assert count(server, COUNT.format(**{"from": f"FROM NAMED <{G}data>"})) == 0
    named = "SELECT (COUNT(DISTINCT ?g) AS ?n) FROM NAMED <" + G + "data> WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(server, named) == 1


def test_unknown_graphs_are_empty_and_nothing_is_fetched(server: str) -> None:
    assert count(server, COUNT.format(**{"from": "FROM <http://127.0.0.1:9/nothing>"})) == 0
    assert count(server, COUNT.format(**{"from": ""}), **{"default-graph-uri": "http://127.0.0.1:9/x"}) == 0


def test_protocol_graphs_override_the_querys_dataset(server: str) -> None:
    only_named = count(server, COUNT.format(**{"from": ""}), **{"named-graph-uri": G + "data"})
    assert only_named == 0  # named-graph-uri alone: an empty default graph
    overridden = count(
        server, COUNT.format(**{"from": f"FROM <{G}data>"}), **{"default-graph-uri": G + "ontology"}
    )
    assert overridden == count(server, COUNT.format(**{"from": f"FROM <{G}ontology>"}))


def test_graph_variable_sees_every_graph_by_default(server: str) -> None:
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(server, graphs) == 7  # ontology, imports, shapes, data, inferred, implied, void


def test_relative_iris_resolve_against_the_endpoint(server: str) -> None:
    response = httpx.post(
        server + "/sparql",
        content=b"SELECT ?x WHERE { BIND(<relative> AS ?x) }",
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.json()["results"]["bindings"][0]["x"]["value"] == "https://w3id.org/bytedance-kg/relative"


def test_documents_negotiate_rdf_xml(server: str) -> None:
    response = httpx.get(
        server + "/doc/person/liang-rubo", headers={"Accept": "application/rdf+xml"}, timeout=30
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rdf+xml")
    assert b"rdf:RDF" in response.content
    redirect = httpx.get(
        server + "/id/person/liang-rubo", headers={"Accept": "application/rdf+xml"}, timeout=30
    )
    assert redirect.status_code == 303 and redirect.headers["location"].endswith(".rdf")
