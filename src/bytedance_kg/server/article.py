"""The source article read through its graph: the HTML document of the article's IRI.

The whole text is shown line by line and sentence by sentence. Every span a quote of the graph
selects (``oa:TextPositionSelector`` offsets into the article) is a ``<mark>``; where quotes
overlap, the text is cut at every quote boundary, so each piece is marked once and carries every
quote that covers it. Each distinct set of covering quotes is one *entry* of the side panel: the
quotes' words and, in the graph's words (labels), the facts derived from them (``prov:wasDerivedFrom``)
and the things they name (``kg:mention``). Each sentence carries the number of facts derived from
the quotes that touch it; a sentence no quote touches is left plain.

The article is fixed, so the reading is worked out once per release (:func:`article_view`, keyed
by the release folder the backend serves, which changes when a rebuild is published) and only the
template runs per request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyoxigraph as ox
from starlette.responses import Response

from bytedance_kg.pipeline.sentences import FURNITURE, Sentence, cut, split_sentences
from bytedance_kg.project.graphs import ASSERTED_GRAPHS, FULL_GRAPHS, WITH_IMPLIED_GRAPHS
from bytedance_kg.query.describe import Description, describe
from bytedance_kg.server.documents import search_summary
from bytedance_kg.server.site import DOC_FORMATS, Site, script_safe
from bytedance_kg.sparql.querying import compact

_PREFIXES = """
    PREFIX kg: <https://w3id.org/bytedance-kg/ontology#>
    PREFIX oa: <http://www.w3.org/ns/oa#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
IMPLIED = "https://w3id.org/bytedance-kg/ontology#implied"


@dataclass(frozen=True)
class Fact:
    """Something the graph holds from a quote, in the graph's words: its label, or for an
    unlabelled statement its triple with the terms' labels."""

    iri: str
    words: str
    kind: str = ""
    implied: bool = False


@dataclass(frozen=True)
class Quote:
    iri: str
    start: int
    end: int
    exact: str
    facts: tuple[Fact, ...] = ()
    names: tuple[Fact, ...] = ()
    """The things the quote names (``kg:mention``): what the graph holds from a quote that
    supports no record."""


def _distinct(groups: list[tuple[Fact, ...]]) -> tuple[Fact, ...]:
    seen: dict[str, Fact] = {}
    for group in groups:
        for fact in group:
            seen.setdefault(fact.iri, fact)
    return tuple(seen.values())


@dataclass(frozen=True)
class Entry:
    """One side-panel entry: the quotes covering a piece of text, and what they support."""

    id: str
    quotes: tuple[Quote, ...]

    @property
    def facts(self) -> tuple[Fact, ...]:
        return _distinct([q.facts for q in self.quotes])

    @property
    def names(self) -> tuple[Fact, ...]:
        return _distinct([q.names for q in self.quotes])


@dataclass(frozen=True)
class Piece:
    """A run of the article's text, ``article[start:end]``: marked when ``entry`` is set."""

    start: int
    end: int
    text: str
    entry: Entry | None = None
    kind: str = "piece"


@dataclass(frozen=True)
class SentenceView:
    sentence: Sentence
    pieces: tuple[Piece, ...]
    facts: tuple[Fact, ...]
    names: tuple[Fact, ...]
    kind: str = "sentence"

    @property
    def plain(self) -> bool:
        return all(p.entry is None for p in self.pieces)


@dataclass(frozen=True)
class Block:
    """One line of the article: the headline, a paragraph, or page furniture ("Advertisements")."""

    kind: str
    parts: tuple[Piece | SentenceView, ...]


@dataclass
class ArticleView:
    """The article cut into blocks, sentences and marked pieces, with the side panel's entries."""

    source: str
    quotes: list[Quote]
    blocks: list[Block]
    entries: list[Entry]
    sentences: list[SentenceView] = field(default_factory=list)
    about: Description | None = None
    """What the graph says about the source itself (its label, checksum, length)."""

    @property
    def facts(self) -> tuple[Fact, ...]:
        return _distinct([q.facts for q in self.quotes])


def _label(term: ox.NamedNode | ox.Literal | ox.BlankNode | None, fallback: str = "") -> str:
    if isinstance(term, ox.Literal):
        return term.value
    return fallback


def _source(site: Site) -> str | None:
    """The source article whose recorded SHA-256 is that of the text this server has: the offsets
    of its quotes point into that text and no other."""
    digest = hashlib.sha256(site.article.encode("utf-8")).hexdigest()
    rows = (
        site.backend.outcome(
            _PREFIXES + f"SELECT ?source WHERE {{ ?source a kg:SourceArticle ; kg:sha256 ?sha . "
            f'FILTER (STR(?sha) = "{digest}") }} ORDER BY ?source',
            WITH_IMPLIED_GRAPHS,
        ).rows
        or []
    )
    return next((r["source"].value for r in rows if isinstance(r["source"], ox.NamedNode)), None)


def _quotes(site: Site, source: str) -> list[Quote]:
    """The source's quotes with what each supports, from three questions to the graph."""
    run = site.run(WITH_IMPLIED_GRAPHS)
    where = f"?quote oa:hasSource <{source}> ."
    selectors = (
        run(
            _PREFIXES
            + f"""SELECT ?quote ?start ?end ?exact WHERE {{ {where}
            ?quote oa:hasSelector ?p , ?t . ?p oa:start ?start ; oa:end ?end . ?t oa:exact ?exact }}"""
        ).rows
        or []
    )
    facts: dict[str, list[Fact]] = {}
    for row in (
        run(
            _PREFIXES
            + f"""SELECT ?quote ?fact ?label ?evidence ?kind ?s ?p ?o ?sl ?pl ?ol WHERE {{ {where}
            ?fact prov:wasDerivedFrom ?quote .
            OPTIONAL {{ ?fact rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }}
            OPTIONAL {{ ?fact kg:evidence ?evidence }}
            OPTIONAL {{ ?fact a ?type . ?type rdfs:label ?kind FILTER (LANGMATCHES(LANG(?kind), "en")) }}
            OPTIONAL {{ ?fact rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
              OPTIONAL {{ ?s rdfs:label ?sl }} OPTIONAL {{ ?p rdfs:label ?pl }}
              OPTIONAL {{ ?o rdfs:label ?ol }} }}
            }} ORDER BY ?quote ?fact ?kind"""
        ).rows
        or []
    ):
        fact = row["fact"]
        if not isinstance(fact, ox.NamedNode):
            continue
        words = _label(row.get("label"))
        if not words and "s" in row:
            words = " ".join(_label(row.get(f"{t}l"), compact(row[t])) for t in ("s", "p", "o"))
        found = Fact(
            fact.value,
            words or compact(fact),
            _label(row.get("kind")),
            row.get("evidence") == ox.NamedNode(IMPLIED),
        )
        listed = facts.setdefault(row["quote"].value, [])
        if all(f.iri != found.iri for f in listed):  # the first row of a fact wins (ORDER BY)
            listed.append(found)
    names: dict[str, list[Fact]] = {}
    for row in (
        run(
            _PREFIXES
            + f"""SELECT DISTINCT ?quote ?thing ?label WHERE {{ {where} ?thing kg:mention ?quote .
            OPTIONAL {{ ?thing rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en")) }} }}
            ORDER BY ?quote ?thing ?label"""
        ).rows
        or []
    ):
        thing = row["thing"]
        listed = names.setdefault(row["quote"].value, [])
        if isinstance(thing, ox.NamedNode) and all(f.iri != thing.value for f in listed):
            listed.append(Fact(thing.value, _label(row.get("label"), compact(thing))))
    quotes = {
        row["quote"].value: Quote(
            row["quote"].value,
            int(row["start"].value),
            int(row["end"].value),
            row["exact"].value,
            tuple(sorted(facts.get(row["quote"].value, []), key=lambda f: f.words.lower())),
            tuple(sorted(names.get(row["quote"].value, []), key=lambda f: f.words.lower())),
        )
        for row in selectors
    }
    return sorted(quotes.values(), key=lambda q: (q.start, -q.end, q.iri))


class _Cutter:
    """Cuts spans of the article into pieces at every quote boundary, and gives each distinct set
    of covering quotes one entry (numbered in reading order)."""

    def __init__(self, article: str, quotes: list[Quote]) -> None:
        self.article = article
        self.quotes = quotes
        self.entries: dict[tuple[str, ...], Entry] = {}

    def pieces(self, start: int, end: int) -> tuple[Piece, ...]:
        pieces = []
        for a, b, over in cut(start, end, [(q.start, q.end) for q in self.quotes]):
            text = self.article[a:b]
            covering = tuple(self.quotes[i] for i in over)
            entry = None
            if covering and text.strip():
                key = tuple(q.iri for q in covering)
                entry = self.entries.setdefault(key, Entry(f"facts-{len(self.entries) + 1}", covering))
            pieces.append(Piece(a, b, text, entry))
        return tuple(pieces)


def read_article(article: str, source: str, quotes: list[Quote]) -> ArticleView:
    """The article as blocks of sentences and marked pieces (no graph access: pure on its inputs)."""
    cutter = _Cutter(article, quotes)
    sentences = split_sentences(article)
    view = ArticleView(source, quotes, [], [])
    offset = 0
    for line in article.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        if not line.strip():
            continue
        parts: list[Piece | SentenceView] = []
        cursor = line_start
        for sentence in (s for s in sentences if line_start <= s.start < line_end):
            if cursor < sentence.start:
                parts.extend(cutter.pieces(cursor, sentence.start))
            touching = [q for q in quotes if sentence.overlaps(q.start, q.end)]
            shown = SentenceView(
                sentence,
                cutter.pieces(sentence.start, sentence.end),
                _distinct([q.facts for q in touching]),
                _distinct([q.names for q in touching]),
            )
            parts.append(shown)
            view.sentences.append(shown)
            cursor = sentence.end
        if cursor < line_end:
            parts.extend(cutter.pieces(cursor, line_end))
        kind = "headline" if not view.blocks else "furniture" if line.strip() in FURNITURE else "paragraph"
        view.blocks.append(Block(kind, tuple(parts)))
    view.entries = list(cutter.entries.values())
    return view


def article_view(site: Site) -> ArticleView | None:
    """The article's reading for the release being served (None if the graph has no source
    article with this text), worked out once per release (:meth:`Site.per_release`)."""
    return site.per_release("article", lambda: _reading(site))


def _reading(site: Site) -> ArticleView | None:
    source = _source(site)
    if not source:
        return None
    view = read_article(site.article, source, _quotes(site, source))
    view.about = describe(
        site.run(WITH_IMPLIED_GRAPHS), ox.NamedNode(source), site.run(FULL_GRAPHS), site.run(ASSERTED_GRAPHS)
    )
    return view


def is_article(site: Site, iri: str) -> bool:
    """Whether ``iri`` is the source article this server can show through its graph."""
    view = article_view(site)
    return view is not None and view.source == iri


def article_page(site: Site, thing: ox.NamedNode, stem: str) -> Response:
    """The HTML document of the source article's IRI."""
    view = article_view(site)
    assert view is not None and view.source == thing.value  # the caller asked is_article
    jsonld = search_summary(site, thing)  # schema.org's words for it, as every thing's page embeds
    marked = sum(1 for s in view.sentences if not s.plain)
    return site.page(
        "article.html",
        view=view,
        about=view.about,
        compact=compact,
        stem=stem,
        marked=marked,
        formats=DOC_FORMATS,
        jsonld=script_safe(jsonld.decode("utf-8")),
    )
