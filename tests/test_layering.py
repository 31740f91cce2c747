"""The package's import graph: no cycles, and the query path does not load the build's checkers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.fast  # the quick tier: make check

PACKAGE = ROOT / "src" / "bytedance_kg"


def imports_of(path: Path) -> set[str]:
    """The project modules a module imports, at the top or inside a function (a lazy import is
    still a dependency)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bytedance_kg"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("bytedance_kg")}
    return found


def module_graph() -> dict[str, set[str]]:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(("bytedance_kg", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        graph[name] = imports_of(path) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_the_package_has_no_import_cycle() -> None:
    graph = module_graph()
    assert len(graph) > 30
    assert cycles(graph) == []


def test_the_query_path_loads_no_reasoner_or_validator() -> None:
    """Running queries (the store, the engine wrapper, the endpoint's workers) needs neither owlrl
    nor pySHACL nor the Rust SHACL engine: only the build does."""
    code = (
        "import sys, bytedance_kg.query.store, bytedance_kg.sparql.querying, bytedance_kg.server.executor; "
        "print(sorted(m for m in ('owlrl', 'pyshacl', 'shacl') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"


def third_party_imports(path: Path) -> set[str]:
    """The top-level names of the packages a module imports (at the top or inside a function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found


REFERENCE_ONLY = {"owlrl", "pyshacl"}
"""Imported by the reference engine's modules alone (and by the benchmark's naive baseline)."""


def test_only_the_reference_engine_imports_owlrl_and_pyshacl() -> None:
    reasoner, validator = "pipeline/engines/reference/reasoning.py", "pipeline/engines/reference/shapes.py"
    allowed = {reasoner, validator, "bench/build.py"}
    importers = {
        str(path.relative_to(PACKAGE)): sorted(third_party_imports(path) & REFERENCE_ONLY)
        for path in PACKAGE.rglob("*.py")
    }
    assert {name for name, found in importers.items() if found} == allowed
    assert importers[reasoner] == ["owlrl"] and importers[validator] == ["pyshacl"]


def test_a_fast_check_loads_neither_owlrl_nor_pyshacl() -> None:
    """The default engine's whole check of the real sources runs without the reference engine."""
    code = (
        "import sys; from bytedance_kg.build import check_sources; "
        "from bytedance_kg.project.paths import default_paths; "
        "_, report, _ = check_sources(default_paths()); assert report.conforms; "
        "print(sorted(m for m in ('owlrl', 'pyshacl') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


LAYERS = [
    ("bytedance_kg.project", "bytedance_kg.system"),
    ("bytedance_kg.rdf",),
    ("bytedance_kg.sparql",),
    ("bytedance_kg.pipeline",),
    ("bytedance_kg.release",),
    ("bytedance_kg.build",),
    ("bytedance_kg.query",),
    ("bytedance_kg.remote",),
    ("bytedance_kg.server",),
    ("bytedance_kg.maintainer",),
    ("bytedance_kg.bench",),
    ("bytedance_kg.cli", "bytedance_kg.launch", "bytedance_kg.__main__"),
]
"""The package from its leaves to its top, as the data flows: the project's vocabulary and layout
(and the process's system limits); RDF plumbing; SPARQL; the pipeline's checks; the release
writers; the build; querying the release; remote stores; the server; maintainer tools; the
benchmarks; the command line. A module may import from its own layer and the ones before it."""


def layer_of(module: str) -> int:
    if module == "bytedance_kg":
        return -1  # the package itself: its version only
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def test_every_module_has_a_layer() -> None:
    for module in module_graph():
        layer_of(module)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Each import of ``graph`` (module -> the modules it imports) from a higher layer."""
    return sorted(
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in graph.items()
        for target in targets
        if layer_of(target) > layer_of(module)
    )


def test_no_module_imports_from_a_higher_layer() -> None:
    assert upward_imports(module_graph()) == []


def test_the_layering_check_can_fail() -> None:
    assert upward_imports({"bytedance_kg.rdf.terms": {"bytedance_kg.server.app"}}) != []


def test_nothing_but_the_command_line_imports_the_benchmarks() -> None:
    importers = {
        module
        for module, targets in module_graph().items()
        if any(t.startswith("bytedance_kg.bench") for t in targets)
        and not module.startswith("bytedance_kg.bench")
    }
    assert importers == {"bytedance_kg.cli"}
