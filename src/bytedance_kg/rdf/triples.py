"""The pipeline's one data model: a graph as a list of distinct pyoxigraph triples.

An rdflib graph costs about 15 µs and well over a kilobyte a triple to build, and walking it goes
through its context machinery; at a million triples the build spent most of its time and memory
there. So the data, its stated and implied shares and the inferences are held as
:class:`Triples` from the parse to the writers: pyoxigraph terms (hashable, compared in Rust), its
serialisers for bytes, and a pyoxigraph store where a stage asks SPARQL. rdflib stays at the edges:
:meth:`Triples.graph` makes an rdflib graph on first use, for the reference engine, the public
Python API and the tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from bytedance_kg.project.namespaces import new_graph
from bytedance_kg.rdf.terms import from_ox, in_graph, to_ox, to_ox_predicate, to_ox_subject

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""A pyoxigraph term as pyoxigraph types it (the sources refuse RDF 1.2 triple terms at the parse)."""
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_LINES_AT_ONCE = 1 << 15
_BLANK = b"_:"
_FILL_AT_ONCE = 1 << 18
"""Lines a store is filled with at once (some tens of MB): the whole graph joined into one object
would be fresh memory twice its size, which cost as much as the fill."""


class Triples:
    """Distinct triples in a fixed order, with the views the pipeline's stages read, each made once.

    Triples are held as pyoxigraph terms, or as N-Triples lines when they come from a file or go
    to a store or a writer: either form is made from the other on first use, so triples that only
    pass from a file to a store are never turned into Python objects."""

    __slots__ = ("_items", "_set", "_graph", "_lines", "_blank", "written_here")

    def __init__(self, items: Iterable[ox.Triple], distinct: bool = False) -> None:
        self._items: list[ox.Triple] | None = list(items) if distinct else list(dict.fromkeys(items))
        self._set: set[ox.Triple] | None = None
        self._graph: rdflib.Graph | None = None
        self._lines: list[bytes] | None = None
        self._blank: bool | None = None
        self.written_here = True
        """Whether :meth:`lines` are pyoxigraph's serialisation of terms it made, which it checked
        as it made them (an IRI, a language tag): a store may then load them without checking
        them again (:func:`fill`). Lines read from a file as they are (:meth:`of_lines`) are not."""

    @classmethod
    def of_lines(cls, lines: list[bytes], written_here: bool = False) -> Triples:
        """Distinct triples given as N-Triples lines as pyoxigraph writes them (``... .\n``);
        ``written_here`` if pyoxigraph made them from terms it checked (:attr:`written_here`)."""
        triples = cls((), distinct=True)
        triples._items, triples._lines, triples.written_here = None, lines, written_here
        return triples

    @classmethod
    def with_lines(cls, items: list[ox.Triple], lines: list[bytes], written_here: bool) -> Triples:
        """Distinct triples with their N-Triples lines, one each in the same order: a share of a
        graph whose lines were made already, so that they are not serialised again."""
        triples = cls(items, distinct=True)
        triples._lines, triples.written_here = lines, written_here
        return triples

    @property
    def has_lines(self) -> bool:
        """Whether :meth:`lines` are made already (then asking for them costs nothing)."""
        return self._lines is not None

    @classmethod
    def of_graph(cls, graph: rdflib.Graph) -> Triples:
        """The triples of an rdflib graph (a graph has no duplicates)."""
        return cls(
            (ox.Triple(to_ox_subject(s), to_ox_predicate(p), to_ox(o)) for s, p, o in graph), distinct=True
        )

    @property
    def items(self) -> list[ox.Triple]:
        if self._items is None:
            assert self._lines is not None
            self._items = [q.triple for q in ox.parse(b"".join(self._lines), format=ox.RdfFormat.N_TRIPLES)]
        return self._items

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self._lines) if self._items is None and self._lines is not None else len(self.items)

    def __contains__(self, triple: object) -> bool:
        if self._set is None:
            self._set = set(self.items)
        return triple in self._set

    def lines(self) -> list[bytes]:
        """One N-Triples line a triple, by pyoxigraph's serialiser, in this order: serialised
        some tens of thousands at a time, so that the whole graph is never one object as well
        (at a million triples, two copies of 150 MB in fresh memory)."""
        if self._lines is None:
            items, lines, blank = self.items, list[bytes](), False
            for start in range(0, len(items), _LINES_AT_ONCE):
                data = ox.serialize(items[start : start + _LINES_AT_ONCE], format=ox.RdfFormat.N_TRIPLES)
                if data:
                    blank = blank or _BLANK in data
                    lines += data.splitlines(keepends=True)
            self._lines, self._blank = lines, blank
        return self._lines

    def may_name_blank_node(self) -> bool:
        """Whether a line holds ``_:``: a blank node's label, or those characters in a literal.
        Found in each run of lines as it is serialised, while it is one object in the processor's
        cache (else once, some tens of thousands of lines at a time). A search of each line in
        Python, in the thread that fills a store beside the build's stages, took turns with the
        quote check for the interpreter lock: 0.7 s of the check at a million triples."""
        if self._blank is None:
            lines = self.lines()
            if self._blank is None:
                self._blank = any(
                    _BLANK in b"".join(lines[start : start + _LINES_AT_ONCE])
                    for start in range(0, len(lines), _LINES_AT_ONCE)
                )
        return self._blank

    def nquads(self, graph_name: str) -> list[bytes]:
        """One N-Quads line a triple, in the named graph ``graph_name``: the N-Triples lines with
        the graph put before their closing `` .``."""
        return in_graph(self.lines(), graph_name)

    def graph(self) -> rdflib.Graph:
        """The same triples as an rdflib graph, made on first use (each distinct term converted once)."""
        if self._graph is None:
            self._graph = to_graph(self.items)
        return self._graph

    @property
    def graph_made(self) -> bool:
        """Whether :meth:`graph` has made its rdflib graph (the build's own path never does)."""
        return self._graph is not None


def to_graph(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """An rdflib graph (with the project's prefixes) of pyoxigraph triples."""
    graph = new_graph()
    memo: dict[Term, Node] = {}

    def term(value: Term) -> Node:
        found = memo.get(value)
        if found is None:
            found = memo[value] = from_ox(value)
        return found

    for triple in triples:
        graph.add((term(triple.subject), term(triple.predicate), term(triple.object)))
    return graph


class Index:
    """A graph's triples by subject and by object: the joins a stage makes in Python."""

    def __init__(self, data: Triples) -> None:
        self.outgoing: dict[Term, list[ox.Triple]] = defaultdict(list)
        self.incoming: dict[Term, list[ox.Triple]] = defaultdict(list)
        for triple in data:
            self.outgoing[triple.subject].append(triple)
            self.incoming[triple.object].append(triple)
        self.data = data

    def __contains__(self, triple: ox.Triple) -> bool:
        """Whether the graph holds ``triple``, among its subject's triples: for a stage that asks of
        a few triples, where :meth:`Triples.__contains__` would hash the whole graph first."""
        return triple in self.outgoing.get(triple.subject, ())

    def value(self, subject: Term, predicate: ox.NamedNode) -> Term | None:
        """One object of ``subject`` and ``predicate`` (the first), or ``None``."""
        return next((t.object for t in self.outgoing.get(subject, ()) if t.predicate == predicate), None)

    def values(self, subject: Term, predicate: ox.NamedNode) -> list[Term]:
        """Every object of ``subject`` and ``predicate``, in the data's order."""
        return [t.object for t in self.outgoing.get(subject, ()) if t.predicate == predicate]

    def types(self, node: Term) -> set[Term]:
        return {t.object for t in self.outgoing.get(node, ()) if t.predicate == _TYPE}

    def subjects(self, predicate: ox.NamedNode, obj: Term) -> set[Term]:
        return {t.subject for t in self.incoming.get(obj, ()) if t.predicate == predicate}


def fill(
    store: ox.Store,
    lines: Iterable[bytes],
    syntax: ox.RdfFormat = ox.RdfFormat.N_TRIPLES,
    graph: ox.NamedNode | None = None,
    checked: bool = False,
) -> ox.Store:
    """Load N-Triples or N-Quads lines into ``store`` (N-Triples into ``graph`` if given), blank-node
    labels kept.

    pyoxigraph's bulk loader gives every blank node a new label (0.5.13 has no option to keep
    them), and a label is how a validation result or a query's answer names the node the data
    names. So the few lines that may name a blank node are parsed and added as terms, and the rest
    go through the bulk loader, which is the fast path for nearly all of a large graph; lines that
    are ``checked`` already (:attr:`Triples.written_here`) skip its IRI checks, a seventh of its
    time. Nothing
    here walks the lines one by one in Python: the stores are filled in a background thread beside
    the build's own stages, and such a loop would take the interpreter lock from them."""
    lines = lines if isinstance(lines, list) else list(lines)
    for start in range(0, len(lines), _FILL_AT_ONCE):
        plain, blank = split_blank_lines(b"".join(lines[start : start + _FILL_AT_ONCE]))
        if graph is None:
            store.bulk_load(plain, format=syntax, lenient=checked)
        else:
            store.bulk_load(plain, format=syntax, to_graph=graph, lenient=checked)
        if blank:
            quads = ox.parse(blank, format=syntax)
            store.bulk_extend(
                quads if graph is None else (ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)
            )
    return store


class Queryable(Protocol):
    """What a stage that asks SPARQL needs of a store: a store, or some of its graphs as one
    (:class:`MergedGraphs`)."""

    def query(self, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples: ...


@dataclass(frozen=True)
class MergedGraphs:
    """Graphs of a store asked as one default graph, with no named graphs: what a store that holds
    their merge answers, as long as no triple is in two of them (a union of graphs, which is what
    a query over several sees, repeats such a triple; a merge holds it once). So one store of a
    million triples can serve two stages that read the same data in different arrangements."""

    store: ox.Store
    graphs: tuple[ox.NamedNode | ox.DefaultGraph, ...]

    def query(self, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        return self.store.query(query, default_graph=list(self.graphs), named_graphs=[])


def named_graph_store(graphs: Mapping[str, Triples], store: ox.Store | None = None) -> ox.Store:
    """A store (``store``, or a new one) holding each of ``graphs`` (by graph IRI) in its named
    graph, filled from its N-Triples lines (:func:`fill`)."""
    store = ox.Store() if store is None else store
    for name, triples in graphs.items():
        fill(store, triples.lines(), graph=ox.NamedNode(name), checked=triples.written_here)
    return store


def split_blank_lines(data: bytes) -> tuple[bytes, bytes]:
    """``data`` (whole lines) as the lines without ``_:`` and the lines with it (a blank node's
    label, or those characters in a literal), each in its order: found with ``bytes.find``, so the
    cost in Python is a step per such line, not per line."""
    kept: list[bytes] = []
    blank: list[bytes] = []
    start = 0
    at = data.find(_BLANK)
    while at != -1:
        begin = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end == -1 else end + 1
        kept.append(data[start:begin])
        blank.append(data[begin:end])
        start = end
        at = data.find(_BLANK, start)
    if not blank:
        return data, b""
    kept.append(data[start:])
    return b"".join(kept), b"".join(blank)
