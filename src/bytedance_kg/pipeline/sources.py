"""The project's sources as one RDF dataset of named graphs.

Quality gates need to tell apart where a triple comes from (a standard term *used* in the data
but only *declared* in the vendored vocabularies), so the sources are loaded as separate named
graphs. The same graph names label the N-Quads/TriG distributions.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from bytedance_kg.pipeline.evidence import Split, split
from bytedance_kg.project.graphs import GRAPH, PART_GRAPH, QUERY_GRAPHS
from bytedance_kg.project.namespaces import bind_prefixes, new_graph
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.rdf.parsing import load_triples, parse_bytes, read_bytes
from bytedance_kg.rdf.triples import MergedGraphs, Triples, fill, named_graph_store
from bytedance_kg.system.background import in_background

_DATA_GRAPH = ox.NamedNode(str(GRAPH[PART_GRAPH["data"]]))

PARTS = ("ontology", "imports", "shapes", "data")
"""The source files' parts, each a named graph of the release (``data`` as its stated share)."""


@dataclass
class Sources:
    """The parsed source files, one :class:`~bytedance_kg.rdf.triples.Triples` a part.

    The build reads the parts as triples (:meth:`triples`, :meth:`store`); the rdflib graphs
    (:attr:`ontology`, :attr:`data`, ...) are made on first use, for the reference engine, the
    vocabulary stages (pyLODE, the reasoner's terminology) and the Python API."""

    parts: dict[str, Triples]
    _split: Split | None = field(default=None, repr=False, compare=False)
    _data_store: Future[ox.Store] | None = field(default=None, repr=False, compare=False)
    """A store of the data file's graph, filled by pyoxigraph beside the parse (:meth:`load`)."""
    _data_as_written: bool = field(default=False, repr=False, compare=False)
    """Whether the parsed data are the file's triples as written (:attr:`ParsedFile.as_written`)."""

    @classmethod
    def load(
        cls, paths: ProjectPaths, data_files: list[Path] | None = None, with_store: bool = False
    ) -> Sources:
        """The project's sources; ``data_files`` (if given) stand in for ``data/bytedance.ttl``.

        ``with_store`` (for an engine that reads :meth:`store`): the data file, if one, is also
        bulk-loaded into a store by pyoxigraph on a thread of its own while it is parsed here. The
        parse holds one core and the bulk loader lets go of the interpreter lock, so the second
        core, idle until then, makes the store's largest graph: at a million triples its fill
        from the parsed lines took some 4 s of the busy stages that follow."""
        parts = {
            "ontology": load_triples([paths.ontology]),
            "imports": load_triples(paths.imports),
            "shapes": load_triples([paths.shapes]),
        }
        files = data_files or [paths.data]
        if not with_store or len(files) != 1:
            return cls({**parts, "data": load_triples(files)})
        raw = read_bytes(files[0])
        early = in_background(partial(_data_graph_store, raw), "data-store")
        parsed = parse_bytes(files[0], raw)
        return cls({**parts, "data": parsed.triples}, _data_store=early, _data_as_written=parsed.as_written)

    @classmethod
    def of_graphs(cls, ontology: Graph, imports: Graph, shapes: Graph, data: Graph) -> Sources:
        """Sources from rdflib graphs (a test's edited copy of the project's)."""
        graphs = {"ontology": ontology, "imports": imports, "shapes": shapes, "data": data}
        return cls({name: Triples.of_graph(graph) for name, graph in graphs.items()})

    def evidence(self) -> Split:
        """The data routed into what the article states and what it only implies (computed once)."""
        if self._split is None:
            self._split = split(self.parts["data"])
        return self._split

    def triples(self, part: str) -> Triples:
        """One part (:data:`PARTS`), or the data's ``stated`` or ``implied`` share."""
        if part == "stated":
            return self.evidence().stated
        if part == "implied":
            return self.evidence().implied
        return self.parts[part]

    @property
    def ontology(self) -> Graph:
        return self.parts["ontology"].graph()

    @property
    def imports(self) -> Graph:
        return self.parts["imports"].graph()

    @property
    def shapes(self) -> Graph:
        return self.parts["shapes"].graph()

    @property
    def data(self) -> Graph:
        """The data as written: stated and implied facts, each with its record (see :mod:`evidence`)."""
        return self.parts["data"].graph()

    @property
    def stated(self) -> Graph:
        return self.evidence().stated.graph()

    @property
    def implied(self) -> Graph:
        return self.evidence().implied.graph()

    def asserted(self) -> Graph:
        """Ontology and stated data together: what the saved queries' ``asserted`` graph holds."""
        return union(self.ontology, self.stated)

    def asserted_lines(self) -> list[bytes]:
        """The triples of :meth:`asserted` as distinct N-Triples lines: for counting, without
        building a graph or a Python object a term. Each part's lines are distinct, so only the
        data's lines that the (small) ontology holds too are left out: at a million triples, a set
        of all the lines took most of a second."""
        ontology = self.parts["ontology"].lines()
        known = set(ontology)
        return [*ontology, *(line for line in self.evidence().stated.lines() if line not in known)]

    def terminology(self) -> Graph:
        """Ontology and vendored vocabularies: the reasoner's terminology."""
        return union(self.ontology, self.imports)

    def release_graphs(self, inferred: Triples) -> dict[str, Triples]:
        """Every named graph of the release (:data:`GRAPH`), with the closure's inferences."""
        graphs = {name: self.triples(name) for name in ("ontology", "shapes", "imports", "implied")}
        return {**graphs, "data": self.triples("stated"), "inferred": inferred}

    def shared_triples(self) -> list[str]:
        """Triples held by two of the sources the default graph merges (ontology, vocabularies,
        stated data), each as a problem: the build keeps those graphs disjoint, so that the
        endpoint's default graph is the same whether a store merges them or unions them (a union
        would repeat a triple two of them hold)."""
        owner: dict[ox.Triple, str] = {}
        for part in ("ontology", "imports"):
            for triple in self.triples(part):
                owner.setdefault(triple, part)
        problems = []
        for part in ("imports", "stated"):
            for triple in self.triples(part):
                first = owner.get(triple)
                if first is not None and first != part:
                    where = "data" if part == "stated" else part
                    problems.append(
                        f"{triple.subject} {triple.predicate} {triple.object} is in both the {first} and "
                        f"the {where}: state it in one of them"
                    )
        return sorted(problems)

    def store(self) -> ox.Store:
        """All sources as named graphs in a pyoxigraph store (what the build runs the gates on),
        loaded from their N-Triples lines; and in its default graph, which no gate reads, the
        ontology's and the vocabularies' triples that the data does not hold. The data's graph and
        the default graph are then disjoint, and together they are the data merged with its
        terminology (:meth:`data_with_terminology`, what the fast validator validates), without a
        second copy of the data: at a million triples a second fill took 3.7 s, and the build's peak
        was some 500 MiB higher with it."""
        store = self._loaded_data_store()
        if store is None:
            store = named_graph_store({str(GRAPH[PART_GRAPH[part]]): self.triples(part) for part in PARTS})
        else:
            others = {str(GRAPH[PART_GRAPH[part]]): self.triples(part) for part in PARTS if part != "data"}
            named_graph_store(others, store)
        for part in ("ontology", "imports"):
            triples = self.triples(part)
            missing = [
                line
                for triple, line in zip(triples, triples.lines(), strict=True)
                if ox.Quad(triple.subject, triple.predicate, triple.object, _DATA_GRAPH) not in store
            ]
            fill(store, missing, checked=triples.written_here)  # a triple in both parts: once
        return store

    def _loaded_data_store(self) -> ox.Store | None:
        """The store :meth:`load` filled with the data file's graph, when it holds exactly the
        parsed data (taken once): not when the parse put a literal in its normal form, nor when
        the data names a blank node (which each parse labels anew: the data's labels are how a
        result names the node), nor if the loader failed."""
        future, self._data_store = self._data_store, None
        if future is None or not self._data_as_written:
            return None
        try:
            store = future.result()
        except (SyntaxError, OSError, ValueError):  # the parse here said the file was good
            return None
        data = self.parts["data"]
        if len(store) != len(data) or data.may_name_blank_node():
            return None
        return store

    @staticmethod
    def data_with_terminology(store: ox.Store) -> MergedGraphs:
        """The data merged with the ontology and the vocabularies, in a store :meth:`store` made."""
        return MergedGraphs(store, (ox.DefaultGraph(), _DATA_GRAPH))

    def dataset(self) -> Dataset:
        """All sources as named graphs in rdflib (what the reference engine runs the gates on)."""
        dataset = Dataset()
        bind_prefixes(dataset)
        parts = {"ontology": self.ontology, "imports": self.imports, "shapes": self.shapes, "data": self.data}
        for name, graph in parts.items():
            named = dataset.graph(GRAPH[name])
            for triple in graph:
                named.add(triple)
        return dataset


def _data_graph_store(data: bytes) -> ox.Store:
    """A store holding the Turtle ``data`` in the data's named graph (:meth:`Sources.load`)."""
    store = ox.Store()
    store.bulk_load(data, format=ox.RdfFormat.TURTLE, to_graph=_DATA_GRAPH)
    return store


def query_store(graphs: dict[str, Triples], mode: str) -> ox.Store:
    """A store whose default graph merges the named graphs a saved query's ``Graph:`` header names
    (:data:`QUERY_GRAPHS`), loaded from the release's graphs' N-Triples lines."""
    wanted = [name for name, iri in GRAPH.items() if str(iri) in QUERY_GRAPHS[mode]]
    checked = all(graphs[name].written_here for name in wanted)
    return fill(ox.Store(), (line for name in wanted for line in graphs[name].lines()), checked=checked)


def union(*graphs: Graph) -> Graph:
    """A new graph holding every triple of ``graphs``."""
    out = new_graph()
    for graph in graphs:
        for triple in graph:
            out.add(triple)
    return out
