"""The dataset's self-description in VoID and DCAT, computed at build time from what was built.

Counts come from the asserted graph (ontology + data); each distribution is listed with its media
type, byte size and SHA-256; the RDFC-1.0 hash identifies the content whatever the syntax. The
description cannot list its own checksum, nor that of ``SHA256SUMS`` (which lists it).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, VOID, XSD
from rdflib.term import Node

from bytedance_kg import __version__
from bytedance_kg.project.graphs import GRAPH
from bytedance_kg.project.namespaces import ALL_PREFIXES, BASE, ID, ONTOLOGY_IRI, SPARQL_SERVICE, new_graph
from bytedance_kg.project.releasefiles import ASSERTED, CONTEXT_FILE
from bytedance_kg.rdf.formats import media_type_of
from bytedance_kg.rdf.terms import from_ox
from bytedance_kg.sparql.catalogue import SavedQuery

SPDX = Namespace("http://spdx.org/rdf/terms#")
DCAT = Namespace(
    "http://www.w3.org/ns/dcat#"
)  # rdflib's closed DCAT namespace lacks DCAT 3 terms (dcat:version)
DATASET = URIRef(ID + "dataset")
ARTICLE = URIRef(ID + "source/bytedance-on-deepseeks-impact")
DOWNLOADS = BASE + "dist/"
SPARQL_ENDPOINT = URIRef(SPARQL_SERVICE)
EXAMPLES = (
    "person/liang-rubo",
    "unit/flow",
    "membership/hong-dingkun-technical-lead-flow",
    "event/seed-named",
)
MEDIA_TYPE_BASE = "https://www.iana.org/assignments/media-types/"
_TYPE = f"<{RDF.type}>".encode()


@dataclass
class Statistics:
    """VoID's counts, gathered in one pass over the triples (a SPARQL aggregate per count was most
    of the cost of writing the release); classes and properties as rdflib terms for the description."""

    triples: int = 0
    subjects: int = 0
    objects: int = 0
    entities: int = 0
    """Distinct subjects that are the project's own things (IRIs under ``id/``)."""
    instances: dict[Node, int] = field(default_factory=dict)
    """Class → how many distinct things are typed with it."""
    triples_by_property: Counter[Node] = field(default_factory=Counter)
    vocabulary_iris: set[str] = field(default_factory=set)
    """Every IRI the triples use, in any position, but the project's own things' (under ``id/``):
    where the vocabularies used are read from (a million local IRIs, looked through once for
    each namespace, took half a second)."""

    @classmethod
    def of(cls, lines: Collection[bytes]) -> Statistics:
        """The counts of distinct triples given as N-Triples lines, as pyoxigraph writes them: a
        subject and a predicate are one token each (an IRI or a blank node holds no space), the
        object is the rest of the line before its closing `` .``; each token is the term's
        N-Triples text, so distinct tokens are distinct terms."""
        subjects: set[bytes] = set()
        objects: set[bytes] = set()
        by_property: Counter[bytes] = Counter()
        instances: dict[bytes, set[bytes]] = defaultdict(set)
        for line in lines:
            subject, predicate, obj = line[:-3].split(b" ", 2)
            subjects.add(subject)
            objects.add(obj)
            by_property[predicate] += 1
            if predicate == _TYPE:
                instances[obj].add(subject)
        local = f"<{ID}".encode()
        iris = {
            t[1:-1].decode()
            for t in (*subjects, *objects, *by_property)
            if t.startswith(b"<") and not t.startswith(local)
        }
        return cls(
            triples=len(lines),
            subjects=len(subjects),
            objects=len(objects),
            entities=sum(1 for t in subjects if t.startswith(local)),
            instances={_term(c): len(members) for c, members in instances.items()},
            triples_by_property=Counter({_term(p): n for p, n in by_property.items()}),
            vocabulary_iris=iris,
        )


def _term(token: bytes) -> Node:
    """One N-Triples term (a class or a property: few, so parsing each is cheap) as rdflib."""
    quad = next(iter(ox.parse(b"<urn:s> <urn:p> " + token + b" .\n", format=ox.RdfFormat.N_TRIPLES)))
    return from_ox(quad.object)


def _checksum(graph: Graph, node: URIRef | BNode, value: str, comment: str | None = None) -> None:
    checksum = BNode()
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))
    if comment:
        graph.add((checksum, RDFS.comment, Literal(comment, lang="en")))


SHAPES = URIRef(BASE + "shapes")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
GRAPH_DESCRIPTIONS = {
    "ontology": "the bytedance-kg OWL ontology",
    "imports": "the trimmed copies of the standard vocabularies the ontology reuses",
    "shapes": "the SHACL shapes the data satisfies",
    "data": "what the article states, each fact with its record and quote (the default for consumers)",
    "implied": "what the article only implies, each fact with its record, quote and editorial note",
    "inferred": "the OWL RL inferences drawn from the ontology, the vocabularies and the stated data",
}
VARIANT_DESCRIPTIONS = {
    "asserted": (
        "bytedance-kg",
        ("ontology", "imports", "data"),
        "What the article states, with the ontology and the vocabularies, as asserted (no inferences).",
    ),
    "full": (
        "bytedance-kg-full",
        ("ontology", "imports", "data", "inferred"),
        "What the article states, with the ontology, the vocabularies and the OWL RL inferences: the file to "
        "query with standard vocabularies alone.",
    ),
    "implied": (
        "bytedance-kg-implied",
        ("implied",),
        "What the article only implies: load it with either of the others to include those facts; it "
        "conforms to the shapes together with them.",
    ),
    "reified": (
        "bytedance-kg-reified",
        ("data", "implied"),
        "RDF 1.2: what the article states and what it implies, each fact naming the record that carries its "
        "quote and evidence (record rdf:reifies <<( s p o )>>). For engines that read RDF 1.2.",
    ),
}


def _describe_parts(
    g: Graph, d: URIRef, folder: Path, graph_sizes: dict[str, int], variant_sizes: dict[str, int]
) -> None:
    """The named graphs, the variants and the shapes, and how they relate (DCAT, VoID, SPARQL SD),
    with the triple counts the writers report (by graph name, and by variant file stem)."""
    for name, text in GRAPH_DESCRIPTIONS.items():
        part = URIRef(f"{ID}dataset/graph/{name}")
        g.add((part, VOID.triples, Literal(graph_sizes[name])))
        g.add((d, VOID.subset, part))
        g.add((d, DCTERMS.hasPart, part))
        for kind in (VOID.Dataset, SD.NamedGraph):
            g.add((part, RDF.type, kind))
        g.add((part, SD.name, GRAPH[name]))
        g.add((part, RDFS.label, Literal(f"graph/{name}: {text}", lang="en")))
    for key, (stem, graphs, text) in VARIANT_DESCRIPTIONS.items():
        variant = URIRef(f"{ID}dataset/{key}")
        g.add((d, DCTERMS.hasPart, variant))
        for kind in (VOID.Dataset, DCAT.Dataset):
            g.add((variant, RDF.type, kind))
        g.add((variant, RDFS.label, Literal(f"{stem}: the {key} variant", lang="en")))
        g.add((variant, DCTERMS.description, Literal(text, lang="en")))
        g.add((variant, DCTERMS.conformsTo, SHAPES))
        for name in graphs:
            g.add((variant, DCTERMS.hasPart, URIRef(f"{ID}dataset/graph/{name}")))
        g.add((variant, VOID.triples, Literal(variant_sizes[stem])))  # what its one-graph files hold
        for path in sorted(folder.glob(f"{stem}.*")):
            if path.suffix in (".ttl", ".nt", ".jsonld"):
                g.add((variant, DCAT.distribution, URIRef(DOWNLOADS + path.name)))
    g.add((URIRef(f"{ID}dataset/full"), PROV.wasDerivedFrom, URIRef(f"{ID}dataset/asserted")))
    g.add((SHAPES, RDF.type, DCTERMS.Standard))  # what DCAT names with dct:conformsTo
    g.add((SHAPES, RDFS.label, Literal("the bytedance-kg SHACL shapes", lang="en")))
    g.add((SHAPES, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/shacl/")))
    g.add((SHAPES, RDFS.seeAlso, URIRef(f"{ID}dataset/graph/shapes")))


def _describe_examples(g: Graph, d: URIRef, queries: Iterable[SavedQuery]) -> None:
    """The saved queries as example queries, the way the SIB sparql-examples describe theirs: an
    ``sh:SPARQLExecutable`` with the question as ``rdfs:comment``, the text, and the endpoint."""
    sh = Namespace("http://www.w3.org/ns/shacl#")
    kinds = {
        "SELECT": (sh.SPARQLSelectExecutable, sh.select),
        "ASK": (sh.SPARQLAskExecutable, sh.ask),
        "CONSTRUCT": (sh.SPARQLConstructExecutable, sh.construct),
        "DESCRIBE": (sh.SPARQLExecutable, sh.select),
    }
    for query in queries:
        node = URIRef(f"{BASE}queries/{query.name}")
        kind, text_property = kinds[query.form]
        g.add((d, DCTERMS.relation, node))
        g.add((node, RDF.type, sh.SPARQLExecutable))
        g.add((node, RDF.type, kind))
        g.add((node, RDFS.label, Literal(query.name)))
        g.add((node, RDFS.comment, Literal(query.question, lang="en")))
        g.add((node, text_property, Literal(query.text)))
        g.add((node, URIRef("https://schema.org/target"), SPARQL_ENDPOINT))


def describe_dataset(
    stats: Statistics,
    graph_sizes: dict[str, int],
    variant_sizes: dict[str, int],
    ontology: Graph,
    folder: Path,
    digests: Mapping[str, str],
    queries: Iterable[SavedQuery] = (),
) -> Graph:
    """The VoID/DCAT graph for the release in ``folder``, from the statistics of the asserted
    triples (ontology + data) and the SHA-256 of each file written (by name: the writer hashed
    them as it wrote them, and reading 1.8 GB back at a million triples would double that)."""
    g = new_graph()
    d = DATASET
    for kind in (VOID.Dataset, DCAT.Dataset):
        g.add((d, RDF.type, kind))
    title = "ByteDance on DeepSeek's Impact: a knowledge graph"
    g.add((d, DCTERMS.title, Literal(title, lang="en")))
    g.add((d, RDFS.label, Literal(title, lang="en")))
    g.add(
        (
            d,
            DCTERMS.description,
            Literal(
                "The facts of the news article 'ByteDance on DeepSeek's Impact' (ByteDance's executives and "
                "roles over time, its AI units, meetings, launches, usage figures, a forecast, ideas and "
                "critiques), each tied to the exact words of the article by a Web Annotation quote with "
                "verified offsets.",
                lang="en",
            ),
        )
    )
    for copied in (DCTERMS.license, DCTERMS.creator):
        for value in ontology.objects(ONTOLOGY_IRI, copied):
            g.add((d, copied, value))
    g.add((d, DCAT.version, Literal(__version__)))
    g.add((d, OWL.versionInfo, Literal(__version__)))
    created = ontology.value(ONTOLOGY_IRI, DCTERMS.created)
    modified = ontology.value(ONTOLOGY_IRI, DCTERMS.modified)
    assert created is not None and modified is not None  # the ontology-header gate requires both
    g.add((d, DCTERMS.issued, created))
    g.add((d, DCTERMS.modified, modified))
    g.add((d, DCTERMS.source, ARTICLE))
    g.add((d, PROV.wasDerivedFrom, ARTICLE))
    g.add((d, VOID.uriSpace, Literal(ID)))
    g.add((d, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
    g.add((d, VOID.rootResource, URIRef(ID + "org/bytedance")))
    for example in EXAMPLES:
        g.add((d, VOID.exampleResource, URIRef(ID + example)))
    _checksum(
        g,
        d,
        digests[f"{ASSERTED}.nq"],  # that file *is* the asserted release's canonical N-Quads
        "SHA-256 of the RDFC-1.0 canonical N-Quads of the asserted release "
        "(ontology, vocabularies, stated data, shapes and implied data as named graphs)",
    )

    g.add(
        (
            d,
            RDFS.comment,
            Literal(
                "The counts and partitions of this dataset are those of the ontology and the stated data "
                "together (the graphs the saved queries marked 'asserted' read); each variant and named "
                "graph gives its own void:triples.",
                lang="en",
            ),
        )
    )
    g.add((d, VOID.triples, Literal(stats.triples)))
    g.add((d, VOID.entities, Literal(stats.entities)))
    g.add((d, VOID.classes, Literal(len(stats.instances))))
    g.add((d, VOID.properties, Literal(len(stats.triples_by_property))))
    g.add((d, VOID.distinctSubjects, Literal(stats.subjects)))
    g.add((d, VOID.distinctObjects, Literal(stats.objects)))
    for cls, members in stats.instances.items():
        if not isinstance(cls, URIRef):
            # A class without an IRI is counted in void:classes but has no partition: void.ttl's own
            # blank node would name another node than the data's, and its label (the parser's, new
            # on every parse) would make the partition's IRI differ between two builds.
            continue
        part = URIRef(f"{d}#class-{hashlib.sha1(str(cls).encode()).hexdigest()[:12]}")
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(members)))
    for prop, n in stats.triples_by_property.items():
        part = URIRef(f"{d}#property-{hashlib.sha1(str(prop).encode()).hexdigest()[:12]}")
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, Literal(n)))
    namespaces = set(ALL_PREFIXES.values())
    for namespace in sorted(namespaces):
        if not namespace.startswith(ID) and any(term.startswith(namespace) for term in stats.vocabulary_iris):
            g.add((d, VOID.vocabulary, URIRef(namespace)))

    _describe_parts(g, d, folder, graph_sizes, variant_sizes)
    _describe_examples(g, d, queries)

    for path in sorted(folder.iterdir()):
        media_type = media_type_of(path.suffix)
        if media_type is None or not path.is_file() or path.name == CONTEXT_FILE:
            continue
        dist = URIRef(DOWNLOADS + path.name)
        g.add((d, DCAT.distribution, dist))
        if path.suffix != ".html":
            g.add((d, VOID.dataDump, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(path.name)))
        g.add((dist, DCAT.downloadURL, dist))
        g.add((dist, DCAT.mediaType, URIRef(MEDIA_TYPE_BASE + media_type)))
        g.add((dist, DCTERMS.format, Literal(media_type)))
        g.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.integer)))
        _checksum(g, dist, digests[path.name])
    return g
