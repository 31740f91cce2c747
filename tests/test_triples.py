"""The pipeline's data model (``rdf/triples.py``): what it must keep from the rdflib graphs it
replaced, and what a store loaded from its lines must keep."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from bytedance_kg.pipeline.engines import engine
from bytedance_kg.pipeline.evidence import split
from bytedance_kg.pipeline.sources import query_store
from bytedance_kg.project.errors import InputError
from bytedance_kg.query.store import graphs_of_nquads
from bytedance_kg.rdf.parsing import parse_file
from bytedance_kg.rdf.triples import Index, Triples, fill

pytestmark = pytest.mark.fast  # the quick tier: make check

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def test_lines_and_terms_are_the_same_triples_either_way_round() -> None:
    text = (
        f'<{EX}s> <{EX}p> "a b" .\n<{EX}s> <{EX}p> "x \\" <y> ." .\n'
        f'_:b <{EX}p> "_:not a node"@en .\n<{EX}s> <{EX}q> "1"^^<{XSD}integer> .\n'
    ).encode()
    items = [q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]
    from_lines = Triples.of_lines(text.splitlines(keepends=True))
    assert len(from_lines) == 4 and list(from_lines) == items
    assert Triples(items).lines() == text.splitlines(keepends=True)
    graph_lines = Triples(items).nquads(f"{EX}g")
    assert [q.graph_name for q in ox.parse(b"".join(graph_lines), format=ox.RdfFormat.N_QUADS)] == [
        ox.NamedNode(f"{EX}g")
    ] * 4
    back = graphs_of_nquads(b"".join(Triples(items).nquads("https://w3id.org/bytedance-kg/graph/data")))
    assert list(back["data"]) == items and len(back["inferred"]) == 0


def test_a_store_filled_from_lines_keeps_the_blank_node_labels() -> None:
    """pyoxigraph's bulk loader renames blank nodes; the answers must name the data's own nodes."""
    lines = [f'_:c14n0 <{EX}p> "1" .\n'.encode(), f'<{EX}s> <{EX}p> "_:x" .\n'.encode()]
    store = fill(ox.Store(), lines)
    assert {q.subject for q in store} == {ox.BlankNode("c14n0"), ox.NamedNode(f"{EX}s")}
    graphs = {"data": Triples.of_lines(lines)}
    graphs |= {name: Triples([]) for name in ("ontology", "imports", "inferred", "implied", "shapes")}
    assert ox.BlankNode("c14n0") in {q.subject for q in query_store(graphs, "asserted")}


def test_typed_literals_take_the_normal_form_both_engines_see(tmp_path: Path, sources) -> None:
    """The sources used to be read into rdflib, which normalises lexical forms; the reference
    engine still reads the data through rdflib, so the pipeline takes the same forms."""
    path = tmp_path / "data.ttl"
    path.write_text(
        f'<{EX}a> <{EX}n> "01"^^<{XSD}integer> , "1"^^<{XSD}integer> ; '
        f'<{EX}t> "2025-01-01T00:00:00Z"^^<{XSD}dateTime> ; <{EX}d> "2025-01-01"^^<{XSD}date> .\n',
        encoding="utf-8",
    )
    triples, _ = parse_file(path)
    assert sorted(str(t.object) for t in triples) == sorted(
        [
            f'"1"^^<{XSD}integer>',
            f'"2025-01-01T00:00:00+00:00"^^<{XSD}dateTime>',
            f'"2025-01-01"^^<{XSD}date>',
        ]
    )
    assert len(triples) == len(Graph().parse(path)) == len(triples.graph())
    fast = engine("fast").reason(sources.terminology(), triples)
    reference = engine("reference").reason(sources.terminology(), triples)
    assert set(fast.inferred) == set(reference.inferred)
    assert fast.asserted_size == reference.asserted_size


def test_a_double_past_its_range_or_not_a_number_takes_xsds_form(tmp_path: Path) -> None:
    """rdflib's normal forms of a double's special values are Python's (``nan``, ``inf``), which
    are not XSD lexical forms: the pipeline takes XSD's."""
    path = tmp_path / "data.ttl"
    path.write_text(
        f'<{EX}a> <{EX}d> "NaN"^^<{XSD}double> , "1e400"^^<{XSD}double> , "-INF"^^<{XSD}float> , 1.5e0 .\n',
        encoding="utf-8",
    )
    triples, _ = parse_file(path)
    assert sorted(t.object.value for t in triples) == ["-INF", "1.5", "INF", "NaN"]


@pytest.mark.parametrize(
    ("written", "datatype"),
    [
        ("9223372036854775808", "long"),  # 2^63
        ("-9223372036854775809", "long"),
        ("18446744073709551616", "unsignedLong"),  # 2^64
        ("-1", "unsignedShort"),
        ("yes", "boolean"),  # rdflib reads it as false, with a warning of its own
        ("TRUE", "boolean"),
        ("1_000", "integer"),  # Python's int, which rdflib reads with, takes these
        ("\u0661", "int"),  # an Arabic-Indic one
        ("\uff11", "integer"),  # a fullwidth one
        ("1e3", "decimal"),  # Python's Decimal
        ("inf", "double"),  # Python's float
        ("nan", "double"),
        ("Infinity", "float"),
        (" 7 ", "integer"),  # no whitespace in a lexical form: rdflib published it as "7"
        ("1.5\\n", "decimal"),
        ("2024\\n", "gYear"),  # "$" matched before the line feed
        # written with escapes, which the parser reads: found, and named as the file writes them
        ("\\u0031_000", "integer"),
        ("1\\U0000005F000", "integer"),
        ("\\u0031\\u0000", "integer"),  # no raw control character in a one-line message
        ('1\\"2', "integer"),
        ("\\t1 2", "integer"),
    ],
)
def test_an_ill_typed_literal_is_named_as_written_at_its_place(
    tmp_path: Path, written: str, datatype: str, recwarn: pytest.WarningsRecorder
) -> None:
    path = tmp_path / "data.ttl"
    path.write_text(
        f'<{EX}a> <{EX}b> <{EX}c> .\n<{EX}a> <{EX}n> "{written}"^^<{XSD}{datatype}> .\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as raised:
        parse_file(path)
    column = len(f"<{EX}a> <{EX}n> ") + 1
    assert str(raised.value) == (
        f'{path}:2:{column}: invalid lexical form "{written}" for datatype <{XSD}{datatype}>'
    )
    assert not [w for w in recwarn if "rdflib" in str(w.filename)]


def test_the_first_ill_typed_literal_in_the_file_is_named_at_its_place(tmp_path: Path) -> None:
    """Not a look-alike in a comment, whatever the quotes, and the first in the file of several."""
    path = tmp_path / "data.ttl"
    path.write_text(
        f'# "yes"^^<{XSD}boolean> in a comment\n'
        f"<{EX}a> <{EX}n> '''yes'''^^<{XSD}boolean> .\n"
        f"<{EX}a> <{EX}n> '300'^^<{XSD}byte> .\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as raised:
        parse_file(path)
    place = f"{path}:2:{len(f'<{EX}a> <{EX}n> ') + 1}"
    assert str(raised.value).startswith(f'{place}: invalid lexical form "yes"')


def test_integers_at_the_ends_of_their_range_and_xsds_number_forms_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "data.ttl"
    path.write_text(
        f'<{EX}a> <{EX}n> "9223372036854775807"^^<{XSD}long> , "-9223372036854775808"^^<{XSD}long> , '
        f'"18446744073709551615"^^<{XSD}unsignedLong> , "0"^^<{XSD}unsignedByte> , "+7"^^<{XSD}integer> , '
        f'".5"^^<{XSD}decimal> , "1."^^<{XSD}decimal> , "-0.0E-5"^^<{XSD}double> , "+INF"^^<{XSD}float> , '
        f'"1"^^<{XSD}boolean> .\n',
        encoding="utf-8",
    )
    assert len(parse_file(path)[0]) == 10


def test_the_evidence_split_leaves_a_literal_where_a_node_belongs_to_the_shapes() -> None:
    """A record whose member or reified subject is a literal is the shapes' to report: the split
    must not stop the build with a traceback first."""
    kg, rdf, org = (
        "https://w3id.org/bytedance-kg/ontology#",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        ("http://www.w3.org/ns/org#"),
    )
    text = (
        f'<{EX}st> <{rdf}type> <{kg}Statement> ; <{kg}evidence> <{kg}implied> ; <{rdf}subject> "Alice" ; '
        f"<{rdf}predicate> <{EX}p> ; <{rdf}object> <{EX}o> .\n"
        f'<{EX}m> <{kg}evidence> <{kg}implied> ; <{org}member> "Bob" ; <{org}organization> <{EX}org> .\n'
    )
    data = Triples(q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
    routed = split(data)
    assert len(routed.implied) == len(data) and len(routed.stated) == 0


def _blank_nodes(triples: Triples) -> set[ox.BlankNode]:
    return {n for t in triples for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)}


def test_a_blank_node_goes_whole_with_the_facts_that_name_it() -> None:
    """A blank node that only implied triples name goes to the implied graph with what it says,
    nested ones too; one named from both graphs is a problem naming both triples (a blank node is
    local to its graph's file: loaded apart, the two graphs would hold two nodes)."""
    kg = "https://w3id.org/bytedance-kg/ontology#"
    text = (
        f"<{EX}m> <{kg}evidence> <{kg}implied> ;"
        f' <{EX}see> [ <{EX}label> "implied" ; <{EX}part> [ <{EX}n> 1 ] ] .\n'
        f'<{EX}s> <{kg}evidence> <{kg}stated> ; <{EX}see> [ <{EX}label> "stated" ] .\n'
    )
    routed = split(Triples(q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)))
    assert len(routed.implied) == 5 and len(routed.stated) == 3 and routed.spanning == []
    assert len(_blank_nodes(routed.implied)) == 2 and len(_blank_nodes(routed.stated)) == 1
    assert not _blank_nodes(routed.implied) & _blank_nodes(routed.stated)
    shared = text + f"<{EX}m> <{EX}also> _:shared .\n<{EX}s> <{EX}also> _:shared .\n"
    routed = split(Triples(q.triple for q in ox.parse(shared.encode(), format=ox.RdfFormat.TURTLE)))
    assert len(routed.spanning) == 1 and "give it an IRI" in routed.spanning[0]
    assert f"<{EX}s> <{EX}also> []" in routed.spanning[0] and f"<{EX}m> <{EX}also> []" in routed.spanning[0]
    nested = text + f"<{EX}m> <{EX}see> [ <{EX}end> _:deep ] .\n<{EX}s> <{EX}also> _:deep .\n"
    routed = split(Triples(q.triple for q in ox.parse(nested.encode(), format=ox.RdfFormat.TURTLE)))
    assert len(routed.spanning) == 1 and f"([] <{EX}end> [], under <{EX}m>)" in routed.spanning[0]


def test_fill_keeps_blank_node_labels_and_loads_every_line_into_its_graph() -> None:
    """The lines that may name a blank node (``_:`` anywhere, a literal's included) are found
    without walking the lines, and go in as terms; the rest through the bulk loader."""
    import pyoxigraph as ox

    from bytedance_kg.rdf.triples import fill, split_blank_lines

    lines = [
        b"<urn:a> <urn:p> <urn:b> .\n",
        b"_:x1 <urn:p> <urn:b> .\n",
        b'<urn:a> <urn:q> "a _: in a literal" .\n',
        b"<urn:c> <urn:p> _:x2 .\n",
        b"<urn:c> <urn:p> <urn:d> .\n",
    ]
    plain, blank = split_blank_lines(b"".join(lines))
    assert plain == lines[0] + lines[4]
    assert blank == lines[1] + lines[2] + lines[3]
    assert split_blank_lines(lines[0]) == (lines[0], b"")
    assert split_blank_lines(lines[1].rstrip(b"\n")) == (b"", lines[1].rstrip(b"\n"))  # no final newline
    graph = ox.NamedNode("urn:g")
    store = fill(ox.Store(), lines, graph=graph)
    expected = {
        ox.Quad(q.subject, q.predicate, q.object, graph)
        for q in ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)
    }
    assert set(store) == expected  # labels kept: _:x1 and _:x2 as written
    assert {str(q.subject) for q in store} >= {"_:x1"}
    default = fill(ox.Store(), lines)
    assert {q.triple for q in default} == {q.triple for q in expected}


def test_an_index_holds_exactly_its_graphs_triples() -> None:
    """``triple in index`` looks among the subject's triples: a triple that shares its subject, its
    predicate or its object with one of the graph is not held, and neither is one of no subject."""
    s, p, q, o = (ox.NamedNode(f"{EX}{name}") for name in ("s", "p", "q", "o"))
    held = [ox.Triple(s, p, o), ox.Triple(s, q, ox.Literal("1")), ox.Triple(o, p, s)]
    index = Index(Triples(held))
    assert all(triple in index for triple in held)
    for absent in (
        ox.Triple(s, p, s),
        ox.Triple(s, q, ox.Literal("2")),
        ox.Triple(o, q, s),
        ox.Triple(p, p, o),
    ):
        assert absent not in index


def test_two_files_blank_nodes_stay_apart(tmp_path: Path) -> None:
    """The same label in two files names two nodes once their triples are put together."""
    from bytedance_kg.rdf.parsing import load_triples

    for name in ("a", "b"):
        (tmp_path / f"{name}.ttl").write_text(f'_:b0 <{EX}p> "{name}" .\n', encoding="utf-8")
    merged = load_triples([tmp_path / "a.ttl", tmp_path / "b.ttl"])
    assert len(merged) == 2 and len({t.subject for t in merged}) == 2
    assert all(isinstance(t.subject, ox.BlankNode) for t in merged)


def test_only_lines_written_here_skip_the_stores_checks() -> None:
    """Lines pyoxigraph wrote from terms it made are loaded without checking each IRI again; lines
    read as they are (a release file) are checked: a broken IRI in them is refused."""
    made = Triples([ox.Triple(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"))])
    read = Triples.of_lines([f"<{EX}s> <{EX}p> <{EX}not an iri> .\n".encode()])
    assert made.written_here and not read.written_here
    assert len(fill(ox.Store(), made.lines(), checked=made.written_here)) == 1
    with pytest.raises(SyntaxError):
        fill(ox.Store(), read.lines(), checked=read.written_here)
    graphs = {"data": read} | {
        name: Triples([]) for name in ("ontology", "imports", "inferred", "implied", "shapes")
    }
    with pytest.raises(SyntaxError):
        query_store(graphs, "asserted")


def test_the_evidence_split_gives_each_share_the_datas_own_lines(sources) -> None:
    """When the data's lines are made, each share takes its own from them instead of serialising
    again: the same lines a share's own serialisation gives, in the share's order; when they are
    not, neither share has any yet."""
    data = sources.triples("data")
    without = split(Triples(data.items, distinct=True))
    assert not without.stated.has_lines and not without.implied.has_lines
    data.lines()
    with_lines = split(data)
    for share, again in ((with_lines.stated, without.stated), (with_lines.implied, without.implied)):
        assert share.has_lines and share.items == again.items
        assert share.lines() == Triples(share.items, distinct=True).lines()
    assert len(with_lines.implied) > 0 and len(with_lines.stated) + len(with_lines.implied) == len(data)


@pytest.mark.parametrize(
    ("last", "names"),
    [
        (ox.Triple(ox.BlankNode("b1"), ox.NamedNode("http://example.org/p"), ox.Literal("x")), True),
        (
            ox.Triple(
                ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("a_:b")
            ),
            True,
        ),
        (
            ox.Triple(
                ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("x")
            ),
            False,
        ),
    ],
)
def test_whether_lines_may_name_a_blank_node_is_found_whichever_way_they_were_made(
    last: ox.Triple, names: bool
) -> None:
    """Found as the lines are serialised (in the last of several runs of lines, here), and found
    the same from lines given as they are: a literal holding ``_:`` counts, which only costs the
    build a store filled again."""
    items = [
        ox.Triple(
            ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(str(i))
        )
        for i in range(70_000)
    ]
    made = Triples([*items, last])
    assert made.may_name_blank_node() is names
    assert Triples.of_lines(made.lines()).may_name_blank_node() is names
    assert Triples.with_lines(made.items, made.lines(), True).may_name_blank_node() is names
