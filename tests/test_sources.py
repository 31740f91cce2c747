"""The source files parse, stay in canonical form, and the article copy is the one recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from bytedance_kg.pipeline.article import sha256_of
from bytedance_kg.project.namespaces import KG
from bytedance_kg.project.paths import default_paths
from bytedance_kg.rdf.canonical import canonical_form
from bytedance_kg.rdf.parsing import load_turtle, read_text

pytestmark = pytest.mark.fast  # the quick tier: make check

PATHS = default_paths()
ARTICLE = URIRef("https://w3id.org/bytedance-kg/id/source/bytedance-on-deepseeks-impact")


@pytest.mark.parametrize("path", PATHS.canonical_files(), ids=lambda p: str(p.relative_to(PATHS.root)))
def test_file_parses_and_is_canonical(path: Path) -> None:
    graph = load_turtle(path)
    assert len(graph) > 0
    canonical = canonical_form(path)
    if read_text(path) != canonical:
        pytest.fail(f"{path} drifted from its canonical form; run `bytedance-kg fmt`")


def test_every_import_file_is_listed() -> None:
    names = {p.name for p in PATHS.imports}
    assert {"org.ttl", "schema.ttl", "prov.ttl", "time.ttl", "skos.ttl", "oa.ttl"} <= names


def test_article_copy_matches_recorded_checksum() -> None:
    data = load_turtle(PATHS.data)
    recorded = data.value(ARTICLE, KG.sha256)
    local = PATHS.root / str(data.value(ARTICLE, KG.localCopy))
    assert recorded == Literal(sha256_of(local))
    assert recorded == Literal("5f76f21efa0bc33ab1f85e15e66e3716dae21db1184b957cb73bab9ee586b3b4")
    text = local.read_text(encoding="utf-8")
    assert data.value(ARTICLE, KG.characterCount).toPython() == len(text)


@pytest.mark.parametrize("path", default_paths().imports, ids=lambda p: p.name)
def test_each_vendored_vocabulary_says_where_it_comes_from(path: Path) -> None:
    """A trimmed copy is headed by its ontology node: the source it was taken from, the version, and
    a comment that says what was kept and what left out."""
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

    graph = load_turtle(path)
    headers = list(graph.subjects(RDF.type, OWL.Ontology))
    assert len(headers) == 1, path.name
    header = headers[0]
    assert isinstance(graph.value(header, DCTERMS.source), URIRef), path.name
    assert graph.value(header, OWL.versionInfo) is not None, path.name
    comment = str(graph.value(header, RDFS.comment) or "").lower()
    assert "trimmed" in comment or "keeps only" in comment, path.name


def test_the_sources_store_holds_each_part_and_the_data_merged_with_its_terminology(tmp_path: Path) -> None:
    """One store serves the gates (the parts as named graphs) and the fast validator (the data
    merged with the ontology and the vocabularies): a triple in two of those three is there once,
    as in a merge, where a union of the three graphs would repeat it."""
    from rdflib import Graph, Namespace

    from bytedance_kg.pipeline.gates import run_gate
    from bytedance_kg.pipeline.sources import Sources

    ex = Namespace("http://example.org/")
    shared_with_data, shared_with_imports = (ex.a, ex.p, ex.b), (ex.c, ex.p, ex.d)
    ontology, imports, shapes, data = Graph(), Graph(), Graph(), Graph()
    for triple in (shared_with_data, shared_with_imports, (ex.o, ex.p, ex.o)):
        ontology.add(triple)
    imports.add(shared_with_imports)
    for triple in (shared_with_data, (ex.x, ex.p, Literal("data only"))):
        data.add(triple)
    sources = Sources.of_graphs(ontology, imports, shapes, data)
    store = sources.store()
    merged = Sources.data_with_terminology(store).query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert sorted(row["s"].value for row in merged) == [str(ex.a), str(ex.c), str(ex.o), str(ex.x)]
    named = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(next(iter(named))["n"].value) == 3 + 1 + 2  # each part in its graph, as it is
    # a gate does not see the default graph: a query of it alone finds nothing
    gate = tmp_path / "default-graph-violation.rq"
    gate.write_text("# reads the default graph\nSELECT ?s WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert run_gate(store, gate).rows == []


def test_every_engine_answers_the_whole_protocol() -> None:
    from bytedance_kg.pipeline.engines import ENGINES, engine
    from bytedance_kg.pipeline.sources import Sources

    for name in ENGINES:
        engine(name).prepare(Sources.load(PATHS))  # every engine answers the whole protocol


def _quads(store: object) -> list[bytes]:
    import pyoxigraph as ox

    return sorted(ox.serialize(store, format=ox.RdfFormat.N_QUADS).splitlines())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("edit", "loaded_beside"),
    [
        (None, True),
        # "04371"^^xsd:integer is put as "4371"
        (("kg:characterCount 4371", "kg:characterCount 04371"), False),
        (("kg:characterCount 4371", 'kg:characterCount 4371 ; rdfs:seeAlso [ rdfs:label "b" ]'), False),
    ],
    ids=["as-written", "a-normalised-literal", "a-blank-node"],
)
def test_the_data_store_loaded_beside_the_parse_is_the_one_filled_after_it(
    tmp_path: Path, edit: tuple[str, str] | None, loaded_beside: bool
) -> None:
    """The store the build's fast engine reads is the same whether its data graph was bulk-loaded
    from the file beside the parse, or filled from the parsed lines after it; the file's own load
    is used only where it holds the parsed triples exactly (no literal put in its normal form, no
    blank node, which each parse labels anew)."""
    from bytedance_kg.pipeline.sources import Sources
    from tests.conftest import copy_sources, edit_data

    paths = copy_sources(tmp_path / "project")
    if edit is not None:
        text = paths.data.read_text(encoding="utf-8")
        assert edit[0] in text, "the data changed: pick another place to edit"
        edit_data(paths, *edit)
    sources = Sources.load(paths, with_store=True)
    early = sources._data_store
    store = sources.store()
    assert early is not None and (early.result() is store) == loaded_beside
    assert _quads(store) == _quads(Sources(sources.parts).store())  # filled from the parsed lines
