"""The build pipeline: parse, verify the source, reason, validate, run the gates, write ``dist/``.

Outputs are written into a fresh folder under ``.releases/`` and published only when every stage
has passed, by atomically pointing the ``dist`` symlink at it, so a failed or killed build never
leaves a half-written release: ``dist`` is always the previous release or the new one.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from bytedance_kg.pipeline.article import load_articles, quote_data, verify_quotes
from bytedance_kg.pipeline.engines import DEFAULT_ENGINE, Engine, ShapesRefused, Validation, engine
from bytedance_kg.pipeline.engines.closure import Closure
from bytedance_kg.pipeline.engines.shaperesults import ShapeResult
from bytedance_kg.pipeline.gates import GateResult, gate_files
from bytedance_kg.pipeline.shapesgraph import check_shapes_graph, name_of
from bytedance_kg.pipeline.sources import Sources, query_store
from bytedance_kg.project.errors import InputError, NonConformanceError, WriteError, said_as_write_error
from bytedance_kg.project.graphs import QUERY_GRAPHS
from bytedance_kg.project.namespaces import BASE, new_graph, sorted_terms
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.project.releasefiles import ASSERTED, FULL
from bytedance_kg.rdf.canonical import canonical_turtle
from bytedance_kg.rdf.parsing import read_text
from bytedance_kg.rdf.terms import is_iri
from bytedance_kg.release.folders import build_lock, releases_dir, remove_unused
from bytedance_kg.release.writer import Written, write_release
from bytedance_kg.sparql.catalogue import load_catalogue
from bytedance_kg.sparql.expected import check_answers, expected_answers
from bytedance_kg.sparql.guard import PREFIX_NAME
from bytedance_kg.sparql.querying import guard
from bytedance_kg.system.background import in_background
from bytedance_kg.system.files import sync_folder
from bytedance_kg.system.interrupts import committing

STAGES = ("parse", "quotes", "reason", "validate", "gates", "answers", "write")
"""The build's stages, in the order it reports them (validate and gates may run beside reason
and write: :attr:`~bytedance_kg.pipeline.engines.Engine.concurrent`)."""
ASSERTED_FILE = f"{ASSERTED}.ttl"
FULL_FILE = f"{FULL}.ttl"


@dataclass
class CheckReport:
    """Everything the checks found; empty lists mean the sources conform."""

    shape_results: list[ShapeResult] = field(default_factory=list)
    gate_results: list[GateResult] = field(default_factory=list)
    quote_problems: list[str] = field(default_factory=list)
    reasoning_problems: list[str] = field(default_factory=list)
    graph_problems: list[str] = field(default_factory=list)
    """What would mix the release's graphs: a triple in both the ontology and the data, a blank node
    named from both the stated and the implied graph (each graph is published on its own)."""
    answer_problems: list[str] = field(default_factory=list)
    """Saved queries whose results differ from ``queries/expected/`` (see :func:`check_answers`)."""
    shacl_report: Graph | None = None

    @property
    def failed_gates(self) -> list[GateResult]:
        return [gate for gate in self.gate_results if not gate.passed]

    @property
    def conforms(self) -> bool:
        violations = [r for r in self.shape_results if r.severity == "sh:Violation"]
        return not (
            violations
            or self.failed_gates
            or self.quote_problems
            or self.reasoning_problems
            or self.graph_problems
            or self.answer_problems
        )


@dataclass
class BuildResult:
    """A finished build: its checks, the counts, and how long each stage took."""

    report: CheckReport
    closure: Closure | None
    timings: dict[str, float]
    outputs: list[Path]
    counts: dict[str, int]
    helper_peak: int = 0
    """The sum of the peak resident memory (bytes) of the processes that helped write the release
    (:mod:`~bytedance_kg.release.derived`, pyLODE): with this process's own peak, an upper bound
    on what the build held at any one time."""


Progress = Callable[[str], None]


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run CPython's cyclic garbage collector less often while building.

    A build makes millions of long-lived objects (terms, triples, lines, indexes); with the default
    thresholds the collector walks all of them again and again, which was a third of the build's
    time at 100k triples and made it grow faster than the data. So the thresholds are raised, and
    each stage starts by freezing what the stages before it made (:func:`_timed`): a full
    collection then walks only the current stage's objects. Both are undone on the way out, when
    the collector may walk everything once."""
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*previous)


@contextmanager
def _timed(timings: dict[str, float], stage: str, progress: Progress) -> Iterator[None]:
    """Time one stage of the build (inside :func:`fewer_collections`, which unfreezes)."""
    gc.freeze()
    progress(f"{stage} ...")
    started = time.perf_counter()
    yield
    timings[stage] = time.perf_counter() - started


def check_sources(
    paths: ProjectPaths,
    progress: Progress = lambda _: None,
    timings: dict[str, float] | None = None,
    data_files: list[Path] | None = None,
    engine_name: str = DEFAULT_ENGINE,
) -> tuple[Sources, CheckReport, Closure]:
    """Parse and check the sources (or other ``data_files`` against the project's ontology and
    shapes) on the engine named ``engine_name`` (see :mod:`bytedance_kg.pipeline.engines`): quotes,
    reasoning, shapes, gates, saved queries' answers. Raises only on bad input."""
    checker = engine(engine_name)
    timings = {} if timings is None else timings
    with fewer_collections():
        checking = _check_sources(paths, progress, timings, data_files, checker)
        checking.finish()
    _in_order(timings)
    return checking.sources, checking.report, checking.reasoned


def _in_order(timings: dict[str, float]) -> None:
    """The stages in the order of :data:`STAGES`, whichever thread ended first."""
    for stage in sorted(timings, key=lambda name: STAGES.index(name) if name in STAGES else len(STAGES)):
        timings[stage] = timings.pop(stage)


@dataclass
class Checking:
    """Sources parsed and checked, the validation and the gates perhaps still running
    (:func:`_later_checks`): the build writes the release meanwhile and publishes it only once
    :meth:`finish` says that everything conforms."""

    sources: Sources
    report: CheckReport
    reasoned: Closure
    later: LaterChecks | None
    shapes_path: Path

    def finish(self) -> CheckReport:
        """The whole report, once the validation and the gates are done (at once after the first
        call); shapes the engine cannot run are an input error naming the shapes file."""
        if self.later is not None:
            later, self.later = self.later, None
            try:
                validation, self.report.gate_results = later()
            except ShapesRefused as refused:
                raise InputError(self.shapes_path, str(refused)) from None
            self.report.shape_results, self.report.shacl_report = validation.results, validation.report
        return self.report


def _check_sources(
    paths: ProjectPaths,
    progress: Progress,
    timings: dict[str, float],
    data_files: list[Path] | None,
    checker: Engine,
) -> Checking:
    with _timed(timings, "parse", progress):
        sources = Sources.load(paths, data_files, with_store=checker.reads_store)
        check_project_queries(paths, sources.shapes)
        check_shapes_graph(sources.shapes, paths.shapes)
        # read now: an expected file at fault is an input error before any check has started
        answers = expected_answers(load_catalogue(paths.queries_dir).values()) if data_files is None else []
    checker.prepare(sources)
    report = CheckReport()
    with _timed(timings, "quotes", progress):
        quoted = quote_data(sources.triples("data"))
        articles = load_articles(quoted, paths.root)
        report.quote_problems = [str(p) for p in verify_quotes(quoted, articles)]
    later = _later_checks(checker, sources, paths, progress, timings)
    with _timed(timings, "reason", progress):
        reasoned = checker.reason(sources.terminology(), sources.triples("stated"))
        report.reasoning_problems = reasoned.problems
        report.graph_problems = sources.shared_triples() + sources.evidence().spanning
    with _timed(timings, "answers", progress):
        if answers:
            graphs = sources.release_graphs(reasoned.inferred)
            stores = {mode: query_store(graphs, mode) for mode in QUERY_GRAPHS}
            report.answer_problems = check_answers(answers, stores)
    return Checking(sources, report, reasoned, later, paths.shapes)


LaterChecks = Callable[[], tuple[Validation, list[GateResult]]]
"""The validation and the gates' results, once they are done."""


def _later_checks(
    checker: Engine, sources: Sources, paths: ProjectPaths, progress: Progress, timings: dict[str, float]
) -> LaterChecks:
    """Validation and the gates: started now on a thread of their own, beside the reasoning and
    the writing, on an engine that can run them so (:attr:`Engine.concurrent`), else run when asked
    for. They start once the quote check is done: it is Python throughout and took turns with them
    for the interpreter lock (at a million triples 1.3 to 2.1 s beside them, 1.1 to 1.4 s before
    them, in three builds of each side by side), and they end long before the release is written,
    so starting them a second later costs the build nothing. Everything they read is made here
    first (the terminology graph, the sources' own graphs), so that no rdflib graph is made by two
    threads at once; each gets a terminology graph of its own, since a reasoner may add to the one
    it is given. Their timings are their own, so with an engine that runs them beside the others
    the stages add up to more than the build took."""
    terminology = sources.terminology()

    def validate_and_gate() -> tuple[Validation, list[GateResult]]:
        started = time.perf_counter()
        validation = checker.validate(sources.triples("data"), sources.shapes, terminology)
        timings["validate"] = time.perf_counter() - started
        started = time.perf_counter()
        gates = checker.gates(sources, paths.checks_dir)
        timings["gates"] = time.perf_counter() - started
        return validation, gates

    if not checker.concurrent:

        def in_stages() -> tuple[Validation, list[GateResult]]:
            """The build's next stages on its own thread, once asked for."""
            gc.freeze()  # what the stages before made is not walked again (see :func:`_timed`)
            progress("validate, gates ...")
            return validate_and_gate()

        return in_stages
    progress("validate, gates (beside the stages after the quote check) ...")
    return in_background(validate_and_gate, "checks").result


def check_project_queries(paths: ProjectPaths, shapes: Graph) -> None:
    """Every query the build runs (the gates, the saved queries, the shapes' SPARQL and the prefixes
    the shapes declare for it) through the guard, before anything runs them: a ``SERVICE``, an
    expression too deep for the engine, or a ``FROM``/``FROM NAMED`` (rdflib, the reference engine,
    loads whatever those name, files included) in a project file is an input error naming the
    file. (The build's process cannot reach the network anyway when run from the command line:
    :data:`bytedance_kg.cli.OFFLINE_COMMANDS`.)"""
    none: frozenset[str] = frozenset()
    queries = [
        (read_text(path), str(path), none)
        for path in [*gate_files(paths.checks_dir), *sorted(paths.queries_dir.glob("*.rq"))]
    ]
    declared = frozenset(str(shapes.value(d, SH.prefix)) for d in shapes.objects(None, SH.declare))
    for predicate in (SH.select, SH.ask, SH.construct):
        queries += [
            (str(text), f"{paths.shapes} ({name_of(shapes, node)})", declared)
            for node, text in sorted(shapes.subject_objects(predicate))
        ]
    for text, origin, prefixes in queries:
        if guard(text, origin, prefixes).has_dataset:
            raise InputError(
                origin,
                "FROM and FROM NAMED are not accepted in a project query: the reference "
                "engine would load what they name",
            )
    for declaration in sorted_terms(shapes.objects(None, SH.declare)):
        prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
        origin = f"{paths.shapes} (sh:declare {prefix!s})"
        if prefix is None or not PREFIX_NAME.fullmatch(str(prefix)):
            raise InputError(origin, f"not a SPARQL prefix name: {str(prefix)!r}")
        if namespace is None or not is_iri(str(namespace)):
            raise InputError(origin, f"not an absolute IRI: {str(namespace)!r}")


def _publish(staging: Path, dist: Path) -> Path | None:
    """Point ``dist`` at ``staging`` in one atomic step (a symlink replaced by rename).

    At every instant ``dist`` is either the previous complete release or the new one, whatever
    kills the build, a crash of the machine included: the release's files and their folder are on
    disk before the link to them is made, and the switch is on disk when this returns. A ``dist``
    that is still a plain folder (from an older layout) is moved aside first, once. Returns the
    release ``dist`` pointed at before, if any.
    """
    if dist.exists() and not dist.is_symlink():
        os.replace(dist, Path(tempfile.mkdtemp(prefix="dist-", dir=releases_dir(dist))) / "legacy")
    sync_folder(staging)  # its files are on disk already (DurableFile): now their names
    sync_folder(staging.parent)
    link = dist.with_name(f".{dist.name}-link-{os.getpid()}")
    if link.is_symlink() or link.exists():
        link.unlink()
    previous = dist.resolve() if dist.is_symlink() else None
    try:
        link.symlink_to(os.path.relpath(staging, dist.parent))
        with committing():  # from here the build has published: a stop signal no longer undoes it
            os.replace(link, dist)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    sync_folder(dist.parent)
    return previous


def build(
    paths: ProjectPaths, progress: Progress = lambda _: None, engine_name: str = DEFAULT_ENGINE
) -> BuildResult:
    """Run every stage; write ``dist/`` only if all checks pass, else raise with the report.
    One build at a time per ``dist``: a second one waits for the first (:func:`build_lock`)."""
    with build_lock(paths.dist, progress):
        return _build(paths, progress, engine_name)


def _build(paths: ProjectPaths, progress: Progress, engine_name: str) -> BuildResult:
    timings: dict[str, float] = {}
    checker = engine(engine_name)
    with fewer_collections():
        checking = _check_sources(paths, progress, timings, None, checker)
        sources, reasoned = checking.sources, checking.reasoned
        if not checking.report.conforms:  # what has been checked failed already: nothing to write
            raise NonConformanceError(format_report(checking.finish()))
        with _timed(timings, "write", progress):
            written = _write(paths, checking)
    _in_order(timings)
    outputs = [paths.dist / p.name for p in written.paths]
    counts = {
        "asserted triples": written.sizes[ASSERTED],
        "data triples": len(sources.triples("data")),
        "implied triples": len(sources.triples("implied")),
        "inferred triples": len(reasoned.inferred),
        "full triples": reasoned.full_size,
        "shapes": len(set(sources.shapes.subjects(None, None))),
    }
    return BuildResult(
        checking.report, reasoned, timings, outputs, counts, sum(written.helper_peaks.values())
    )


def _write(paths: ProjectPaths, checking: Checking) -> Written:
    """The release, written into a fresh folder while the validation and the gates may still be
    running, and published only once they have passed; a failed check says more than a file that
    could not be written, so it is the error then."""
    with said_as_write_error():
        staging = Path(tempfile.mkdtemp(prefix="dist-", dir=releases_dir(paths.dist)))
        staging.chmod(0o755)  # mkdtemp makes it private; the release is for everyone to read
    try:
        with said_as_write_error(within=staging):
            written = write_release(
                staging,
                checking.sources,
                checking.reasoned,
                paths.context,
                list(load_catalogue(paths.queries_dir).values()),
            )
        if not checking.finish().conforms:
            raise NonConformanceError(format_report(checking.report))
        with said_as_write_error(str(paths.dist)):  # whichever step failed, dist is what was not switched
            previous = _publish(staging, paths.dist)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, WriteError) and not checking.finish().conforms:
            raise NonConformanceError(format_report(checking.report)) from None
        raise
    # Folders left by killed builds and releases older than the previous one go, unless a
    # running server holds a lease on them (see :mod:`bytedance_kg.release.folders`); the release
    # is published already, so a folder that cannot be removed now is left for the next build.
    with suppress(OSError):
        remove_unused(paths.dist, {p for p in (staging.resolve(), previous) if p is not None})
    return written


def format_report(report: CheckReport) -> str:
    """A readable report of everything that failed, grouped by shape and by gate."""
    lines: list[str] = []
    by_shape: dict[str, list[ShapeResult]] = {}
    for result in report.shape_results:
        by_shape.setdefault(result.shape, []).append(result)
    for shape, results in sorted(by_shape.items()):
        lines.append(f"shape {shape}: {len(results)} result(s)")
        for r in results:
            lines.append(f"  [{r.severity}] focus {r.focus}  path {r.path or '-'}  value {r.value or '-'}")
            lines.append(f"      {r.message}")
    lines += [gate.report() for gate in report.failed_gates]
    if report.quote_problems:
        lines.append(f"quotes: {len(report.quote_problems)} problem(s)")
        lines += [f"  {p}" for p in report.quote_problems]
    if report.reasoning_problems:
        lines.append(f"reasoning: {len(report.reasoning_problems)} problem(s)")
        lines += [f"  {p}" for p in report.reasoning_problems]
    if report.graph_problems:
        lines.append(f"graphs: {len(report.graph_problems)} problem(s)")
        lines += [f"  {p}" for p in report.graph_problems]
    if report.answer_problems:
        lines.append(
            f"saved queries no longer give their expected answers: {len(report.answer_problems)} "
            "(an empty or gutted data file, or expected results to rewrite with "
            "`bytedance-kg expected --write`)"
        )
        lines += [f"  {p}" for p in report.answer_problems]
    return "\n".join(lines)


def _problems(report: CheckReport) -> list[tuple[str, str]]:
    """The non-SHACL problems as (check name, message) pairs."""
    out = [
        (f"gate/{gate.name}", "  ".join(f"{v}={val}" for v, val in zip(gate.variables, row)))
        for gate in report.failed_gates
        for row in gate.rows
    ]
    out += [("quotes", message) for message in report.quote_problems]
    out += [("reasoning", message) for message in report.reasoning_problems]
    out += [("graphs", message) for message in report.graph_problems]
    out += [("answers", message) for message in report.answer_problems]
    return out


def report_as_json(report: CheckReport) -> dict[str, object]:
    """The report as a JSON-ready document: SHACL results grouped by shape, then the other checks."""
    shapes: dict[str, list[dict[str, str]]] = {}
    for r in report.shape_results:
        shapes.setdefault(r.shape, []).append(
            {
                "focus": r.focus,
                "path": r.path,
                "value": r.value,
                "component": r.component,
                "severity": r.severity,
                "message": r.message,
            }
        )
    return {
        "conforms": report.conforms,
        "shapes": shapes,
        "checks": [{"check": name, "message": message} for name, message in _problems(report)],
    }


def report_as_turtle(report: CheckReport) -> str:
    """The SHACL validation report in Turtle, with gate, quote and reasoning failures added as
    ``sh:ValidationResult``s whose ``sh:sourceShape`` names the check."""
    graph = new_graph()
    if report.shacl_report is not None:
        for triple in report.shacl_report:
            graph.add(triple)
    root = next(iter(graph.subjects(RDF.type, SH.ValidationReport)), None) or BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.set((root, SH.conforms, Literal(report.conforms)))
    for index, (name, message) in enumerate(_problems(report)):
        result = URIRef(f"{BASE}checks/{name}#result-{index}")
        graph.add((root, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.resultSeverity, SH.Violation))
        graph.add((result, SH.sourceShape, URIRef(f"{BASE}checks/{name}")))
        graph.add((result, SH.resultMessage, Literal(message)))
    return canonical_turtle(graph)
