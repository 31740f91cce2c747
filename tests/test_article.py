"""The article read through its graph (the HTML document of the source article's IRI), checked
against the built release: every quote is marked, each mark lists the facts its quotes support,
the count after each sentence is what the data holds from it, and a sentence no quote touches is
plain. The reading is worked out once per release; the cutting of overlapping quotes is checked on a
small made-up article too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from jinja2 import Environment, PackageLoader, select_autoescape

from bytedance_kg.pipeline.sentences import split_sentences
from bytedance_kg.project.graphs import FULL_GRAPHS
from bytedance_kg.query.served import release_store
from bytedance_kg.server.article import Fact, Quote, article_view, read_article
from bytedance_kg.server.executor import Limits
from bytedance_kg.server.site import Site
from bytedance_kg.sparql.querying import QueryOutcome, run_query

BASE = "https://w3id.org/bytedance-kg/"
SOURCE = BASE + "id/source/bytedance-on-deepseeks-impact"
PAGE = "/doc/source/bytedance-on-deepseeks-impact.html"
PREFIXES = """PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX kg: <https://w3id.org/bytedance-kg/ontology#>"""
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    links: list[str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def span(self) -> tuple[int, int]:
        return int(self.attrs["data-start"]), int(self.attrs["data-end"])


class Reading(HTMLParser):
    """The page as the tests read it: its marks and sentences with their text (a sentence's text
    without its count), which sentence each mark is in, and the fact links of each panel entry."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[Element] = []
        self.marks: list[Element] = []
        self.sentences: list[Element] = []
        self.mark_sentence: list[Element | None] = []
        self.entries: dict[str, Element] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        if tag == "a" and any("fact" in e.classes for e in self.stack):
            next(e for e in reversed(self.stack) if "entry" in e.classes).links.append(element.attrs["href"])
        if tag in VOID_ELEMENTS:
            return
        self.stack.append(element)
        if tag == "mark" and "data-entry" in element.attrs:
            self.marks.append(element)
            self.mark_sentence.append(next((e for e in self.stack if "sentence" in e.classes), None))
        elif "sentence" in element.classes:
            self.sentences.append(element)
        elif "entry" in element.classes:
            self.entries[element.attrs["id"]] = element

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop().tag != tag:
            continue

    def handle_data(self, data: str) -> None:
        if any("count" in e.classes for e in self.stack):
            return
        for element in self.stack:
            if element in self.marks or element in self.sentences:
                element.text += data


@dataclass(frozen=True)
class ReleaseQuote:
    iri: str
    start: int
    end: int
    exact: str
    facts: frozenset[str]


@pytest.fixture(scope="module")
def release(built) -> ox.Store:
    """The built release's asserted dataset with its implied graph, as named graphs."""
    store = ox.Store()
    store.load(path=str(built[0].dist / "bytedance-kg.nq"), format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def quotes(release: ox.Store) -> list[ReleaseQuote]:
    """The source's quotes in the release, each with the facts derived from it."""
    rows = release.query(
        PREFIXES
        + f"""SELECT ?quote ?start ?end ?exact (GROUP_CONCAT(DISTINCT STR(?fact)) AS ?facts) WHERE {{
          ?quote oa:hasSource <{SOURCE}> ; oa:hasSelector ?p , ?t .
          ?p oa:start ?start ; oa:end ?end . ?t oa:exact ?exact .
          OPTIONAL {{ ?fact prov:wasDerivedFrom ?quote }} }} GROUP BY ?quote ?start ?end ?exact""",
        use_default_graph_as_union=True,
    )
    found = [
        ReleaseQuote(
            r["quote"].value,
            int(r["start"].value),
            int(r["end"].value),
            r["exact"].value,
            frozenset(r["facts"].value.split() if r["facts"] else ()),
        )
        for r in rows
    ]
    assert len(found) >= 10
    return found


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60, follow_redirects=False) as c:
        yield c


@pytest.fixture(scope="module")
def page(client: httpx.Client) -> Reading:
    response = client.get(PAGE)
    assert response.status_code == 200
    return Reading(response.text)


@pytest.fixture(scope="module")
def article(paths) -> str:
    return paths.article.read_text(encoding="utf-8")


def local(iri: str) -> str:
    return "/" + iri[len(BASE) :]


def test_the_source_iri_is_read_through_its_graph(client: httpx.Client) -> None:
    redirect = client.get("/id/source/bytedance-on-deepseeks-impact", headers={"Accept": "text/html"})
    assert redirect.status_code == 303 and redirect.headers["location"] == PAGE
    html = client.get(PAGE).text
    assert 'class="reader"' in html and "In the graph's words" in html
    assert '<link rel="alternate" type="text/turtle"' in html and "application/ld+json" in html
    turtle = client.get("/doc/source/bytedance-on-deepseeks-impact.ttl")
    assert turtle.headers["content-type"].startswith("text/turtle") and b"SourceArticle" in turtle.content
    other = client.get("/doc/unit/flow.html").text
    assert 'class="reader"' not in other and "<mark" in other  # every other thing keeps its own page


def test_the_landing_page_links_to_the_article(client: httpx.Client) -> None:
    html = client.get("/").text
    assert '<a href="/id/source/bytedance-on-deepseeks-impact">Read the article through its graph</a>' in html


def test_every_quote_of_the_release_is_marked(
    page: Reading, quotes: list[ReleaseQuote], article: str
) -> None:
    for mark in page.marks:
        start, end = mark.span()
        assert mark.text == article[start:end]
    marked = {q for mark in page.marks for q in mark.attrs["data-quotes"].split()}
    assert marked == {q.iri for q in quotes}
    for quote in quotes:
        assert article[quote.start : quote.end] == quote.exact
        covered = {
            i
            for mark in page.marks
            if quote.iri in mark.attrs["data-quotes"].split()
            for i in range(*mark.span())
        }
        words = {i for i in range(quote.start, quote.end) if not article[i].isspace()}
        assert words <= covered <= set(range(quote.start, quote.end)), quote.iri
    overlapping = [m for m in page.marks if len(m.attrs["data-quotes"].split()) > 1]
    assert overlapping, "the release has overlapping quotes: their shared words carry both"


def test_each_mark_lists_every_fact_its_quotes_support(page: Reading, quotes: list[ReleaseQuote]) -> None:
    by_iri = {q.iri: q for q in quotes}
    for mark in page.marks:
        supported = set().union(*(by_iri[q].facts for q in mark.attrs["data-quotes"].split()))
        entry = page.entries[mark.attrs["data-entry"]]
        assert set(entry.links) == {local(f) for f in supported}
        assert int(mark.attrs["data-facts"]) == len(supported)


def test_the_count_after_each_sentence_is_what_the_data_holds(
    page: Reading, release: ox.Store, article: str
) -> None:
    spans = [(s.start, s.end) for s in split_sentences(article)]
    assert [s.span() for s in page.sentences] == spans
    counts = []
    for sentence in page.sentences:
        start, end = sentence.span()
        assert sentence.text == article[start:end]
        rows = release.query(
            PREFIXES
            + f"""SELECT (COUNT(DISTINCT ?fact) AS ?n) WHERE {{
              ?quote oa:hasSource <{SOURCE}> ; oa:hasSelector ?p . ?p oa:start ?s ; oa:end ?e .
              ?fact prov:wasDerivedFrom ?quote . FILTER (?s < {end} && ?e > {start}) }}""",
            use_default_graph_as_union=True,
        )
        counts.append(int(next(iter(rows))["n"].value))
    assert [int(s.attrs["data-facts"]) for s in page.sentences] == counts
    assert len(set(counts)) > 2


def test_a_sentence_is_marked_exactly_when_a_quote_touches_it(
    page: Reading, quotes: list[ReleaseQuote]
) -> None:
    for sentence in page.sentences:
        start, end = sentence.span()
        touched = any(q.start < end and q.end > start for q in quotes)
        inside = [m for m, s in zip(page.marks, page.mark_sentence) if s is sentence]
        assert bool(inside) == touched
        assert ("plain" in sentence.classes) == (not touched)


# A made-up article: two overlapping quotes in the first sentence, the third sentence untouched.
TOY = "Alpha beta gamma delta. Epsilon zeta.\nEta theta iota."
F1, F2, F3 = (Fact(BASE + f"id/statement/f{i}", f"fact {i}") for i in (1, 2, 3))
A = Quote(BASE + "id/quote/a", 0, 16, TOY[0:16], (F1,))
B = Quote(BASE + "id/quote/b", 6, 36, TOY[6:36], (F2, F3))


def test_overlapping_quotes_are_cut_into_pieces_that_carry_every_quote_over_them() -> None:
    view = read_article(TOY, SOURCE, [A, B])
    first = view.sentences[0]
    assert [(p.text, [q.iri for q in p.entry.quotes] if p.entry else []) for p in first.pieces] == [
        ("Alpha ", [A.iri]),
        ("beta gamma", [A.iri, B.iri]),
        (" delta.", [B.iri]),
    ]
    assert [f.words for f in first.pieces[1].entry.facts] == ["fact 1", "fact 2", "fact 3"]  # type: ignore[union-attr]
    assert [len(s.facts) for s in view.sentences] == [3, 2, 0]
    assert [s.plain for s in view.sentences] == [False, False, True]
    assert len(view.entries) == 3  # one per distinct set of quotes: {A}, {A, B}, {B}


def test_a_plain_sentence_is_rendered_without_a_mark() -> None:
    templates = Environment(
        loader=PackageLoader("bytedance_kg.server", "templates"), autoescape=select_autoescape(["html"])
    )
    site = Site(None, BASE, templates, {}, TOY, Limits())  # type: ignore[arg-type]  # rendering only
    view = read_article(TOY, SOURCE, [A, B])
    html = site.page(
        "article.html", view=view, about=None, compact=str, stem="source/x", formats={}, jsonld="{}", marked=2
    ).body.decode("utf-8")
    rendered = Reading(html)
    plain = [s for s in rendered.sentences if "plain" in s.classes]
    assert [s.text for s in plain] == ["Eta theta iota."]
    assert all(s is not plain[0] for s in rendered.mark_sentence)
    assert plain[0].attrs["data-facts"] == "0"
    assert [m.text for m in rendered.marks] == ["Alpha ", "beta gamma", " delta.", "Epsilon zeta"]


class CountingBackend:
    """A backend stand-in over the built release that counts the page queries it answers."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self.store = release_store(dist)
        self.queries = 0

    def outcome(self, text: str, default_graphs: list[str] | None = None) -> QueryOutcome:
        self.queries += 1
        return run_query(self.store, text, "page query", default_graphs or FULL_GRAPHS)


def test_the_reading_is_worked_out_once_per_release(built, article: str, tmp_path: Path) -> None:
    backend = CountingBackend(built[0].dist)
    site = Site(backend, BASE, Environment(), {}, article, Limits())  # type: ignore[arg-type]
    first = article_view(site)
    assert first is not None and first.source == SOURCE and backend.queries > 0
    asked = backend.queries
    assert article_view(site) is first and backend.queries == asked
    backend.dist = tmp_path  # a new release is published (same data, another folder)
    again = article_view(site)
    assert again is not first and backend.queries > asked
    assert [(q.iri, q.start, q.end) for q in again.quotes] == [(q.iri, q.start, q.end) for q in first.quotes]
    other = Site(backend, BASE, Environment(), {}, article + "\nA line added.", Limits())  # type: ignore[arg-type]
    assert article_view(other) is None  # its checksum is no source article's: the generic page serves it
