"""The project's sources as one RDF dataset of named graphs.

Quality gates need to tell apart where a triple comes from (a standard term *used* in the data
but only *declared* in the vendored vocabularies), so the sources are loaded as separate named
graphs. The same graph names label the N-Quads/TriG distributions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.term import Node

from bytedance_kg.pipeline.evidence import Split, split
from bytedance_kg.project.graphs import GRAPH, PART_GRAPH, QUERY_GRAPHS
from bytedance_kg.project.namespaces import bind_prefixes, new_graph
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.rdf.parsing import load_all, load_turtle
from bytedance_kg.rdf.terms import to_quads


@dataclass
class Sources:
    """The parsed source files, one graph each."""

    ontology: Graph
    imports: Graph
    shapes: Graph
    data: Graph
    """The data as written: stated and implied facts, each with its record (see :mod:`evidence`)."""
    _split: Split | None = field(default=None, repr=False, compare=False)
    _quads: dict[str, list[ox.Quad]] = field(default_factory=dict, repr=False, compare=False)
    _inferred: tuple[Graph, list[ox.Quad]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, paths: ProjectPaths, data_files: list[Path] | None = None) -> Sources:
        """The project's sources; ``data_files`` (if given) stand in for ``data/bytedance.ttl``."""
        return cls(
            ontology=load_turtle(paths.ontology),
            imports=load_all(paths.imports),
            shapes=load_turtle(paths.shapes),
            data=load_all(data_files) if data_files else load_turtle(paths.data),
        )

    def evidence(self) -> Split:
        """The data routed into what the article states and what it only implies (computed once)."""
        if self._split is None:
            self._split = split(self.data)
        return self._split

    @property
    def stated(self) -> Graph:
        return self.evidence().stated

    @property
    def implied(self) -> Graph:
        return self.evidence().implied

    def asserted(self) -> Graph:
        """Ontology and stated data together: what the saved queries' ``asserted`` graph holds."""
        return union(self.ontology, self.stated)

    def asserted_triples(self) -> set[tuple[Node, Node, Node]]:
        """The triples of :meth:`asserted` as a set: for counting, without building a graph."""
        return set(self.ontology) | set(self.stated)

    def terminology(self) -> Graph:
        """Ontology and vendored vocabularies: the reasoner's terminology."""
        return union(self.ontology, self.imports)

    def quads(self, part: str) -> list[ox.Quad]:
        """One part of the sources (``ontology``, ``imports``, ``shapes``, ``data`` as written, or
        its ``stated`` or ``implied`` share) as pyoxigraph quads in its named graph: converted from
        rdflib once, then shared by the gates, the saved queries' check and the writers."""
        if part not in self._quads:
            graph = {"stated": self.stated, "implied": self.implied}.get(part) or getattr(self, part)
            self._quads[part] = to_quads(graph, str(GRAPH[PART_GRAPH[part]]))
        return self._quads[part]

    def release_graphs(self, inferred: Graph) -> dict[str, list[ox.Quad]]:
        """Every named graph of the release (:data:`GRAPH`) as quads, the ``inferred`` graph (the
        closure's) converted once per closure."""
        if self._inferred is None or self._inferred[0] is not inferred:
            self._inferred = (inferred, to_quads(inferred, str(GRAPH["inferred"])))
        graphs = {name: self.quads(name) for name in ("ontology", "shapes", "imports", "implied")}
        return {**graphs, "data": self.quads("stated"), "inferred": self._inferred[1]}

    def shared_triples(self) -> list[str]:
        """Triples held by two of the sources the default graph merges (ontology, vocabularies,
        stated data), each as a problem: the build keeps those graphs disjoint, so that the
        endpoint's default graph is the same whether a store merges them or unions them (a union
        would repeat a triple two of them hold)."""
        owner: dict[tuple[object, object, object], str] = {}
        for part in ("ontology", "imports"):
            for quad in self.quads(part):
                owner.setdefault((quad.subject, quad.predicate, quad.object), part)
        problems = []
        for part, quads in (("imports", self.quads("imports")), ("data", self.quads("stated"))):
            for quad in quads:
                first = owner.get((quad.subject, quad.predicate, quad.object))
                if first is not None and first != part:
                    problems.append(
                        f"{quad.subject} {quad.predicate} {quad.object} is in both the {first} and the "
                        f"{part}: state it in one of them"
                    )
        return sorted(problems)

    def store(self) -> ox.Store:
        """All sources as named graphs in a pyoxigraph store (what the build runs the gates on)."""
        store = ox.Store()
        for part in ("ontology", "imports", "shapes", "data"):
            store.bulk_extend(self.quads(part))
        return store

    def dataset(self, inferred: Graph | None = None) -> Dataset:
        """All sources as named graphs (and the inferences, when given)."""
        dataset = Dataset()
        bind_prefixes(dataset)
        parts = {"ontology": self.ontology, "imports": self.imports, "shapes": self.shapes, "data": self.data}
        if inferred is not None:
            parts["inferred"] = inferred
        for name, graph in parts.items():
            named = dataset.graph(GRAPH[name])
            for triple in graph:
                named.add(triple)
        return dataset


def query_store(graphs: dict[str, list[ox.Quad]], mode: str) -> ox.Store:
    """A store whose default graph merges the named graphs a saved query's ``Graph:`` header names
    (:data:`QUERY_GRAPHS`), from the release's graphs as quads."""
    default = ox.DefaultGraph()
    store = ox.Store()
    wanted = [name for name, iri in GRAPH.items() if str(iri) in QUERY_GRAPHS[mode]]
    store.bulk_extend(
        ox.Quad(q.subject, q.predicate, q.object, default) for name in wanted for q in graphs[name]
    )
    return store


def union(*graphs: Graph) -> Graph:
    """A new graph holding every triple of ``graphs``."""
    out = new_graph()
    for graph in graphs:
        for triple in graph:
            out.add(triple)
    return out
