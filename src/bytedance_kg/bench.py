"""``bytedance-kg bench``: the build against the naive pipeline, on the article and on synthetic
graphs, each run in a fresh process so that its peak memory can be read, with medians over repeats.

The naive pipeline is what one would write first: rdflib parse, owlrl's full OWL RL closure,
pySHACL with ``inference="owlrl"``, the saved queries through rdflib. Ours is ``build`` (which
writes every distribution too) plus the saved queries on pyoxigraph. Figures are printed as a
table, saved as JSON and written into ``BENCHMARKS.md``.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bytedance_kg.paths import ProjectPaths

Stages = dict[str, float]


def _queries(paths: ProjectPaths, run: Callable[[str, str], object]) -> float:
    from bytedance_kg.catalogue import load_catalogue
    from bytedance_kg.expected import example_text

    started = time.perf_counter()
    for query in load_catalogue(paths.queries_dir).values():
        run(example_text(query), query.graph)
    return time.perf_counter() - started


def naive(paths: ProjectPaths) -> Stages:
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
    stages["queries"] = _queries(paths, lambda text, graph: list((full if graph == "full" else asserted).query(text)))
    return stages


def ours(paths: ProjectPaths) -> Stages:
    from bytedance_kg.build import build
    from bytedance_kg.querying import run_query
    from bytedance_kg.store import load_store

    result = build(paths)
    stages = dict(result.timings)
    stores = {"asserted": load_store(paths, False), "full": load_store(paths, True)}
    stages["queries"] = _queries(paths, lambda text, graph: run_query(stores[graph], text))
    return stages


def _child(pipeline: str, root: str, dist: str, queue: multiprocessing.Queue) -> None:
    paths = ProjectPaths(Path(root), Path(dist))
    stages = (naive if pipeline == "naive" else ours)(paths)
    queue.put((stages, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


def measure(pipeline: str, paths: ProjectPaths, timeout: float) -> tuple[Stages, int] | None:
    """One run in a fresh process: stage timings and peak RSS (bytes); None past ``timeout``."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(pipeline, str(paths.root), str(paths.dist), queue))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return None
    return queue.get() if not queue.empty() else None


def workspace(source: ProjectPaths, folder: Path, articles: int) -> ProjectPaths:
    """A copy of the project's sources whose data is the article itself (0) or ``articles`` synthetic ones."""
    from bytedance_kg.loading import load_turtle
    from bytedance_kg.synthetic import generate, write

    for name in ("ontology", "data", "checks", "queries"):
        shutil.copytree(source.root / name, folder / name)
    paths = ProjectPaths(folder, folder / "dist")
    if articles:
        text = (source.sources_dir / "bytedance-on-deepseeks-impact.txt").read_text(encoding="utf-8")
        write(generate(load_turtle(source.data), text, articles, seed=1), folder, paths.data)
    return paths


def run(source: ProjectPaths, sizes: list[int], repeats: int, timeout: float, progress: Callable[[str], None]) -> list[dict]:
    rows = []
    for articles in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            paths = workspace(source, Path(tmp), articles)
            from bytedance_kg.loading import load_turtle

            triples = len(load_turtle(paths.data)) + len(load_turtle(paths.ontology))
            for pipeline in ("ours", "naive"):
                runs = []
                for i in range(repeats):
                    progress(f"{pipeline} on {'the article' if not articles else f'{articles} synthetic articles'} ({triples} triples), run {i + 1}")
                    outcome = measure(pipeline, paths, timeout)
                    if outcome is None:
                        break
                    runs.append(outcome)
                row = {"articles": articles, "triples": triples, "pipeline": pipeline, "completed": bool(runs)}
                if runs:
                    stage_names = runs[0][0].keys()
                    row["stages"] = {s: statistics.median(r[0][s] for r in runs) for s in stage_names}
                    row["total"] = statistics.median(sum(r[0].values()) for r in runs)
                    row["peak_rss"] = max(r[1] for r in runs)
                rows.append(row)
    return rows


def render(rows: list[dict]) -> str:
    lines = ["| data | triples | pipeline | total (s) | stages (s, median) | peak RSS (MiB) |", "|---|---|---|---|---|---|"]
    for row in rows:
        data = "the article" if not row["articles"] else f"{row['articles']} synthetic articles"
        if not row["completed"]:
            lines.append(f"| {data} | {row['triples']} | {row['pipeline']} | did not finish within the time limit | | |")
            continue
        stages = ", ".join(f"{k} {v:.2f}" for k, v in row["stages"].items())
        lines.append(f"| {data} | {row['triples']} | {row['pipeline']} | {row['total']:.2f} | {stages} | "
                     f"{row['peak_rss'] / 2**20:.0f} |")
    by_size: dict[int, dict[str, dict]] = {}
    for row in rows:
        by_size.setdefault(row["articles"], {})[row["pipeline"]] = row
    lines.append("")
    for articles, pair in by_size.items():
        if pair.get("ours", {}).get("completed") and pair.get("naive", {}).get("completed"):
            ratio = pair["naive"]["total"] / pair["ours"]["total"]
            data = "the article" if not articles else f"{articles} synthetic articles"
            lines.append(f"- {data}: naive / ours = {ratio:.2f}")
    return "\n".join(lines) + "\n"


def save(rows: list[dict], root: Path) -> None:
    """``bench-results.json`` and the generated table in ``BENCHMARKS.md``."""
    from bytedance_kg.canonical import write_atomically
    from bytedance_kg.docs import replace_section

    (root / "bench-results.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    document = root / "BENCHMARKS.md"
    write_atomically(document, replace_section(document.read_text(encoding="utf-8"), "build", render(rows).rstrip()))
