"""Faults and bad input for the tools: a build killed at any moment, a store that goes away
mid-upload, broken data files, hostile files handed to the CLI, and fuzzed CLI arguments."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bytedance_kg.cli import main
from bytedance_kg.remote.endpoint import Endpoint, count_graph
from tests.conftest import ROOT, cli, copy_sources, edit_data, quads_in_graph
from tests.servers import oxigraph_server
from tests.test_security import Canary


def release_is_whole(dist: Path) -> bool:
    """Every file listed in SHA256SUMS is there with its checksum."""
    sums = dist / "SHA256SUMS"
    if not sums.exists():
        return False
    for line in sums.read_text().splitlines():
        digest, name = line.split("  ", 1)
        if hashlib.sha256((dist / name).read_bytes()).hexdigest() != digest:
            return False
    return True


def test_build_killed_at_any_moment_keeps_the_previous_release(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    assert cli("--root", str(scratch.root), "--quiet", "build").returncode == 0
    original = (scratch.dist / "SHA256SUMS").read_bytes()
    published = os.readlink(scratch.dist)  # every publication is a new folder, even with the same bytes
    # A change that alters the release, so a completed kill-free build would differ.
    edit_data(scratch, 'rdfs:label "Zhu Jun"@en ;', 'rdfs:label "Zhu Jun"@en ; rdfs:comment "changed"@en ;')
    killed_midway = 0
    for delay in (0.2, 0.4, 0.6, 0.9, 1.3, 6.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "bytedance_kg", "--root", str(scratch.root), "--quiet", "build"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert release_is_whole(scratch.dist), f"killed after {delay} s"
        if os.readlink(scratch.dist) == published:  # not published: it was killed first, nothing changed
            assert process.returncode == -signal.SIGKILL, f"finished after {delay} s without publishing"
            killed_midway += 1
        else:  # published (the process may still have been killed while exiting): the whole, edited release
            assert (scratch.dist / "SHA256SUMS").read_bytes() != original
            published = os.readlink(scratch.dist)
    assert killed_midway, "no kill landed before the release was published: the test proved nothing"
    assert cli("--root", str(scratch.root), "--quiet", "build").returncode == 0
    assert release_is_whole(scratch.dist)
    kept = list((tmp_path / ".releases").glob("dist-*"))
    assert len(kept) == 2, "only the current and the previous release are kept; killed builds' folders go"


class FlakyStore:
    """A Graph Store that accepts two PUTs and then drops every connection: a store going away."""

    def __init__(self) -> None:
        self.puts = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802
                outer.puts += 1
                length = int(self.headers.get("Content-Length", 0))
                if outer.puts > 2:
                    self.connection.shutdown(2)
                    return
                self.rfile.read(length)
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/store"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_load_into_a_store_that_goes_away_then_rerun_converges(built, tmp_path: Path) -> None:
    flaky = FlakyStore()
    failed = cli("--dist", str(built[0].dist), "load", "--endpoint", flaky.url)
    assert failed.returncode == 3
    assert "PUT" in failed.stderr and ("cannot reach the store" in failed.stderr or "HTTP" in failed.stderr)
    assert "Traceback" not in failed.stderr
    flaky.server.shutdown()
    with oxigraph_server(tmp_path) as base:
        first = cli("--dist", str(built[0].dist), "load", "--endpoint", base + "/store")
        second = cli("--dist", str(built[0].dist), "load", "--endpoint", base + "/store")
        assert first.returncode == second.returncode == 0
        assert first.stdout == second.stdout
        data = count_graph(Endpoint(base + "/store"), "https://w3id.org/bytedance-kg/graph/data")
        assert data == quads_in_graph(
            built[0].dist / "bytedance-kg.nq", "https://w3id.org/bytedance-kg/graph/data"
        )


class DistortingStore:
    """A Graph Store that keeps what is PUT and answers a GET with it after ``distort``: a store
    that loses something while every count still matches."""

    def __init__(self, distort) -> None:
        graphs: dict[str, bytes] = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802
                graphs[self.path] = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(201)
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802
                body = distort(graphs.get(self.path, b""))
                self.send_response(200)
                self.send_header("Content-Type", "application/n-triples")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/store"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def split_one_blank_node(body: bytes) -> bytes:
    """The first line naming a blank node names a fresh one instead: same count, another graph."""
    lines = body.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith(b"_:"):
            lines[index] = b"_:elsewhere" + line[line.index(b" ") :]
            break
    return b"".join(lines)


def rewrite_durations(body: bytes) -> bytes:
    """What Virtuoso does to xsd:dayTimeDuration (seen here): the value written as seconds."""
    return body.replace(
        b'"P21D"^^<http://www.w3.org/2001/XMLSchema#dayTimeDuration>',
        b'"1.8144e+06"^^<http://www.w3.org/2001/XMLSchema#dayTimeDuration>',
    )


def test_load_checks_the_graph_read_back_not_only_its_count(built) -> None:
    split = DistortingStore(split_one_blank_node)
    try:
        result = cli("--dist", str(built[0].dist), "load", "--endpoint", split.url)
        assert result.returncode == 3 and "is not the release's graph" in result.stderr, result.stderr
        assert "split a blank node" in result.stderr and "Traceback" not in result.stderr
        lenient = cli(
            "--dist", str(built[0].dist), "load", "--endpoint", split.url, "--allow-rewritten-literals"
        )
        assert lenient.returncode == 3, "a split blank node is never a rewritten literal"
    finally:
        split.server.shutdown()
    rewriting = DistortingStore(rewrite_durations)
    try:
        strict = cli("--dist", str(built[0].dist), "load", "--endpoint", rewriting.url)
        assert (
            strict.returncode == 3
            and "P21D" in strict.stderr
            and "--allow-rewritten-literals" in strict.stderr
        )
        lenient = cli(
            "--dist", str(built[0].dist), "load", "--endpoint", rewriting.url, "--allow-rewritten-literals"
        )
        assert lenient.returncode == 0, lenient.stderr
        assert "warning: the store rewrote a literal" in lenient.stderr and '"1.8144e+06"' in lenient.stderr
    finally:
        rewriting.server.shutdown()


BAD_FILES = {
    "syntax-error": ('schema:name "Zhu Jun"@en ;', 'schema:name "Zhu Jun ;', r":\d+:\d+: "),
    "undefined-prefix": ('schema:name "Zhu Jun"@en ;', 'nope:name "Zhu Jun"@en ;', r":\d+:\d+: .*nope"),
    "invalid-lexical-form": (
        '"2023-01"^^xsd:gYearMonth',
        '"2023-13"^^xsd:gYearMonth',
        r":\d+:\d+: invalid lexical form \"2023-13\"",
    ),
    "malformed-language-tag": ('"Zhu Jun"@en ;', '"Zhu Jun"@en-- ;', r":\d+:\d+: "),
    "conflicting-functional-value": (
        "    org:member person:zhu-jun ;",
        "    org:member person:zhu-jun , person:li-hang ;",
        r"membership:zhu-jun-product-lead-flow",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_data_files_name_the_place_and_write_nothing(tmp_path: Path, case: str) -> None:
    import re

    old, new, pattern = BAD_FILES[case]
    scratch = copy_sources(tmp_path)
    edit_data(scratch, old, new)
    result = cli("--root", str(scratch.root), "build")
    assert result.returncode in (1, 2)
    assert re.search(pattern, result.stdout + result.stderr), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not scratch.dist.exists()
    if case == "conflicting-functional-value":
        output = result.stdout + result.stderr
        assert "merges distinct things" in output and "shape:Membership-member" in output


def test_the_tools_fetch_nothing_named_in_a_file(tmp_path: Path) -> None:
    """A JSON-LD file with a remote @context, or RDF/XML with an external entity, is not Turtle:
    `validate` rejects it with a clear error and the canary hears nothing."""
    canary = Canary()
    try:
        jsonld = tmp_path / "remote-context.jsonld"
        jsonld.write_text(
            json.dumps({"@context": canary.url + "context.jsonld", "@id": "urn:x", "name": "x"})
        )
        xml = tmp_path / "entity.rdf"
        xml.write_text(
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "{canary.url}e">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&e;</rdf:RDF>'
        )
        turtle = tmp_path / "import.ttl"
        turtle.write_text(f"<urn:x> <http://www.w3.org/2002/07/owl#imports> <{canary.url}onto.ttl> .\n")
        for path in (jsonld, xml):
            result = cli("validate", str(path))
            assert result.returncode == 2 and f"{path}:1:" in result.stderr
        assert cli("validate", str(turtle)).returncode in (0, 1)
        time.sleep(0.3)
        assert canary.hits == []
    finally:
        canary.close()


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    args=st.lists(
        st.sampled_from(
            [
                "query",
                "describe",
                "queries",
                "validate",
                "--param",
                "--format",
                "unit=",
                "x=y",
                "timeline",
                "table",
                "<http://",
                "unit:flow",
                "--tag",
                "",
                "≠",
                "\\",
            ]
        ),
        max_size=5,
    ),
    value=st.text(max_size=30),
)
def test_fuzz_cli_arguments(args: list[str], value: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*args, value] if value else args
    try:
        code = main(["--quiet", *argv])
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    captured = capsys.readouterr()
    assert code in (0, 1, 2, 4), (argv, code)  # 4: a name or IRI that matches nothing
    assert "Traceback" not in captured.err


class GarbageStore:
    """A Graph Store that accepts every PUT and answers every GET with bytes that are not RDF."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if "redirect" in self.path:  # "moved": a redirect is no success, and is not followed
                    self.send_response(307)
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.end_headers()
                    return
                self.send_response(201)
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "application/n-triples")
                self.end_headers()
                self.wfile.write(b"\x00\xff this is not N-Triples <<<\n")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/store"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _one_line_error(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr


def test_hostile_inputs_get_a_message_and_their_exit_code(built, tmp_path: Path) -> None:
    """Every input of the attack report's point 8: one line, the documented code, no traceback."""
    deep = tmp_path / "deep.rq"
    deep.write_text("SELECT ?x WHERE { BIND(" + "+".join(["1"] * 8000) + " AS ?x) }")
    nested = tmp_path / "nested.rq"
    nested.write_text("SELECT ?x WHERE { BIND(" + "(" * 8000 + "1" + ")" * 8000 + " AS ?x) }")
    for query in (deep, nested):
        _one_line_error(cli("--dist", str(built[0].dist), "query", str(query)), 2)
    literal = tmp_path / "literal.ttl"
    literal.write_text('<urn:a> <urn:b> "' + "x" * (17 * 1024 * 1024) + '" .\n')
    _one_line_error(cli("validate", str(literal)), 2)
    _one_line_error(cli("validate", "/dev/zero"), 2)
    fifo = tmp_path / "fifo.ttl"
    os.mkfifo(fifo)
    _one_line_error(cli("validate", str(fifo)), 2)
    _one_line_error(cli("validate", str(tmp_path)), 2)
    _one_line_error(cli("--dist", str(built[0].dist), "load", "--endpoint", "http://[::1"), 2)
    _one_line_error(
        cli("query", "unit-leadership", "--param", "unit=unit:flow", "--param", "unit=unit:seed"), 2
    )
    garbage = GarbageStore()
    try:
        _one_line_error(cli("--dist", str(built[0].dist), "load", "--endpoint", garbage.url), 3)
        _one_line_error(
            cli("--dist", str(built[0].dist), "load", "--endpoint", garbage.url, "--graph", "not an iri"), 2
        )
        _one_line_error(
            cli("--dist", str(built[0].dist), "load", "--endpoint", garbage.url + "?redirect=1"), 3
        )
    finally:
        garbage.server.shutdown()


def test_large_valid_queries_run_from_the_command_line(built, tmp_path: Path) -> None:
    """rdflib's parser refused 85 or more triple patterns as malformed; they are valid."""
    many = tmp_path / "many.rq"
    many.write_text("SELECT * WHERE {\n" + "".join(f"  ?s <urn:p{i}> ?o{i} .\n" for i in range(120)) + "}\n")
    assert cli("--dist", str(built[0].dist), "query", str(many)).returncode == 0


def test_an_empty_or_gutted_data_file_fails_the_build(tmp_path: Path) -> None:
    """Shapes and gates are vacuously true of no data; the saved queries' recorded answers are not."""
    scratch = copy_sources(tmp_path)
    scratch.data.write_text("", encoding="utf-8")
    result = cli("--root", str(scratch.root), "build")
    assert (
        result.returncode == 1
        and "saved queries no longer give their expected answers" in result.stdout + result.stderr
    )
    assert not scratch.dist.exists()
    gutted = copy_sources(tmp_path / "gutted")
    text = gutted.data.read_text(encoding="utf-8")
    gutted.data.write_text(text[: len(text) // 3].rsplit("\n\n", 1)[0] + "\n", encoding="utf-8")
    result = cli("--root", str(gutted.root), "build")
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr
    assert not gutted.dist.exists()


FEDERATED = "SELECT ?x WHERE { SERVICE SILENT <http://127.0.0.1:9/x> { ?x ?p ?o } }\n"


@pytest.mark.parametrize("where", ["gate", "saved-query", "shape", "gate-from-file", "shape-prefix"])
def test_service_in_a_project_file_is_an_input_error(tmp_path: Path, where: str) -> None:
    """A gate, a saved query or a SHACL-SPARQL constraint that uses SERVICE is refused by name
    before the build runs anything (a pull request cannot make CI fetch from the network)."""
    scratch = copy_sources(tmp_path)
    if where == "gate":
        target = scratch.checks_dir / "zz-canary-violation.rq"
        target.write_text("# canary\n" + FEDERATED, encoding="utf-8")
    elif where == "saved-query":
        target = scratch.queries_dir / "zz-canary.rq"
        target.write_text(
            "# Question: canary?\n# Tags: x\n# Graph: asserted\n\n" + FEDERATED, encoding="utf-8"
        )
    elif where == "gate-from-file":  # rdflib (the reference engine) would load the file a FROM names
        secret = Path(tempfile.mkdtemp(prefix="leak-")) / "secret.ttl"  # a path without the letters "service"
        secret.write_text('<urn:s> <urn:p> "SECRET" .\n', encoding="utf-8")
        target = scratch.checks_dir / "zz-from-violation.rq"
        target.write_text(
            f"# leaks a file\nSELECT ?o FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}\n", encoding="utf-8"
        )
    elif (
        where == "shape-prefix"
    ):  # a declared namespace is pasted into the shapes' queries: it must be an IRI
        target = scratch.shapes
        with target.open("a", encoding="utf-8") as shapes:
            shapes.write(
                '\n<https://w3id.org/bytedance-kg/shapes> sh:declare [ sh:prefix "zz" ; sh:namespace '
                '"http://x/> SELECT * WHERE { ?a ?b ?c } #"^^xsd:anyURI ] .\n'
            )
    else:
        target = scratch.shapes
        text = target.read_text(encoding="utf-8")
        marker = 'sh:select """'
        assert marker in text
        target.write_text(
            text.replace(
                marker, marker + " SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } } #", 1
            ),
            encoding="utf-8",
        )
    for command in (["validate"], ["build"], ["validate", "--engine", "reference"]):
        result = cli("--root", str(scratch.root), *command)
        _one_line_error(result, 2)
        assert str(target) in result.stderr and "SECRET" not in result.stdout + result.stderr
        assert (
            "SERVICE"
            if where in ("gate", "saved-query", "shape")
            else "FROM"
            if where == "gate-from-file"
            else "not an absolute IRI"
        ) in result.stderr


def test_offline_commands_run_without_network() -> None:
    """From the command line, the commands that need no network cannot open a network socket."""
    probe = (
        "import socket, sys\nfrom bytedance_kg.cli import main\n"
        "main(['--quiet', sys.argv[1]], confine=True)\n"
        "try:\n    socket.socket(socket.AF_INET)\n    print('open')\nexcept OSError:\n    print('closed')\n"
    )
    for command, expected in (("queries", "closed"), ("stats", "closed")):
        result = subprocess.run(
            [sys.executable, "-c", probe, command], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.stdout.strip().splitlines()[-1] == expected, (command, result.stdout, result.stderr)


BAD_SHAPES = {
    "a count that is a boolean": (
        "sh:qualifiedMinCount 1 ;",
        "sh:qualifiedMinCount true ;",
        "not a non-negative",
    ),
    "a count that is a string": (
        "sh:qualifiedMinCount 1 ;",
        'sh:qualifiedMinCount "1" ;',
        "not a non-negative",
    ),
    "two counts": ("sh:qualifiedMinCount 1 ;", "sh:qualifiedMinCount 1, 2 ;", "at most one value"),
    "a severity that is a string": (  # it ended the fast engine with a traceback
        "sh:qualifiedMinCount 1 ;",
        'sh:qualifiedMinCount 1 ; sh:severity "Warning" ;',
        "sh:severity): not an IRI",
    ),
    "a list without its end": (  # pySHACL read it as a list, the Core engine refused it
        "sh:qualifiedMinCount 1 ;",
        "sh:qualifiedMinCount 1 ; sh:in [ rdf:first 1 ] ;",
        "sh:in): not a well-formed list",
    ),
    "a pattern that is no regular expression": (
        'sh:pattern "^https://w3id\\\\.org/bytedance-kg/id/claim/',
        'sh:pattern "^(https://w3id\\\\.org/bytedance-kg/id/claim/',
        "cannot run the shapes",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SHAPES))
def test_a_malformed_shapes_graph_is_one_input_error_on_every_engine(tmp_path: Path, case: str) -> None:
    """SHACL fixes the form of most parameters, and the two engines read a parameter in another form
    differently (as something else, not at all, or with a traceback), so such a shapes graph is
    refused before either runs, naming the file, the shape and the parameter; what an engine cannot
    compile (a broken sh:pattern) is one line naming the file too."""
    old, new, message = BAD_SHAPES[case]
    scratch = copy_sources(tmp_path)
    text = scratch.shapes.read_text(encoding="utf-8")
    assert old in text
    scratch.shapes.write_text(text.replace(old, new, 1), encoding="utf-8")
    for command in (["validate"], ["validate", "--engine", "reference"]):
        result = cli("--root", str(scratch.root), *command)
        _one_line_error(result, 2)
        assert message in result.stderr and f"error: {scratch.shapes}" in result.stderr, result.stderr
        if "pattern" not in case:
            assert f"{scratch.shapes} (shape:Quote-textPositionSelector, sh:" in result.stderr


def test_a_failure_report_is_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    """The saved answers' differences came in the order of Python's string hash, which changes
    from run to run: the report of the same broken data must be the same bytes every time."""
    paths = copy_sources(tmp_path)
    edit_data(paths, "    org:role role:technical-lead ;\n", "")  # one membership without its role
    reports = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-m", "bytedance_kg", "-q", "--root", str(paths.root), "validate"],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 1, done.stderr
        assert "unit-leadership" in done.stdout + done.stderr  # a saved answer differs too
        reports.add(done.stdout + done.stderr)
    assert len(reports) == 1


def test_a_parse_error_is_one_line_even_when_it_quotes_a_newline(tmp_path: Path) -> None:
    paths = copy_sources(tmp_path)
    edit_data(paths, "org:member person:hong-dingkun ;", "org:member person:hong-dingkun ;;; <broken\n")
    done = cli("-q", "--root", str(paths.root), "build")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "bytedance.ttl:256:" in done.stderr, done.stderr


def test_a_release_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    from bytedance_kg.project.errors import WriteError
    from bytedance_kg.release.derived import Derivations
    from bytedance_kg.release.writer import ReleaseFolder

    (tmp_path / "bytedance-kg.nt").mkdir()  # where the file should go
    folder = ReleaseFolder(tmp_path, Derivations(tmp_path, {}, helpers=0))
    for write in (folder.write, lambda name, text: folder.write_lines(name, [text])):
        with pytest.raises(WriteError, match=r"^bytedance-kg\.nt: could not be written: Is a directory$"):
            write("bytedance-kg.nt", b"<urn:a> <urn:b> <urn:c> .\n")


def test_a_file_written_a_chunk_at_a_time_is_its_lines_and_their_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from bytedance_kg.release import writer
    from bytedance_kg.release.derived import Derivations

    monkeypatch.setattr(writer, "_LINES_AT_ONCE", 3)  # 10 lines: four chunks, the last one short
    lines = [f"<urn:s{i}> <urn:p> <urn:o> .\n".encode() for i in range(10)]
    folder = writer.ReleaseFolder(tmp_path, Derivations(tmp_path, {}, helpers=0))
    folder.write_lines("a.nt", lines)
    folder.write_lines("empty.nt", [])
    assert (tmp_path / "a.nt").read_bytes() == b"".join(lines)
    assert folder.digests["a.nt"] == hashlib.sha256(b"".join(lines)).hexdigest()
    assert (tmp_path / "empty.nt").read_bytes() == b"" and folder.written == [
        tmp_path / "a.nt",
        tmp_path / "empty.nt",
    ]


def test_pylode_stopping_without_a_word_is_still_said(monkeypatch: pytest.MonkeyPatch) -> None:
    import rdflib

    from bytedance_kg.project.errors import WriteError
    from bytedance_kg.release import writer

    monkeypatch.setattr(writer, "_PYLODE", "import sys; sys.exit(3)")
    docs = writer.OntologyDocs(rdflib.Graph())
    with pytest.raises(WriteError, match=r"^ontology\.html: pyLODE failed: it stopped with exit status 3$"):
        docs.result()
