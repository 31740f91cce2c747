"""Moving terms between rdflib and pyoxigraph, and the canonical (RDFC-1.0) form of a dataset.

The pipeline holds its graphs in pyoxigraph (:mod:`bytedance_kg.rdf.triples`); rdflib terms come
in from the vocabularies and go out to the reference engine and the Python API. pyoxigraph also
has what rdflib lacks for publishing: RDF Dataset Canonicalization (RDFC-1.0), which gives blank
nodes labels that depend on the data alone, and serialisers that write triples in the order
given, so sorted input gives byte-stable output.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

import pyoxigraph as ox
import rdflib

from bytedance_kg.rdf.lexical import XSD_STRING

_XSD_STRING = ox.NamedNode(XSD_STRING)
Named = dict[str | None, rdflib.Graph]
"""Graphs by graph name (an IRI), ``None`` for the default graph."""


def to_ox(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """One rdflib term as a pyoxigraph term (lexical form, datatype and language kept)."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise TypeError(f"not an RDF term: {term!r}")


def ox_iri(iri: object) -> ox.NamedNode:
    """An IRI (an rdflib ``URIRef``, a namespace term, a string) as a pyoxigraph term: the
    constants of the stages that join pyoxigraph terms."""
    return ox.NamedNode(str(iri))


Token = bytes
"""A term as the bytes that stand for it in an N-Triples line pyoxigraph writes (``<iri>``, ``_:b0``,
``"text"@en``): equal exactly when the terms are, hashed once per object by Python (a pyoxigraph
term is hashed in Rust on every lookup), and what a line is split into and joined from."""
TokenTriple = tuple[Token, Token, Token]


def token(term: rdflib.term.Node | ox.NamedNode | ox.BlankNode | ox.Literal) -> Token:
    """A term's :data:`Token` (a pyoxigraph term's ``str`` is its N-Triples syntax, the
    serialiser's own)."""
    return str(to_ox(term) if isinstance(term, rdflib.term.Node) else term).encode()


def line_tokens(lines: Iterable[bytes]) -> list[TokenTriple]:
    """N-Triples lines as pyoxigraph writes them (``s p o .\n``, one space apart) as triples of
    tokens: a subject and a predicate never hold a space, so only the object can.

    A term is one ``bytes`` object however many lines name it: the million-triple synthetic data
    names each subject 5.7 times on average and a predicate 3,870 times (the median of 90). At a
    million triples a fresh object for every use was some 56k more pages of fresh memory (80k
    pages against 23k), which the machine of ``BENCHMARKS.md`` charges more for at that size
    (:mod:`bytedance_kg.bench.memory`); shared tokens also hash once and compare by identity in the
    reasoner's joins. The reasoning at a million triples, measured apart: 4.9-6.5 s (median 5.6,
    five runs) before, 3.9-4.9 s (median 4.3, four runs) after."""
    shared: dict[bytes, bytes] = {}
    one = shared.setdefault
    return [(one(s, s), one(p, p), one(o, o)) for s, p, o in (line[:-3].split(b" ", 2) for line in lines)]


def token_lines(triples: Iterable[TokenTriple]) -> list[bytes]:
    """Triples of tokens as N-Triples lines, as pyoxigraph would write them."""
    return [b"%s %s %s .\n" % triple for triple in triples]


def to_ox_subject(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode:
    """A triple's subject as a pyoxigraph term (:func:`to_ox`, for an IRI or a blank node)."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an IRI or a blank node: {term!r}")


def to_ox_predicate(term: rdflib.term.Node) -> ox.NamedNode:
    """A triple's predicate as a pyoxigraph term (:func:`to_ox`, for an IRI)."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    raise TypeError(f"not an IRI: {term!r}")


def to_quads(graph: rdflib.Graph, name: str | None = None) -> list[ox.Quad]:
    """The triples of an rdflib graph as pyoxigraph quads in graph ``name``."""
    graph_name = ox.NamedNode(name) if name else ox.DefaultGraph()
    return [ox.Quad(to_ox_subject(s), to_ox_predicate(p), to_ox(o), graph_name) for s, p, o in graph]


def _names_blank_node(quad: ox.Quad) -> bool:
    return (
        _holds_blank_node(quad.subject)
        or _holds_blank_node(quad.object)
        or isinstance(quad.graph_name, ox.BlankNode)
    )


def _holds_blank_node(term: object) -> bool:
    """Whether ``term`` is a blank node or an RDF 1.2 triple term holding one: the reified variant's
    ``record rdf:reifies <<( _:b p o )>>`` names the data's ``_:b``, and is relabelled with it."""
    if isinstance(term, ox.Triple):
        return _holds_blank_node(term.subject) or _holds_blank_node(term.object)
    return isinstance(term, ox.BlankNode)


def nquads_lines(quads: Iterable[ox.Quad]) -> list[bytes]:
    """The N-Quads of ``quads``, one line each, by pyoxigraph's serialiser (in the order given)."""
    return serialized(quads, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)


def in_graph(lines: Iterable[bytes], graph_name: str) -> list[bytes]:
    """N-Triples lines as N-Quads lines in the named graph ``graph_name`` (the graph put before the
    closing `` .``); the order of the lines is kept, and sorted lines stay sorted (a graph's name
    comes after its triple, so only the triple decides the order)."""
    suffix = f" <{graph_name}> .\n".encode()
    return [line[:-3] + suffix for line in lines]


@dataclass(frozen=True)
class Lines:
    """N-Quads (or N-Triples) lines as pyoxigraph writes them, with those among them that name a
    blank node: found once, for lines that go into several datasets (a graph of the release is in
    up to four of its files)."""

    lines: list[bytes]
    blank: frozenset[bytes]

    @classmethod
    def of(cls, lines: list[bytes]) -> Lines:
        # a literal may hold "_:" too: parse to be sure
        marked = [line for line in lines if b"_:" in line]
        return cls(lines, frozenset(line for line in marked if _names_blank_node_line(line)))

    def in_graph(self, graph_name: str) -> Lines:
        """The same lines as N-Quads in the named graph ``graph_name`` (the graph put before the
        closing `` .``), in their order: N-Triples lines to begin with."""
        suffix = f" <{graph_name}> .\n".encode()
        return Lines(
            [line[:-3] + suffix for line in self.lines], frozenset(line[:-3] + suffix for line in self.blank)
        )


def canonical_lines(runs: Iterable[Lines], distinct: bool = False) -> list[bytes]:
    """The RDFC-1.0 canonical form of a dataset given as :class:`Lines`: its lines sorted,
    duplicates merged (``distinct`` says that there are none: no two runs share a line, and no run
    repeats one, as when each run is a graph of the same dataset).

    RDFC-1.0 only relabels blank nodes, and a blank node's label depends only on the quads that
    name a blank node (its first-degree quads, and through them the blank nodes it is related to):
    so only those quads (a few hundred list cells and restrictions of the vocabularies) go through
    the canonicaliser, and the rest, in a large release nearly all, are sorted as bytes. Bytes sort
    as the text does (UTF-8 keeps code-point order), and sorting lines, not terms, keeps the
    per-quad work in C; runs that come sorted (each graph of the release, sorted once) merge in
    linear time, and one that names no blank node is taken whole: the million-triple release is
    written from these lines."""
    plain: list[bytes] = []
    blank: list[bytes] = []
    for run in runs:
        plain += [line for line in run.lines if line not in run.blank] if run.blank else run.lines
        blank += run.blank
    if blank:
        dataset = ox.Dataset(ox.parse(b"".join(blank), format=ox.RdfFormat.N_QUADS))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        plain += nquads_lines(dataset)
    plain.sort()
    return plain if distinct else [line for line, _ in groupby(plain)]


def _names_blank_node_line(line: bytes) -> bool:
    return any(_names_blank_node(quad) for quad in ox.parse(line, format=ox.RdfFormat.N_QUADS))


def canonical(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The RDFC-1.0 canonical form of a dataset (duplicates merged), sorted by N-Quads text
    (:func:`canonical_lines`)."""
    return list(
        ox.parse(b"".join(canonical_lines([Lines.of(nquads_lines(quads))])), format=ox.RdfFormat.N_QUADS)
    )


def canonical_quads(named: Named) -> list[ox.Quad]:
    """The RDFC-1.0 canonical form of rdflib graphs as a dataset, sorted by N-Quads text."""
    return canonical(quad for name, graph in named.items() for quad in to_quads(graph, name))


def serialized(
    triples: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """``ox.serialize`` to bytes: without an output file it returns them (its type says ``bytes | None``)."""
    data = ox.serialize(triples, format=format, prefixes=prefixes)
    assert data is not None
    return data


def nquads(quads: Iterable[ox.Quad]) -> str:
    """One quad a line, in the order given (N-Triples for default-graph quads)."""
    return "".join(f"{quad} .\n" for quad in quads)


def from_ox(value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> rdflib.term.Node:
    """One pyoxigraph term as an rdflib term (blank nodes keep their labels). rdflib has no RDF 1.2
    triple terms: one is a :class:`TypeError`."""
    if isinstance(value, ox.NamedNode):
        return rdflib.URIRef(value.value)
    if isinstance(value, ox.BlankNode):
        return rdflib.BNode(value.value)
    if isinstance(value, ox.Triple):
        raise TypeError(f"rdflib has no triple terms: {value}")
    if getattr(value, "direction", None):
        raise TypeError(f"rdflib has no literals with a base direction: {value}")
    if value.language:
        return rdflib.Literal(value.value, lang=value.language)
    if value.datatype == _XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string; rdflib keeps it untyped
        return rdflib.Literal(value.value)
    return rdflib.Literal(value.value, datatype=rdflib.URIRef(value.datatype.value))


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI that can be written between ``<`` and ``>`` in SPARQL
    and Turtle as it is (pyoxigraph accepts it, and it holds none of the characters those
    syntaxes forbid there)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return not any(c in text for c in '<>"{}|^`\\ ')
