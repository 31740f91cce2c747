"""The release's named graphs and which of them each kind of query reads, in one place.

The build labels the N-Quads and TriG files with these names, ``load`` uploads each into a store
under them, and the server and the command line choose a query's default graph from them; none
of those needs the others' code to know a graph's IRI.
"""

from __future__ import annotations

from rdflib import URIRef

from bytedance_kg.project.namespaces import BASE

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
STORE_GRAPHS = [*FULL_GRAPHS, str(GRAPH["shapes"]), str(GRAPH["implied"]), VOID_GRAPH]
"""Every graph the release puts in a store (``load`` uploads these; the service description names them)."""
QUERY_GRAPHS = {"asserted": ASSERTED_GRAPHS, "full": FULL_GRAPHS, "all": WITH_IMPLIED_GRAPHS}
"""The default graph a saved query runs on, by its ``Graph:`` header."""
PART_GRAPH = {part: part for part in ("ontology", "imports", "shapes", "data", "implied")} | {
    "stated": "data"
}
"""The named graph each part of :class:`Sources` is published in (the stated data as ``data``)."""
