"""Maintainer tool: anchor each quote's exact text to its offsets in the article.

A curator writes a quote as a ``TextQuoteSelector`` with ``oa:exact`` (and, if the text occurs
more than once, an ``oa:prefix`` to say which). This module finds it in the article and writes the
full selectors, so nobody counts characters by hand:

* ``<quote>#text``: ``oa:TextQuoteSelector`` with ``oa:exact``, ``oa:prefix``, ``oa:suffix``;
* ``<quote>#position``: ``oa:TextPositionSelector`` with ``oa:start`` and ``oa:end``.

Running it again changes nothing (the offsets are recomputed from the same text).
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from bytedance_kg.pipeline.article import Article
from bytedance_kg.project.errors import InputError
from bytedance_kg.project.namespaces import KG, OA, sorted_terms

CONTEXT = 24
"""Characters of prefix and suffix context recorded with every quote."""


def locate(text: str, exact: str, prefix: str = "") -> int:
    """The start offset of ``exact`` in ``text`` (after ``prefix`` if given); unique or an error."""
    needle = prefix + exact
    first = text.find(needle)
    if first < 0:
        raise ValueError(f"not found in the article: {needle!r}")
    if text.find(needle, first + 1) >= 0:
        raise ValueError(f"occurs more than once; give an oa:prefix to choose: {needle!r}")
    return first + len(prefix)


def _drop_selector(graph: Graph, selector: Node) -> None:
    graph.remove((selector, None, None))


def anchor_quotes(graph: Graph, article: Article) -> int:
    """Rewrite every ``kg:Quote``'s selectors from its exact text; return how many quotes."""
    count = 0
    for quote in sorted_terms(graph.subjects(RDF.type, KG.Quote)):
        if not isinstance(quote, URIRef):
            raise InputError(str(quote), "a kg:Quote needs an IRI")
        text_selectors = [
            s for s in graph.objects(quote, OA.hasSelector) if (s, RDF.type, OA.TextQuoteSelector) in graph
        ]
        if len(text_selectors) != 1:
            raise InputError(str(quote), "needs exactly one oa:TextQuoteSelector with oa:exact")
        old = text_selectors[0]
        exact = str(graph.value(old, OA.exact) or "")
        given_prefix = str(graph.value(old, OA.prefix) or "")
        try:
            start = locate(article.text, exact, given_prefix)
        except ValueError as error:
            raise InputError(str(quote), str(error)) from None
        end = start + len(exact)
        for selector in list(graph.objects(quote, OA.hasSelector)):
            graph.remove((quote, OA.hasSelector, selector))
            if isinstance(selector, BNode) or str(selector).startswith(str(quote) + "#"):
                _drop_selector(graph, selector)
        text_iri, position_iri = URIRef(f"{quote}#text"), URIRef(f"{quote}#position")
        graph.set((quote, OA.hasSource, article.iri))
        graph.add((quote, OA.hasSelector, text_iri))
        graph.add((quote, OA.hasSelector, position_iri))
        graph.add((text_iri, RDF.type, OA.TextQuoteSelector))
        graph.add((text_iri, OA.exact, Literal(exact)))
        for prop, context in (
            (OA.prefix, article.text[max(0, start - CONTEXT) : start]),
            (OA.suffix, article.text[end : end + CONTEXT]),
        ):
            if context:
                graph.add((text_iri, prop, Literal(context)))
        graph.add((position_iri, RDF.type, OA.TextPositionSelector))
        graph.add((position_iri, OA.start, Literal(start, datatype=XSD.integer)))
        graph.add((position_iri, OA.end, Literal(end, datatype=XSD.integer)))
        count += 1
    return count
