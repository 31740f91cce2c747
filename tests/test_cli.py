"""The command line: exit codes and messages for good input, bad syntax and non-conforming data."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bytedance_kg.build import BuildResult
from bytedance_kg.project.namespaces import ALL_PREFIXES
from bytedance_kg.project.paths import ProjectPaths
from tests.conftest import ROOT, cli, copy_sources, edit_data

run = cli


def test_help_lists_commands_and_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    for word in ("build", "validate", "fmt", "anchor", "exit codes"):
        assert word in result.stdout


def test_build_help_has_examples() -> None:
    result = run("build", "--help")
    assert result.returncode == 0 and "examples:" in result.stdout


def test_build_succeeds_and_summarises(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    result = run("--root", str(scratch.root), "build")
    assert result.returncode == 0, result.stderr
    assert "wrote dist/bytedance-kg-full.ttl" in result.stdout
    assert re.search(r"reason\s+\d+\.\d\d s", result.stdout)


def test_malformed_turtle_exits_2_with_file_line_column(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    edit_data(scratch, 'schema:name "Flow"@en ;', 'schema:name "Flow"@en ; ex:oops')
    result = run("--root", str(scratch.root), "validate")
    assert result.returncode == 2
    assert re.search(re.escape(str(scratch.data)) + r":\d+:\d+: ", result.stderr), result.stderr


def test_shape_violation_exits_1_with_report(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    edit_data(scratch, "kg:evidence kg:stated ;", "")
    result = run("--root", str(scratch.root), "validate")
    assert result.returncode == 1
    assert "shape " in result.stdout and "kg:evidence" in result.stdout


def test_unknown_command_exits_2() -> None:
    assert run("nonsense").returncode == 2


def test_format_check_passes_on_the_checkout() -> None:
    assert run("fmt", "--check").returncode == 0


def test_query_runs_a_saved_query_with_a_parameter() -> None:
    result = run("query", "unit-leadership", "--param", "unit=unit:flow")
    assert result.returncode == 0, result.stderr
    assert "Hong Dingkun as the technical lead" in result.stdout and "(9 rows)" in result.stdout


def test_query_formats() -> None:
    csv = run("query", "meeting-presenters", "--format", "csv")
    assert csv.stdout.splitlines()[0] == "meeting,year,name,evidence"
    tsv = run("query", "meeting-presenters", "--format", "tsv")
    assert tsv.stdout.splitlines()[0] == "?meeting\t?year\t?name\t?evidence"
    xml = run("query", "zhu-wenjia-reports-to-ceo", "--format", "xml")
    assert "<boolean>true</boolean>" in xml.stdout
    turtle = run("query", "org-chart-subgraph", "--format", "turtle")
    assert "org:subOrganizationOf" in turtle.stdout
    wrong = run("query", "org-chart-subgraph", "--format", "csv")
    assert wrong.returncode == 2 and "gives a graph" in wrong.stderr


def test_unknown_query_name_suggests_close_ones() -> None:
    result = run("query", "org-chrt")
    assert result.returncode == 2
    assert "did you mean: org-chart" in result.stderr


def test_malformed_query_prints_the_position(tmp_path: Path) -> None:
    query = tmp_path / "bad.rq"
    query.write_text("SELECT ?x WHERE {\n  ?x ?y\n}\n", encoding="utf-8")
    result = run("query", str(query))
    assert result.returncode == 2
    assert re.search(re.escape(str(query)) + r":\d+:\d+: SPARQL syntax error", result.stderr), result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "unit-leadership", "--param", "unit=not an iri"], "not an IRI"),
        (["query", "unit-leadership", "--param", "division=unit:flow"], "has no parameter 'division'"),
        (["query", "describe"], "needs --param thing"),
    ],
)
def test_bad_parameter_exits_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2 and message in result.stderr


def test_queries_lists_questions_and_tags() -> None:
    result = run("queries")
    assert result.returncode == 0
    assert "timeline  [SELECT; events, time, timeline]" in result.stdout
    assert result.stdout.count("\n    ") >= 25
    tagged = run("queries", "--tag", "TIME")
    assert tagged.returncode == 0 and "timeline  [" in tagged.stdout and "org-chart  [" not in tagged.stdout
    unknown = run("queries", "--tag", "no-such-tag")
    assert unknown.returncode == 2 and "the tags are aggregate, ask," in unknown.stderr
    near = run("queries", "--tag", "role")
    assert near.returncode == 2 and "did you mean: roles" in near.stderr
    assert run("queries", "--tag", "").returncode == 2
    assert run("queries", "--tag", " roles").returncode == 0


def test_describe_by_label_shows_quotes() -> None:
    result = run("describe", "Hong Dingkun")
    assert result.returncode == 0, result.stderr
    assert "in the article:" in result.stdout and "[2807:2841]" in result.stdout


def _described(result: subprocess.CompletedProcess[str]) -> str:
    """The IRI a ``describe`` printed on its second line."""
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[1].strip("<>")


@pytest.mark.parametrize(
    ("name", "prefixed"),
    [
        ("hong-dingkun", "person:hong-dingkun"),  # a slug: the IRI's last segment
        ("ZHU-JUN", "person:zhu-jun"),  # any case
        ("zhu wenjia", "person:zhu-wenjia"),  # a name, any case
        ("Flow team", "unit:flow"),  # a name with the words of its kind (kg:Team is labelled "team")
        ("the Seed team", "unit:seed"),
    ],
)
def test_describe_finds_slugs_names_and_names_with_their_kind(name: str, prefixed: str) -> None:
    assert _described(run("describe", name)) == _described(run("describe", prefixed))
    assert prefixed.split(":")[1] in _described(run("describe", prefixed))


def test_describe_prefers_the_named_thing_to_its_quote_of_the_same_slug() -> None:
    assert _described(run("describe", "quote:ailab")).endswith("/quote/ailab")  # the slug is shared
    assert _described(run("describe", "ailab")) == _described(run("describe", "unit:ailab"))


def test_describe_of_a_name_two_things_share_exits_2_naming_both(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    for name in ("Flow", "Seed"):
        edit_data(
            scratch,
            f'schema:name "{name}"@en ;',
            f'schema:name "{name}"@en ; schema:alternateName "Twin"@en ;',
        )
    result = run("--root", str(scratch.root), "-q", "describe", "twin")
    assert result.returncode == 2 and result.stdout == ""
    assert "'twin' names several things" in result.stderr
    assert "(unit:flow)" in result.stderr and "(unit:seed)" in result.stderr


def test_describe_finds_an_alternative_name() -> None:
    data = (ROOT / "data/bytedance.ttl").read_text(encoding="utf-8")
    # the first schema:alternateName in the data, and the thing that has it
    match = re.search(r'\n(\S+)\n(?:    .*\n)*?    schema:alternateName "([^"]+)"@en', data)
    assert match, "the data has no schema:alternateName to look for"
    subject, alternative = match[1], match[2]
    assert compact_of(_described(run("describe", alternative.upper()))) == subject


def compact_of(iri: str) -> str:
    prefix, namespace = max(
        ((p, n) for p, n in ALL_PREFIXES.items() if iri.startswith(n)), key=lambda pn: len(pn[1])
    )
    return f"{prefix}:{iri[len(namespace) :]}"


@pytest.mark.parametrize(
    ("name", "nearest"),
    [("Hong Dinkun", "person:hong-dingkun"), ("person:zhu-jn", "person:zhu-jun"), ("flwo", "unit:flow")],
)
def test_describe_of_nothing_exits_4_with_the_nearest_names(name: str, nearest: str) -> None:
    result = run("describe", name)
    assert result.returncode == 4 and result.stdout == ""
    assert f"nothing in the graph is called '{name}'" in result.stderr
    assert "did you mean: " in result.stderr and f"({nearest})" in result.stderr, result.stderr


def test_describe_of_one_word_suggests_every_name_with_that_word() -> None:
    result = run("describe", "zhu")
    assert result.returncode == 4
    assert "Zhu Jun (person:zhu-jun)" in result.stderr and "Zhu Wenjia (person:zhu-wenjia)" in result.stderr


@pytest.mark.parametrize("name", ["", "   "])
def test_describe_of_an_empty_name_is_a_usage_error(name: str) -> None:
    result = run("describe", name)
    assert result.returncode == 2 and "not an empty one" in result.stderr


def test_describe_of_nothing_near_says_what_to_give() -> None:
    result = run("describe", "Nobody Here At All")
    assert result.returncode == 4
    assert "did you mean" not in result.stderr and "a slug such as" in result.stderr


PERSONS = "PREFIX schema: <https://schema.org/>\nSELECT ?p WHERE { ?p a schema:Person }\n"
"""Only reasoning makes a person a schema:Person (the data says kg:Person)."""


def _rows(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stderr
    match = re.search(r"\((\d+) rows?\)", result.stdout)
    assert match, result.stdout
    return int(match[1])


def test_ad_hoc_query_runs_on_the_reasoned_graph_and_an_empty_answer_says_which(tmp_path: Path) -> None:
    query = tmp_path / "persons.rq"
    query.write_text(PERSONS, encoding="utf-8")
    default = run("query", str(query))
    assert _rows(default) == _rows(run("query", str(query), "--graph", "full")) > 0
    assert "note:" not in default.stderr
    asserted = run("query", str(query), "--graph", "asserted")
    assert _rows(asserted) == 0
    assert "no answers from the 'asserted' graph" in asserted.stderr
    assert "--graph full" in asserted.stderr and "--graph all" in asserted.stderr
    # a header that declares a graph is kept, as a saved query's is
    query.write_text("# Question: who?\n# Graph: asserted\n" + PERSONS, encoding="utf-8")
    assert _rows(run("query", str(query))) == 0


def test_saved_query_keeps_its_declared_graph() -> None:
    header = (ROOT / "queries/unit-leadership.rq").read_text(encoding="utf-8")
    declared = re.search(r"^# Graph: (\w+)$", header, re.MULTILINE)
    assert declared
    for unit in ("unit:flow", "unit:seed"):
        result = run("query", "unit-leadership", "--param", f"unit={unit}")
        chosen = run("query", "unit-leadership", "--param", f"unit={unit}", "--graph", declared[1])
        assert result.stdout == chosen.stdout
        note = f"no answers from the '{declared[1]}' graph (the query's Graph: header)"
        assert (note in result.stderr) == (_rows(result) == 0), result.stderr


def test_ad_hoc_query_answers_as_the_endpoint_does(tmp_path: Path, server: str) -> None:
    query = tmp_path / "persons.rq"
    query.write_text(PERSONS, encoding="utf-8")
    answer = httpx.get(
        f"{server}/sparql",
        params={"query": PERSONS},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert answer.status_code == 200
    assert _rows(run("query", str(query))) == len(answer.json()["results"]["bindings"]) > 0


NAMED = {
    "from": "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/bytedance-kg/graph/data> WHERE { ?s ?p ?o }",
    "graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "implied": "PREFIX org: <http://www.w3.org/ns/org#>\n"
    "SELECT ?u FROM <https://w3id.org/bytedance-kg/graph/implied> "
    "WHERE { <https://w3id.org/bytedance-kg/id/person/zhu-wenjia> org:headOf ?u }",
}
"""Queries that name graphs: the command line's dataset must be the endpoint's."""


@pytest.mark.parametrize("name", sorted(NAMED))
def test_queries_naming_graphs_answer_as_the_endpoint_does(
    tmp_path: Path, built: tuple[ProjectPaths, BuildResult], server: str, name: str
) -> None:
    """The command line over the release the server serves (``--dist``): a clean checkout has no
    ``dist/`` of its own, and the VoID graph is in a release only."""
    query = tmp_path / f"{name}.rq"
    query.write_text(NAMED[name], encoding="utf-8")
    answer = httpx.get(f"{server}/sparql", params={"query": NAMED[name]}, headers={"Accept": "text/csv"})
    assert answer.status_code == 200
    result = run("--dist", str(built[0].dist), "query", str(query), "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == answer.text.splitlines() and len(answer.text.splitlines()) > 1


def test_a_query_without_a_release_says_the_void_graph_is_missing(tmp_path: Path) -> None:
    query = tmp_path / "graphs.rq"
    query.write_text(NAMED["graph"], encoding="utf-8")
    result = run("--dist", str(tmp_path / "no-release"), "query", str(query), "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert "/graph/data," in result.stdout and "/graph/void," not in result.stdout
    assert "the VoID graph <https://w3id.org/bytedance-kg/graph/void> is in a release only" in result.stderr


def test_an_empty_answer_from_a_named_dataset_says_the_graph_flag_does_not_apply(tmp_path: Path) -> None:
    query = tmp_path / "none.rq"
    query.write_text("SELECT ?s FROM <https://w3id.org/bytedance-kg/graph/none> WHERE { ?s ?p ?o }")
    result = run("query", str(query))
    assert result.returncode == 0 and "the dataset the query names" in result.stderr
    assert "--graph" not in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv", "turtle"])
def test_an_ask_query_in_a_format_without_true_or_false_exits_2(fmt: str) -> None:
    result = run("query", "zhu-wenjia-reports-to-ceo", "--format", fmt)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert "an ASK query gives true or false: use --format table, json or xml" in result.stderr


@pytest.mark.parametrize("char", ["0001", "FFFE"])
def test_an_answer_xml_cannot_carry_is_refused_in_xml_and_given_in_json(tmp_path: Path, char: str) -> None:
    """XML 1.0 has no way to write U+0001 or U+FFFE, not even escaped: the command line refuses the
    XML, as the endpoint does (406), rather than write a document no XML parser reads."""
    query = tmp_path / "control.rq"
    query.write_text(f'SELECT ?x WHERE {{ BIND("a\\u{char}b" AS ?x) }}')
    refused = run("query", str(query), "--format", "xml")
    assert refused.returncode == 2 and refused.stdout == "" and "Traceback" not in refused.stderr
    assert "XML 1.0 cannot carry: use --format json" in refused.stderr.replace("\n", " ")
    given = run("query", str(query), "--format", "json")
    assert given.returncode == 0, given.stderr
    assert json.loads(given.stdout)["results"]["bindings"][0]["x"]["value"] == f"a{chr(int(char, 16))}b"


def test_a_triple_term_in_json_ld_is_refused_with_the_format_to_use(tmp_path: Path) -> None:
    """JSON-LD has no triple terms (RDF 1.2): exit code 2 naming Turtle, which writes them."""
    query = tmp_path / "triple-term.rq"
    query.write_text(
        'CONSTRUCT { <http://ex/s> <http://ex/p> <<( <http://ex/a> <http://ex/b> "x" )>> } WHERE {}'
    )
    refused = run("query", str(query), "--format", "jsonld")
    assert refused.returncode == 2 and refused.stdout == "" and "Traceback" not in refused.stderr
    assert (
        "cannot be written as jsonld" in refused.stderr
        and "use --format turtle or ntriples" in refused.stderr
    )
    given = run("query", str(query), "--format", "turtle")
    assert given.returncode == 0 and '<<( <http://ex/a> <http://ex/b> "x" )>>' in given.stdout


@pytest.mark.parametrize(
    ("fmt", "written"),
    [
        ("table", "<<( <http://ex/a> <http://ex/b> x )>>"),
        ("tsv", '<<( <http://ex/a> <http://ex/b> "x" )>>'),
        ("csv", "http://ex/a http://ex/b x"),  # the values apart, as the engine writes them
        ("json", '"type": "triple"'),
        ("xml", "<triple><subject><uri>http://ex/a</uri></subject>"),
    ],
)
def test_a_triple_term_in_a_solution_is_written_in_every_results_format(
    tmp_path: Path, fmt: str, written: str
) -> None:
    """RDF 1.2 lets a solution bind a triple term; the writers raised AttributeError on it."""
    query = tmp_path / "triple-term.rq"
    query.write_text('SELECT ?t WHERE { BIND(<<( <http://ex/a> <http://ex/b> "x" )>> AS ?t) }')
    result = run("query", str(query), "--format", fmt)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert written in result.stdout
    if fmt == "json":
        value = json.loads(result.stdout)["results"]["bindings"][0]["t"]["value"]
        assert value["object"] == {"type": "literal", "value": "x"}


def test_a_table_shows_control_characters_instead_of_sending_them_to_the_terminal(tmp_path: Path) -> None:
    """A literal's escape sequence would retitle the window or move the cursor; a bell would ring."""
    query = tmp_path / "controls.rq"
    query.write_text(
        'SELECT ?x WHERE { BIND("a\\u001B]0;title\\u0007\\tb\\nc\\u0085d\\u202Ee\\u009Bf" AS ?x) }'
    )
    table = run("query", str(query))
    assert table.returncode == 0, table.stderr
    assert "a␛]0;title␇␉b↵c\\u0085d\\u202Ee\\u009Bf" in table.stdout
    graph = tmp_path / "controls-graph.rq"  # a graph's default view is Turtle: the same characters
    graph.write_text(query.read_text().replace("SELECT ?x WHERE", "CONSTRUCT { <urn:s> <urn:p> ?x } WHERE"))
    turtle = run("query", str(graph))
    assert turtle.returncode == 0, turtle.stderr
    for shown in (table.stdout, turtle.stdout):
        assert not any(
            (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u2028" for c in shown
        ), shown


def test_a_tables_cut_never_splits_an_escape_and_shows_invisible_characters(tmp_path: Path) -> None:
    """A cell is cut to 60 characters between two shown characters: ``\\u0085`` cut to ``\\u00``
    would read as another value. What shows nothing (a soft hyphen, a byte order mark, an invisible
    operator, a tag character, a Hangul filler: helper-50 found the last three raw) is shown escaped."""
    query = tmp_path / "cut.rq"
    query.write_text(
        'SELECT ?x ?y WHERE { BIND(CONCAT("'
        + "x" * 57
        + '", "\\u0085yyy") AS ?x) BIND("a\\u00ADb\\uFEFFc\\u2061d\\U000E0041e\\u3164f" AS ?y) }'
    )
    table = run("query", str(query))
    assert table.returncode == 0, table.stderr
    row = table.stdout.splitlines()[2]
    assert row.startswith("x" * 57 + "…  ") and "\\u00" not in row.split("  ")[0], row
    assert row.endswith("a\\u00ADb\\uFEFFc\\u2061d\\U000E0041e\\u3164f"), row


def test_a_carriage_return_in_an_xml_answer_reads_back_as_itself(tmp_path: Path) -> None:
    from xml.etree import ElementTree

    query = tmp_path / "cr.rq"
    query.write_text('SELECT ?x WHERE { BIND("a\\rb" AS ?x) }')
    result = run("query", str(query), "--format", "xml")
    assert result.returncode == 0, result.stderr
    assert "&#13;" in result.stdout
    assert "a\rb" in [e.text for e in ElementTree.fromstring(result.stdout.encode()).iter()]


def test_white_space_at_the_ends_of_an_xml_answer_reads_back_as_itself(tmp_path: Path) -> None:
    """pyoxigraph's results reader trims plain white space at a value's ends; the command line
    writes it as references, as the endpoint (the engine's writer) does."""
    import pyoxigraph as ox

    query = tmp_path / "ends.rq"
    query.write_text('SELECT ?x ?y WHERE { BIND(" 2888 " AS ?x) BIND("\\t\\na b\\r\\n" AS ?y) }')
    result = run("query", str(query), "--format", "xml")
    assert result.returncode == 0, result.stderr
    solutions = ox.parse_query_results(result.stdout.encode(), format=ox.QueryResultsFormat.XML)
    assert isinstance(solutions, ox.QuerySolutions)
    assert [(s["x"].value, s["y"].value) for s in solutions] == [(" 2888 ", "\t\na b\r\n")]


@pytest.mark.parametrize(
    ("relative", "absolute"),
    [("id/person/zhu-jun", "id/person/zhu-jun"), ("", "sparql"), ("#f", "sparql#f"), ("?q=1", "sparql?q=1")],
)
def test_a_relative_iri_resolves_against_the_endpoint_iri_as_on_the_endpoint(
    tmp_path: Path, relative: str, absolute: str
) -> None:
    """The same text gives the same answer here and on /sparql (test_server): relative IRIs resolve
    against the endpoint's IRI, <https://w3id.org/bytedance-kg/sparql>."""
    query = tmp_path / "relative.rq"
    query.write_text(f"SELECT ?x WHERE {{ BIND(<{relative}> AS ?x) }}")
    result = run("query", str(query), "--format", "json")
    assert result.returncode == 0, result.stderr
    value = json.loads(result.stdout)["results"]["bindings"][0]["x"]["value"]
    assert value == f"https://w3id.org/bytedance-kg/{absolute}"


def test_describe_marks_what_the_article_only_implies() -> None:
    result = run("describe", "zhu-wenjia")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    seed = [line for line in lines if "(unit:seed)" in line]
    first = [line for line in lines if "(unit:first-large-model-team)" in line]
    assert seed and all(line.endswith("[implied]") for line in seed)  # head of Seed: implied
    assert first and not any(line.endswith("[implied]") for line in first)  # stated


@pytest.mark.parametrize("value", ["unit:flw", "<https://w3id.org/bytedance-kg/id/unit/nowhere>"])
def test_unknown_iri_parameter_exits_4_naming_it(value: str) -> None:
    result = run("query", "unit-leadership", "--param", f"unit={value}")
    assert result.returncode == 4 and result.stdout == ""
    assert f"--param unit={value}: the 'asserted' graph says nothing about" in result.stderr


def test_unknown_iri_parameter_suggests_the_nearest() -> None:
    result = run("query", "unit-leadership", "--param", "unit=unit:flw")
    assert "did you mean: " in result.stderr and "(unit:flow)" in result.stderr


def test_serve_on_a_busy_port_fails_before_claiming_to_serve(built) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--dist", str(built[0].dist), "serve", "--port", str(port), timeout=60)
    assert result.returncode == 2
    assert "serving on" not in result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and f"port {port} is in use" in result.stderr


def test_stats_reports_coverage() -> None:
    result = run("stats")
    assert result.returncode == 0
    match = re.search(r"article coverage: (\d+) of (\d+) sentences", result.stdout)
    assert match and 0 < int(match[1]) <= int(match[2])


def test_validate_formats() -> None:
    as_json = run("validate", "--format", "json")
    assert as_json.returncode == 0 and '"conforms": true' in as_json.stdout
    as_turtle = run("validate", "--format", "turtle")
    assert as_turtle.returncode == 0 and "sh:conforms true" in as_turtle.stdout


def test_validate_other_file_reports_by_shape(tmp_path: Path) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "<https://w3id.org/bytedance-kg/id/membership/hong-dingkun-technical-lead-flow> "
        "<http://www.w3.org/ns/org#member> <https://w3id.org/bytedance-kg/id/person/zhu-jun> .\n",
        encoding="utf-8",
    )
    result = run("validate", str(ROOT / "data/bytedance.ttl"), str(extra), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [r["focus"] for r in report["shapes"]["shape:Membership-member"]] == [
        "membership:hong-dingkun-technical-lead-flow"
    ]
    assert any("merges distinct things" in c["message"] for c in report["checks"])


def test_every_command_has_help_with_examples() -> None:
    for command in (
        "build",
        "validate",
        "query",
        "queries",
        "describe",
        "stats",
        "expected",
        "fmt",
        "anchor",
        "docs",
    ):
        result = run(command, "--help")
        assert result.returncode == 0 and "examples:" in result.stdout, command


def test_readme_generated_sections_are_current() -> None:
    result = run("docs", "--check")
    assert result.returncode == 0, result.stderr


def test_expected_results_check_passes() -> None:
    result = run("expected")
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("ok ") >= 25


def test_synthetic_writes_a_project_copy_that_validate_checks(tmp_path: Path) -> None:
    valid, broken = tmp_path / "valid", tmp_path / "broken"
    assert run("synthetic", "--articles", "2", "--out", str(valid)).returncode == 0
    assert run("--root", str(valid), "-q", "validate").returncode == 0
    assert (
        run("synthetic", "--articles", "1", "--inject", "self-report", "--out", str(broken)).returncode == 0
    )
    result = run("--root", str(broken), "-q", "validate")
    assert result.returncode == 1 and "ReportsToShape" in result.stdout
    assert (
        run("synthetic", "--articles", "1", "--out", str(broken)).returncode == 2
    )  # never over a non-empty folder


def test_readme_lists_every_prefix_and_namespace() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Namespaces and prefixes", 1)[1].split("\n## ", 1)[0]
    listed = dict(re.findall(r"^\| `([\w-]+):` \| `([^`]+)` \|$", section, re.MULTILINE))
    assert listed == ALL_PREFIXES


def test_readme_documents_every_exit_code_of_the_help() -> None:
    codes = re.findall(r"(\d) [a-z]", run("--help").stdout.split("exit codes:", 1)[1])
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    table = readme.split("Exit codes of every command:", 1)[1].split("## ", 1)[0]
    assert codes and all(f"**{code}**" in table for code in codes)
    assert "4" in codes


BROKEN = {
    "no-object": ("SELECT ?x WHERE { ?x ?y }", "unexpected '}'", 1, 25),
    "missing-operand": ("SELECT ?x WHERE { ?x ?y ?z FILTER(?z > ) }", "unexpected '}'", 1, 42),
    "emoji-before": ('SELECT ("😀😀" AS ?x) WHERE { ?s ?p ?o . ?s ?p }', "unexpected '}'", 1, 46),
    "lines": ("SELECT ?x WHERE {\n  ?x ?y ?z .\n  ?x ?y\n}\n", "unexpected '}'", 4, 1),
    "function-short-of-an-argument": ('SELECT (STRDT("x") AS ?x) WHERE {}', "unexpected '?x'", 1, 23),
    "one-term-too-many": ("SELECT * WHERE { ?s ?p ?o ?x }", "unexpected '}'", 1, 30),  # not "expected BIND"
    "graph-without-a-name": ("SELECT * WHERE { GRAPH { ?s ?p ?o } }", "unexpected '?s'", 1, 26),
    "missing-operand-said": (
        "SELECT ?x WHERE { ?x ?y ?z FILTER(?z > ) }",
        "unexpected '}' (expected an expression)",
        1,
        42,
    ),
    "escapes-before": (  # six characters written for each one read
        "SELECT ?s WHERE { ?s <http://ex/\\u0041\\u0042> ?o . FILTER(?s = ) }",
        "unexpected '}' (expected an expression)",
        1,
        66,
    ),
    "duplicated": ("SELECT (1 AS ?x) (2 AS ?x) WHERE {}", "Duplicated variable name in SELECT", 1, 35),
    "ends-after-desc": (
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s DESC",
        "the query ends after 'DESC' (expected \"(\")",
        1,
        41,
    ),
    "ends-after-a-keyword": (
        "SELECT * WHERE { ?s ?p ?o } ORDER",
        "the query ends after 'ORDER' (expected BY)",
        1,
        29,
    ),
    "ends-after-a-comment": (
        "SELECT * WHERE # the pattern comes next\n",
        "the query ends after 'WHERE' (expected \"{\")",
        1,
        10,
    ),
    "star-grouped": (
        "SELECT * WHERE { ?s ?p ?o } GROUP BY ?s",
        "SELECT * is not authorized with GROUP BY",
        1,
        38,
    ),
    "ungrouped": (
        "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?o",
        "The SELECT contains a variable that is unbound",
        1,
        39,
    ),
}
"""Syntax errors the engine finds, with the message and the place a person should see (line and
column in characters, 1-based)."""


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_syntax_error_reads_the_same_on_the_command_line_and_the_endpoint(
    tmp_path: Path, server: str, name: str
) -> None:
    """The endpoint runs the text with the LIMIT its row limit sets; the error must still be the one
    in the text as written, where the command line finds it, with no list of what no one can write."""
    text, message, line, column = BROKEN[name]
    query = tmp_path / f"{name}.rq"
    query.write_text(text, encoding="utf-8")
    result = run("query", str(query))
    assert result.returncode == 2
    assert f"{query}:{line}:{column}: SPARQL syntax error: {message}" in result.stderr, result.stderr
    answer = httpx.post(f"{server}/sparql", data={"query": text})
    assert answer.status_code == 400
    assert answer.text.startswith(f"malformed query: {message}"), answer.text
    assert answer.text.rstrip().endswith(f"(line {line}, column {column})"), answer.text
    for noise in ("LATERAL", "[_]", "['", "SERVICE", "a name", "ENCODE_FOR_URI", "OPTIONAL", "BIND", "ABS"):
        assert noise not in answer.text and noise not in result.stderr


_BENCH = ["bench", "--endpoint-seconds", "0"]
_LOADTEST = ["loadtest", "--url", "http://127.0.0.1:9"]
_BAD_URLS = [  # what the load test's client cannot send to, or would send elsewhere than asked
    ("ftp://127.0.0.1/", "not an http(s) URL with a host: 'ftp://127.0.0.1/'"),
    ("http://127.0.0.1:99999", "not a usable port in 'http://127.0.0.1:99999'"),
    ("http://127.0.0.1:0", "not a usable port in 'http://127.0.0.1:0'"),
    ("http://127.0.0.1/?a=b", "a base URL without a query"),
    ("http://127.0.0.1/a b", "a URL of printable ASCII without spaces"),
    ("http://127.0.0.1/préfix", "a URL of printable ASCII without spaces"),
    ("http://127.0.0.1:8000/a\tb", "a URL of printable ASCII without spaces"),
    ("http://127.0.0.1:8000/a\rb", "a URL of printable ASCII without spaces"),
    ("http://127.0.0.1\\x/", "not a host name or an IP address: '127.0.0.1\\\\x'"),
    ("http://127.0.0.1..:8000/", "not a host name or an IP address: '127.0.0.1..'"),
    ("http://127.1:8000/", "not an IPv4 address in full (four numbers from 0 to 255): '127.1'"),
    ("http://0x7f.0.0.1:8000/", "not an IPv4 address in full (four numbers from 0 to 255): '0x7f.0.0.1'"),
    ("http://[v1.x]:8000/", "not an IPv6 address in brackets: 'v1.x'"),
    ("http://[::1]x:8000/", "text after the brackets of an IPv6 address"),
    ("http://[::1%25lo]:8000/", "an IPv6 address without a zone, not '::1%25lo'"),
    ("http://127.0.0.1:8000?", "a base URL without a query"),
    ("http://[::1", "not a usable URL: 'http://[::1' (Invalid IPv6 URL)"),
]


@pytest.mark.parametrize(
    ("command", "options", "says"),
    [
        (_BENCH, ["--articles", "abc"], "argument --articles: not an integer: 'abc'"),
        (_BENCH, ["--articles", "0,-1"], "argument --articles: -1 is outside 0 to 10000"),
        (_BENCH, ["--articles", "6,6"], "argument --articles: a size is given twice: '6,6'"),
        (_BENCH, ["--repeats", "0"], "argument --repeats: 0 is outside 1 to 100"),
        (_BENCH, ["--timeout", "nan"], "argument --timeout: nan is outside 1 to 86400"),
        (_BENCH, ["--timeout", "0"], "argument --timeout: 0 is outside 1 to 86400"),
        (["bench"], ["--endpoint-seconds", "-1"], "argument --endpoint-seconds: -1 is outside 0 to 3600"),
        # the load test is bounded in clients and time, and reads the memory of a process that runs
        # (it ran 0 requests and saved them, ran until killed, or read a dead process as using none)
        (_LOADTEST, ["--clients", "0"], "argument --clients: 0 is outside 1 to 256"),
        (_LOADTEST, ["--seconds", "nan"], "argument --seconds: nan is outside 1 to 3600"),
        (_LOADTEST, ["--seconds", "inf"], "argument --seconds: inf is outside 1 to 3600"),
        (_LOADTEST, ["--seconds", "0"], "argument --seconds: 0 is outside 1 to 3600"),
        (_LOADTEST, ["--pid", "4194303"], "argument --pid: no process 4194303 is running"),
        *((_LOADTEST, ["--url", url], f"--url: {says}") for url, says in _BAD_URLS),
    ],
)
def test_benchmarks_refuse_what_they_cannot_run_in_one_line(
    command: list[str], options: list[str], says: str
) -> None:
    result = cli(*command, *options)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr


def test_bench_without_its_tools_says_which_before_it_builds(tmp_path: Path, monkeypatch, capsys) -> None:
    """A plain install has neither the Oxigraph server nor rdflib-endpoint (the ``bench`` extra):
    ``bench`` names what it lacks and how to get it, in one line, before the build's part runs (it
    failed with a traceback once that part was done)."""
    import sys

    from bytedance_kg.cli import main

    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))  # no oxigraph beside it
    code = main(["--root", str(ROOT), "bench", "--articles", "0", "--repeats", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "ours on" not in err
    assert f"bench needs the Oxigraph server ({tmp_path / 'oxigraph'})" in err
    assert "run `make setup-bench`" in err and len(err.strip().splitlines()) == 1
    # without the endpoints, nothing of theirs is asked for
    from bytedance_kg.bench import endpoints

    assert endpoints.missing_tools() == [f"the Oxigraph server ({tmp_path / 'oxigraph'})"]


def test_bench_without_a_release_says_so_before_it_builds(tmp_path: Path) -> None:
    """The endpoint benchmark serves the release: without one, ``bench`` says so at once rather
    than after the build runs (with ``--save``, their figures were lost)."""
    started = time.monotonic()
    result = cli("--dist", str(tmp_path / "none"), "bench", "--articles", "0", "--repeats", "1")
    assert result.returncode == 2 and "run `bytedance-kg build` first" in result.stderr
    assert "ours on" not in result.stderr and time.monotonic() - started < 60


def test_bench_saves_its_figures_and_judges_the_targets(tmp_path: Path) -> None:
    """``bench --save`` on a copy of the project (the article only, no endpoints): it prints issue
    13's targets last, writes bench-results.json without an endpoints part (their table says so),
    keeps the load test's part, and leaves BENCHMARKS.md's tables what the JSON renders."""
    import json
    import shutil

    from bytedance_kg.bench import results

    copy_sources(tmp_path)
    for name in (results.RESULTS, results.DOCUMENT):
        shutil.copy(ROOT / name, tmp_path / name)
    before = json.loads((tmp_path / results.RESULTS).read_text(encoding="utf-8"))
    result = cli(
        "--root",
        str(tmp_path),
        "bench",
        "--articles",
        "0",
        "--repeats",
        "1",
        "--endpoint-seconds",
        "0",
        "--save",
    )
    assert result.returncode == 0, result.stderr
    assert "Issue 13's targets:" in result.stdout and result.stdout.rstrip().endswith(
        "targets measured and settled are met."
    )
    assert "| endpoint (ours) ≥ 0.9× raw Oxigraph, 1 client |  | not measured |" in result.stdout
    saved = json.loads((tmp_path / results.RESULTS).read_text(encoding="utf-8"))
    assert "endpoints" not in saved and saved["loadtest"] == before["loadtest"]
    assert [row["pipeline"] for row in saved["build"]] == ["ours", "naive", "parse"]
    assert results.stale_tables(tmp_path) == []
    assert "which has no `endpoints`" in (tmp_path / results.DOCUMENT).read_text(encoding="utf-8")


def test_a_load_test_in_which_requests_failed_is_not_saved(tmp_path: Path) -> None:
    """``loadtest --save`` saves the figures of a run in which every request was answered, and no
    other: a run against a port that refuses every connection is exit code 1, says how many of
    its requests failed, and leaves the recorded figures as they were (such a run was saved as the
    server's, "0.0 requests/s")."""
    import re
    import shutil
    import socket

    from bytedance_kg.bench import results

    for name in (results.RESULTS, results.DOCUMENT):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "queries", tmp_path / "queries")
    before = {name: (tmp_path / name).read_bytes() for name in (results.RESULTS, results.DOCUMENT)}
    with socket.socket() as bound:  # bound, not listening: every connection is refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}"
        result = cli(
            "--root", str(tmp_path), "loadtest", "--url", url, "--clients", "1", "--seconds", "1", "--save"
        )
    assert result.returncode == 1, result.stderr
    failed = re.search(r"error: not saved: (\d+) of (\d+) requests failed", result.stderr)
    assert failed and failed[1] == failed[2] and int(failed[1]) > 0, result.stderr
    assert {name: (tmp_path / name).read_bytes() for name in before} == before


def test_a_stopped_load_test_stops_sending_at_once() -> None:
    """Ctrl-C during a load test of several clients stops every client, not only the main thread:
    the run ended at its full time before, the clients sending all the while. Here the server
    counts the requests; a second after the signal the count no longer grows, and the exit code is
    130."""
    import signal

    from tests.servers import QuietHandler, http_server

    count = [0]

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            count[0] += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_POST = do_GET

    with http_server(Handler) as url:
        command = ["loadtest", "--url", url, "--clients", "3", "--seconds", "60"]
        process = subprocess.Popen([sys.executable, "-m", "bytedance_kg", *command], cwd=ROOT)
        try:
            deadline = time.monotonic() + 30
            while count[0] < 50 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert count[0] >= 50, "the load test sent nothing"
            process.send_signal(signal.SIGINT)
            assert process.wait(10) == 130
            time.sleep(0.2)
            after = count[0]
            time.sleep(1)
            assert count[0] == after
        finally:
            if process.poll() is None:
                process.kill()


def test_saving_into_a_malformed_results_file_is_refused_before_the_run(tmp_path: Path) -> None:
    """``loadtest --save`` and ``bench --save`` read bench-results.json and BENCHMARKS.md before they
    measure anything: a malformed file is exit code 2 in one line at its line and column, at once
    (the figures of a run were lost at its end before), and nothing is written."""
    import shutil

    from bytedance_kg.bench import results

    copy_sources(tmp_path)
    shutil.copy(ROOT / results.DOCUMENT, tmp_path / results.DOCUMENT)
    (tmp_path / results.RESULTS).write_text('{"build": [\n  1,,\n]}\n', encoding="utf-8")
    for command in (
        ["loadtest", "--url", "http://127.0.0.1:9", "--clients", "1", "--seconds", "30", "--save"],
        ["bench", "--articles", "0", "--repeats", "1", "--endpoint-seconds", "0", "--save"],
    ):
        started = time.monotonic()
        result = cli("--root", str(tmp_path), *command)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == f"error: {tmp_path / results.RESULTS}:2:5: not JSON: Expecting value"
        assert "ours on" not in result.stderr and time.monotonic() - started < 20
    assert (tmp_path / results.RESULTS).read_text(encoding="utf-8") == '{"build": [\n  1,,\n]}\n'


def test_docs_refuses_documents_whose_generated_sections_it_cannot_mend(tmp_path: Path) -> None:
    """A generated section given twice (a stale second copy was rewritten with the first and passed
    the check), or without its END marker, in the README or in BENCHMARKS.md: ``docs`` and ``docs
    --check`` say which, with how many markers there are, exit code 2, and write nothing."""
    import shutil

    for name in ("README.md", "BENCHMARKS.md", "bench-results.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    twice = readme + "\n<!-- BEGIN generated: queries -->\nold\n<!-- END generated: queries -->\n"
    (tmp_path / "README.md").write_text(twice, encoding="utf-8")
    benchmarks = (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    (tmp_path / "BENCHMARKS.md").write_text(
        benchmarks.replace("<!-- END generated: build -->", ""), encoding="utf-8"
    )
    for options in ([], ["--check"]):
        result = cli("--root", str(tmp_path), "docs", *options)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 2
        assert (
            f"{tmp_path / 'README.md'}: the generated section 'queries' needs one BEGIN and one END marker, "
            "not 2 BEGIN markers, 2 END markers" in lines[0]
        )
        assert "'build' needs one BEGIN and one END marker, not 1 BEGIN marker, 0 END markers" in lines[1]
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == twice
