"""The canonical form of a dataset: the shortcut through the blank-node quads is RDFC-1.0 exactly."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from bytedance_kg.rdf.terms import canonical, line_tokens, to_quads, token, token_lines
from tests.conftest import ROOT

pytestmark = pytest.mark.fast  # the quick tier: make check


def full_rdfc(quads: list[ox.Quad]) -> list[ox.Quad]:
    """RDFC-1.0 over the whole dataset, as pyoxigraph does it: what :func:`canonical` must equal."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=str)


def tangle() -> list[ox.Quad]:
    """Blank nodes in every position a quad allows, indistinguishable pairs, a cycle, duplicates,
    and named graphs that tell apart otherwise equal blank nodes."""
    ex = "http://example.org/"
    p, q, g = ox.NamedNode(ex + "p"), ox.NamedNode(ex + "q"), ox.NamedNode(ex + "g")
    a, b, c, d, e = (ox.BlankNode(x) for x in "abcde")
    one, two = ox.Literal("1"), ox.Literal("2", language="en")
    iri = ox.NamedNode(ex + "s")
    return [
        ox.Quad(a, p, b),
        ox.Quad(b, p, a),
        ox.Quad(c, p, d),
        ox.Quad(d, p, c),
        ox.Quad(a, q, one),
        ox.Quad(iri, p, e, g),
        ox.Quad(e, q, two, g),
        ox.Quad(iri, p, e, e),
        ox.Quad(iri, q, one),
        ox.Quad(iri, q, one),
        ox.Quad(iri, q, two, g),
    ]


def test_canonical_equals_full_rdfc_on_a_tangle_of_blank_nodes() -> None:
    quads = tangle()
    assert canonical(quads) == full_rdfc(quads)
    assert any(isinstance(x.subject, ox.BlankNode) for x in canonical(quads))


def test_canonical_equals_full_rdfc_on_the_vocabularies() -> None:
    """The vendored vocabularies hold the release's blank nodes (lists, restrictions)."""
    from bytedance_kg.rdf.parsing import load_turtle

    quads = [
        q
        for path in sorted((ROOT / "ontology").rglob("*.ttl"))
        for q in to_quads(load_turtle(path), f"http://example.org/graph/{path.stem}")
    ]
    assert sum(isinstance(q.subject, ox.BlankNode) for q in quads) > 50
    assert canonical(quads) == full_rdfc(quads)


def test_the_format_registry_names_each_format_once_and_each_serialiser_round_trips() -> None:
    from bytedance_kg.rdf.formats import RDF_SYNTAXES, RESULTS_FORMATS, media_type_of

    formats = [*RDF_SYNTAXES, *RESULTS_FORMATS]
    for field in ("name", "extension", "media_type"):
        values = [getattr(f, field) for f in formats]
        assert len(values) == len(set(values)), field
    quad = tangle()[5]
    triple = ox.Triple(quad.subject, quad.predicate, quad.object)
    for syntax in RDF_SYNTAXES:
        data = [quad] if syntax.datasets else [triple]
        text = ox.serialize(data, format=syntax.serialiser)
        assert text is not None and len(list(ox.parse(text, format=syntax.serialiser))) == 1
        assert media_type_of(syntax.extension) == syntax.media_type
    assert media_type_of(".html") == "text/html" and media_type_of(".exe") is None


def test_canonical_lines_of_runs_split_by_graph_equal_full_rdfc() -> None:
    """The writer's path: each graph's lines a sorted run, the blank-node lines found once per run
    (a literal holding "_:" is not one), then put into their graphs; the same as RDFC-1.0 over
    the whole dataset, and ``distinct`` changes nothing when no line repeats."""
    from bytedance_kg.rdf.terms import Lines, canonical_lines, nquads_lines

    quads = [q for q in tangle() if q.graph_name == ox.DefaultGraph()]
    quads.append(
        ox.Quad(ox.NamedNode("http://example.org/t"), ox.NamedNode("http://example.org/p"), ox.Literal("_:x"))
    )
    graphs = {
        "http://example.org/g1": quads[: len(quads) // 2],
        "http://example.org/g2": quads[len(quads) // 2 :],
    }
    runs = {name: Lines.of(sorted(set(nquads_lines(part)))) for name, part in graphs.items()}
    assert all(b'"_:x"' not in line for run in runs.values() for line in run.blank)
    assert any(b'"_:x"' in line for run in runs.values() for line in run.lines)
    expected = full_rdfc(
        [
            ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(g))
            for g, part in graphs.items()
            for q in part
        ]
    )
    lines = canonical_lines(run.in_graph(name) for name, run in runs.items())
    assert list(ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS)) == expected
    assert canonical_lines((run.in_graph(name) for name, run in runs.items()), distinct=True) == lines


def test_a_blank_node_inside_a_triple_term_is_relabelled_with_the_data() -> None:
    """The reified variant's ``record rdf:reifies <<( s p _:b )>>`` names the data's ``_:b`` only
    inside a triple term (RDF 1.2): it is a blank-node line, relabelled together with the data's
    lines, so the labels are RDFC-1.0's whatever the parser called the node."""
    from bytedance_kg.rdf.terms import Lines, canonical_lines

    reifies = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies>"
    outputs = set()
    for b, r in (("x", "y"), ("y", "x"), ("e5f1", "a0")):
        data = f'<urn:s> <urn:p> _:{b} .\n_:{b} <urn:q> "1" .\n_:{r} <urn:q> "2" .\n'.encode()
        reified = (
            f"<urn:s> {reifies} <<( <urn:s> <urn:p> _:{b} )>> .\n"
            f'_:{r} {reifies} <<( _:{r} <urn:q> "2" )>> .\n'
        )
        runs = [
            Lines.of(sorted(data.splitlines(keepends=True))),
            Lines.of(reified.encode().splitlines(keepends=True)),
        ]
        assert len(runs[1].blank) == 2  # the first names _:b in its triple term alone
        lines = canonical_lines(runs, distinct=True)
        quads = list(ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS))
        assert quads == full_rdfc(list(ox.parse(data + reified.encode(), format=ox.RdfFormat.N_QUADS)))
        outputs.add(b"".join(lines))
    (output,) = outputs
    assert b"<urn:p> _:c14n" in output and b"_:x" not in output and b"_:y" not in output


def test_a_terms_token_is_what_pyoxigraph_writes_for_it_in_a_line() -> None:
    """The reasoners join tokens split from the data's lines and tokens made from the terminology's
    terms: the two must be the same bytes for the same term, or a join would miss."""
    subject = ox.NamedNode("http://example.org/s")
    objects = [
        ox.Literal('a "q" \\ \n\r\t é 中 \x01 \x7f \x08 \x0c 𝄞 . x'),
        ox.Literal("x", language="en-GB"),
        ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal(""),
        ox.NamedNode("http://example.org/a?é%20x#中"),
        ox.BlankNode("b0"),
    ]
    lines = ox.serialize([ox.Triple(subject, subject, o) for o in objects], format=ox.RdfFormat.N_TRIPLES)
    assert lines is not None
    split = line_tokens(lines.splitlines(keepends=True))
    assert split == [(token(subject), token(subject), token(o)) for o in objects]
    assert token(rdflib.Literal("x", lang="en-GB")) == token(objects[1])
    assert b"".join(token_lines(split)) == lines


def test_a_term_named_by_many_lines_is_one_token() -> None:
    """The reasoner's tokens are shared (:func:`line_tokens`): a term repeated in many lines is one
    object, which is what keeps a million triples' tokens in the memory the data needs."""
    lines = [b'<http://example.org/s> <http://example.org/p> "%d" .\n' % (i % 2) for i in range(4)]
    split = line_tokens(lines)
    assert len({id(s) for s, _, _ in split}) == 1
    assert len({id(p) for _, p, _ in split}) == 1
    assert len({id(o) for _, _, o in split}) == 2
    assert [o for _, _, o in split] == [b'"0"', b'"1"', b'"0"', b'"1"']
