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

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from bytedance_kg.project.errors import InputError
from bytedance_kg.project.namespaces import KG, OA, sorted_terms
from bytedance_kg.rdf.parsing import read_text
from bytedance_kg.rdf.triples import Triples


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
        return f"{self.quote}: {self.message}"


READS = (
    [KG.localCopy, KG.sha256, OA.hasSource, OA.hasSelector, OA.exact, OA.start, OA.end, OA.prefix, OA.suffix],
    [KG.SourceArticle, OA.TextQuoteSelector, OA.TextPositionSelector],
)
"""The predicates, and the classes of ``rdf:type`` triples, that the articles and the quote check
read: all they need of the data (see :meth:`~bytedance_kg.rdf.triples.Triples.having`)."""


def quote_graph(data: Triples) -> Graph:
    """The part of ``data`` that :func:`load_articles` and :func:`verify_quotes` read, as rdflib."""
    predicates, types = READS
    return data.having(map(str, predicates), map(str, types))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_articles(graph: Graph, root: Path) -> dict[URIRef, Article]:
    """Read every ``kg:SourceArticle``'s local copy and check it against the recorded SHA-256.

    A changed or missing file is an input error: every offset in the graph depends on its bytes.
    """
    articles: dict[URIRef, Article] = {}
    for iri in sorted_terms(graph.subjects(RDF.type, KG.SourceArticle)):
        local = graph.value(iri, KG.localCopy)
        recorded = graph.value(iri, KG.sha256)
        if local is None or recorded is None:
            raise InputError(str(iri), "source article lacks kg:localCopy or kg:sha256")
        path = (root / str(local)).resolve()
        if not path.is_relative_to(root.resolve()):
            raise InputError(str(iri), f"kg:localCopy {local!r} points outside the repository")
        if not path.is_file():
            raise InputError(path, f"local copy of <{iri}> is missing")
        actual = sha256_of(path)
        if actual != str(recorded):
            raise InputError(
                path, f"SHA-256 is {actual}, but the graph records {recorded}: the article changed"
            )
        text = read_text(path)
        articles[URIRef(iri)] = Article(URIRef(iri), path, text, actual)
    return articles


def _int(value: Node | None) -> int | None:
    return int(value) if isinstance(value, Literal) and str(value).isdigit() else None


def _selectors(graph: Graph, quote: Node) -> tuple[Node | None, Node | None]:
    text_selector = position_selector = None
    for selector in graph.objects(quote, OA.hasSelector):
        if (selector, RDF.type, OA.TextQuoteSelector) in graph:
            text_selector = selector
        if (selector, RDF.type, OA.TextPositionSelector) in graph:
            position_selector = selector
    return text_selector, position_selector


def check_quote(graph: Graph, quote: Node, article: Article) -> list[str]:
    """The ways in which one quote's selectors disagree with the article (empty if none)."""
    text_selector, position_selector = _selectors(graph, quote)
    if text_selector is None or position_selector is None:
        return ["needs both a TextQuoteSelector and a TextPositionSelector"]
    exact = graph.value(text_selector, OA.exact)
    start = _int(graph.value(position_selector, OA.start))
    end = _int(graph.value(position_selector, OA.end))
    if exact is None or start is None or end is None:
        return ["needs oa:exact, oa:start and oa:end"]
    text = article.text
    if not 0 <= start <= end <= len(text):
        return [f"offsets {start}..{end} lie outside the article (length {len(text)})"]
    problems = []
    if text[start:end] != str(exact):
        problems.append(f"article[{start}:{end}] is {text[start:end]!r}, not oa:exact {str(exact)!r}")
    prefix = str(graph.value(text_selector, OA.prefix) or "")
    suffix = str(graph.value(text_selector, OA.suffix) or "")
    if prefix and text[max(0, start - len(prefix)) : start] != prefix:
        problems.append(f"oa:prefix {prefix!r} does not precede the quote")
    if suffix and text[end : end + len(suffix)] != suffix:
        problems.append(f"oa:suffix {suffix!r} does not follow the quote")
    if not problems and text.find(prefix + str(exact) + suffix) != start - len(prefix):
        problems.append("the TextQuoteSelector first matches elsewhere: add or lengthen oa:prefix")
    return problems


def verify_quotes(graph: Graph, articles: dict[URIRef, Article]) -> list[QuoteProblem]:
    """Check every quote of every article; return the problems found."""
    problems: list[QuoteProblem] = []
    for quote in sorted_terms(set(graph.subjects(OA.hasSource, None))):
        source = graph.value(quote, OA.hasSource)
        article = articles.get(source) if isinstance(source, URIRef) else None
        if article is None:
            problems.append(QuoteProblem(quote, f"oa:hasSource <{source}> is not a known source article"))
            continue
        problems.extend(QuoteProblem(quote, message) for message in check_quote(graph, quote, article))
    return problems
