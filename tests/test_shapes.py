"""SHACL: the real data conforms, and each shape reports exactly what it should on bad data.

The negative suite follows the W3C SHACL test suite: ``tests/shapes/<shape>-<case>.ttl`` is a small
bad-data file and ``<same>.expected.tsv`` lists the results (focus node, path, constraint
component, source shape) that pySHACL must report, compared as a multiset.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, RDFS, SH

from bytedance_kg.build import CheckReport
from bytedance_kg.pipeline.engines import engine
from bytedance_kg.pipeline.sources import Sources
from bytedance_kg.project.namespaces import SHAPES
from bytedance_kg.rdf.parsing import load_turtle
from bytedance_kg.rdf.triples import Triples
from tests.test_fastpath import comparable, shapes_with_messages

CASES = sorted((Path(__file__).parent / "shapes").glob("*.ttl"))


def expected_keys(case: Path) -> Counter[tuple[str, ...]]:
    lines = case.with_suffix(".expected.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["focus", "path", "component", "shape"]
    return Counter(tuple(line.split("\t")) for line in lines[1:] if line.strip())


def test_real_data_conforms(report: CheckReport) -> None:
    assert [r for r in report.shape_results] == []


def test_every_node_shape_has_a_negative_case(sources: Sources) -> None:
    node_shapes = {str(s)[len(str(SHAPES)) :] for s in sources.shapes.subjects(RDF.type, SH.NodeShape)}
    covered = {case.name.split("-", 1)[0] for case in CASES}
    assert node_shapes and node_shapes <= covered, sorted(node_shapes - covered)


def test_every_class_used_by_the_data_is_targeted(sources: Sources, ontology_graph: Graph) -> None:
    """Each class the data instantiates is, or specialises, some shape's sh:targetClass."""
    targets = set(sources.shapes.objects(None, SH.targetClass))
    untargeted = {
        cls
        for cls in set(sources.data.objects(None, RDF.type))
        if not targets & set(ontology_graph.transitive_objects(cls, RDFS.subClassOf))
    }
    assert untargeted == set()


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_negative_case(case: Path, sources: Sources, ontology_graph: Graph) -> None:
    """pySHACL reports exactly the expected results, and the fast validator the same as pySHACL."""
    data = Triples.of_graph(load_turtle(case))
    reference = engine("reference").validate(data, sources.shapes, ontology_graph)
    conforms, results = reference.conforms, reference.results
    assert not conforms
    assert Counter(r.key for r in results) == expected_keys(case)
    fast = engine("fast").validate(data, sources.shapes, ontology_graph)
    fast_conforms, fast_results = fast.conforms, fast.results
    own = shapes_with_messages(sources)
    assert not fast_conforms and comparable(fast_results, own) == comparable(results, own)


def test_shape_messages_take_the_right_article(sources: Sources) -> None:
    """ "A unit", "an event": the article before each message's first noun fits its sound."""
    wrong = []
    for message in sources.shapes.objects(None, SH.message):
        first, _, rest = str(message).partition(" ")
        word = rest.lower()
        if first == "A" and word[:1] in "aeio":
            wrong.append(str(message))
        if first == "An" and (word[:1] not in "aeiou" or word.startswith(("uni", "use", "usa"))):
            wrong.append(str(message))
    assert wrong == []
