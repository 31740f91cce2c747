"""The source article: its checksum, and proof that every quote is where it says it is.

Quotes are Web Annotation ``oa:SpecificResource`` nodes with a ``TextQuoteSelector`` (exact text,
prefix, suffix) and a ``TextPositionSelector`` (start inclusive, end exclusive, in Unicode code
points, which is how Python indexes ``str``). Verification slices the article file itself, so a
quote can never drift from the words it claims.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from bytedance_kg.project.errors import InputError
from bytedance_kg.project.namespaces import KG, OA, REPORT_NAMES, sorted_terms
from bytedance_kg.rdf.parsing import read_text
from bytedance_kg.rdf.terms import from_ox, ox_iri, to_ox
from bytedance_kg.rdf.triples import Index, Term, Triples


@dataclass(frozen=True)
class Article:
    """A source article: its IRI in the graph, the local file and its text."""

    iri: URIRef
    path: Path
    text: str
    sha256: str


@dataclass(frozen=True)
class QuoteProblem:
    """One selector that does not match the article."""

    quote: Node
    message: str

    def __str__(self) -> str:
        return f"{_named(self.quote)}: {self.message}"


def _named(term: Node) -> str:
    """A term as the shape and gate reports write it (:data:`REPORT_NAMES`); a blank node as
    ``_:label``."""
    return term.n3(REPORT_NAMES) if hasattr(term, "n3") else str(term)


READS = (
    [KG.localCopy, KG.sha256, OA.hasSource, OA.hasSelector, OA.exact, OA.start, OA.end, OA.prefix, OA.suffix],
    [KG.SourceArticle, OA.TextQuoteSelector, OA.TextPositionSelector],
)
"""The predicates, and the classes of ``rdf:type`` triples, that the articles and the quote check
read: all they need of the data."""
_TYPE, _SOURCE_ARTICLE = ox_iri(RDF.type), ox_iri(KG.SourceArticle)
_LOCAL_COPY, _SHA256, _HAS_SOURCE = ox_iri(KG.localCopy), ox_iri(KG.sha256), ox_iri(OA.hasSource)
_HAS_SELECTOR, _EXACT, _PREFIX, _SUFFIX = (
    ox_iri(p) for p in (OA.hasSelector, OA.exact, OA.prefix, OA.suffix)
)
_START, _END = ox_iri(OA.start), ox_iri(OA.end)
_QUOTE_SELECTOR, _POSITION_SELECTOR = ox_iri(OA.TextQuoteSelector), ox_iri(OA.TextPositionSelector)


def quote_data(data: Triples | Graph) -> Index:
    """The part of ``data`` that :func:`load_articles` and :func:`verify_quotes` read, indexed
    (pyoxigraph terms: at a million triples an rdflib graph of this part took two seconds to make
    and most of the check's time to read)."""
    triples = Triples.of_graph(data) if isinstance(data, Graph) else data
    predicates, types = READS
    wanted = {ox_iri(p) for p in predicates}
    classes = {ox_iri(c) for c in types}
    return Index(Triples((t for t in triples if _reads(t, wanted, classes)), distinct=True))


def _reads(triple: ox.Triple, predicates: set[ox.NamedNode], classes: set[ox.NamedNode]) -> bool:
    """Whether the quote check reads ``triple``; its predicate is made once (each read of a
    pyoxigraph term's part makes a new Python object, and all but a quarter of a million triples
    fail both tests)."""
    predicate = triple.predicate
    return predicate in predicates or (predicate == _TYPE and triple.object in classes)


def _indexed(data: Index | Triples | Graph) -> Index:
    return data if isinstance(data, Index) else quote_data(data)


def _text(term: Term | None) -> str:
    """A term's lexical form or IRI, as rdflib's ``str`` gives it ("" for none)."""
    return "" if term is None or isinstance(term, ox.Triple) else term.value


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_articles(data: Index | Triples | Graph, root: Path) -> dict[URIRef, Article]:
    """Read every ``kg:SourceArticle``'s local copy and check it against the recorded SHA-256.

    A changed or missing file is an input error: every offset in the graph depends on its bytes.
    ``data`` is the data, or what :func:`quote_data` made of it.
    """
    index = _indexed(data)
    articles: dict[URIRef, Article] = {}
    for node in sorted_terms(
        from_ox(t.subject) for t in index.incoming.get(_SOURCE_ARTICLE, ()) if t.predicate == _TYPE
    ):
        subject = to_ox(node)
        copies, records = index.values(subject, _LOCAL_COPY), index.values(subject, _SHA256)
        if not copies or not records:
            raise InputError(_named(node), "source article lacks kg:localCopy or kg:sha256")
        for name, values in (("kg:localCopy", copies), ("kg:sha256", records)):
            if len(values) > 1:
                raise InputError(_named(node), f"source article has {_several(name, values)}")
        local, recorded = copies[0], records[0]
        if not isinstance(local, ox.Literal):
            raise InputError(_named(node), f"kg:localCopy {_named(from_ox(local))} is not a path (a string)")
        path = (root / _text(local)).resolve()
        if not path.is_relative_to(root.resolve()):
            raise InputError(
                _named(node), f"kg:localCopy {_named(from_ox(local))} points outside the repository"
            )
        if not path.is_file():
            missing = "is not a file" if path.exists() else "is missing"
            raise InputError(path, f"local copy of {_named(node)} ({_named(from_ox(local))}) {missing}")
        actual = sha256_of(path)
        if actual != _text(recorded):
            raise InputError(
                path,
                f"SHA-256 is {actual}, but {_named(node)} records {_named(from_ox(recorded))}: the article "
                "changed, or the record is wrong",
            )
        text = read_text(path)
        articles[URIRef(node)] = Article(URIRef(node), path, text, actual)
    return articles


def _int(value: Term | None) -> int | None:
    # ASCII digits only: str.isdigit also holds for "³" and other scripts' digits, which int() refuses
    text = value.value if isinstance(value, ox.Literal) else ""
    return int(text) if text.isascii() and text.isdigit() else None


def _selectors(index: Index, quote: Term) -> tuple[list[Term], list[Term]]:
    """The quote's text selectors and position selectors."""
    text_selectors: list[Term] = []
    position_selectors: list[Term] = []
    for selector in index.values(quote, _HAS_SELECTOR):
        kinds = index.types(selector)
        if _QUOTE_SELECTOR in kinds:
            text_selectors.append(selector)
        if _POSITION_SELECTOR in kinds:
            position_selectors.append(selector)
    return text_selectors, position_selectors


def _several(name: str, values: list[Term]) -> str:
    """``values`` of ``name`` where one is wanted, sorted so that the message does not depend on
    the order of the triples."""
    return f"{len(values)} values of {name}: " + ", ".join(sorted(_named(from_ox(v)) for v in values))


def check_quote(index: Index, quote: Term, article: Article | None) -> list[str]:
    """The ways in which one quote's selectors disagree with the article (empty if none); with no
    article (its source is not a known one), the ways in which they are malformed."""
    text_selectors, position_selectors = _selectors(index, quote)
    if not text_selectors or not position_selectors:
        return ["needs both a TextQuoteSelector and a TextPositionSelector"]
    if len(text_selectors) > 1 or len(position_selectors) > 1:
        counts = f"{len(text_selectors)} and {len(position_selectors)}"
        return [f"needs one TextQuoteSelector and one TextPositionSelector, not {counts}"]
    text_selector, position_selector = text_selectors[0], position_selectors[0]
    given = {
        "oa:exact": index.values(text_selector, _EXACT),
        "oa:start": index.values(position_selector, _START),
        "oa:end": index.values(position_selector, _END),
    }
    offsets = {
        name: _int(given[name][0]) if len(given[name]) == 1 else None for name in ("oa:start", "oa:end")
    }
    faults = []
    for name, values in given.items():
        if not values:
            faults.append(f"{name} is missing")
        elif len(values) > 1:
            faults.append(_several(name, values))
        elif name in offsets and offsets[name] is None:
            faults.append(f"{name} {_named(from_ox(values[0]))} is not a whole number")
    start, end = offsets["oa:start"], offsets["oa:end"]
    if faults or start is None or end is None:
        return ["needs oa:exact, oa:start and oa:end: " + "; ".join(faults)]
    exact = given["oa:exact"][0]
    if start > end:
        return [f"oa:start {start} is after oa:end {end}"]
    if article is None:
        return []
    text = article.text
    if end > len(text):
        return [f"offsets {start}..{end} lie outside the article (length {len(text)})"]
    problems = []
    if text[start:end] != _text(exact):
        written = _named(Literal(text[start:end]))
        problems.append(f"article[{start}:{end}] is {written}, not oa:exact {_named(from_ox(exact))}")
    prefix_term, suffix_term = index.value(text_selector, _PREFIX), index.value(text_selector, _SUFFIX)
    prefix, suffix = _text(prefix_term), _text(suffix_term)
    if prefix_term is not None and prefix and text[max(0, start - len(prefix)) : start] != prefix:
        problems.append(f"oa:prefix {_named(from_ox(prefix_term))} does not precede the quote")
    if suffix_term is not None and suffix and text[end : end + len(suffix)] != suffix:
        problems.append(f"oa:suffix {_named(from_ox(suffix_term))} does not follow the quote")
    if not problems and text.find(prefix + _text(exact) + suffix) != start - len(prefix):
        problems.append("the TextQuoteSelector first matches elsewhere: add or lengthen oa:prefix")
    return problems


def verify_quotes(data: Index | Triples | Graph, articles: dict[URIRef, Article]) -> list[QuoteProblem]:
    """Check every quote of every article; return the problems found. ``data`` is the data, or
    what :func:`quote_data` made of it."""
    index = _indexed(data)
    # every quote: what has a source or a selector (one with neither is the shapes' to report),
    # each with every source it names
    sources: dict[Term, list[Term]] = {}
    for t in index.data:
        if t.predicate == _HAS_SOURCE:
            sources.setdefault(t.subject, []).append(t.object)
        elif t.predicate == _HAS_SELECTOR:
            sources.setdefault(t.subject, [])
    found: dict[tuple[Term, str], None] = {}  # a set that keeps the order found
    # in the data's order, which is the order of the memory that holds it; sorted by quote below,
    # where nearly always there is nothing to sort
    for quote, given in sources.items():
        known: list[Article | None] = []
        for source in given:
            article = articles.get(URIRef(source.value)) if isinstance(source, ox.NamedNode) else None
            if article is None:
                found[quote, f"oa:hasSource {_named(from_ox(source))} is not a known source article"] = None
            else:
                known.append(article)
        for article in known or [None]:  # with no known article, what can be checked without one
            found.update(((quote, message), None) for message in check_quote(index, quote, article))
    problems = list(found)
    named = {quote: from_ox(quote) for quote, _ in problems}
    order: dict[Node, int] = {node: rank for rank, node in enumerate(sorted_terms(named.values()))}
    return sorted(  # stable: a quote's problems stay in the order found
        (QuoteProblem(named[quote], message) for quote, message in problems),
        key=lambda problem: order[problem.quote],
    )
