"""``bytedance-kg bench``: the build against the naive pipeline, on the article and on synthetic
graphs, each run in a fresh process so that its peak memory can be read, with medians over repeats.

Pipelines, side by side on the same files:

- ``ours``: ``build`` (every stage and every distribution); then, in a process of its own, every
  saved query on the release as ``bytedance-kg query`` and ``/sparql`` run it (pyoxigraph);
- ``naive``: what one would write first: rdflib parse, owlrl's full OWL RL closure, pySHACL with
  ``inference="owlrl"``, the saved queries through rdflib;
- ``parse``: pyoxigraph merely parsing the same source files into a store, the baseline of the
  million-triple target.

The runs are made in rounds, each round every size once and at each size the pipelines in turn;
one that fails to finish within the time limit is not tried again, nor on larger sizes. After each
run of ours, a fresh process touches as much fresh memory as that run peaked at
(:mod:`bytedance_kg.bench.memory`): what the machine charges for it a page.
Figures are printed as tables (with per-stage growth exponents between sizes) and drawn as a
log-log plot; :mod:`bytedance_kg.bench.results` saves them (``bench-results.json`` and the tables
of ``BENCHMARKS.md``).
"""

from __future__ import annotations

import math
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bytedance_kg.bench.fresh import in_fresh_process
from bytedance_kg.bench.memory import fresh_page_cost
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.system.memory import keep_freed_memory, peak_resident_bytes

Stages = dict[str, float]
Run = tuple[Stages, float, int]
"""A pipeline's stage timings, how long it took in all (its stages may overlap: ``build`` runs
validation and the gates beside the reasoning), and the peak memory (bytes) of the processes it
started, if any."""


def _queries(paths: ProjectPaths, run: Callable[[str, str], object]) -> float:
    from bytedance_kg.sparql.catalogue import load_catalogue
    from bytedance_kg.sparql.expected import example_text

    started = time.perf_counter()
    for query in load_catalogue(paths.queries_dir).values():
        run(example_text(query), query.graph)
    return time.perf_counter() - started


def naive(paths: ProjectPaths) -> Run:
    import owlrl
    import pyshacl
    from rdflib import Graph

    stages: Stages = {}
    started = time.perf_counter()
    ontology = Graph()
    for path in [paths.ontology, *paths.imports]:
        ontology.parse(path)
    data = Graph().parse(paths.data)
    shapes = Graph().parse(paths.shapes)
    stages["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    full = Graph()
    for triple in (*ontology, *data):
        full.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(full)
    stages["reason"] = time.perf_counter() - started
    started = time.perf_counter()
    pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="owlrl", advanced=True)
    stages["validate"] = time.perf_counter() - started
    asserted = Graph()
    for triple in (*ontology, *data):
        asserted.add(triple)
    stages["queries"] = _queries(
        paths, lambda text, graph: list((full if graph == "full" else asserted).query(text))
    )
    return stages, sum(stages.values()), 0


def ours(paths: ProjectPaths) -> Run:
    from bytedance_kg.build import build

    keep_freed_memory()  # as the command line's build does (cli.BUILDING_COMMANDS)
    started = time.perf_counter()
    result = build(paths)
    return dict(result.timings), time.perf_counter() - started, result.helper_peak


def saved_queries(paths: ProjectPaths) -> Run:
    """Every saved query on the release just built, as a user meets them: in a process that did not
    build it (``bytedance-kg query`` is one, each of the endpoint's workers another), on the
    release's dataset store (:func:`~bytedance_kg.query.store.dataset_store`, the one store both
    load), each over its query graph's named graphs. The store's loading is not timed. Run after
    the build in the build's process, the queries met a heap of some gigabytes that the build had
    freed but kept (:func:`~bytedance_kg.system.memory.keep_freed_memory`), which made them slower
    at a million triples only; on three stores of their own (one per query graph), they held the
    release three times over."""
    from bytedance_kg.query.store import dataset_store, default_graphs
    from bytedance_kg.sparql.querying import run_query

    store = dataset_store(paths)
    took = _queries(paths, lambda text, graph: run_query(store, text, default_graphs=default_graphs(graph)))
    return {"queries": took}, took, 0


def parse_only(paths: ProjectPaths) -> Run:
    """pyoxigraph parsing every source file into an in-memory store: the baseline."""
    import pyoxigraph as ox

    started = time.perf_counter()
    store = ox.Store()
    for path in [paths.ontology, *paths.imports, paths.shapes, paths.data]:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    took = time.perf_counter() - started
    return {"parse": took}, took, 0


Step = Callable[[ProjectPaths], Run]
PIPELINES: dict[str, tuple[Step, ...]] = {
    "ours": (ours, saved_queries),
    "naive": (naive,),
    "parse": (parse_only,),
}
"""Each pipeline's steps, each run in a fresh process of its own, one after the other."""


def _child(step: Step, root: str, dist: str) -> Run:
    stages, took, helpers = step(ProjectPaths(Path(root), Path(dist)))
    return stages, took, peak_resident_bytes() + helpers


def measure(pipeline: str, paths: ProjectPaths, timeout: float) -> Run | None:
    """One run of ``pipeline``, each step in a fresh process: stage timings, time in all, and peak
    RSS (bytes: the largest of the steps', each the process's own plus the peaks of the processes
    it started, which may not have peaked at the same time); None if a step passed ``timeout``."""
    stages: Stages = {}
    took, peak = 0.0, 0
    for step in PIPELINES[pipeline]:
        outcome = in_fresh_process(_child, (step, str(paths.root), str(paths.dist)), timeout)
        if outcome is None:
            return None
        stages.update(outcome[0])
        took, peak = took + outcome[1], max(peak, outcome[2])
    return stages, took, peak


def workspace(
    source: ProjectPaths, folder: Path, articles: int, seed: int = 1, inject: tuple[str, ...] = ()
) -> ProjectPaths:
    """A copy of the project's sources whose data is the article itself (0) or ``articles``
    synthetic ones (with the ``inject``-ed violations, if any)."""
    from bytedance_kg.maintainer.synthetic import generate, write
    from bytedance_kg.rdf.parsing import load_turtle

    for name in ("ontology", "data", "checks", "queries"):
        shutil.copytree(source.root / name, folder / name)
    paths = ProjectPaths(folder, folder / "dist")
    if articles:  # the recorded answers are the article's: synthetic data answers differently
        shutil.rmtree(folder / "queries" / "expected")
        text = source.article.read_text(encoding="utf-8")
        write(
            generate(load_turtle(source.data), text, articles, seed=seed, inject=inject), folder, paths.data
        )
    return paths


def run(
    source: ProjectPaths, sizes: list[int], repeats: int, timeout: float, progress: Callable[[str], None]
) -> list[dict]:
    """``repeats`` rounds; each round runs every size once, smallest first, and at each size the
    pipelines in turn (ours, naive, parse), each ``ours`` run followed by the cost of as much fresh
    memory as it peaked at (:func:`~bytedance_kg.bench.memory.fresh_page_cost`). The machine is
    shared: a slow minute then falls on every pipeline and on every size rather than on one, so
    the ratios between pipelines and the growth between sizes both compare runs made side by side.
    (Each size's runs in a block of their own made the growth from 100k to 1M compare runs some
    minutes apart: a drift of the machine's speed in between read as growth.) The million-triple
    point is measured as often as the others. A pipeline that does not finish within ``timeout``
    is not run again, at that size or a larger one."""
    sizes = sorted(set(sizes))  # "a larger one" is a later one
    with tempfile.TemporaryDirectory() as tmp:
        spaces: dict[int, tuple[ProjectPaths, int]] = {}
        for articles in sizes:
            progress(f"generating {describe_size(articles)}")
            paths = workspace(source, Path(tmp) / str(articles), articles)
            spaces[articles] = paths, count_triples(paths)
        runs: dict[tuple[int, str], list[Run]] = {(a, p): [] for a in sizes for p in PIPELINES}
        pages: dict[int, list[float]] = {a: [] for a in sizes}
        timed_out: set[tuple[int, str]] = set()
        """The sizes at which each pipeline passed the time limit."""
        for i in range(repeats):
            for articles in sizes:
                paths, triples = spaces[articles]
                for pipeline in PIPELINES:
                    if any(p == pipeline and a <= articles for a, p in timed_out):
                        continue
                    progress(f"{pipeline} on {describe_size(articles)} ({triples} triples), run {i + 1}")
                    outcome = measure(pipeline, paths, timeout)
                    if outcome is None:
                        timed_out.add((articles, pipeline))
                        continue
                    runs[articles, pipeline].append(outcome)
                    if pipeline == "ours":  # what the machine charges for that much fresh memory
                        cost = fresh_page_cost(outcome[2])
                        pages[articles] += [] if cost is None else [cost]
    rows = []
    for articles in sizes:
        for pipeline in PIPELINES:
            done = runs[articles, pipeline]
            skipped = not done and (articles, pipeline) not in timed_out
            row = _row(articles, spaces[articles][1], pipeline, done, timeout, skipped)
            if done and (articles, pipeline) in timed_out:
                row["timed_out"] = True  # its medians leave out the run that did not finish
            if pipeline == "ours" and pages[articles]:
                row["fresh_page_us"] = statistics.median(pages[articles]) * 1e6
            rows.append(row)
    return rows


def _row(articles: int, triples: int, pipeline: str, runs: list[Run], timeout: float, skipped: bool) -> dict:
    """One pipeline at one size: the medians of its runs (a run that timed out is not among them)."""
    row: dict = {"articles": articles, "triples": triples, "pipeline": pipeline, "completed": bool(runs)}
    if skipped:
        row["skipped"] = True
    elif runs:
        row.update(
            runs=len(runs),
            stages={s: statistics.median(r[0][s] for r in runs) for s in runs[0][0]},
            total=statistics.median(r[1] for r in runs),
            build=statistics.median(r[1] - r[0].get("queries", 0.0) for r in runs),
            peak_rss=max(r[2] for r in runs),
        )
    row["timeout"] = timeout
    return row


def count_triples(paths: ProjectPaths) -> int:
    """Triples in the data and the ontology: the size the tables report."""
    import pyoxigraph as ox

    return sum(
        1
        for path in (paths.data, paths.ontology)
        for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    )


def naive_over_ours(rows: list[dict], articles: int) -> tuple[float, float | None] | None:
    """How many times ours was faster than naive at one size, and, when that is only a lower bound
    (naive did not finish: at least the time it was given, over ours), that time; ``None`` if
    either was not timed there."""
    ours = _completed(rows, "ours").get(articles)
    naive = next((r for r in rows if r["articles"] == articles and r["pipeline"] == "naive"), None)
    if ours is None or naive is None or naive.get("skipped"):
        return None
    if naive["completed"]:
        return naive["total"] / ours["total"], None
    return (naive["timeout"] / ours["total"], naive["timeout"]) if naive.get("timeout") else None


def describe_size(articles: int) -> str:
    if not articles:
        return "the article"
    return "1 synthetic article" if articles == 1 else f"{articles} synthetic articles"


def _completed(rows: list[dict], pipeline: str) -> dict[int, dict]:
    return {r["articles"]: r for r in rows if r["pipeline"] == pipeline and r["completed"]}


def synthetic_rows(rows: list[dict], pipeline: str) -> list[dict]:
    """The pipeline's completed rows at the synthetic sizes, smallest first."""
    return sorted((r for a, r in _completed(rows, pipeline).items() if a), key=lambda r: r["triples"])


FRESH_PAGE = "fresh memory, a page"
"""The growth table's row for the cost of one fresh page at the build's peak (:mod:`.memory`)."""


def growth_exponents(rows: list[dict], pipeline: str = "ours") -> dict[str, list[tuple[int, int, float]]]:
    """For each stage, the exponent k of time ~ n^k between consecutive synthetic sizes; and, where
    measured, that of the cost of one page of fresh memory (:data:`FRESH_PAGE`: a stage whose time
    were all fresh pages would grow at 1 + k)."""
    measured = synthetic_rows(rows, pipeline)
    out: dict[str, list[tuple[int, int, float]]] = {}
    for small, big in zip(measured, measured[1:]):
        figures = [
            (stage, small["stages"][stage], big["stages"].get(stage, 0.0)) for stage in small["stages"]
        ]
        figures.append(("total", small["total"], big["total"]))
        if "fresh_page_us" in small and "fresh_page_us" in big:
            figures.append((FRESH_PAGE, small["fresh_page_us"], big["fresh_page_us"]))
        for stage, before, after in figures:
            if before > 0.005 and after > 0:  # below 5 ms a stage is noise (a page costs µs: > 0.005)
                k = math.log(after / before) / math.log(big["triples"] / small["triples"])
                out.setdefault(stage, []).append((small["triples"], big["triples"], k))
    return out


def too_quick(
    rows: list[dict], exponents: dict[str, list[tuple[int, int, float]]]
) -> dict[str, list[tuple[int, int]]]:
    """The stages :func:`growth_exponents` gave no exponent between two consecutive sizes, by stage:
    those under 5 ms at the smaller one (or not timed at the larger)."""
    measured = synthetic_rows(rows, "ours")
    quick: dict[str, list[tuple[int, int]]] = {}
    for small, big in zip(measured, measured[1:]):
        pair = (small["triples"], big["triples"])
        for stage in small["stages"]:
            if pair not in {(a, b) for a, b, _ in exponents.get(stage, [])}:
                quick.setdefault(stage, []).append(pair)
    return quick


def render(rows: list[dict]) -> str:
    lines = [
        "| data | triples | pipeline | total (s) | stages (s, median) | peak RSS (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        data = describe_size(row["articles"])
        if row.get("skipped"):
            lines.append(
                f"| {data} | {row['triples']} | {row['pipeline']} | not run: it did not finish on a "
                "smaller size | | |"
            )
            continue
        if not row["completed"]:
            lines.append(
                f"| {data} | {row['triples']} | {row['pipeline']} | did not finish within "
                f"{row.get('timeout', 0):g} s | | |"
            )
            continue
        stages = ", ".join(f"{k} {v:.2f}" for k, v in row["stages"].items())
        count = row.get("runs", 1)
        runs = "" if count > 1 else " (1 run)"
        if row.get("timed_out"):
            done = f"{count} run{'s' if count > 1 else ''}"
            runs = f" ({done}; the next did not finish within {row['timeout']:g} s)"
        lines.append(
            f"| {data} | {row['triples']} | {row['pipeline']} | {row['total']:.2f}{runs} | {stages} | "
            f"{row['peak_rss'] / 2**20:.0f} |"
        )
    lines += ["", "Ratios (from the medians above):", ""]
    ours, parse = _completed(rows, "ours"), _completed(rows, "parse")
    for articles in sorted({r["articles"] for r in rows}):
        data = describe_size(articles)
        against_naive = naive_over_ours(rows, articles)
        if against_naive is not None and against_naive[1] is None:
            lines.append(f"- {data}: naive / ours = {against_naive[0]:.2f}")
        elif against_naive is not None:
            lines.append(
                f"- {data}: naive did not finish within {against_naive[1]:g} s, so naive / ours > "
                f"{against_naive[0]:.1f}"
            )
        if articles in ours and "fresh_page_us" in ours[articles]:
            peak, page = ours[articles]["peak_rss"] / 2**20, ours[articles]["fresh_page_us"]
            lines.append(
                f"- {data}: fresh memory, as much as ours peaked at ({peak:.0f} MiB): {page:.2f} µs a page"
            )
        if articles in ours and articles in parse:
            build = ours[articles].get("build", ours[articles]["total"])
            lines.append(
                f"- {data}: ours / pyoxigraph parse = "
                f"{ours[articles]['total'] / parse[articles]['total']:.1f} "
                f"(`build` alone, without the saved queries: {build / parse[articles]['total']:.1f})"
            )
    exponents = growth_exponents(rows)
    if not exponents:
        lines += ["", "(No growth exponents: they need our build timed at two synthetic sizes or more.)"]
    else:
        # every pair of sizes any stage was measured between, each stage's exponent under its own pair
        # (a stage too quick to time at one size has no exponent for the pairs that size is in)
        pairs = sorted({(small, big) for ks in exponents.values() for small, big, _ in ks})
        lines += [
            "",
            "Growth exponents of our build (time ~ n^k between consecutive synthetic sizes):",
            "",
            "| stage | " + " | ".join(f"{a} → {b}" for a, b in pairs) + " |",
            "|---|" + "---|" * len(pairs),
        ]
        for stage, ks in exponents.items():
            by_pair = {(small, big): k for small, big, k in ks}
            cells = [f"{by_pair[pair]:.2f}" if pair in by_pair else "" for pair in pairs]
            lines.append(f"| {stage} | " + " | ".join(cells) + " |")
        quick = too_quick(rows, exponents)
        if quick:
            lines += [
                "",
                "Left out, under 5 ms at the smaller size (too little to read a growth from): "
                + "; ".join(
                    f"{stage} ({', '.join(f'{a} → {b}' for a, b in at)})" for stage, at in quick.items()
                )
                + ".",
            ]
        if FRESH_PAGE in exponents:
            lines += [
                "",
                f"The row '{FRESH_PAGE}' is the growth of what the machine charges for one page a fresh "
                "process has not used before, touching as much memory as our build peaked at, "
                "measured after each of its runs: a stage whose time were all fresh pages would grow "
                "at 1 plus it.",
            ]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], target: Path) -> None:
    """Time and peak memory against size, log-log, one line per pipeline (SVG, reproducible bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "bytedance-kg"
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for pipeline, measured in ((p, _completed(rows, p)) for p in PIPELINES):
        points = sorted(measured.values(), key=lambda r: r["triples"])
        if not points:
            continue
        sizes = [r["triples"] for r in points]
        left.plot(sizes, [r["total"] for r in points], marker="o", label=pipeline)
        right.plot(sizes, [r["peak_rss"] / 2**20 for r in points], marker="o", label=pipeline)
    for axis, label in ((left, "time (s)"), (right, "peak RSS (MiB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("triples (data + ontology)")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle("bytedance-kg build against the naive pipeline")
    figure.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, format="svg", metadata={"Date": None})
    plt.close(figure)


def missing_save_tools() -> list[str]:
    """What :func:`plot` draws with that a plain install lacks (the ``bench`` extra installs it)."""
    import importlib.util

    return [] if importlib.util.find_spec("matplotlib") is not None else ["the matplotlib package"]
