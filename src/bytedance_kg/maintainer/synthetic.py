"""Synthetic data for benchmarks: N articles' worth of graph that follows the ontology and shapes.

Article ``k`` is the real article with every proper name given the suffix ``k`` ("ByteDance7",
"Liang Rubo7") and the graph rewritten to match: every IRI under ``id/`` gets the suffix, every
literal the same name replacements, every label and definition a marker, each article its own text
file and checksum, and every quote is anchored afresh in the new text. So the synthetic graph is
valid by construction (the tests check it with the shapes, the gates and the quote verifier at
small sizes), and its shape is the real one's, repeated. ``seed`` varies the reported figures;
``inject`` adds known violations for differential tests of the checks.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from bytedance_kg.maintainer.anchor import anchor_quotes
from bytedance_kg.pipeline.article import Article
from bytedance_kg.project.namespaces import ID, KG, OA, ORG, SCHEMA, new_graph
from bytedance_kg.rdf.terms import nquads, to_quads

NAMES = [
    "Guohai Securities",
    "Liang Rubo",
    "Zhang Yiming",
    "Kang Zeyu",
    "Zhu Wenjia",
    "Zhou Shouzi",
    "Hong Dingkun",
    "Zhu Jun",
    "Li Hang",
    "Xiang Liang",
    "ByteDance",
    "DeepSeek",
    "TikTok",
    "Doubao",
    "ChatGPT",
    "AILab",
    "Flow",
    "Seed",
    "Liang",
]
# A name ends where a lower-case letter does not follow: the scraped text runs sentences together
# ("TikTokTheir"), so a word boundary would miss some.
_NAME = re.compile(
    r"(?<![A-Za-z])(" + "|".join(re.escape(n) for n in sorted(NAMES, key=len, reverse=True)) + r")(?![a-z])"
)
INJECTIONS = ("missing-quote", "shifted-offset", "self-report", "bounds-reversed", "two-members")
"""Violations ``generate`` can add to the first article, each caught by a named check."""


@dataclass
class Synthetic:
    graph: Graph
    texts: dict[str, str]
    """Article texts by their path relative to the root (``data/sources/synthetic-k.txt``)."""


def _rename(text: str, k: int) -> str:
    return _NAME.sub(lambda m: f"{m.group(1)}{k}", text)


def _iri(term: URIRef, k: int) -> URIRef:
    value = str(term)
    if not value.startswith(ID):
        return term
    head, hash_, fragment = value.partition("#")
    return URIRef(f"{head}-{k}{hash_}{fragment}")


MARKED = (RDFS.label, SKOS.prefLabel, SKOS.definition)


def _copy(data: Graph, article_iri: URIRef, text: str, k: int, rng: random.Random) -> tuple[Graph, str]:
    """The real graph as article ``k``: renamed IRIs and literals, a fresh source, re-anchored quotes."""
    new_text = _rename(text, k)
    path = f"data/sources/synthetic-{k}.txt"
    out = new_graph()
    for s, p, o in data:
        s2 = _iri(s, k) if isinstance(s, URIRef) else s
        o2 = _iri(o, k) if isinstance(o, URIRef) else o
        if isinstance(o, Literal) and o.datatype in (None, XSD.string):
            value = _rename(str(o), k)
            if p in MARKED:
                value = f"{value} [{k}]"
            o2 = Literal(value, lang=o.language, datatype=o.datatype)
        if p == SCHEMA.minValue:
            assert isinstance(o, Literal)
            o2 = Literal(int(o) + rng.randrange(0, 1000) * 1000, datatype=o.datatype)
        out.add((s2, p, o2))
    source = _iri(article_iri, k)
    out.set((source, KG.sha256, Literal(hashlib.sha256(new_text.encode("utf-8")).hexdigest())))
    out.set((source, KG.characterCount, Literal(len(new_text), datatype=XSD.integer)))
    out.set((source, KG.localCopy, Literal(path)))
    # Contexts were cut at fixed widths, possibly inside a name; every exact text is unique, so the
    # quotes are anchored from it alone and get fresh contexts.
    out.remove((None, OA.prefix, None))
    out.remove((None, OA.suffix, None))
    anchor_quotes(out, Article(source, Path(path), new_text, ""))
    return out, new_text


def generate(
    data: Graph, article_text: str, articles: int, seed: int = 0, inject: tuple[str, ...] = ()
) -> Synthetic:
    """``articles`` renamed copies of the real data graph (whose article text is given)."""
    rng = random.Random(seed)
    article_iri = next(iter(data.subjects(RDF.type, KG.SourceArticle)))
    assert isinstance(article_iri, URIRef)
    graph = new_graph()
    texts: dict[str, str] = {}
    for k in range(1, articles + 1):
        copy, text = _copy(data, article_iri, article_text, k, rng)
        for triple in copy:
            graph.add(triple)
        texts[f"data/sources/synthetic-{k}.txt"] = text
    for name in inject:
        _inject(graph, name)
    return Synthetic(graph, texts)


def _inject(graph: Graph, name: str) -> None:
    """Add one known violation to article 1."""
    membership = URIRef(ID + "membership/hong-dingkun-technical-lead-flow-1")
    if name == "missing-quote":
        graph.remove((membership, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), None))
    elif name == "shifted-offset":
        position = URIRef(ID + "quote/flow-technical-lead-1#position")
        start = graph.value(position, OA.start)
        assert isinstance(start, Literal)
        graph.set((position, OA.start, Literal(int(start) + 1, datatype=XSD.integer)))
    elif name == "self-report":
        graph.add((URIRef(ID + "person/zhu-jun-1"), ORG.reportsTo, URIRef(ID + "person/zhu-jun-1")))
    elif name == "bounds-reversed":
        when = URIRef(ID + "time/mid-2023-1")
        graph.set((when, KG.earliestDate, Literal("2023-12-31", datatype=XSD.date)))
    elif name == "two-members":
        graph.add((membership, ORG.member, URIRef(ID + "person/li-hang-1")))
    else:
        raise ValueError(f"unknown injection {name!r}; known: {', '.join(INJECTIONS)}")


def write(synthetic: Synthetic, root: Path, data_file: Path) -> None:
    """Write the texts under ``root`` and the graph to ``data_file`` (sorted N-Triples, which is Turtle
    too, for speed)."""
    for relative, text in synthetic.texts.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    assert not any(isinstance(t, BNode) for triple in synthetic.graph for t in triple)
    data_file.write_text(nquads(sorted(to_quads(synthetic.graph), key=str)), encoding="utf-8")
