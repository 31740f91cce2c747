"""The query guard (bytedance_kg.sparql.guard): what it refuses, what it lets through, and that the text it
hands the engine means what the client's text meant (pyoxigraph runs both and must agree)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pyoxigraph as ox
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bytedance_kg.sparql.guard import (
    MAX_DEPTH,
    MAX_OPERATORS,
    MAX_OPERATORS_IN_ALL,
    MAX_QUERY_BYTES,
    FederatedQueryRefused,
    QueryRefused,
    UpdateRefused,
    check_query,
    tokenize,
)
from bytedance_kg.system.stack import with_engine_stack

pytestmark = pytest.mark.fast  # the quick tier: make check

CANARY = "http://127.0.0.1:9/canary"


def disguises(target: str = CANARY) -> list[str]:
    """Ways of writing SERVICE that a guard reading another grammar than the engine's might miss."""
    pattern = f"<{target}> {{ ?s ?p ?o }}"
    return [
        f"SELECT * WHERE {{ SERVICE {pattern} }}",
        f"select * where {{ service {pattern} }}",
        f"SELECT * WHERE {{ SeRvIcE SILENT {pattern} }}",
        f"SELECT * WHERE {{\n # a comment ended by a carriage return\r SERVICE {pattern}\n}}",
        f"SELECT * WHERE {{ # }} SERVICE\n SERVICE {pattern} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE {pattern} }}",
        f"SELECT * WHERE {{ \\U00000053\\U00000045RVICE {pattern} }}",
        f"SELECT * WHERE {{ S\\u0045RV\\u0049CE {pattern} }}",
        f"SELECT * WHERE {{ ?s ?p trueSERVICE {pattern} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE {pattern} }}",
        f'SELECT * WHERE {{ ?s ?p "x"SERVICE {pattern} }}',
        f"SELECT * WHERE {{ ?s ?p ?x FILTER(?x<2)SERVICE<{target}>{{ ?s ?p ?o }} }}",
        f'SELECT * WHERE {{ BIND("<" AS ?x) SERVICE {pattern} }} # >',
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE {pattern} }} }} }}",
        f"SELECT * WHERE {{ OPTIONAL {{ ?x ?y ?z . SERVICE {pattern} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE {pattern} }} FILTER EXISTS {{ SERVICE {pattern} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {pattern} }}",
        f"ASK {{ SERVICE {pattern} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE {pattern} }}",
        f"SELECT * WHERE {{ SERVICE ?endpoint {{ ?s ?p ?o }} VALUES ?endpoint {{ <{target}> }} }}",
        f"SELECT * WHERE {{ ſervice {pattern} }}",  # long s: upper-cases to S
        f"SELECT * WHERE {{ servıce {pattern} }}",  # dotless i: upper-cases to I
        "SELECT * WHERE { " + "?s ?p ?o . " * 5000 + f"SERVICE {pattern} }}",
        "# " + "x" * 60_000 + f"\nSELECT * WHERE {{ SERVICE {pattern} }}",
    ]


def iri_disguises(target: str = CANARY) -> list[str]:
    """SERVICE hidden in what the guard reads as one IRI token (which may contain the word): were
    the engine to read the ``<`` as an operator instead, the clause could not be completed, since an
    IRI token holds no white space, ``<`` or ``{``. Each must fail as a query, never fetch."""
    return [
        f"SELECT * WHERE {{ ?s ?p ?x FILTER(?x <2)SERVICE?ep>{{ ?s ?p ?o }} VALUES ?ep {{ <{target}> }} }}",
        "SELECT * WHERE { ?s ?p ?x FILTER(?x <2)SERVICE>{ ?s ?p ?o } }",
        f"SELECT * WHERE {{ ?s ?p ?x FILTER(?x <2)SERVICE?ep>) VALUES ?ep {{ <{target}> }} }}",  # balanced
        f"SELECT * WHERE {{ <SERVICE><{target}>{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?x FILTER(?x <SERVICE> <{target}>) }}",
        "SELECT * WHERE { ?s ?p ?x FILTER(?x <2)}SERVICE?ep>{ ?s ?p ?o } }",
    ]


def test_iris_may_name_the_service_description_vocabulary() -> None:
    sd = "http://www.w3.org/ns/sparql-service-description#"
    checked = check_query(f"PREFIX sd: <{sd}> SELECT ?g WHERE {{ ?g <{sd}name> ?n }}")
    assert checked.form == "SELECT" and f"<{sd}name>" in checked.text
    with pytest.raises(FederatedQueryRefused):
        check_query(
            f"PREFIX sd: <{sd}> SELECT ?g WHERE {{ ?g a sd:Service }}"
        )  # a prefixed name is not exempt


def test_service_inside_an_iri_token_never_reaches_the_engine_as_a_clause() -> None:
    """In an expression, after an operand, the guard reads the ``<`` as the engine does, the
    operator, and so finds the SERVICE; elsewhere both read an IRI, and whatever the guard lets
    through the engine refuses as a syntax error or reads as IRIs: none makes it try the port."""
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("urn:s"),
            ox.NamedNode("urn:p"),
            ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        )
    )
    passed = federated = 0
    for text in iri_disguises("http://127.0.0.1:9/"):
        try:
            checked = check_query(text)
        except FederatedQueryRefused:
            federated += 1
            continue
        passed += 1
        try:
            list(store.query(checked.text))
        except SyntaxError:
            continue
        except (OSError, RuntimeError) as error:
            pytest.fail(f"the engine read a SERVICE clause in {text!r}: {error}")
    assert (federated, passed) == (5, 1)


@pytest.mark.parametrize("text", disguises())
def test_every_service_disguise_is_refused(text: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    if "\\u" in text or "\\U" in text:  # SPARQL 1.1 decoded these before parsing: SERVICE
        assert refused.value.message.startswith("an escape is read only inside a string or an IRI")
    else:  # letters outside ASCII are not SPARQL keywords at all (pyoxigraph refuses them too)
        assert isinstance(refused.value, FederatedQueryRefused) or not text.isascii()


def test_the_engine_really_runs_the_disguises_the_guard_refuses() -> None:
    """The disguises are real: pyoxigraph reads a SERVICE pattern in them (it fails to reach the
    unused port, which shows it tried). So a guard reading a different grammar would be bypassed."""
    store = ox.Store()
    for value in (
        ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
        ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("x"),
    ):
        store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), value))
    tried = 0
    # Port 9 of the loopback: pyoxigraph's HTTP client refuses that port before connecting, so
    # the engine shows it read a SERVICE pattern without any packet being sent.
    for text in [
        d for d in disguises("http://127.0.0.1:9/") if len(d) < 1000
    ]:  # the long ones are cross products
        try:
            list(store.query(text))
        except SyntaxError:
            continue
        except (OSError, RuntimeError):  # the port refused, or an unbound service variable
            tried += 1
    assert tried >= 15, tried


def test_the_word_service_in_a_string_is_fine() -> None:
    checked = check_query('SELECT ?x WHERE { BIND("customer service" AS ?x) }')
    assert checked.form == "SELECT"
    assert [s["x"].value for s in ox.Store().query(checked.text)] == ["customer service"]


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/>",
        "PREFIX ex: <urn:x> CLEAR ALL",
        "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused(text: str) -> None:
    with pytest.raises(UpdateRefused):
        check_query(text)


def _wrapped(levels: int) -> str:
    """A path of ``levels`` chains of :data:`MAX_OPERATORS` alternatives, each wrapping the last."""
    path = "a"
    for _ in range(levels):
        path = "(" + path + ")|" + "|".join(["a"] * MAX_OPERATORS)
    return path


@pytest.mark.parametrize(
    "text, where",
    [
        ("SELECT * WHERE { BIND(" + "+".join(["1"] * (MAX_OPERATORS + 2)) + " AS ?x) }", "operators"),
        ("SELECT * WHERE " + "{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1), "nesting"),
        ("SELECT * WHERE { BIND(" + "(" * 8000 + "1" + ")" * 8000 + " AS ?x) }", "nesting"),
        ("SELECT * WHERE { BIND(" + "!" * 8000 + "true AS ?x) }", "nesting"),
        ("SELECT * WHERE { ?s " + "/".join(["<urn:p>"] * 8000) + " ?o }", "operators"),
        ("SELECT * WHERE { ?s " + "|".join(["a"] * (MAX_OPERATORS + 2)) + " ?o }", "operators"),
        ("SELECT * WHERE { " + " union ".join(["{}"] * (MAX_OPERATORS + 2)) + " }", "operators"),
        # chains wrapped in parentheses, one chain to the engine: one more than in all, none over 1,000
        (
            "SELECT ?s WHERE { ?s " + _wrapped(MAX_OPERATORS_IN_ALL // MAX_OPERATORS) + " ?o ; a|a ?p }",
            "in all",
        ),
        # an argument's comma ends a chain in its own parentheses only: 1,203 at the filter's level
        (
            "SELECT * WHERE { FILTER("
            + "+".join(["1"] * 601)
            + "+STRLEN(CONCAT('a','b'))+"
            + "+".join(["1"] * 601)
            + " > 0) }",
            "in one chain",
        ),
        ("SELECT * WHERE { BIND(1" + " -1" * (MAX_OPERATORS + 1) + " AS ?x) }", "in one chain"),
        ("SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_QUERY_BYTES, "bytes"),
    ],
)
def test_deep_or_huge_expressions_are_refused_before_the_engine(text: str, where: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    assert where in str(refused.value)


def test_valid_large_queries_are_accepted_and_run() -> None:
    """What rdflib's recursive parser refused (85+ triple patterns) and what is large but flat."""
    store = ox.Store()
    patterns = "SELECT * WHERE { " + " ".join(f"?s ?p{i} ?o{i} ." for i in range(120)) + " }"
    values = "SELECT * WHERE { VALUES ?x { " + " ".join(f"<urn:x:{i}>" for i in range(4000)) + " } }"
    in_list = "ASK { FILTER(1 IN (" + ",".join(str(i) for i in range(5000)) + ")) }"
    for text in (patterns, values, in_list):
        checked = check_query(text)
        with_engine_stack(
            lambda: (
                list(store.query(checked.text))
                if checked.form == "SELECT"
                else bool(store.query(checked.text))
            )
        )


_CHAINS = {
    "MINUS": lambda n: "SELECT * WHERE { " + " ".join(["MINUS{}"] * n) + " }",
    "OPTIONAL": lambda n: "SELECT * WHERE { " + " ".join(["OPTIONAL{}"] * n) + " }",
    "BIND": lambda n: "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(n)) + " }",
    "projection": lambda n: "SELECT " + " ".join(f"(1 AS ?v{i})" for i in range(n)) + " WHERE {}",
    "groups": lambda n: "SELECT * WHERE { " + " ".join(["{}"] * n) + " }",
    "UNION": lambda n: "SELECT * WHERE { " + " UNION ".join(["{}"] * min(n, MAX_OPERATORS + 1)) + " }",
    "|": lambda n: "SELECT * WHERE { ?s " + "|".join(["a"] * min(n, MAX_OPERATORS + 1)) + " ?o }",
    "FILTER": lambda n: "SELECT * WHERE { " + " ".join(["FILTER(1)"] * n) + " }",
    "wrapped |": lambda _: (
        "SELECT ?s WHERE { ?s " + _wrapped(MAX_OPERATORS_IN_ALL // MAX_OPERATORS) + " ?o }"
    ),
}
"""Chains the engine nests a level per use, each as long as the guard lets it be."""


def _longest(chain: str) -> str:
    """The longest text of ``chain`` within :data:`MAX_QUERY_BYTES` (found by halving)."""
    low, high = 1, MAX_QUERY_BYTES
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if len(_CHAINS[chain](middle)) <= MAX_QUERY_BYTES else (low, middle - 1)
    return _CHAINS[chain](low)


def test_chains_as_long_as_the_text_allows_run_on_the_engine_stack() -> None:
    """What the guard does not count (MINUS, OPTIONAL, BIND, FILTER, a projection's expressions,
    groups) is bounded by the text's size: the guard accepts each at the longest the size allows,
    and the engine, on its stack, answers it (on a thread's default stack, 8,187 MINUS or 3,638
    BIND overflowed it: a segfault). In a child process, so that a crash fails this test instead
    of the run."""
    texts = {chain: check_query(_longest(chain)).text for chain in _CHAINS}  # accepted, each
    assert texts["UNION"].count("UNION") == texts["|"].count("|") == MAX_OPERATORS
    assert texts["wrapped |"].count("|") == MAX_OPERATORS_IN_ALL
    program = (
        "import json, sys, pyoxigraph as ox\n"
        "from bytedance_kg.system.stack import with_engine_stack\n"
        "for chain, text in json.load(sys.stdin).items():\n"
        "    with_engine_stack(lambda: list(ox.Store().query(text)))\n"
        "    print(chain, flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], input=json.dumps(texts), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr[-500:])
    assert done.stdout.splitlines() == list(_CHAINS)


def test_operators_are_counted_per_chain() -> None:
    """Two paths, two triples or two arguments are two chains, each with its own thousand."""
    paths = "SELECT * WHERE { ?s " + "|".join(["a"] * 900) + " ?o ; " + "|".join(["a"] * 900) + " ?p }"
    triples = "SELECT * WHERE { " + " . ".join(f"?s a/a ?o{i}" for i in range(1200)) + " }"
    arguments = "SELECT (CONCAT(" + ", ".join(["1+1"] * 1200) + ") AS ?x) WHERE {}"
    # "all" is no product: four full filters are the most in all, whatever is selected
    filters = "WHERE { " + " ".join(["FILTER(" + "+".join(["1"] * MAX_OPERATORS) + " > 0)"] * 4) + " }"
    assert MAX_OPERATORS_IN_ALL == 4 * MAX_OPERATORS
    every = ["SELECT * " + filters, "SELECT (COUNT(*) AS ?n) " + filters]
    values = "SELECT * WHERE { VALUES (?a ?b) { " + "(-1 -2) " * 2001 + "} }"  # values, not subtractions
    rows = {paths: 0, arguments: 1, every[0]: 1, every[1]: 1, values: 2001}
    for text in (paths, triples, arguments, *every, values):
        checked = check_query(text)
        # the engine plans 80 path patterns in 3 s and 1,200 for far longer: the verdict is the point
        if text != triples:
            assert len(with_engine_stack(lambda: list(ox.Store().query(checked.text)))) == rows[text]


def test_errors_name_the_place_in_the_clients_text() -> None:
    with pytest.raises(QueryRefused) as refused:
        check_query('SELECT * WHERE {\n  ?s ?p "unterminated\n}')
    assert (refused.value.line, refused.value.column) == (2, 9)
    checked = check_query("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = )\n}")
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(checked.text)
    line, column = _position(str(caught.value))
    assert checked.place(line, column)[0] in (3, 4)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ('SELECT * WHERE { ?s ?p "\\u0041\\U00000042" . ?s nope:p ?o }', "nope:p"),
        ("SELECT * WHERE { ?s <http://ex/\\u0041> ?o }\n# \\u0041\n} ", "} "),
        ('SELECT * WHERE { ?s ?p "\\u0041" ;\n  ?q "\\u0042" . ?s ?p "open }', '"open'),
    ],
)
def test_a_refusal_after_an_escape_is_placed_in_the_text_as_written(text: str, at: str) -> None:
    """An escape is six or ten characters written for one read: places are counted in the text as
    written."""
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    before = text[: text.index(at)]
    where = (before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
    assert (refused.value.line, refused.value.column) == where, str(refused.value)


def test_an_engine_error_after_an_escape_is_placed_in_the_text_as_written() -> None:
    text = "SELECT ?s WHERE { ?s <http://ex/\\u0041\\u0042> ?o . FILTER(?s = ) }"
    checked = check_query(text)
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(checked.text)
    assert checked.place(*_position(str(caught.value))) == (1, text.rindex("}") + 1)


def _position(message: str) -> tuple[int, int]:
    line, column = message.removeprefix("error at ").split(":")[:2]
    return int(line), int(column)


SAME_MEANING = [
    "SELECT (1-1 AS ?a) (2 -1 AS ?b) (?x+1 AS ?c) WHERE { BIND(2 AS ?x) }",
    "SELECT * WHERE { BIND('''it's a \"long\"\nstring''' AS ?x) BIND(\"tab\\there\" AS ?y) }",
    "SELECT (CONCAT('a', \"b\") AS ?x) (COALESCE(?u, 3) AS ?y) (STR (1) AS ?z) WHERE {}",
    'PREFIX ex: <http://example.org/> SELECT * WHERE { VALUES (?a ?b) { (ex:x 1.5e3) (UNDEF "x"@en-GB) } }',
    'BASE <http://example.org/> SELECT * WHERE { BIND(<relative> AS ?x) BIND("é"^^<dt> AS ?y) }',
    'SELECT * WHERE { BIND("\\u00e9" AS ?x) BIND(<http://example.org/\\u00e9> AS ?y) }',
    "ASK { FILTER(2 >= 1 && 1 <= 2 && 1 != 2 && !false || false) }",
    "SELECT ?x WHERE { VALUES ?x { 3 1 2 } } ORDER BY DESC(?x) LIMIT 2 OFFSET 0",
    'SELECT (GROUP_CONCAT(?x; SEPARATOR=", ") AS ?all) WHERE { VALUES ?x { "a" "b" } }',
    "SELECT * WHERE { VALUES ?x { <<( <urn:a> <urn:b> <urn:c> )>> } }",
    # SPARQL 1.2, as the engine: escapes read inside strings and IRIs only, with the string escapes
    'SELECT * WHERE { BIND("C:\\\\users\\\\u0041dmin" AS ?x) BIND("a\\u0022b" AS ?y) }',
    "SELECT * WHERE { BIND(\"\\u005Cn\\\\U00000041\" AS ?x) BIND('\\u0027' AS ?y)"
    " BIND('''\\\\u0022''' AS ?z) }",
    "SELECT * WHERE { BIND(<http://example.org/\\U0001F600\\u0041> AS ?x) }",
    # a less-than before an IRI or a triple term, written without a space (helper-51: refused)
    "SELECT * WHERE { VALUES ?x {1} FILTER(?x<<http://a>) }",
    "SELECT * WHERE { VALUES ?x {1} FILTER(?x<<<(<http://a> <http://b> 1)>>) }",
    "SELECT ?b WHERE { BIND(EXISTS{}<1&&#>\n0 AS ?b) }",
]


@pytest.mark.parametrize("text", SAME_MEANING)
def test_the_canonical_text_means_what_the_original_meant(text: str) -> None:
    store = ox.Store()
    checked = check_query(text)

    def answers(query: str) -> object:
        result = store.query(query, base_iri="http://example.org/base")
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return [
            {
                v.value: str(s[v])
                for v in result.variables
                if s[v] is not None and not isinstance(s[v], ox.BlankNode)
            }
            for s in result
        ]

    assert answers(checked.text) == answers(text)
    assert check_query(checked.text).text == checked.text  # a fixed point: nothing left to rewrite


_CODE_POINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _as_sparql_11_reads(text: str) -> str:
    """``text`` with its ``\\u`` escapes decoded everywhere, before parsing, as SPARQL 1.1 has it."""
    return _CODE_POINT.sub(lambda m: chr(int(m[1] or m[2], 16)), text)


def test_a_backslash_and_u_in_a_string_is_a_backslash_and_u() -> None:
    """What helper-49 found refused as "a string is not closed": SPARQL 1.1 read ``\\u0041`` as an
    escape even after a backslash; SPARQL 1.2 and the engine do not, and the guard reads as they do."""
    checked = check_query('SELECT ?x WHERE { BIND("C:\\\\users\\\\u0041dmin" AS ?x) }')
    assert [s["x"].value for s in ox.Store().query(checked.text)] == ["C:\\users\\u0041dmin"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(st.sampled_from(["\\\\", "\\", "\\u0022", "\\u005C", "u0022", "U", "n", '"', " "]), max_size=12)
)
def test_strings_mean_the_same_to_the_engine_and_to_a_sparql_11_store(pieces: list[str]) -> None:
    """A string the guard accepts means what the engine makes of the text as written; and the
    canonical text holds no escape that a store decoding SPARQL 1.1's way could read otherwise
    (``serve --store`` hands it to any SPARQL store): decoded first, it means the same again."""
    text = f'SELECT ?x WHERE {{ BIND("{"".join(pieces)}" AS ?x) }}'
    try:
        checked = check_query(text)
    except QueryRefused:
        return
    value = _value(checked.text)
    assert _value(text) == value
    if value is not None:
        assert _value(_as_sparql_11_reads(checked.text)) == value


def _value(text: str) -> list[ox.Literal] | None:
    """The engine's ``?x`` for ``text``; None for a syntax error."""
    try:
        return [s["x"] for s in ox.Store().query(text)]
    except SyntaxError:
        return None


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        # placed at the escape that gives what no IRI may hold
        ("SELECT * WHERE { ?s ?p <http://e/\\u003E> }", "an IRI may not hold '>', even escaped", "\\u003E"),
        ("SELECT * WHERE { ?s ?p <http://e/a\\u0020b> }", "an IRI may not hold ' ', even escaped", "\\u0020"),
        (
            "SELECT * WHERE { ?s ?p <http://e/\\u0041\\u005C> }",
            "an IRI may not hold '\\', even escaped",
            "\\u005C",
        ),
        ('SELECT * WHERE { ?s ?p "ok \\uD800" }', "invalid code point escape \\uD800", "\\uD800"),
        ("SELECT * WHERE { ?s ?p <http://e/\\U00110000> }", "invalid code point escape", "\\U0011"),
        ("\\u0053ELECT * WHERE { ?s ?p ?o }", "an escape is read only inside a string or an IRI", "\\u0053"),
        # well-formed escapes, then what no IRI may hold: the fault is named, not the escapes
        ("SELECT * WHERE { <urn:a\\u0041 b> ?p ?o }", "an IRI may not hold ' ': '<urn:a\\u0041 b>'", " b>"),
        ("SELECT * WHERE { ?s ?p <http://e/\\u0041{x> }", "an IRI may not hold '{'", "{x"),
        ("SELECT * WHERE { ?s ?p <http://e/\\u0041\\q> }", "an IRI holds a backslash that is no \\u", "\\q"),
        # and with no escape at all: the IRI's own fault, not a prefix or a brace it was read as
        ("SELECT * WHERE { ?s ?p <http://e/a b> }", "an IRI may not hold ' ': '<http://e/a b>'", " b>"),
        ("SELECT * WHERE { ?s ?p <http://e/a{b> }", "an IRI may not hold '{'", "{b>"),
        ("SELECT * WHERE { ?s ?p <http://e/a|b> }", "an IRI may not hold '|'", "|b>"),
        ("SELECT * WHERE { ?s ?p ?o FILTER(?o = <a b>) }", "an IRI may not hold ' '", " b>"),
        ("SELECT * WHERE { ?s ?p ?o FILTER(?o < <a b>) }", "an IRI may not hold ' '", " b>"),
        ("SELECT * WHERE { ?s ?p <http://e/a", "an IRI is not closed", "<http"),
    ],
)
def test_escapes_the_engine_refuses_are_refused_and_placed(text: str, message: str, at: str) -> None:
    """The message names the fault, where it is (where ``at`` first occurs), and the engine
    refuses the text too."""
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    assert refused.value.message.startswith(message), refused.value.message
    assert (refused.value.line, refused.value.column) == (1, text.index(at) + 1)
    with pytest.raises(SyntaxError):
        ox.Store().query(text)


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT -1", "LIMIT takes a whole number (0 or more), not '-1'", "-1"),
        ("SELECT * WHERE { ?s ?p ?o } limit ?x", "LIMIT takes a whole number (0 or more), not '?x'", "?x"),
        ("ASK {} OFFSET 1.5", "OFFSET takes a whole number (0 or more), not '1.5'", "1.5"),
        ("SELECT * { { SELECT * {} LIMIT +1 } }", "LIMIT takes a whole number (0 or more), not '+1'", "+1"),
        (
            "SELECT * WHERE { ?s ?p ?o } LIMIT 1 OFFSET",
            "OFFSET takes a whole number (0 or more): the query ends after it",
            "OFFSET",
        ),
    ],
)
def test_limit_and_offset_take_a_whole_number(text: str, message: str, at: str) -> None:
    """The engine's message for these names alternatives that cannot stand there ("expected one of
    HAVING, OFFSET, OPTIONAL, VALUES" for ``LIMIT -1``); the engine refuses them all the same."""
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    assert str(refused.value) == f"{message} (line 1, column {text.index(at) + 1})"
    with pytest.raises(SyntaxError):
        ox.Store().query(text)
    assert check_query("SELECT * { ?limit ?p ?o } LIMIT 0 OFFSET 007").form == "SELECT"


AFTER_AN_OPERAND = [
    # (text, what the engine reads): a ``<`` after an operand in an expression is the operator,
    # though an IRI could be read from it to the next ``>`` (helper-50 had RAND() kept this way)
    ("SELECT ?b WHERE { BIND(0 <2&&RAND()>0.5 AS ?b) }", "volatile"),
    ("SELECT ?x (?x<2&&NOW()>0 AS ?y) WHERE { VALUES ?x {1} }", "volatile"),
    ("SELECT * { { SELECT ?x (?x<=2&&UUID()>0 AS ?y) WHERE { VALUES ?x {1} } } }", "volatile"),
    ("SELECT ?x WHERE { VALUES ?x {1} } GROUP BY ?x HAVING(?x<2&&RAND()>0)", "volatile"),
    ("SELECT ?x WHERE { VALUES ?x {1 2 3} } ORDER BYRAND()", "volatile"),  # BY RAND() run together
    (
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX FILTERxsd: <urn:x:>"
        " SELECT ?x WHERE { VALUES ?x {1} FILTERxsd:boolean(?x <2&&RAND()>0.5) }",
        "volatile",
    ),
    (
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>"
        " SELECT ?x WHERE { VALUES ?x {1} FILTER xsd:boolean (?x <2&&RAND()>0.5) }",
        "volatile",
    ),
    # operands that end in a brace or a direction (helper-51 had them cached and unlimited)
    ("SELECT ?b WHERE { VALUES ?x {1 2} BIND(EXISTS{}<99&&RAND()>0.5 AS ?b) }", "volatile"),
    ("SELECT ?z WHERE { BIND(NOT EXISTS{}<1AS?a)BIND(NOW()AS?z)BIND(1>0 AS ?w) }", "volatile"),
    ('SELECT ?b WHERE { VALUES ?x {1} BIND("s"@en--ltr<99&&RAND()>0.5 AS ?b) }', "volatile"),
    ("SELECT ?b WHERE { BIND(NOT EXISTS{}<99&&" + "(" * 70 + "1" + ")" * 70 + ">0 AS ?b) }", "nesting"),
    ("SELECT ?b WHERE { BIND(0 <2&&" + "(" * 100 + "1" + ")" * 100 + ">0 AS ?b) }", "nesting"),
    ("SELECT ?b WHERE { BIND(0 <2&&" + "+".join(["1"] * 1500) + ">0 AS ?b) }", "operators"),
]


@pytest.mark.parametrize(("text", "read"), AFTER_AN_OPERAND)
def test_a_less_than_is_read_where_the_engine_reads_one(text: str, read: str) -> None:
    if read == "volatile":
        assert check_query(text).volatile
        with_engine_stack(lambda: list(ox.Store().query(text)))  # the engine reads it, as a comparison
    else:
        with pytest.raises(QueryRefused, match=read):
            check_query(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s <http://e/p> <http://e/o> ; <http://e/q> ?o }",  # a pattern's IRIs
        "SELECT * WHERE { ?s ?p (1 <http://e/a> <http://e/service>) }",  # a collection
        "SELECT * WHERE { VALUES (?a ?b) { (1 <http://e/a>) } }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o IN (<http://e/a>, <http://e/b>)) }",
        "SELECT * WHERE { BIND(<<( <http://e/a> <http://e/b> <http://e/c> )>> AS ?t) }",
        "SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x <http://www.w3.org/2001/XMLSchema#string>(?o)",
    ],
)
def test_an_iri_after_an_operand_outside_expressions_stays_an_iri(text: str) -> None:
    checked = check_query(text)
    assert sum(token.kind == "iri" for token in tokenize(text)) == text.count("<http")
    list(ox.Store().query(checked.text))  # and the engine reads the text it gets


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o } LIMIT1", (1, "SELECT ?s WHERE { ?s ?p ?o } LIMIT1")),
        ("SELECT ?s WHERE { ?s ?p ?o } LIMIT99", (11, "SELECT ?s WHERE { ?s ?p ?o } LIMIT11")),
        (
            "SELECT (SHA256('a') AS ?x) (md5('b') AS ?y) {}",
            (11, 'SELECT(SHA256("a") AS ?x) (md5("b") AS ?y) {} LIMIT 11'),
        ),
    ],
)
def test_a_keyword_ends_where_its_letters_do(text: str, why: tuple[int, str]) -> None:
    """``LIMIT1`` is ``LIMIT 1`` to the engine: the endpoint's row limit found no LIMIT in it and
    added a second (helper-50). The function names with digits stay whole."""
    checked = check_query(text, row_limit=11)
    assert (checked.row_limit, checked.text) == why
    list(ox.Store().query(checked.text))


def test_a_limit_beyond_what_the_engine_counts_is_refused() -> None:
    """The engine counts solutions in 64 bits: it refused a larger LIMIT on the command line while
    the endpoint, lowering it to its row limit, answered (helper-50)."""
    with pytest.raises(QueryRefused, match="LIMIT takes a whole number up to 18446744073709551615"):
        check_query("SELECT * {} LIMIT 18446744073709551616")
    with pytest.raises(SyntaxError):
        ox.Store().query("SELECT * {} LIMIT 18446744073709551616")
    assert check_query("SELECT * {} OFFSET 018446744073709551615").form == "SELECT"


def test_a_dataset_named_with_keywords_run_together_is_seen() -> None:
    assert check_query("SELECT * FROMNAMED <urn:g> WHERE { GRAPH ?g { ?s ?p ?o } }").has_dataset


@settings(max_examples=400, deadline=None, derandomize=True)
@example(pieces=["?x", " ", "<2&&RAND()>", "0.5"])  # helper-50's
@given(
    st.lists(
        st.sampled_from(
            [
                "?x",
                "0.5",
                "2",
                " ",
                "<",
                ">",
                "&&",
                "||",
                "<2&&RAND()>",
                "RAND()",
                "(",
                ")",
                "<a>",
                "EXISTS{}",
                '"s"@en--ltr',
            ]
        ),
        min_size=1,
        max_size=10,
    )
)
def test_an_answer_the_guard_calls_stable_is_the_same_twice(pieces: list[str]) -> None:
    """Whatever the guard accepts and does not call volatile (to be kept and served again) the
    engine answers alike twice: it calls no RAND() the guard did not see."""
    text = "SELECT * WHERE { VALUES ?x { " + "1 " * 24 + "} BIND(" + "".join(pieces) + " AS ?b) }"
    try:
        checked = check_query(text)
    except QueryRefused:
        return
    if checked.volatile:
        return
    store = ox.Store()

    def answer() -> list[str]:
        result = store.query(checked.text, base_iri="http://example.org/")
        return [str(list(row)) for row in result] if isinstance(result, ox.QuerySolutions) else [str(result)]

    try:
        first = with_engine_stack(answer)
    except (SyntaxError, RuntimeError, OSError):
        return
    assert with_engine_stack(answer) == first


def test_a_space_before_a_functions_parenthesis_is_no_error() -> None:
    """pyoxigraph refuses ``COALESCE (``; the canonical text glues the parenthesis on."""
    checked = check_query(
        "SELECT (CONCAT ('a', 'b') AS ?x) (COALESCE (?u, 3) AS ?y) (BNODE ( ) AS ?z) WHERE {}"
    )
    assert len(list(ox.Store().query(checked.text))) == 1


TOKENS = [
    "SELECT",
    "*",
    "WHERE",
    "{",
    "}",
    "?s",
    "?p",
    "<urn:x>",
    '"s"',
    "'q'",
    "#c\n",
    "\r",
    "\\u0053",
    "ERVICE",
    "service",
    "true",
    "1",
    "(",
    ")",
    ".",
    ";",
    "<",
    ">",
    "FILTER",
    "ex:a",
    "_:b",
    "@en",
    "^^",
    " ",
    "\n",
    "!",
    "<SERVICE>",
    "<2)SERVICE?e>",
    "<http://127.0.0.1:9/>",
    "?e",
]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(TOKENS), max_size=30))
def test_no_accepted_text_carries_service_outside_strings(pieces: list[str]) -> None:
    """Whatever the client writes, if the guard accepts it, the text the engine gets has no
    SERVICE outside string literals and IRIs, the engine never tries to fetch (the target is port
    9 of the loopback, which pyoxigraph refuses before connecting), and it parses no differently a
    second time."""
    try:
        checked = check_query("".join(pieces))
    except QueryRefused:
        return
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', checked.text)
    outside = re.sub(r"<[^<>\"{}|^`\\\x00-\x20]*>", "<>", outside)
    assert "SERVICE" not in outside.upper()
    try:
        list(ox.Store().query(checked.text))
    except SyntaxError:
        pass
    except (OSError, RuntimeError) as error:
        assert "service" not in str(error).lower() and "127.0.0.1:9" not in str(error), error
    assert check_query(checked.text).text == checked.text


UNDECLARED = [
    ("SELECT * WHERE { ?s rdfs:label ?o }", "rdfs:label"),
    ("PREFIX ex: <http://example.org/>\nSELECT * WHERE {\n  ?s a ex:A , nope:B }", "nope:B"),
    ('SELECT * WHERE { ?s ?p "1"^^xsd:integer }', "xsd:integer"),
    ("SELECT * WHERE { ?s :p ?o }", ":p"),
    ("PREFIX Ex: <http://example.org/> ASK { ?s ex:p ?o }", "ex:p"),  # prefixes are case-sensitive
]


@pytest.mark.parametrize(("text", "name"), UNDECLARED)
def test_an_undeclared_prefix_is_named_in_one_line(text: str, name: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    message = str(refused.value)
    prefix = name.partition(":")[0]
    assert message.startswith(f"undeclared prefix '{prefix}:' in {name}")
    assert "\n" not in message and "\\u{" not in message and len(message) < 160
    before = text[: text.index(name)]
    where = (before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
    assert (refused.value.line, refused.value.column) == where
    assert message.endswith(f"(line {where[0]}, column {where[1]})")
    with pytest.raises(SyntaxError):  # the engine refuses the text too (in its many-line way)
        ox.Store().query(text)


def test_a_project_prefix_left_undeclared_is_suggested_never_assumed() -> None:
    with pytest.raises(QueryRefused) as refused:
        check_query("SELECT * WHERE { ?s org:memberOf ?o }")
    assert "declare it: PREFIX org: <http://www.w3.org/ns/org#>" in refused.value.message
    with pytest.raises(QueryRefused) as unknown:
        check_query("SELECT * WHERE { ?s zzz:p ?o }")
    assert "declare it" not in unknown.value.message  # not a project prefix: nothing to suggest


def test_declared_prefixes_and_those_declared_outside_the_text_are_accepted() -> None:
    checked = check_query("PREFIX : <http://e.org/>\nPREFIX ex: <http://e.org/>\nASK { :a ex:b ex: }")
    assert checked.form == "ASK"
    assert check_query("SELECT * WHERE { $this sh:path ?p }", prefixes=["sh"]).form == "SELECT"
    with pytest.raises(QueryRefused, match="undeclared prefix 'rdf:'"):
        check_query("SELECT * WHERE { $this sh:path/rdf:first ?p }", prefixes=["sh"])
    # strings, IRIs and comments hold no prefixed names
    check_query("SELECT * WHERE { ?s ?p 'a:b' . ?s ?q <urn:x:y> } # c:d")


def test_the_command_lines_path_gives_the_same_one_line_message() -> None:
    from bytedance_kg.project.errors import InputError
    from bytedance_kg.sparql.querying import run_user_query

    with pytest.raises(InputError) as refused:
        run_user_query(ox.Store(), "SELECT * WHERE {\n  ?s a nope:Thing\n}", "mine.rq")
    assert str(refused.value) == "mine.rq:2:8: undeclared prefix 'nope:' in nope:Thing"


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_places_count_every_kind_of_line_end(newline: str) -> None:
    """A carriage return alone ends a line too (a comment ends there): helper-50 got line 1,
    column 43 for the fourth line of a text written with carriage returns."""
    text = newline.join(["SELECT ?x WHERE {", " BIND(1 AS ?x) # a comment", "}", " LIMIT -1"])
    with pytest.raises(QueryRefused) as refused:
        check_query(text)
    assert (refused.value.line, refused.value.column) == (4, 8)


def test_what_an_iri_token_holds_is_counted_as_if_it_were_read_as_code() -> None:
    """A second wall behind the reading of ``<``: a call of RAND() or NOW() inside an IRI token makes
    the answer volatile, and the IRI's parentheses count towards the nesting limit."""
    assert check_query("SELECT * WHERE { ?s <urn:x:2&&RAND()> ?o }").volatile
    assert not check_query("SELECT * WHERE { ?s <http://example.org/brand/known> ?o }").volatile
    with pytest.raises(QueryRefused, match="nesting deeper than 64"):
        check_query("SELECT * WHERE { ?s <urn:x:" + "(" * 65 + ")" * 65 + "> ?o }")
    assert check_query("SELECT * WHERE { ?s <urn:x:(a)(b)> ?o }").form == "SELECT"


@pytest.mark.parametrize("iri", ["<http://e/a'b>", "<http://e/a\\u0027b>"])
def test_an_apostrophe_in_an_iri_is_refused_with_the_way_round_it(iri: str) -> None:
    """SECURITY.md: the guard refuses an apostrophe in an IRI (which the engine would take); the
    message says that it is the IRI's apostrophe, and how to write it instead."""
    with pytest.raises(QueryRefused) as refused:
        check_query(f"SELECT * WHERE {{ ?s ?p {iri} }}")
    assert refused.value.message.startswith("the guard does not accept an apostrophe in an IRI, even escaped")
    assert "(write it %27)" in refused.value.message
    check_query("SELECT * WHERE { ?s ?p <http://e/a%27b> }")  # the way round it passes the guard
    assert [s["o"] for s in ox.Store().query("SELECT ?o WHERE { VALUES ?o { <http://e/a%27b> } }")]
