"""Quality gates: named SPARQL checks that must return no rows (OBO ODK style).

Each ``checks/<rule>-violation.rq`` is one rule; which rules run is data, not code: drop a file in
the folder and it runs. Queries see the sources as named graphs (see :mod:`bytedance_kg.pipeline.sources`),
bound in the query as ``GRAPH <https://w3id.org/bytedance-kg/graph/data>`` and so on.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Dataset
from rdflib.query import ResultRow

from bytedance_kg.project.namespaces import REPORT_NAMES
from bytedance_kg.rdf.parsing import read_text
from bytedance_kg.rdf.terms import from_ox
from bytedance_kg.system.background import spare_processors

"""Rows are written with the project's prefixes, whichever engine ran the gate."""


@dataclass
class GateResult:
    """The rows one gate returned (none means it passed)."""

    name: str
    description: str
    variables: list[str]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.rows

    def report(self) -> str:
        lines = [f"gate {self.name}: {len(self.rows)} violation(s) - {self.description}"]
        lines += ["  " + "  ".join(f"{v}={val}" for v, val in zip(self.variables, row)) for row in self.rows]
        return "\n".join(lines)


def description_of(text: str) -> str:
    """The first ``# `` comment line of a query: what the rule forbids."""
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def gate_files(checks_dir: Path) -> list[Path]:
    return sorted(checks_dir.glob("*-violation.rq"))


def run_gate(dataset: Dataset | ox.Store, path: Path) -> GateResult:
    """One gate over the sources as named graphs: in pyoxigraph (the build) or rdflib (the reference
    the differential tests compare it with); rows are written the same way by both."""
    text = read_text(path)
    names = REPORT_NAMES
    if isinstance(dataset, ox.Store):
        # a gate names the graphs it reads; the store's default graph (where the build's store
        # keeps what the validator adds to the data, :meth:`Sources.store`) is none of them
        solutions = dataset.query(text, default_graph=[])
        assert isinstance(solutions, ox.QuerySolutions)  # a gate is a SELECT
        variables = [v.value for v in solutions.variables]
        rows = sorted(
            tuple("" if row[v] is None else from_ox(row[v]).n3(names) for v in variables) for row in solutions
        )
    else:
        result = dataset.query(text)
        variables = [str(v) for v in result.vars or []]
        # rdflib types a result's rows as those of every query form; a SELECT's are ResultRows
        rows = sorted(
            tuple("" if value is None else value.n3(names) for value in row)
            for row in cast(Iterable[ResultRow], result)
        )
    return GateResult(path.name.removesuffix("-violation.rq"), description_of(text), variables, rows)


def run_gates(dataset: Dataset | ox.Store, checks_dir: Path) -> list[GateResult]:
    """Run every gate in ``checks_dir`` over ``dataset``, in their files' order. On pyoxigraph the
    gates run side by side on one fewer thread than the processors (at least one, at most four):
    its query engine lets go of the interpreter lock while it evaluates, so a whole-store scan per
    gate need not wait for the last, and the build's own thread (the reasoning, beside which the
    gates run) keeps a processor; rdflib's engine holds the lock, so the reference engine's gates
    run one after another."""
    files = gate_files(checks_dir)
    if not isinstance(dataset, ox.Store):
        return [run_gate(dataset, path) for path in files]
    with ThreadPoolExecutor(max_workers=max(1, min(4, spare_processors()))) as pool:
        return list(pool.map(lambda path: run_gate(dataset, path), files))
