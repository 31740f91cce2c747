"""``bytedance-kg load``: upload the release into any SPARQL 1.1 Graph Store.

Each named graph the project owns (ontology, vendored vocabularies, shapes, data, inferences, and
the VoID description) is replaced with an HTTP PUT, so a re-run converges to the same content
and graphs the project does not own are never touched. Afterwards every graph is read back and
compared with the release's by isomorphism (RDFC-1.0 canonical forms), not only by count: a store
that drops, rewrites or splits anything (a blank node, a literal's datatype) is reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from bytedance_kg.project.errors import InputError
from bytedance_kg.project.graphs import STORE_GRAPHS, VOID_GRAPH
from bytedance_kg.project.releasefiles import ASSERTED, FULL, IMPLIED, VOID_FILE
from bytedance_kg.rdf.terms import canonical
from bytedance_kg.remote.endpoint import Endpoint, RemoteError, put_graph, read_graph


@dataclass
class LoadResult:
    counts: dict[str, int]
    rewritten: dict[str, list[tuple[ox.Triple, ox.Triple]]] = field(default_factory=dict)
    """Per graph, the literals the store rewrote (sent, held back): only with ``allow_rewritten``."""


def release_graphs(dist: Path) -> dict[str, bytes]:
    """The release as N-Triples per named graph: the full dataset's graphs and the VoID graph."""
    nquads = dist / f"{FULL}.nq"
    if not nquads.exists():
        raise InputError(nquads, "no release to load; run `bytedance-kg build` first")
    lines: dict[str, list[str]] = defaultdict(list)
    for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        lines[quad.graph_name.value].append(f"{ox.Triple(quad.subject, quad.predicate, quad.object)} .\n")
    for triple in ox.parse(path=str(dist / VOID_FILE), format=ox.RdfFormat.TURTLE):
        lines[VOID_GRAPH].append(f"{triple} .\n")
    return {graph: "".join(sorted(body)).encode("utf-8") for graph, body in sorted(lines.items())}


_REWRITTEN = "it rewrote literals; --allow-rewritten-literals accepts that"
_CHANGED = "it changed a term or split a blank node"

SINGLE_GRAPH_VARIANTS = {"asserted": (ASSERTED,), "full": (FULL,), "all": (ASSERTED, IMPLIED)}
"""What ``--graph`` loads for each ``--variant``: the stated facts (``asserted``), with their closure
(``full``), or the stated and the implied facts together (``all``, what saved queries marked
``Graph: all`` read)."""


def merged_graph(dist: Path, variant: str) -> bytes:
    """One variant of the release as a single graph, from its N-Triples files."""
    paths = [dist / f"{stem}.nt" for stem in SINGLE_GRAPH_VARIANTS[variant]]
    for path in paths:
        if not path.exists():
            raise InputError(path, "no release to load; run `bytedance-kg build` first")
    return b"".join(path.read_bytes() for path in paths)


def load(
    store: Endpoint,
    dist: Path,
    single_graph: str | None = None,
    variant: str = "full",
    progress: Callable[[str], None] = lambda _: None,
    allow_rewritten: bool = False,
) -> LoadResult:
    """Upload every named graph of the release, or one ``variant`` (see ``SINGLE_GRAPH_VARIANTS``)
    into ``single_graph``; then read each graph back and check that it is the graph sent.

    A store that writes a literal back in another lexical form of the same datatype (Virtuoso
    turns ``"P21D"^^xsd:dayTimeDuration`` into ``"1.8144e+06"``) fails the check too, unless
    ``allow_rewritten``: then the rewrites are returned for the caller to report. Anything else
    (a triple lost or added, an IRI or datatype changed, a blank node split) is always an error."""
    graphs = {single_graph: merged_graph(dist, variant)} if single_graph else release_graphs(dist)
    for graph, body in graphs.items():
        triples = body.count(b"\n")
        progress(f"PUT {graph} ({triples} triples)")
        put_graph(store, graph, body)
    result = LoadResult({})
    for graph, body in graphs.items():
        # the store's N-Triples of the same graph may escape differently, but not four times longer
        held = read_graph(store, graph, limit=4 * len(body) + 1024 * 1024)
        sent = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        if len(held) != len(sent):
            raise RemoteError(
                f"after loading, the store holds {len(held)} triples in <{graph}>, expected {len(sent)}"
            )
        missing, extra = _differences(sent, held)
        rewritten = _rewrites(missing, extra)
        if len(rewritten) != len(missing) or (rewritten and not allow_rewritten):
            example = missing[0] if len(rewritten) != len(missing) else rewritten[0][0]
            raise RemoteError(
                f"after loading, <{graph}> is not the release's graph: {len(missing)} triples differ, "
                f"for example the store does not hold {example} "
                f"({_REWRITTEN if len(rewritten) == len(missing) else _CHANGED})"
            )
        if rewritten:
            result.rewritten[graph] = rewritten
        result.counts[graph] = len(held)
    return result


def _canonical(triples: list[ox.Triple]) -> set[ox.Triple]:
    """The triples in RDFC-1.0 canonical form: equal sets mean isomorphic graphs."""
    return {quad.triple for quad in canonical(ox.Quad(t.subject, t.predicate, t.object) for t in triples)}


def _differences(sent: list[ox.Triple], held: list[ox.Triple]) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """The canonical triples sent that the store does not hold, and those it holds that were not sent."""
    sent_set, held_set = _canonical(sent), _canonical(held)
    return sorted(sent_set - held_set, key=str), sorted(held_set - sent_set, key=str)


def _rewrites(missing: list[ox.Triple], extra: list[ox.Triple]) -> list[tuple[ox.Triple, ox.Triple]]:
    """Pairs of a sent and a held triple that differ only in a literal's lexical form (same subject,
    predicate and datatype, one each)."""

    def key(t: ox.Triple) -> tuple[str, str, str] | None:
        return (
            (str(t.subject), str(t.predicate), t.object.datatype.value)
            if isinstance(t.object, ox.Literal)
            else None
        )

    held_by_key: dict[tuple[str, str, str], list[ox.Triple]] = defaultdict(list)
    for triple in extra:
        if (k := key(triple)) is not None:
            held_by_key[k].append(triple)
    pairs = []
    for triple in missing:
        candidates = held_by_key.get(k) if (k := key(triple)) is not None else None
        if candidates and len(candidates) == 1:
            pairs.append((triple, candidates[0]))
    return pairs


OWNED_GRAPHS = STORE_GRAPHS
