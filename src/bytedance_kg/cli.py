"""The ``bytedance-kg`` command line.

Exit codes: 0 success (or the data conforms), 1 the data does not conform, 2 usage or input error
(a bad argument, a missing file, a syntax error: the message names file:line:column; a port that
cannot be listened on), 3 a remote store failed, 4 a name or IRI given matches nothing in the graph
(``describe``, a query's IRI parameter; the message suggests the nearest names).
"""

from __future__ import annotations

import argparse
import difflib
import errno
import ipaddress
import json
import math
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyoxigraph as ox

from bytedance_kg import __version__
from bytedance_kg.build import build, check_sources, format_report, report_as_json, report_as_turtle
from bytedance_kg.maintainer.anchor import anchor_quotes
from bytedance_kg.maintainer.docs import (
    command_examples,
    model_diagram,
    query_catalogue,
    replace_section,
    section_fault,
)
from bytedance_kg.maintainer.synthetic import INJECTIONS
from bytedance_kg.pipeline.article import load_articles
from bytedance_kg.pipeline.engines import DEFAULT_ENGINE, ENGINES
from bytedance_kg.project.errors import (
    EXIT_NONCONFORMANT,
    EXIT_OK,
    InputError,
    KGError,
    UsageError,
)
from bytedance_kg.project.graphs import STORE_GRAPHS
from bytedance_kg.project.namespaces import BASE
from bytedance_kg.project.paths import ProjectPaths, default_paths
from bytedance_kg.project.releasefiles import FULL
from bytedance_kg.query.describe import check_iri_params, describe, resolve
from bytedance_kg.query.describe import render as render_description
from bytedance_kg.query.stats import compute as compute_stats
from bytedance_kg.query.stats import render as render_stats
from bytedance_kg.query.store import (
    dataset_store,
    default_graphs,
    empty_answer_hint,
    graph_of,
    load_graph,
    load_store,
)
from bytedance_kg.rdf.canonical import canonical_turtle, format_file, is_canonical, write_atomically
from bytedance_kg.rdf.formats import RESULTS_FORMATS, syntax
from bytedance_kg.rdf.parsing import load_turtle, read_text
from bytedance_kg.rdf.prefixes import with_used_prefixes
from bytedance_kg.remote.endpoint import Endpoint, checked_url
from bytedance_kg.remote.upload import load
from bytedance_kg.sparql.catalogue import GRAPHS, SavedQuery, find_query, load_catalogue
from bytedance_kg.sparql.expected import differences, expected_path, run_example
from bytedance_kg.sparql.expected import render as render_expected
from bytedance_kg.sparql.querying import (
    QueryOutcome,
    bind,
    expand_iri,
    guard,
    run_checked,
    run_query,
    serialise,
)
from bytedance_kg.sparql.results import BOOLEAN_MEDIA_TYPES, XML_CANNOT_CARRY, xml_can_carry
from bytedance_kg.sparql.terminal import for_terminals, to_table
from bytedance_kg.system.interrupts import Interrupted, committing, stop_signals
from bytedance_kg.system.memory import keep_freed_memory
from bytedance_kg.system.sandbox import forbid_network

SOLUTION_FORMATS = {f.name: f.media_type for f in RESULTS_FORMATS}
BOOLEAN_OUTPUT = (
    "table",
    *(name for name, media in SOLUTION_FORMATS.items() if media in BOOLEAN_MEDIA_TYPES),
)
"""The ``--format`` names an ASK query's true or false can be written in."""
GRAPH_OUTPUT = ("turtle", "ntriples", "jsonld")
"""The ``--format`` names of a graph answer (see :mod:`bytedance_kg.rdf.formats`)."""

EPILOG_BUILD = """examples:
  bytedance-kg build            parse, check and write dist/
  bytedance-kg -q build         the same, without the progress lines (the summary stays)
"""
EPILOG_FMT = """examples:
  bytedance-kg fmt              rewrite every source Turtle file in canonical form
  bytedance-kg fmt --check      exit 1 and list the files that are not canonical
"""
EPILOG_QUERY = """examples:
  bytedance-kg query unit-leadership --param unit=unit:flow
  bytedance-kg query timeline --format csv
  bytedance-kg query heads-in-org-terms --reasoned
  bytedance-kg query my-question.rq --format json
  bytedance-kg query my-question.rq --graph asserted

parameters are bound as SPARQL VALUES, e.g. --param unit=unit:flow or --param unit=<https://...>;
an IRI the graph says nothing about is an error (exit code 4) that suggests the nearest names.
`bytedance-kg queries` lists the saved queries and their parameters.

the default graph: a saved query's `Graph:` header, else `full`, the reasoned release that /sparql
answers from; an empty answer says on stderr which graph was asked.
"""
EPILOG_QUERIES = """examples:
  bytedance-kg queries              every saved query with its question and tags
  bytedance-kg queries --tag time   only those tagged 'time'
"""
EPILOG_DESCRIBE = """examples:
  bytedance-kg describe person:hong-dingkun                      a prefixed name
  bytedance-kg describe https://w3id.org/bytedance-kg/id/unit/flow
  bytedance-kg describe zhu-jun                                  the slug: the IRI's last segment
  bytedance-kg describe "Zhu Wenjia"                             a name or alternative name, any case
  bytedance-kg describe "Flow team"                              a name with the words of its kind

nothing found: exit code 4, with the nearest names; several found: exit code 2, naming them.
"""
EPILOG_STATS = """examples:
  bytedance-kg stats
"""
EPILOG_EXPECTED = """examples:
  bytedance-kg expected                    compare every saved query with its expected result
  bytedance-kg expected --write timeline   (re)write one expected file, to review in the diff
"""
EPILOG_VALIDATE = """examples:
  bytedance-kg validate                         check the project's sources
  bytedance-kg validate --format json           the same report as JSON
  bytedance-kg validate my-data.ttl             check another data file against the shapes
"""
EPILOG_LOAD = """examples:
  bytedance-kg load --endpoint http://127.0.0.1:7878/store
  bytedance-kg load --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth --user dba
  bytedance-kg load --endpoint http://127.0.0.1:7878/store --graph https://example.org/kg --variant asserted

each named graph of the release is replaced with an HTTP PUT, then read back and counted;
exit code 3 if the store fails or cannot be reached (a re-run converges).
"""
EPILOG_SERVE = """examples:
  bytedance-kg serve                                   http://127.0.0.1:8000/ over the embedded store
  bytedance-kg serve --port 8080
  bytedance-kg serve --store http://127.0.0.1:7878/query   the same pages over an Oxigraph server

IRIs under --base are served at the same path here: <https://w3id.org/bytedance-kg/id/unit/flow>
is /id/unit/flow, which answers 303 See Other to /doc/unit/flow.html (or .ttl, .jsonld, .nt by Accept).
"""
EPILOG_LOADTEST = """examples:
  bytedance-kg loadtest                                   16 clients, 60 s, http://127.0.0.1:8000
  bytedance-kg loadtest --clients 4 --seconds 10 --pid 1234

exit code 1 if any request failed.
"""
EPILOG_BENCH = """examples:
  bytedance-kg bench                         the article and 6 synthetic articles (~10k triples), 3 runs each
  bytedance-kg bench --articles 0 --repeats 1 --endpoint-seconds 0
  bytedance-kg bench --articles 0,6,64,645 --repeats 5 --endpoint-seconds 5 --save
                                             what `make bench` runs: ~1M triples, then the
                                             endpoints, 5 rounds of each
"""
EPILOG_SYNTHETIC = """examples:
  bytedance-kg synthetic --articles 6 --out /tmp/kg-10k              about 10k triples, valid by construction
  bytedance-kg synthetic --articles 1 --inject two-members --out /tmp/kg-bad
  bytedance-kg --root /tmp/kg-bad validate                            exit 1, naming the violation
"""
EPILOG_DOCS = """examples:
  bytedance-kg docs           rewrite the generated sections of README.md, and BENCHMARKS.md's
                              tables from the figures saved in bench-results.json (measures nothing)
  bytedance-kg docs --check   exit 1 if any of them is out of date, naming each
"""
EPILOG_ANCHOR = """examples:
  bytedance-kg anchor           fill in every quote's offsets, prefix and suffix in data/bytedance.ttl
"""


class Reporter:
    """Prints progress to stderr, in colour only on a terminal, and timing of slow stages."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.colour = sys.stderr.isatty()

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def progress(self, message: str) -> None:
        if not self.quiet:
            print(self.paint(message, "2"), file=sys.stderr, flush=True)

    def error(self, message: str) -> None:
        print(self.paint("error: ", "31;1") + message, file=sys.stderr)

    def note(self, message: str) -> None:
        """Something the user may want to know about an answer (on stderr, so the answer stays clean)."""
        print(self.paint("note: ", "36;1") + message, file=sys.stderr)

    def warn(self, message: str) -> None:
        print(self.paint("warning: ", "33;1") + message, file=sys.stderr)


def cmd_build(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    started = time.perf_counter()
    result = build(paths, out.progress, engine_name=args.engine)
    print(f"built {paths.dist} in {time.perf_counter() - started:.1f} s")
    for stage, seconds in result.timings.items():
        print(f"  {stage:<10} {seconds:6.2f} s")
    for name, count in result.counts.items():
        print(f"  {name:<18} {count}")
    for output in result.outputs:
        print(f"  wrote {output.relative_to(paths.root)}")
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    files = [Path(f) for f in args.files] or paths.canonical_files()
    if args.check:
        drifted = [f for f in files if not is_canonical(f)]
        for f in drifted:
            out.error(f"{f}: not in canonical form (run: bytedance-kg fmt)")
        return EXIT_NONCONFORMANT if drifted else EXIT_OK
    for f in files:
        if format_file(f):
            print(f"formatted {f}")
    return EXIT_OK


def cmd_anchor(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    path = Path(args.file) if args.file else paths.data
    graph = load_turtle(path)
    articles = load_articles(graph, paths.root)
    count = 0
    for article in articles.values():
        count += anchor_quotes(graph, article)
    write_atomically(path, canonical_turtle(graph))
    print(f"anchored {count} quotes in {path}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    _, report, _ = check_sources(
        paths, out.progress, data_files=[Path(f) for f in args.files] or None, engine_name=args.engine
    )
    if args.format == "json":
        print(json.dumps(report_as_json(report), indent=2, ensure_ascii=False))
    elif args.format == "turtle":
        print(report_as_turtle(report), end="")
    elif report.conforms:
        print("conforms: shapes, gates, quotes, reasoning, graphs and saved answers all pass")
    else:
        print(format_report(report))
    return EXIT_OK if report.conforms else EXIT_NONCONFORMANT


def _store(args: argparse.Namespace, paths: ProjectPaths, out: Reporter, mode: str) -> ox.Store:
    return load_store(paths, mode, out.progress)


def _runner(store: ox.Store, mode: str) -> Callable[[str], QueryOutcome]:
    """The project's own queries on the query graph ``mode`` of the dataset store."""
    return lambda text: run_query(store, text, default_graphs=default_graphs(mode))


def cmd_query(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    query = find_query(load_catalogue(paths.queries_dir), args.query)
    text = bind(query, args.param)
    mode, why = graph_of(query, "full" if args.reasoned else args.graph)
    store = dataset_store(paths, out.progress)  # the named graphs /sparql has: FROM and GRAPH work alike
    check_iri_params(query, args.param, _runner(store, mode), mode, flag="--param ")
    checked = guard(text, str(query.path))
    outcome = run_checked(store, checked, str(query.path), default_graphs(mode))
    sys.stdout.write(_answer(query, outcome, args.format))
    if outcome.rows == [] or outcome.triples == []:
        sys.stdout.flush()  # the note follows the (empty) answer on a terminal
        out.note(
            "no answers from the dataset the query names (its FROM / FROM NAMED); the graphs are "
            + ", ".join(f"<{iri}>" for iri in STORE_GRAPHS)
            if checked.has_dataset
            else empty_answer_hint(mode, why)
        )
    return EXIT_OK


def _an(word: str) -> str:
    return ("an " if word[:1].upper() in "AEIOU" else "a ") + word


def _answer(query: SavedQuery, outcome: QueryOutcome, fmt: str) -> str:
    """The outcome as ``--format`` asks, if that format can carry it."""
    if outcome.triples is not None:
        if fmt not in ("table", *GRAPH_OUTPUT):
            raise UsageError(
                f"{_an(query.form)} query gives a graph: use --format turtle, ntriples or jsonld"
            )
        rdf_format = syntax("turtle" if fmt == "table" else fmt).serialiser
        try:
            text = with_used_prefixes(outcome.triples, rdf_format).decode("utf-8")
        except OSError as error:  # a term the format cannot write (a triple term in JSON-LD)
            raise UsageError(
                f"the answer cannot be written as {fmt}: {error}: use --format turtle or ntriples"
            ) from None
        return for_terminals(text) if fmt == "table" else text
    if outcome.boolean is not None and fmt not in BOOLEAN_OUTPUT:
        raise UsageError(f"{_an(query.form)} query gives true or false: use --format table, json or xml")
    if fmt == "table":
        return to_table(outcome)
    if fmt in SOLUTION_FORMATS:
        text = serialise(outcome, SOLUTION_FORMATS[fmt])
        if fmt == "xml" and not xml_can_carry(text):  # as the endpoint refuses it (406)
            raise UsageError(f"the answer holds {XML_CANNOT_CARRY}: use --format json")
        return text
    raise UsageError(f"{_an(query.form)} query gives solutions: use --format table, csv, tsv, json or xml")


def cmd_queries(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    """The saved queries, or those with one tag (in any case); a tag no query has is a usage error
    that lists the tags, not an empty list that looks like an answer."""
    catalogue = load_catalogue(paths.queries_dir).values()
    tag = args.tag.strip().lower() if args.tag is not None else None
    tags = sorted({t for query in catalogue for t in query.tags})
    if tag is not None and tag not in {t.lower() for t in tags}:
        near = difflib.get_close_matches(tag, tags, n=3)
        hint = f"did you mean: {', '.join(near)}? " if near else ""
        raise UsageError(f"no saved query is tagged {args.tag[:80]!r}; {hint}the tags are {', '.join(tags)}")
    for query in catalogue:
        if tag is not None and tag not in {t.lower() for t in query.tags}:
            continue
        params = "".join(f" --param {p.name}=..." for p in query.params)
        print(f"{query.name}{params}  [{query.form}; {', '.join(query.tags)}]")
        print(f"    {query.question}")
    return EXIT_OK


def cmd_describe(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    store = dataset_store(paths, out.progress)
    written = _runner(store, "all")  # what the article states and what it implies, the implied marked
    thing = resolve(written, args.thing)
    description = describe(written, thing, _runner(store, "full"), _runner(store, "asserted"))
    sys.stdout.write(render_description(description))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    store = _store(args, paths, out, "asserted")
    article = read_text(paths.article)
    sys.stdout.write(render_stats(compute_stats(store, article)))
    return EXIT_OK


def cmd_expected(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    catalogue = load_catalogue(paths.queries_dir)
    chosen = [find_query(catalogue, name) for name in args.names] or list(catalogue.values())
    graphs = {mode: load_graph(paths, mode, out.progress) for mode in {q.graph for q in chosen}}
    failed = 0
    for query in chosen:
        outcome = run_example(query, graphs[query.graph])
        if args.write:
            target = expected_path(query)
            target.parent.mkdir(exist_ok=True)
            target.write_text(render_expected(query, outcome), encoding="utf-8")
            print(f"wrote {target.relative_to(paths.root)}")
            continue
        problems = differences(query, outcome)
        failed += bool(problems)
        print(f"{'ok  ' if not problems else 'FAIL'} {query.name}")
        for problem in problems:
            print(f"       {problem}")
    return EXIT_NONCONFORMANT if failed else EXIT_OK


README_SECTIONS = ("diagram", "queries", "examples")
"""The README's generated sections, which ``docs`` writes."""


def cmd_docs(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    from bytedance_kg.bench import results

    readme = paths.root / "README.md"
    try:
        before = readme.read_bytes().decode("utf-8")  # bytes, so stray CRLFs count as changes
    except OSError as error:
        raise InputError(str(readme), error.strerror or str(error)) from None
    faults = [f"{readme}: {fault}" for name in README_SECTIONS if (fault := section_fault(before, name))]
    faults += results.section_faults(paths.root)  # the documents' own: `docs` cannot mend them
    if faults:
        for fault in faults[:-1]:
            out.error(fault)
        raise UsageError(faults[-1])  # exit 2: an input the command cannot mend
    text = replace_section(before, "diagram", model_diagram(_store(args, paths, out, "asserted")))
    text = replace_section(text, "queries", query_catalogue(load_catalogue(paths.queries_dir)))
    text = replace_section(
        text,
        "examples",
        command_examples(lambda argv: main([*argv[:1], "--root", str(paths.root), *argv[1:]])),
    )
    if args.check:
        stale = (
            [f"{readme}: generated sections are out of date (run: bytedance-kg docs)"]
            if text != before
            else []
        )
        stale += results.stale_tables(paths.root)
        for problem in stale:
            out.error(problem)
        return EXIT_NONCONFORMANT if stale else EXIT_OK
    benchmarks = paths.root / results.DOCUMENT
    tables_before = results.read_document(paths.root)
    tables = results.document(paths.root, results.read(paths.root))  # the figures as saved, not new ones
    for path, old, new in ((readme, before, text), (benchmarks, tables_before, tables)):
        if new != old:
            write_atomically(path, new)
            print(f"updated {path}")
    return EXIT_OK


def cmd_load(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    password = args.password if args.password is not None else os.environ.get("BYTEDANCE_KG_PASSWORD")
    store = Endpoint(args.endpoint, args.user, password)
    if args.graph is not None:
        expand_iri(f"<{args.graph}>")  # a usage error unless it is an absolute IRI
    result = load(store, paths.dist, args.graph, args.variant, out.progress, args.allow_rewritten_literals)
    for graph, count in result.counts.items():
        print(f"loaded {count:6d} triples into <{graph}>")
    for graph, pairs in result.rewritten.items():
        for sent, held in pairs:
            out.warn(
                f"the store rewrote a literal in <{graph}>: sent {sent.object}, holds {held.object} "
                f"(subject {sent.subject}, predicate {sent.predicate})"
            )
    return EXIT_OK


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound before anything is printed (a busy port is an error, not a claim)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except (OSError, OverflowError) as error:
        sock.close()
        reason = getattr(error, "strerror", None) or str(error)
        if getattr(error, "errno", None) == errno.EADDRINUSE:
            reason = f"port {port} is in use (another server?); pick another: --port, or make run PORT=..."
        raise UsageError(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


def _base_iri(text: str) -> str:
    """``--base``: an absolute http(s) IRI with no query or fragment, ending in a slash."""
    base = checked_url(text if text.endswith("/") else text + "/")
    try:
        ox.NamedNode(base)
    except ValueError as error:
        raise UsageError(f"--base is not an IRI: {text!r} ({error})") from None
    if any(c in base for c in '?#<>"{}|^`\\ '):
        raise UsageError(f"--base must be a plain IRI without a query, a fragment or quotes: {text!r}")
    return base


def _addresses(text: str) -> str:
    """``--trusted-proxy``: IP addresses or networks, separated by commas."""
    try:
        return ",".join(str(ipaddress.ip_network(part.strip(), strict=False)) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cmd_serve(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    import asyncio

    import uvicorn  # imported here: only this command needs the server stack

    from bytedance_kg.server.app import create_app
    from bytedance_kg.server.backend import Backend, EmbeddedBackend, RemoteBackend
    from bytedance_kg.server.executor import Limits, MiB
    from bytedance_kg.server.hardening import protocol_class
    from bytedance_kg.system.sandbox import SandboxUnavailable, require_confinement

    if not (paths.dist / "SHA256SUMS").exists():
        raise InputError(paths.dist, "no release to serve; run `bytedance-kg build` first")
    if args.client_queries > args.workers:
        raise UsageError(f"--client-queries ({args.client_queries}) cannot exceed --workers ({args.workers})")
    limits = Limits(
        timeout=args.timeout,
        max_rows=args.max_rows,
        max_bytes=args.max_bytes,
        workers=args.workers,
        per_client=args.client_queries,
        worker_memory=args.worker_memory * MiB,
        stall_timeout=args.stall_timeout,
        answer_cache=args.answer_cache * MiB,
    )
    sock = _listen(args.host, args.port)
    base = _base_iri(args.base)
    backend: Backend
    if args.store:
        backend = RemoteBackend(args.store, paths.dist, limits, base)
        engine = f"the store at {args.store}"
    else:
        try:  # the server process itself: bound already, and it never needs to open a socket again
            require_confinement(forbid_network())
        except SandboxUnavailable as error:
            raise KGError(str(error)) from None
        embedded = EmbeddedBackend(paths.dist, limits, base)
        try:
            asyncio.run(embedded.start())
        except RuntimeError as error:
            embedded.close()
            raise KGError(str(error)) from None
        engine = f"{args.workers} query workers, network closed by {embedded.service.confinement}"
        backend = embedded
    app = create_app(backend, paths, base, limits)
    # X-Forwarded-For names the client only when it comes from a proxy the operator trusts: otherwise
    # any client could claim to be many and take every worker (the fair share is by address).
    config = uvicorn.Config(
        app,
        log_level="warning",
        http=protocol_class(limits),
        lifespan="on",
        timeout_keep_alive=int(limits.keep_alive),
        limit_concurrency=2048,
        proxy_headers=bool(args.trusted_proxy),
        forwarded_allow_ips=args.trusted_proxy or "",
    )
    out.progress(
        f"serving on http://{args.host}:{args.port}/ (IRIs under {args.base}; {engine}); Ctrl-C stops"
    )
    uvicorn.Server(config).run(sockets=[sock])
    return EXIT_OK


def cmd_loadtest(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    from bytedance_kg.bench import client, loadtest, results

    try:
        client.target(args.url)
    except ValueError as error:
        raise UsageError(f"--url: {error}") from None
    if args.save:  # said before the run, not after its minute
        results.check_savable(paths.root, dated_apart=True)
    downloads = ["void.ttl", "bytedance-kg.ttl", "bytedance-kg.jsonld"]
    clients = f"{args.clients} client{'' if args.clients == 1 else 's'}"
    out.progress(f"{clients} for {args.seconds:g} s against {args.url}")
    report = loadtest.run(
        args.url,
        list(load_catalogue(paths.queries_dir).values()),
        downloads,
        args.clients,
        args.seconds,
        args.pid,
    )
    sys.stdout.write(report.text(args.clients, args.seconds))
    figures = report.figures(args.clients, args.seconds)
    if args.save and report.errors:  # a run in which requests failed is not the server's figures
        out.error(f"not saved: {figures['errors']} of {figures['requests']} requests failed")
    elif args.save:
        results.save(paths.root, {"loadtest": figures}, dated_apart=True)
    return EXIT_OK if not report.errors else EXIT_NONCONFORMANT


def cmd_synthetic(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    from bytedance_kg.bench import build as bench

    target = Path(args.out)
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target} exists and is not empty; give a new folder")
    target.mkdir(parents=True, exist_ok=True)
    out.progress(f"generating {args.articles} synthetic articles into {target}")
    made = bench.workspace(paths, target, args.articles, seed=args.seed, inject=tuple(args.inject))
    print(f"wrote {made.data} ({bench.count_triples(made)} triples with the ontology) and its article texts")
    print(f"check it:  bytedance-kg --root {target} validate")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    from bytedance_kg.bench import build as bench
    from bytedance_kg.bench import endpoints as endpointbench
    from bytedance_kg.bench import results, targets

    # said before the build runs, not after its minutes
    missing = (endpointbench.missing_tools() if args.endpoint_seconds > 0 else []) + (
        bench.missing_save_tools() if args.save else []
    )
    if missing:
        raise UsageError(f"bench needs {' and '.join(missing)}: run `make setup-bench` (the `bench` extra)")
    if args.endpoint_seconds > 0 and not (paths.dist / f"{FULL}.nt").exists():
        raise UsageError("the endpoint benchmark serves the release: run `bytedance-kg build` first")
    if args.save:
        results.check_savable(paths.root)
    rows = bench.run(paths, args.articles, args.repeats, args.timeout, out.progress)
    sys.stdout.write(bench.render(rows))
    endpoints = None
    if args.endpoint_seconds > 0:
        endpoints = endpointbench.run(
            paths, args.endpoint_seconds, progress=out.progress, rounds=args.repeats
        )
        sys.stdout.write("\n" + endpointbench.render(endpoints))
    measured = {"build": rows} if endpoints is None else {"build": rows, "endpoints": endpoints}
    sys.stdout.write("\nIssue 13's targets:\n\n" + targets.render(measured))
    if args.save:
        plot = paths.root / "docs" / "benchmarks.svg"
        drawn = plot.with_name(f".{plot.name}.{os.getpid()}.tmp")
        bench.plot(rows, drawn)  # the slow part first, aside, so that the three files change together
        try:
            with committing():  # a stop signal from here on no longer leaves the plot of another run
                results.save(paths.root, {"build": rows, "endpoints": endpoints})
                os.replace(drawn, plot)
        finally:
            drawn.unlink(missing_ok=True)
    return EXIT_OK


def bounded(kind: type[int] | type[float], low: float, high: float) -> Callable[[str], int | float]:
    """An argparse type: a finite number of ``kind`` between ``low`` and ``high``."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not {'an integer' if kind is int else 'a number'}: {text!r}"
            ) from None
        if not math.isfinite(value) or not low <= value <= high:
            shown = (f"{low:g}", f"{high:g}") if kind is float else (str(int(low)), str(int(high)))
            raise argparse.ArgumentTypeError(f"{text} is outside {shown[0]} to {shown[1]}")
        return value

    return parse


def running_process(text: str) -> int:
    """An argparse type: the id of a process running on this machine (a memory figure of one that is
    not would read as zero)."""
    from bytedance_kg.bench.loadtest import running

    pid = int(bounded(int, 1, 2**22)(text))
    if not running(pid):
        raise argparse.ArgumentTypeError(f"no process {pid} is running")
    return pid


def article_counts(text: str) -> list[int]:
    """An argparse type: ``bench``'s sizes, comma-separated whole numbers of articles (0 is the
    article itself), each at most 10,000 (~15M triples), none twice."""
    whole = bounded(int, 0, 10_000)
    sizes = [int(whole(part.strip())) for part in text.split(",")]
    if len(set(sizes)) != len(sizes):
        raise argparse.ArgumentTypeError(f"a size is given twice: {text!r}")
    return sizes


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="bytedance-kg",
        description="Build, check and explore the knowledge graph of 'ByteDance on DeepSeek's Impact'.",
        epilog="exit codes: 0 success, 1 data does not conform, 2 usage or input error, "
        "3 a remote store failed, 4 a name or IRI given matches nothing in the graph, "
        "5 the release could not be written",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    top.add_argument("--root", help="repository root (default: this checkout)")
    top.add_argument("--dist", help="release folder (default: dist/ in the root)")
    top.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, helptext: str, epilog: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=helptext,
            description=helptext,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    engine_help = (
        "fast (the default): cached vocabulary closure + targeted OWL RL rules, SHACL in the shacl engine "
        "and pyoxigraph, gates on pyoxigraph; reference: owlrl's full closure, pySHACL, rdflib "
        "(slower; the tests prove both give the same results)"
    )
    p = command(
        "build", "parse, verify quotes, reason, validate, run the gates and write dist/", EPILOG_BUILD
    )
    p.add_argument("--engine", choices=sorted(ENGINES), default=DEFAULT_ENGINE, help=engine_help)
    p.set_defaults(run=cmd_build)
    p = command(
        "validate", "check the sources (shapes, gates, quotes, reasoning) without writing", EPILOG_VALIDATE
    )
    p.add_argument("files", nargs="*", help="data files to check instead of data/bytedance.ttl")
    p.add_argument("--format", choices=("text", "turtle", "json"), default="text", help="report format")
    p.add_argument("--engine", choices=sorted(ENGINES), default=DEFAULT_ENGINE, help=engine_help)
    p.set_defaults(run=cmd_validate)
    p = command("query", "run a saved query (by name) or any .rq file", EPILOG_QUERY)
    p.add_argument("query", metavar="NAME|FILE")
    p.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="bind a query parameter"
    )
    p.add_argument(
        "--format",
        default="table",
        choices=("table", *SOLUTION_FORMATS, *GRAPH_OUTPUT),
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--graph",
        choices=GRAPHS,
        help="the default graph to query: asserted, full (reasoned; /sparql's default) or all (with the "
        "implied facts); default: a saved query's declared graph, else full",
    )
    which.add_argument("--reasoned", action="store_true", help="the same as --graph full")
    p.set_defaults(run=cmd_query)
    p = command("queries", "list the saved queries with their questions and tags", EPILOG_QUERIES)
    p.add_argument("--tag", help="only queries with this tag")
    p.set_defaults(run=cmd_queries)
    p = command(
        "describe", "everything known about one thing, with the quotes that support it", EPILOG_DESCRIBE
    )
    p.add_argument("thing", metavar="IRI|NAME")
    p.set_defaults(run=cmd_describe)
    p = command(
        "stats", "counts by class and property, facts per quote, coverage of the article", EPILOG_STATS
    )
    p.set_defaults(run=cmd_stats)
    p = command(
        "expected", "compare saved queries with their expected results, or --write them", EPILOG_EXPECTED
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="queries (default: all)")
    p.add_argument("--write", action="store_true", help="write the expected files from the current results")
    p.set_defaults(run=cmd_expected)
    p = command("fmt", "rewrite Turtle sources in canonical (longturtle) form", EPILOG_FMT)
    p.add_argument("files", nargs="*", help="files (default: ontology, shapes, imports, data)")
    p.add_argument("--check", action="store_true", help="only report files not in canonical form")
    p.set_defaults(run=cmd_fmt)
    p = command(
        "load", "upload the release to a SPARQL 1.1 Graph Store (replacing only its own graphs)", EPILOG_LOAD
    )
    p.add_argument(
        "--endpoint", required=True, help="Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store"
    )
    p.add_argument(
        "--graph", help="load one variant, merged, into this named graph (instead of one graph per part)"
    )
    p.add_argument(
        "--variant",
        choices=("asserted", "full", "all"),
        default="full",
        help="with --graph: stated facts (asserted), with their closure (full), or stated and implied (all)",
    )
    p.add_argument(
        "--allow-rewritten-literals",
        action="store_true",
        help="accept a store that writes literals back in another lexical form (warned, one line each)",
    )
    p.add_argument("--user", help="user name for HTTP basic or digest authentication")
    p.add_argument("--password", help="password (or set BYTEDANCE_KG_PASSWORD)")
    p.set_defaults(run=cmd_load)
    p = command("serve", "serve the release: SPARQL endpoint, dereferenceable IRIs and pages", EPILOG_SERVE)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port", type=bounded(int, 1, 65535), default=8000, help="port, 1 to 65535 (default 8000)"
    )
    p.add_argument(
        "--store", help="an external SPARQL endpoint loaded with `load`, instead of the embedded store"
    )
    p.add_argument(
        "--base",
        default=BASE,
        help="public base IRI that maps onto this server (default https://w3id.org/bytedance-kg/)",
    )
    p.add_argument(
        "--timeout",
        type=bounded(float, 0.1, 3600),
        default=10.0,
        help="seconds a query may run, 0.1 to 3600 (default 10)",
    )
    p.add_argument(
        "--max-rows",
        type=bounded(int, 1, 10_000_000),
        default=10_000,
        help="solutions or triples returned at most (default 10000)",
    )
    p.add_argument(
        "--max-bytes",
        type=bounded(int, 4096, 2**31),
        default=16 * 1024 * 1024,
        help="bytes of an answer at most (default 16 MiB)",
    )
    p.add_argument(
        "--workers", type=bounded(int, 1, 64), default=4, help="queries that may run at once (default 4)"
    )
    p.add_argument(
        "--client-queries",
        type=bounded(int, 1, 64),
        default=1,
        help="queries one client address may run at once (default 1)",
    )
    p.add_argument(
        "--worker-memory",
        type=bounded(int, 512, 65536),
        default=1024,
        help="MiB of memory per query worker, 512 to 65536 (default 1024)",
    )
    p.add_argument(
        "--trusted-proxy",
        metavar="ADDRESS",
        type=_addresses,
        help="a reverse proxy's address whose X-Forwarded-For names the client (default: none is trusted)",
    )
    p.add_argument(
        "--answer-cache",
        metavar="MIB",
        type=bounded(int, 0, 4096),
        default=32,
        help="MiB of recent answers kept to answer the same query on the same release again without "
        "a worker, 0 for none (default 32)",
    )
    p.add_argument(
        "--stall-timeout",
        type=bounded(float, 1, 600),
        default=20.0,
        help="seconds a client may take nothing of an answer before it is disconnected (default 20)",
    )
    p.set_defaults(run=cmd_serve)
    p = command(
        "loadtest",
        "a bounded load test of a running server (saved queries, pages, downloads)",
        EPILOG_LOADTEST,
    )
    p.add_argument(
        "--url", default="http://127.0.0.1:8000", help="the server (default http://127.0.0.1:8000)"
    )
    p.add_argument(
        "--clients", type=bounded(int, 1, 256), default=16, help="concurrent clients, 1 to 256 (default 16)"
    )
    p.add_argument(
        "--seconds", type=bounded(float, 1, 3600), default=60.0, help="duration, 1 to 3600 (default 60)"
    )
    p.add_argument("--pid", type=running_process, help="the server's process id, to report its memory growth")
    p.add_argument(
        "--save",
        action="store_true",
        help="write the figures into bench-results.json and BENCHMARKS.md's table (only from a run "
        "in which every request was answered)",
    )
    p.set_defaults(run=cmd_loadtest)
    p = command(
        "synthetic",
        "write a copy of the project whose data is N synthetic articles (for benchmarks and tests)",
        EPILOG_SYNTHETIC,
    )
    p.add_argument(
        "--articles",
        type=int,
        required=True,
        help="how many renamed copies of the article (~1,550 triples each)",
    )
    p.add_argument("--seed", type=int, default=1, help="varies the reported figures (default 1)")
    p.add_argument(
        "--inject",
        action="append",
        default=[],
        choices=INJECTIONS,
        help="add a known violation to article 1 (repeatable)",
    )
    p.add_argument("--out", required=True, help="a new folder for the copy")
    p.set_defaults(run=cmd_synthetic)
    p = command(
        "bench",
        "time the build against the naive pipeline, on the article and synthetic graphs",
        EPILOG_BENCH,
    )
    p.add_argument(
        "--articles",
        type=article_counts,
        default=[0, 6],
        help="comma-separated sizes: 0 is the article, N is N synthetic articles (run smallest first)",
    )
    p.add_argument(
        "--repeats",
        type=bounded(int, 1, 100),
        default=3,
        help="rounds of runs, of the build and of each endpoint load (the median is reported)",
    )
    p.add_argument(
        "--timeout", type=bounded(float, 1, 86_400), default=600.0, help="seconds before a run is abandoned"
    )
    p.add_argument(
        "--endpoint-seconds",
        type=bounded(float, 0, 3600),
        default=10.0,
        help="seconds each endpoint (ours, ours uncached, Oxigraph, rdflib-endpoint) is loaded, each round "
        "(0 skips them)",
    )
    p.add_argument(
        "--save", action="store_true", help="write bench-results.json, BENCHMARKS.md and docs/benchmarks.svg"
    )
    p.set_defaults(run=cmd_bench)
    p = command(
        "docs",
        "regenerate the README's diagram, query catalogue and command examples, and BENCHMARKS.md's "
        "tables from bench-results.json",
        EPILOG_DOCS,
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="only report whether the README and BENCHMARKS.md's tables are up to date",
    )
    p.set_defaults(run=cmd_docs)
    p = command("anchor", "compute quote offsets from their exact text (maintainers)", EPILOG_ANCHOR)
    p.add_argument("file", nargs="?", help="data file (default: data/bytedance.ttl)")
    p.set_defaults(run=cmd_anchor)
    return top


OFFLINE_COMMANDS = {
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
    "synthetic",
}
"""Commands that need no network: run from the command line, their process cannot open a network
socket (:func:`bytedance_kg.system.sandbox.forbid_network`), so no query in a data, query, gate or shapes
file can reach out, whichever engine runs it. ``serve`` confines itself once it has bound its socket
(unless it serves over ``--store``); ``load``, ``loadtest`` and ``bench`` talk to servers."""


BUILDING_COMMANDS = {"build", "validate"}
"""Commands that parse and check the whole graph in a process that ends with them: the allocator
keeps what they free for their next allocations (:func:`bytedance_kg.system.memory.keep_freed_memory`)."""


SERVING_COMMANDS = {"serve"}
"""Commands that run a server, which answers stop signals itself (uvicorn shuts down gracefully);
every other command takes them as :func:`~bytedance_kg.system.interrupts.stop_signals` says."""


def main(argv: Sequence[str] | None = None, *, confine: bool = False) -> int:
    """Run one command. ``confine`` is what the command-line entry points pass: the offline commands
    then run without network, and stop signals stay handled until the process ends (tests call
    ``main`` in their own process, which must keep its network and its signal handlers)."""
    args = parser().parse_args(argv)
    out = Reporter(args.quiet)
    paths = ProjectPaths(Path(args.root).resolve()) if args.root else default_paths()
    if args.dist:
        paths = ProjectPaths(paths.root, Path(args.dist).absolute())  # not resolved: a dist link is followed
    if confine and args.command in OFFLINE_COMMANDS:
        forbid_network()
    if confine and args.command in BUILDING_COMMANDS:
        keep_freed_memory()
    try:
        with stop_signals(enabled=args.command not in SERVING_COMMANDS, restore=not confine) as stopped:
            code = int(args.run(args, paths, out))
        if stopped.committed and stopped.arrived:
            out.note("a stop signal came after the new release was published: it is in place")
        return code
    except KGError as error:
        out.error(str(error))
        return error.exit_code
    except KeyboardInterrupt as error:
        out.error("interrupted")
        return error.exit_code if isinstance(error, Interrupted) else 128 + signal.SIGINT
    except BrokenPipeError:  # the reader (``| head``) stopped early: not an error of ours
        sys.stderr.close()
        return EXIT_OK


def entry() -> int:
    """The ``bytedance-kg`` command (console script, ``python -m bytedance_kg``, ``scripts/bytedance-kg``)."""
    return main(confine=True)
