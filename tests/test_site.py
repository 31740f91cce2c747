"""The site for people, over HTTP on 127.0.0.1: the search, the index pages, the dataset and
downloads pages, one error page for every route, the ontology's documentation inside the site, and
things' pages that answer first. The expected values come from the built release, not from here."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from bytedance_kg.project.namespaces import ALL_PREFIXES, ID, KG
from bytedance_kg.project.releasefiles import ASSERTED, VOID_FILE

VOID_TRIPLES = URIRef("http://rdfs.org/ns/void#triples")


@pytest.fixture()
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30, follow_redirects=False) as c:
        yield c


@pytest.fixture(scope="module")
def asserted(built) -> Graph:
    return Graph().parse(built[0].dist / f"{ASSERTED}.ttl")


def _links(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r"<a href=\"[^\"]*\"[^>]*>([^<]+)</a>", page)]


def test_search_finds_both_zhus_by_their_names(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "zhu"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    hits = _links(page.text.split('<ol class="hits">', 1)[1].split("</ol>", 1)[0])
    assert hits[:2] == ["Zhu Jun", "Zhu Wenjia"]  # the people first: their whole name starts with it
    suggestions = client.get("/search", params={"q": "zhu", "format": "json", "limit": 3}).json()
    assert [h["label"] for h in suggestions["hits"]][:2] == ["Zhu Jun", "Zhu Wenjia"]
    assert (
        suggestions["hits"][0]["kind"] == "person" and suggestions["hits"][0]["href"] == "/id/person/zhu-jun"
    )
    assert len(suggestions["hits"]) == 3
    by_accept = client.get("/search", params={"q": "zhu"}, headers={"Accept": "application/json"})
    assert by_accept.headers["content-type"].startswith("application/json")
    for answer in (page, by_accept):  # a shared cache must not give one client the other's answer
        assert "accept" in answer.headers["vary"].lower()


def test_search_reads_descriptions_and_quotes_and_ignores_case_and_accents(client: httpx.Client) -> None:
    hits = client.get("/search", params={"q": "DOUBAO", "format": "json"}).json()["hits"]
    assert hits and hits[0]["label"].lower().startswith("doubao")
    words = client.get("/search", params={"q": "gravitational pull", "format": "json"}).json()["hits"]
    assert words and {h["matched"] for h in words} <= {"quoted words", "description", "name"}
    accented = client.get("/search", params={"q": "Zhū", "format": "json"}).json()["hits"]
    assert accented[0]["label"] == "Zhu Jun"
    assert client.get("/search", params={"q": "no-such-word-anywhere", "format": "json"}).json()["hits"] == []


def test_every_person_is_listed_on_the_person_index(client: httpx.Client, asserted: Graph) -> None:
    people = {
        str(label)
        for person in asserted.subjects(RDF.type, KG.Person)
        if str(person).startswith(ID + "person/")
        for label in asserted.objects(person, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    }
    page = client.get("/id/person/")
    assert page.status_code == 200
    listed = page.text.split('<ul class="things">', 1)[1].split("</ul>", 1)[0]
    assert people and set(_links(listed)) == people


def test_the_index_of_kinds_links_each_kind_with_its_count(client: httpx.Client) -> None:
    page = client.get("/id/")
    assert page.status_code == 200
    kinds = re.findall(r'<a href="/id/([a-z-]+)/">[^<]+</a> <span class="count">(\d+)</span>', page.text)
    assert (
        "person",
        str(len(re.findall(r'<li><a href="/id/person/', client.get("/id/person/").text))),
    ) in kinds
    assert client.get("/id/no-such-kind/").status_code == 404
    landing = client.get("/").text  # the landing's count of things is the index's
    assert re.search(rf'<a href="/id/">{sum(int(n) for _, n in kinds)} things have a page</a>', landing)


def test_the_dataset_iri_answers_with_a_readable_page(client: httpx.Client, built) -> None:
    seen = client.get("/id/dataset", headers={"Accept": "text/html"})
    assert seen.status_code == 303 and seen.headers["location"].endswith("/doc/dataset.html")
    void = Graph().parse(built[0].dist / VOID_FILE)
    triples = void.value(URIRef(ID + "dataset"), VOID_TRIPLES)
    page = client.get("/doc/dataset.html")
    assert page.status_code == 200 and f"{int(triples)} triples" in page.text
    turtle = client.get("/id/dataset", headers={"Accept": "text/turtle"})
    assert (
        turtle.status_code == 303
        and client.get(turtle.headers["location"]).content == (built[0].dist / VOID_FILE).read_bytes()
    )
    part = client.get("/id/dataset/graph/data", headers={"Accept": "text/html"})
    assert part.status_code == 303 and part.headers["location"].endswith("#graph-data")


@pytest.mark.parametrize(
    ("accept", "extension", "syntax"),
    [
        ("application/ld+json", "jsonld", "json-ld"),
        ("application/json", "jsonld", "json-ld"),
        ("application/n-triples", "nt", "nt"),
        ("application/rdf+xml", "rdf", "xml"),
    ],
)
def test_the_dataset_iri_answers_in_every_syntax_a_thing_does(
    client: httpx.Client, built, accept: str, extension: str, syntax: str
) -> None:
    seen = client.get("/id/dataset", headers={"Accept": accept})
    assert seen.status_code == 303 and seen.headers["location"].endswith(f"/doc/dataset.{extension}")
    document = client.get(seen.headers["location"])
    assert document.status_code == 200
    got = Graph().parse(data=document.content, format=syntax)
    assert isomorphic(got, Graph().parse(built[0].dist / VOID_FILE))  # VoID's graph, whole


def test_the_downloads_page_lists_every_file_with_its_size(client: httpx.Client, built) -> None:
    page = client.get("/dist/")
    assert page.status_code == 200
    for path in built[0].dist.iterdir():
        assert f'href="/dist/{path.name}"' in page.text, path.name
    assert "sha256sum -c SHA256SUMS" in page.text
    assert "Turtle" in page.text and "N-Quads" in page.text


@pytest.mark.parametrize(
    "path", ["/no-such-page", "/static/no-such.css", "/id/no-such-kind/", "/dist/nothing"]
)
def test_one_error_page_for_every_route(client: httpx.Client, path: str) -> None:
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>404</h1>" in page.text and 'action="/search"' in page.text
    assert client.get(path, headers={"Accept": "text/plain"}).headers["content-type"].startswith("text/plain")


def test_the_ontology_docs_have_a_way_back_and_no_inline_style(client: httpx.Client) -> None:
    page = client.get("/ontology.html")
    assert 'class="kg-site-bar"' in page.text and '<a href="/">' in page.text
    assert 'action="/search"' in page.text and 'src="/static/search.js"' in page.text  # on every page
    assert '<meta name="viewport" content="width=device-width' in page.text  # readable on a phone
    published = client.get("/dist/ontology.html")  # pyLODE's file as built: saved, not shown unstyled
    assert published.headers["content-disposition"] == 'attachment; filename="ontology.html"'
    assert "<style" not in page.text  # the CSP refuses inline styles: pyLODE's is served as a sheet
    style = client.get("/ontology.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert "#toc" in style.text


def test_a_persons_page_answers_first_and_reads_links_from_its_side(client: httpx.Client) -> None:
    page = client.get("/doc/person/liang-rubo.html").text
    glance = page.split('id="glance"', 1)[1].split("</section>", 1)[0]
    assert "Liang Rubo, CEO of ByteDance" in glance  # his role, in the graph's words, up front
    links = page.split('id="refs"', 1)[1].split("</section>", 1)[0]
    # each link named from this page's side: the inverse of what the triple says
    assert re.search(r"<span class=\"how\">reported to by:</span> <a [^>]*>Zhu Wenjia</a>", links)
    assert re.search(
        r"<span class=\"how\">presented at:</span> <a [^>]*>all-staff meeting in 2025</a>", links
    )
    assert "performer" not in links and "Liang Rubo</li>" not in links
    claims = [line for line in _glance(page) if "claim</span>" in line or ">claim<" in line]
    assert claims and all(line.lstrip().startswith("author of:") for line in claims), claims
    meeting = client.get("/doc/event/all-staff-meeting-2025.html").text.split('id="refs"', 1)[1]
    assert "recorded here:" in meeting.split("</section>", 1)[0] and "time of:" not in meeting
    launch = client.get("/doc/event/deepseek-app-launch.html").text.split('id="refs"', 1)[1]
    assert "reference point of:" in launch.split("</section>", 1)[0]  # "21 days following" it
    flow = client.get("/doc/unit/flow.html").text.split('id="refs"', 1)[1].split("</section>", 1)[0]
    assert re.search(
        r"<span class=\"how\">established in:</span> <a [^>]*>creation of the Flow team</a>", flow
    )
    assert re.search(r"<span class=\"how\">has member:</span> <a [^>]*>Hong Dingkun</a>", flow)
    rows = page.split('id="props"', 1)[1].split("</table>", 1)[0]
    assert rows.count('Liang Rubo <span class="lang">') == 1  # label, name and foaf:name: one row


def _glance(page: str) -> list[str]:
    """The lines of a page's "At a glance", as text with the markup's tags left in."""
    return re.findall(r"<li>(.*?)</li>", page.split('id="glance"', 1)[1].split("</section>", 1)[0], re.S)


def test_a_page_marks_what_the_article_only_implies_and_says_when_roles_held(client: httpx.Client) -> None:
    page = client.get("/doc/person/zhu-wenjia.html").text
    glance = _glance(page)
    seed = next(line for line in glance if "head of Seed" in line)
    first = next(line for line in glance if "first large model team" in line)
    assert 'class="implied"' in seed and 'class="implied"' not in first
    assert "(since January 2023)" in first  # the role's interval, from its beginning
    assert "(as of April 2024, the year read from context)" in seed  # no brackets in brackets
    rows = page.split('id="props"', 1)[1].split("</table>", 1)[0]
    values = re.findall(r"<li>(.*?)</li>", rows, re.S)
    assert all(('class="implied"' in v) == (">Seed<" in v) for v in values if "/doc/unit/" in v)
    assert any("(as of 2024)" in line for line in _glance(client.get("/doc/person/liang-rubo.html").text))


def test_the_query_page_says_when_a_parameter_names_nothing(client: httpx.Client) -> None:
    typo = client.get("/query", params={"name": "unit-leadership", "unit": "unit:flw"})
    assert typo.status_code == 404
    assert "says nothing about unit:flw; did you mean: Flow (unit:flow)" in html.unescape(typo.text)
    assert client.get("/query", params={"name": "unit-leadership", "unit": "unit:flow"}).status_code == 200


def test_the_landing_page_names_the_events_its_timeline_leaves_out(client: httpx.Client) -> None:
    page = html.unescape(client.get("/").text)
    left = page.split("Left out, their date only implied by the article:", 1)[1].split("</figcaption>")[0]
    assert "Zhu Wenjia promoted to report directly to Liang Rubo" in left  # April, the year from context
    assert "all-staff meeting in 2025" not in left  # drawn: its year is stated
    assert "(April 2024, the year read from context)" in left and "((" not in left and "))" not in left


def test_a_type_reads_with_its_article(client: httpx.Client) -> None:
    assert '<p class="types">An <a' in client.get("/doc/product/deepseek-app.html").text
    assert '<p class="types">A <a' in client.get("/doc/person/zhu-jun.html").text


def test_a_units_page_shows_each_quoted_sentence_once(client: httpx.Client) -> None:
    page = client.get("/doc/unit/flow.html").text
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", page, re.S)
    plain = [re.sub(r"</?mark>", "", q) for q in quotes]
    assert quotes and len(plain) == len(set(plain))
    assert "unit Of" not in page and "wasAttributedTo" not in page


def test_scripts_get_plain_errors_and_json_asks_get_json(client: httpx.Client) -> None:
    """curl, wget and python clients send ``*/*``: a line, not a page; the search's JSON stays JSON."""
    plain = client.get("/no-such-page", headers={"Accept": "*/*"})
    assert plain.status_code == 404 and plain.headers["content-type"].startswith("text/plain")
    bad = client.get("/search", params={"q": "zhu", "format": "json", "limit": "0"})
    assert bad.status_code == 400 and "limit" in bad.json()["error"]
    assert client.get("/search", params={"q": "zhu", "kind": "nope", "format": "json"}).status_code == 404


def test_the_search_counts_every_match_and_suggests_near_names(client: httpx.Client) -> None:
    every = client.get("/search", params={"q": "a", "format": "json", "limit": 200}).json()
    some = client.get("/search", params={"q": "a", "format": "json", "limit": 5}).json()
    assert some["total"] == every["total"] == len(every["hits"]) > 5 and len(some["hits"]) == 5
    typo = client.get("/search", params={"q": "hong dinkun", "format": "json"}).json()
    assert typo["hits"] == [] and typo["near"][0]["label"] == "Hong Dingkun"
    missing = client.get("/id/person/zhu-wenja")
    assert missing.status_code == 404 and "/id/person/zhu-wenjia" in missing.text


def test_identifiers_that_are_not_there_are_404_in_any_format(client: httpx.Client) -> None:
    assert client.get("/id/person/nobody", headers={"Accept": "text/plain"}).status_code == 404
    assert client.get("/id/dataset/bogus").status_code == 404
    assert client.get("/id/person").headers["location"] == "/id/person/"


def test_a_quotes_page_is_titled_by_its_words_and_marks_only_them(client: httpx.Client, built) -> None:
    page = client.get("/doc/quote/zhu-promoted.html").text
    words = re.search(r"<h1>“(.*?)”</h1>", page)
    assert words is not None
    marked = re.findall(r"<mark[^>]*>(.*?)</mark>", page)
    assert marked == [words[1]]


def test_an_index_without_its_slash_redirects_by_a_relative_location(client: httpx.Client) -> None:
    """The ``Host`` header is the client's to choose: no redirect may carry it."""
    for path in ("/id", "/id/person", "/dist"):
        response = client.get(path, headers={"Host": "attacker.example"})
        assert response.status_code == 308, path
        assert response.headers["location"] == path + "/", response.headers["location"]
    assert client.get("/query/").status_code == 404  # no slash redirect of Starlette's own


def test_the_chart_captions_name_only_properties_the_graph_uses(client: httpx.Client) -> None:
    page = client.get("/").text
    named = {
        name
        for caption in re.findall(r"<figcaption>(.*?)</figcaption>", page, re.S)
        for name in re.findall(r"<code>(\w+:\w+)</code>", caption)
    }
    assert named
    for name in named:
        prefix, local = name.split(":")
        ask = f"PREFIX {prefix}: <{ALL_PREFIXES[prefix]}> ASK {{ ?s {prefix}:{local} ?o }}"
        answer = client.get(
            "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}
        )
        assert answer.json()["boolean"] is True, name


def test_search_reads_punctuated_words_as_words_and_shows_the_quoted_words(client: httpx.Client) -> None:
    """ "A/B" is the words "a" and "b" in a row, not any word starting with a or b; a quote found by
    its words shows them, not the words of its address."""
    hits = client.get("/search", params={"q": "A/B", "format": "json"}).json()
    assert hits["hits"][0]["label"] == "an A/B testing company"
    assert hits["total"] < 20 and all("ByteDance" not in h["label"] for h in hits["hits"][:2])
    assert not {"AILab", "Xiang Liang’s team"} & {h["label"] for h in hits["hits"]}  # "a B…" is not "a b"
    quotes = [
        h
        for h in client.get("/search", params={"q": "tiktok", "format": "json"}).json()["hits"]
        if h["kind"] == "quote"
    ]
    assert quotes and all(h["matched"] == "quoted words" and "TikTok" in h["text"] for h in quotes)


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_graph_iris_and_the_shapes_iri_answer_a_browser(client: httpx.Client) -> None:
    """Every IRI the dataset page names leads a person somewhere readable."""
    for name, target in (("data", "#graph-data"), ("implied", "#graph-implied"), ("void", "")):
        seen = client.get(f"/graph/{name}", headers={"Accept": BROWSER})
        assert seen.status_code == 303 and seen.headers["location"] == "/doc/dataset.html" + target, name
    assert client.get("/graph/no-such-graph", headers={"Accept": BROWSER}).status_code == 404
    shapes = client.get("/shapes", headers={"Accept": BROWSER})
    assert shapes.status_code == 303 and shapes.headers["location"] == "/doc/dataset.html#graph-shapes"
    assert 'href="/shapes.ttl"' in client.get("/doc/dataset.html").text
    turtle = client.get("/shapes.ttl", headers={"Accept": BROWSER})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=turtle.text, format="turtle")) > 100
    assert client.get("/shapes", headers={"Accept": "*/*"}).headers["content-type"].startswith("text/turtle")


def test_an_escaped_hash_names_another_iri_and_says_where_the_fragment_is(client: httpx.Client) -> None:
    """``%23`` is not ``#`` (RFC 3986): the path names nothing, and the answer points at the
    document that describes the thing with the fragment."""
    for path in ("/id/quote/headline%23text", "/doc/quote/headline%23text.ttl"):
        answer = client.get(path, headers={"Accept": "text/plain"})
        assert answer.status_code == 404, path
        assert "is described at /doc/quote/headline.html" in answer.text
    for path in ("/id/person/nobody%23x", "/id/person/zhu-jun%23x", "/doc/person/zhu-jun.html%23x"):
        answer = client.get(path, headers={"Accept": "text/plain"})  # no such thing: no pointer
        assert answer.status_code == 404 and "described at" not in answer.text, path
    vocabulary = {
        "/ontology%23Person": "is described at /ontology.html#Person",
        "/shapes%23PersonShape": "is described at /shapes.ttl",
    }
    for path, pointer in vocabulary.items():
        answer = client.get(path, headers={"Accept": "text/plain"})
        assert answer.status_code == 404 and pointer in answer.text, path
    assert "described at" not in client.get("/ontology%23NoSuchTerm", headers={"Accept": "text/plain"}).text
    document = client.get("/doc/quote/headline.ttl").text
    assert "quote:headline\\#text a oa:TextQuoteSelector" in document  # in its quote's document
