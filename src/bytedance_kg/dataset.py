"""The project's sources as one RDF dataset of named graphs.

Quality gates need to tell apart where a triple comes from (a standard term *used* in the data
but only *declared* in the vendored vocabularies), so the sources are loaded as separate named
graphs. The same graph names label the N-Quads/TriG distributions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from bytedance_kg.evidence import Split, split
from bytedance_kg.loading import load_all, load_turtle
from bytedance_kg.namespaces import BASE, bind_prefixes, new_graph
from bytedance_kg.paths import ProjectPaths
from bytedance_kg.rdfio import to_quads

GRAPH = {
    "ontology": URIRef(BASE + "graph/ontology"),
    "imports": URIRef(BASE + "graph/imports"),
    "shapes": URIRef(BASE + "graph/shapes"),
    "data": URIRef(BASE + "graph/data"),
    "inferred": URIRef(BASE + "graph/inferred"),
    "implied": URIRef(BASE + "graph/implied"),
}
"""Names of the graphs in the dataset, one per kind of source, plus the inferences."""
VOID_GRAPH = BASE + "graph/void"
"""The graph a store holds the VoID description in (``load`` and ``serve`` put it there)."""
ASSERTED_GRAPHS = [str(GRAPH["ontology"]), str(GRAPH["data"])]
"""The asserted variant as named graphs: what the saved queries marked ``Graph: asserted`` read."""
FULL_GRAPHS = [str(GRAPH[name]) for name in ("ontology", "imports", "data", "inferred")]
"""The reasoned variant as named graphs: the endpoint's default graph."""
WITH_IMPLIED_GRAPHS = [str(GRAPH[name]) for name in ("ontology", "data", "implied")]
"""What the article states and what it only implies, as written (no reasoning)."""
QUERY_GRAPHS = {"asserted": ASSERTED_GRAPHS, "full": FULL_GRAPHS, "all": WITH_IMPLIED_GRAPHS}
"""The default graph a saved query runs on, by its ``Graph:`` header."""


@dataclass
class Sources:
    """The parsed source files, one graph each."""

    ontology: Graph
    imports: Graph
    shapes: Graph
    data: Graph
    """The data as written: stated and implied facts, each with its record (see :mod:`evidence`)."""
    _split: Split | None = field(default=None, repr=False, compare=False)

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

    def reasoning_input(self) -> Graph:
        """Ontology, vendored vocabularies and the stated data: the input of OWL RL reasoning (nothing
        inferred rests on an implied fact)."""
        return union(self.ontology, self.imports, self.stated)

    def store(self) -> ox.Store:
        """All sources as named graphs in a pyoxigraph store (what the build runs the gates on)."""
        store = ox.Store()
        parts = {"ontology": self.ontology, "imports": self.imports, "shapes": self.shapes, "data": self.data}
        for name, graph in parts.items():
            store.bulk_extend(to_quads(graph, str(GRAPH[name])))
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


def union(*graphs: Graph) -> Graph:
    """A new graph holding every triple of ``graphs``."""
    out = new_graph()
    for graph in graphs:
        for triple in graph:
            out.add(triple)
    return out
