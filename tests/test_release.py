"""The release in dist/: complete, self-describing, reproducible, and every file parses back to
the graph it was written from (JSON-LD through two independent processors)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, SKOS, VOID

from bytedance_kg import __version__
from bytedance_kg.build import build
from bytedance_kg.pipeline.sources import union
from bytedance_kg.project.graphs import GRAPH
from bytedance_kg.project.namespaces import ONTOLOGY_IRI
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.release.void import DATASET, DCAT, SPDX
from tests.conftest import copy_sources, edit_data, quads_in_graph

STEMS = ["bytedance-kg", "bytedance-kg-full", "bytedance-kg-implied"]
RDF_FILES = [stem + suffix for stem in STEMS for suffix in (".ttl", ".nt", ".jsonld", ".nq", ".trig")] + [
    "bytedance-kg-reified.ttl",
    "bytedance-kg-reified.nt",
    "ontology.rdf",
]
ALL_FILES = sorted(RDF_FILES + ["ontology.html", "context.jsonld", "void.ttl", "SHA256SUMS"])
FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml"}


@pytest.fixture(scope="module")
def dist(built) -> Path:
    return built[0].dist


@pytest.fixture(scope="module")
def void(dist: Path) -> Graph:
    return Graph().parse(dist / "void.ttl")


def test_every_file_is_written(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == ALL_FILES


def test_checksums_list_every_file(dist: Path) -> None:
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    assert sorted(listed) == [f for f in ALL_FILES if f != "SHA256SUMS"]
    for name, digest in listed.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def merged(stem: str, sources, full) -> Graph:
    """What the one-graph files of a variant hold: the stated facts with the vocabularies they use
    (and their closure, in the full variant), or the implied facts alone."""
    if stem.endswith("-implied"):
        return sources.implied
    return full if stem.endswith("-full") else union(sources.ontology, sources.imports, sources.stated)


@pytest.mark.parametrize(
    "name", [f for f in RDF_FILES if not f.endswith((".nq", ".trig")) and "reified" not in f]
)
def test_graph_files_parse_back_isomorphic(dist: Path, name: str, sources, full) -> None:
    expected = sources.ontology if name == "ontology.rdf" else merged(name.split(".")[0], sources, full)
    parsed = Graph().parse(dist / name, format=FORMATS[Path(name).suffix])
    assert len(parsed) == len(expected)
    assert isomorphic(parsed, expected)


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("suffix", [".nq", ".trig"])
def test_datasets_hold_each_source_as_a_named_graph(
    dist: Path, stem: str, suffix: str, sources, reasoned
) -> None:
    dataset = Dataset()
    dataset.parse(dist / (stem + suffix), format="nquads" if suffix == ".nq" else "trig")
    expected = {"implied": sources.implied}
    if not stem.endswith("-implied"):
        expected |= {
            "ontology": sources.ontology,
            "data": sources.stated,
            "shapes": sources.shapes,
            "imports": sources.imports,
        }
    if stem.endswith("full"):
        expected |= {"inferred": reasoned.inferred.graph()}
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert names == {GRAPH[name] for name in expected}
    for name, graph in expected.items():
        assert isomorphic(dataset.graph(GRAPH[name]), graph), name


@pytest.mark.parametrize("stem", STEMS)
def test_jsonld_reads_back_through_pyld(dist: Path, stem: str, sources, full) -> None:
    document = json.loads((dist / f"{stem}.jsonld").read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict), "the context is inlined: no fetch needed"
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    parsed = Graph().parse(data=nquads, format="nt")
    assert isomorphic(parsed, merged(stem, sources, full))


def test_jsonld_reads_naturally(dist: Path) -> None:
    document = json.loads((dist / "bytedance-kg.jsonld").read_text(encoding="utf-8"))
    person = next(n for n in document["@graph"] if n.get("id", "").endswith("/person/hong-dingkun"))
    assert person["name"] == "Hong Dingkun" and person["label"] == {"en": "Hong Dingkun"}
    selector = next(
        n for n in document["@graph"] if n.get("id", "").endswith("/quote/flow-technical-lead#position")
    )
    assert isinstance(selector["start"], int) and isinstance(selector["end"], int)


def test_strict_parser_loads_every_rdf_file(dist: Path) -> None:
    formats = {
        ".ttl": ox.RdfFormat.TURTLE,
        ".nt": ox.RdfFormat.N_TRIPLES,
        ".nq": ox.RdfFormat.N_QUADS,
        ".trig": ox.RdfFormat.TRIG,
        ".rdf": ox.RdfFormat.RDF_XML,
        ".jsonld": ox.RdfFormat.JSON_LD,
    }
    for name in RDF_FILES:
        store = ox.Store()
        store.load(path=str(dist / name), format=formats[Path(name).suffix])
        assert len(store) > 0, name


def test_ntriples_sorted_one_triple_a_line(dist: Path) -> None:
    lines = (dist / "bytedance-kg-full.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    assert all(line.endswith(" .") for line in lines)


def test_void_counts_match_the_files(void: Graph, sources, full) -> None:
    asserted = sources.asserted()
    assert int(void.value(DATASET, VOID.triples)) == len(asserted)
    assert int(void.value(URIRef(str(DATASET) + "/full"), VOID.triples)) == len(full)
    assert int(void.value(DATASET, VOID.properties)) == len(set(asserted.predicates()))
    partitions = {
        void.value(p, VOID.property): int(void.value(p, VOID.triples))
        for p in void.objects(DATASET, VOID.propertyPartition)
    }
    assert sum(partitions.values()) == len(asserted)
    assert partitions[URIRef("http://www.w3.org/ns/org#member")] == len(
        list(asserted.triples((None, URIRef("http://www.w3.org/ns/org#member"), None)))
    )


def test_void_checksums_and_sizes_match_the_files(void: Graph, dist: Path) -> None:
    distributions = list(void.objects(DATASET, DCAT.distribution))
    assert len(distributions) == len(ALL_FILES) - 3  # not void.ttl, SHA256SUMS, context.jsonld
    for distribution in distributions:
        path = dist / str(distribution).rsplit("/", 1)[1]
        assert int(void.value(distribution, DCAT.byteSize)) == path.stat().st_size
        checksum = void.value(distribution, SPDX.checksum)
        assert str(void.value(checksum, SPDX.checksumValue)) == hashlib.sha256(path.read_bytes()).hexdigest()
        assert void.value(distribution, DCAT.mediaType) is not None


def test_canonical_hash_is_the_hash_of_the_canonical_nquads(void: Graph, dist: Path) -> None:
    checksum = void.value(DATASET, SPDX.checksum)
    assert (
        str(void.value(checksum, SPDX.checksumValue))
        == hashlib.sha256((dist / "bytedance-kg.nq").read_bytes()).hexdigest()
    )


def test_void_describes_source_endpoint_and_examples(void: Graph) -> None:
    article = URIRef("https://w3id.org/bytedance-kg/id/source/bytedance-on-deepseeks-impact")
    assert void.value(DATASET, URIRef("http://purl.org/dc/terms/source")) == article
    assert void.value(DATASET, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == article
    assert void.value(DATASET, VOID.sparqlEndpoint) is not None
    assert len(list(void.objects(DATASET, VOID.exampleResource))) >= 3
    assert URIRef("http://www.w3.org/ns/org#") in set(void.objects(DATASET, VOID.vocabulary))


def test_versions_agree(void: Graph, sources, paths) -> None:
    assert str(sources.ontology.value(ONTOLOGY_IRI, OWL.versionInfo)) == __version__
    assert str(sources.ontology.value(ONTOLOGY_IRI, OWL.versionIRI)).endswith("/" + __version__)
    assert void.value(DATASET, DCAT.version) == Literal(__version__)
    changelog = (paths.root / "CHANGELOG.md").read_text(encoding="utf-8")
    # the newest released section (an "Unreleased" one above it collects what is not released yet)
    assert re.search(r"^## (?!Unreleased)(\S+)", changelog, re.M).group(1) == __version__


def test_ontology_docs_cover_every_term(dist: Path, sources) -> None:
    html = (dist / "ontology.html").read_text(encoding="utf-8")
    assert "<title>ByteDance knowledge graph ontology</title>" in html
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    terms = [
        t
        for kind in kinds
        for t in sources.ontology.subjects(RDF.type, kind)
        if str(t).startswith("https://w3id.org/bytedance-kg/ontology#")
    ]
    assert len(terms) > 60
    for term in terms:
        assert f"https://w3id.org/bytedance-kg/ontology#{str(term).rsplit('#', 1)[1]}" in html, term
        assert str(sources.ontology.value(term, SKOS.definition)) in html, term
    assert "schema:Corporation" in html or "https://schema.org/Corporation" in html  # alignments shown


def test_two_builds_are_byte_identical(built, tmp_path: Path) -> None:
    """The second build runs in another process, so with another string-hash seed."""
    target, _ = built
    scratch = copy_sources(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bytedance_kg", "--quiet", "--root", str(scratch.root), "build"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONHASHSEED": "random"},
    )
    assert result.returncode == 0, result.stderr
    for name in ALL_FILES:
        assert (scratch.dist / name).read_bytes() == (target.dist / name).read_bytes(), name


def test_a_blank_node_in_the_data_is_labelled_the_same_by_every_build_and_engine(tmp_path: Path) -> None:
    """A blank node of the data (the project's has none, a workspace's may) gets its RDFC-1.0 label
    in every file, the reified variant's included, where a triple term names it too: two builds,
    and the reference engine's, give the same bytes (the parser's labels are new on every parse).
    One is a class, so VoID's class partitions meet it too."""
    scratch = copy_sources(tmp_path / "sources")
    edit_data(
        scratch,
        "    org:memberDuring when:during-flow-leadership ;\n    org:organization unit:flow ;\n",
        "    org:memberDuring when:during-flow-leadership ;\n"
        '    rdfs:seeAlso [ rdfs:label "an unnamed note"@en ] ;\n'
        '    a [ rdfs:label "an unnamed class"@en ] ;\n'
        "    org:organization unit:flow ;\n",
    )
    edit_data(  # under an implied record: the blank node goes to the implied graph, whole
        scratch,
        '    kg:roleWording "Xiang Liang’s team" ;\n',
        '    kg:roleWording "Xiang Liang’s team" ;\n    rdfs:seeAlso [ rdfs:label "an implied note"@en ] ;\n',
    )
    dists = []
    for number, engine_name in enumerate(("fast", "fast", "reference")):
        # a folder of its own: a build deletes the other releases beside its dist
        target = ProjectPaths(scratch.root, tmp_path / f"build-{number}" / "dist")
        build(target, engine_name=engine_name)
        dists.append(target.dist)
    reified = (dists[0] / "bytedance-kg-reified.nt").read_text(encoding="utf-8")
    assert re.search(r"rdf-schema#seeAlso> _:c14n\d+ \)>> \.$", reified, re.MULTILINE), (
        "a triple term names it"
    )
    nquads = (dists[0] / "bytedance-kg.nq").read_text(encoding="utf-8").splitlines()
    note = [
        line
        for line in nquads
        if '"an implied note"' in line or ("xiang-liang-head" in line and "seeAlso" in line)
    ]
    assert len(note) == 2 and all(line.endswith("/graph/implied> .") for line in note), note
    for dist in dists[1:]:
        for name in ALL_FILES:
            assert (dist / name).read_bytes() == (dists[0] / name).read_bytes(), name


def test_void_counts_each_named_graph_and_variant(void: Graph, dist: Path) -> None:
    """Each named graph and each variant says how many triples it holds, and the files agree."""
    for name in ("ontology", "imports", "shapes", "data", "implied", "inferred"):
        part = URIRef(f"https://w3id.org/bytedance-kg/id/dataset/graph/{name}")
        assert (
            int(void.value(part, VOID.triples))
            == quads_in_graph(dist / "bytedance-kg-full.nq", str(GRAPH[name]))
            > 0
        )
    for key, stem in (
        ("asserted", "bytedance-kg"),
        ("implied", "bytedance-kg-implied"),
        ("full", "bytedance-kg-full"),
        ("reified", "bytedance-kg-reified"),
    ):
        variant = URIRef(f"https://w3id.org/bytedance-kg/id/dataset/{key}")
        lines = (dist / f"{stem}.nt").read_text(encoding="utf-8").count("\n")
        assert int(void.value(variant, VOID.triples)) == lines, key


def test_the_ontology_in_rdfxml_declares_only_the_namespaces_it_uses(dist: Path) -> None:
    text = (dist / "ontology.rdf").read_text(encoding="utf-8")
    declared = re.findall(r'xmlns:([\w.-]+)="', text)
    assert declared and "its" not in declared
    for name in declared:
        assert re.search(rf"<{re.escape(name)}:|\s{re.escape(name)}:\w+=", text), name
