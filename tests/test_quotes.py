"""Every quote's offsets slice the article to exactly its text; broken quotes are caught."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from bytedance_kg.build import CheckReport
from bytedance_kg.maintainer.anchor import anchor_quotes, locate
from bytedance_kg.pipeline.article import load_articles, verify_quotes
from bytedance_kg.pipeline.sources import Sources
from bytedance_kg.project.errors import InputError
from bytedance_kg.project.namespaces import KG, OA
from bytedance_kg.rdf.parsing import load_turtle
from tests.conftest import copy_sources

pytestmark = pytest.mark.fast  # the quick tier: make check

QUOTE = URIRef("https://w3id.org/bytedance-kg/id/quote/flow-technical-lead")


def test_all_quotes_verified(report: CheckReport) -> None:
    assert report.quote_problems == []


def test_every_quote_slices_to_its_exact_text(sources: Sources, paths) -> None:
    """The check itself, spelt out: slice the article file at each selector's offsets."""
    article = (paths.root / "data/sources/bytedance-on-deepseeks-impact.txt").read_text(encoding="utf-8")
    quotes = list(sources.data.subjects(RDF.type, KG.Quote))
    assert len(quotes) >= 40
    for quote in quotes:
        position = URIRef(f"{quote}#position")
        text = URIRef(f"{quote}#text")
        start, end = sources.data.value(position, OA.start), sources.data.value(position, OA.end)
        assert start.datatype == XSD.integer and end.datatype == XSD.integer
        assert article[int(start) : int(end)] == str(sources.data.value(text, OA.exact)), quote


def test_shifted_offset_is_reported(sources: Sources, paths) -> None:
    data = sources.data
    broken = type(data)()
    for triple in data:
        broken.add(triple)
    position = URIRef(f"{QUOTE}#position")
    start = int(broken.value(position, OA.start))
    broken.set((position, OA.start, Literal(start + 1, datatype=XSD.integer)))
    problems = verify_quotes(broken, load_articles(broken, paths.root))
    assert {p.quote for p in problems} == {QUOTE}
    assert any("not oa:exact" in p.message for p in problems)
    # the report names the quote as the shape and gate reports name things: by its prefixed name
    assert all(str(p).startswith("quote:flow-technical-lead: ") for p in problems), problems


def test_offsets_outside_the_article_are_reported(sources: Sources, paths) -> None:
    broken = type(sources.data)()
    for triple in sources.data:
        broken.add(triple)
    position = URIRef(f"{QUOTE}#position")
    broken.set((position, OA.end, Literal(99999, datatype=XSD.integer)))
    problems = verify_quotes(broken, load_articles(broken, paths.root))
    assert len(problems) == 1 and "outside the article" in problems[0].message


def test_changed_article_fails_the_checksum(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    article = scratch.sources_dir / "bytedance-on-deepseeks-impact.txt"
    article.write_text(article.read_text(encoding="utf-8").replace("Liang", "Lian", 1), encoding="utf-8")
    with pytest.raises(InputError, match="SHA-256"):
        load_articles(load_turtle(scratch.data), scratch.root)


def test_locate_requires_a_unique_match() -> None:
    assert locate("abc abc", "abc", "abc ") == 4
    with pytest.raises(ValueError, match="more than once"):
        locate("abc abc", "abc")
    with pytest.raises(ValueError, match="not found"):
        locate("abc", "xyz")


def test_anchoring_is_idempotent(sources: Sources, paths) -> None:
    graph = type(sources.data)()
    for triple in sources.data:
        graph.add(triple)
    articles = load_articles(graph, paths.root)
    before = set(graph)
    for article in articles.values():
        anchor_quotes(graph, article)
    assert set(graph) == before


def test_the_check_reads_triples_and_graphs_alike(sources: Sources, paths) -> None:
    """The build hands the check the data as triples, the anchor command and the tests as an
    rdflib graph: a shifted offset and an unknown source are the same problems either way."""
    from bytedance_kg.rdf.triples import Triples

    broken = type(sources.data)()
    for triple in sources.data:
        broken.add(triple)
    position = URIRef(f"{QUOTE}#position")
    broken.set((position, OA.start, Literal(int(broken.value(position, OA.start)) + 1, datatype=XSD.integer)))
    other = URIRef("https://w3id.org/bytedance-kg/id/quote/flow-members")
    nowhere = URIRef("https://w3id.org/bytedance-kg/id/source/nowhere")
    broken.set((other, OA.hasSource, nowhere))
    as_graph = verify_quotes(broken, load_articles(broken, paths.root))
    triples = Triples.of_graph(broken)
    as_triples = verify_quotes(triples, load_articles(triples, paths.root))
    assert as_graph == as_triples
    # named as the shape and gate reports name things; and a quote with an unknown source is still
    # checked for what can be checked without the article (this one has no selectors at all)
    assert [(p.quote, p.message) for p in as_graph if p.quote == other] == [
        (other, "oa:hasSource src:nowhere is not a known source article"),
        (other, "needs both a TextQuoteSelector and a TextPositionSelector"),
    ]
    assert any(p.quote == QUOTE and "not oa:exact" in p.message for p in as_graph)


def test_a_quote_with_an_unknown_source_is_still_checked_for_its_shape(sources: Sources, paths) -> None:
    """An unknown source leaves the offsets nothing to be checked against, but a start after its
    end is wrong whatever the article: both problems are reported at once, not one per fix."""
    broken = type(sources.data)()
    for triple in sources.data:
        broken.add(triple)
    position = URIRef(f"{QUOTE}#position")
    broken.set((QUOTE, OA.hasSource, Literal(42)))
    broken.set((position, OA.start, Literal(5, datatype=XSD.integer)))
    broken.set((position, OA.end, Literal(2, datatype=XSD.integer)))
    problems = verify_quotes(broken, load_articles(broken, paths.root))
    assert [str(p) for p in problems] == [
        'quote:flow-technical-lead: oa:hasSource "42"^^xsd:integer is not a known source article',
        "quote:flow-technical-lead: oa:start 5 is after oa:end 2",
    ]


def test_quotes_are_named_as_the_other_reports_name_them(sources: Sources, paths) -> None:
    """A prefixed name only where it is a valid one: ``quote:x/y.`` is not, so the IRI is written
    whole, as the shape and gate reports write it."""
    data = type(sources.data)()
    odd = URIRef("https://w3id.org/bytedance-kg/id/quote/x/y.")
    data.add((odd, OA.hasSource, URIRef("http://example.org/elsewhere")))
    problems = verify_quotes(data, load_articles(data, paths.root))
    assert [str(p) for p in problems] == [
        f"<{odd}>: oa:hasSource <http://example.org/elsewhere> is not a known source article",
        f"<{odd}>: needs both a TextQuoteSelector and a TextPositionSelector",
    ]


def test_problems_come_sorted_by_quote_whatever_the_data_s_order(sources: Sources, paths) -> None:
    """The check walks the quotes in the data's order but reports them sorted by quote, each
    quote's problems in the order the check finds them: the same report for the same data."""
    from bytedance_kg.rdf.triples import Triples

    broken = type(sources.data)()
    for triple in sources.data:
        broken.add(triple)
    quotes = sorted(set(broken.subjects(RDF.type, KG.Quote)))[:3]
    for quote in quotes:
        text = URIRef(f"{quote}#text")
        broken.set((text, OA.prefix, Literal("no such words before")))
        broken.set((text, OA.suffix, Literal("no such words after")))
    triples = Triples.of_graph(broken)
    forwards = verify_quotes(triples, load_articles(triples, paths.root))
    backwards = Triples(list(reversed(triples.items)))
    assert verify_quotes(backwards, load_articles(backwards, paths.root)) == forwards
    assert [(p.quote, p.message.split(" ")[0]) for p in forwards] == [
        (quote, part) for quote in quotes for part in ("oa:prefix", "oa:suffix")
    ]


def test_a_literal_source_is_shown_as_a_literal(sources: Sources, paths) -> None:
    broken = type(sources.data)()
    for triple in sources.data:
        broken.add(triple)
    broken.set((QUOTE, OA.hasSource, Literal("a literal source")))
    problems = verify_quotes(broken, load_articles(broken, paths.root))
    assert [(p.quote, p.message) for p in problems] == [
        (QUOTE, 'oa:hasSource "a literal source" is not a known source article')
    ]


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        (  # a superscript digit
            Literal("3169\u00b3"),
            None,
            'needs oa:exact, oa:start and oa:end: oa:start "3169\u00b3" is not a whole number',
        ),
        (
            Literal(0, datatype=XSD.integer),
            Literal(-3, datatype=XSD.integer),
            'needs oa:exact, oa:start and oa:end: oa:end "-3"^^xsd:integer is not a whole number',
        ),
        (
            Literal(300, datatype=XSD.integer),
            Literal(200, datatype=XSD.integer),
            "oa:start 300 is after oa:end 200",
        ),
    ],
)
def test_offsets_that_are_not_a_span_are_reported_not_a_crash(
    sources: Sources, paths, start, end, says
) -> None:
    broken = type(sources.data)()
    for triple in sources.data:
        broken.add(triple)
    position = URIRef(f"{QUOTE}#position")
    broken.set((position, OA.start, start))
    if end is not None:
        broken.set((position, OA.end, end))
    problems = verify_quotes(broken, load_articles(broken, paths.root))
    assert [(p.quote, p.message) for p in problems] == [(QUOTE, says)]


@pytest.mark.parametrize("node", ["https://w3id.org/bytedance-kg/id/source/other", "http://example.org/art"])
def test_a_source_article_without_its_copy_is_named_as_the_reports_name_it(paths, node: str) -> None:
    from rdflib import Graph

    data = Graph()
    data.add((URIRef(node), RDF.type, KG.SourceArticle))
    with pytest.raises(InputError) as error:
        load_articles(data, paths.root)
    named = "src:other" if node.endswith("/other") else f"<{node}>"
    assert str(error.value) == f"{named}: source article lacks kg:localCopy or kg:sha256"


def test_every_quote_and_every_source_of_it_is_checked(sources: Sources, paths) -> None:
    """A quote with no source (the shapes report that) is still checked for what needs no article;
    a quote with two sources has each one named; values are written as the shape report writes
    them (a language-tagged oa:exact keeps its tag)."""
    broken = type(sources.data)()
    for triple in sources.data:
        broken.add(triple)
    position, text = URIRef(f"{QUOTE}#position"), URIRef(f"{QUOTE}#text")
    broken.remove((QUOTE, OA.hasSource, None))
    broken.set((position, OA.start, Literal(9, datatype=XSD.integer)))
    broken.set((position, OA.end, Literal(3, datatype=XSD.integer)))
    other = URIRef("https://w3id.org/bytedance-kg/id/quote/flow-founding-leads")
    broken.add((other, OA.hasSource, Literal(42)))
    broken.add((other, OA.hasSource, URIRef("https://w3id.org/bytedance-kg/id/source/other")))
    problems = [str(p) for p in verify_quotes(broken, load_articles(broken, paths.root))]
    assert "quote:flow-technical-lead: oa:start 9 is after oa:end 3" in problems
    assert {
        'quote:flow-founding-leads: oa:hasSource "42"^^xsd:integer is not a known source article',
        "quote:flow-founding-leads: oa:hasSource src:other is not a known source article",
    } <= set(problems)
    restored = type(sources.data)()
    for triple in sources.data:
        restored.add(triple)
    restored.set((text, OA.exact, Literal("x", lang="en")))
    shown = [str(p) for p in verify_quotes(restored, load_articles(restored, paths.root))]
    assert any(
        p.startswith("quote:flow-technical-lead: article[") and p.endswith(', not oa:exact "x"@en')
        for p in shown
    )


def test_a_local_copy_that_is_not_a_path_is_named_so(sources: Sources, paths) -> None:
    data = type(sources.data)()
    for triple in sources.data:
        data.add(triple)
    article = next(data.subjects(RDF.type, KG.SourceArticle))
    data.set((article, KG.localCopy, URIRef("http://e/x")))
    with pytest.raises(InputError) as error:
        load_articles(data, paths.root)
    assert str(error.value).endswith("kg:localCopy <http://e/x> is not a path (a string)")


def test_a_value_given_twice_is_reported_whatever_the_order_of_the_triples(sources: Sources, paths) -> None:
    """Two oa:start values, or two position selectors: the check does not pick one (which would make
    its verdict depend on the order of the triples); it names them, sorted."""
    from bytedance_kg.rdf.triples import Triples

    broken = type(sources.data)()
    for triple in sources.data:
        broken.add(triple)
    position = URIRef(f"{QUOTE}#position")
    broken.add((position, OA.start, Literal(0, datatype=XSD.integer)))
    lines = Triples.of_graph(broken).lines()
    reports = {
        tuple(str(p) for p in verify_quotes(Triples.of_lines(order), load_articles(broken, paths.root)))
        for order in (lines, lines[::-1])
    }
    assert len(reports) == 1, reports  # the same report in either order
    (report,) = reports
    assert any(
        p.startswith("quote:flow-technical-lead: needs oa:exact, oa:start and oa:end: 2 values of oa:start: ")
        for p in report
    ), report
    second = URIRef(f"{QUOTE}#position2")
    broken.remove((position, OA.start, Literal(0, datatype=XSD.integer)))
    broken.add((QUOTE, OA.hasSelector, second))
    broken.add((second, RDF.type, OA.TextPositionSelector))
    problems = [str(p) for p in verify_quotes(broken, load_articles(broken, paths.root))]
    assert (
        "quote:flow-technical-lead: needs one TextQuoteSelector and one TextPositionSelector, not 1 and 2"
        in problems
    )


def test_a_changed_article_names_the_record_and_the_article(sources: Sources, paths) -> None:
    data = type(sources.data)()
    for triple in sources.data:
        data.add(triple)
    article = next(data.subjects(RDF.type, KG.SourceArticle))
    data.set((article, KG.sha256, Literal("abc", lang="en")))
    with pytest.raises(InputError) as error:
        load_articles(data, paths.root)
    assert (
        'but src:bytedance-on-deepseeks-impact records "abc"@en: the article changed, or the record is wrong'
        in str(error.value)
    )
    data.add((article, KG.localCopy, Literal("data/sources/nope.txt")))
    with pytest.raises(InputError) as error:
        load_articles(data, paths.root)
    assert "source article has 2 values of kg:localCopy: " in str(error.value)
