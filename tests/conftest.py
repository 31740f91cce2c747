"""Shared fixtures: the project's sources, checked once per test session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from bytedance_kg.build import BuildResult, CheckReport, build, check_sources
from bytedance_kg.pipeline.engines.closure import Closure
from bytedance_kg.pipeline.sources import Sources, union
from bytedance_kg.project.paths import ProjectPaths, default_paths
from tests.servers import in_ci

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def paths() -> ProjectPaths:
    return default_paths()


@pytest.fixture(scope="session")
def checked(paths: ProjectPaths) -> tuple[Sources, CheckReport, Closure]:
    """Sources, the check report and the OWL RL closure, computed once."""
    return check_sources(paths)


@pytest.fixture(scope="session")
def sources(checked: tuple[Sources, CheckReport, Closure]) -> Sources:
    return checked[0]


@pytest.fixture(scope="session")
def report(checked: tuple[Sources, CheckReport, Closure]) -> CheckReport:
    return checked[1]


@pytest.fixture(scope="session")
def reasoned(checked: tuple[Sources, CheckReport, Closure]) -> Closure:
    return checked[2]


@pytest.fixture(scope="session")
def full(sources: Sources, reasoned: Closure) -> Graph:
    """The reasoned graph, the one a consumer queries with standard vocabularies."""
    graph = union(sources.terminology(), sources.stated, reasoned.inferred.graph())
    assert len(graph) == reasoned.full_size
    return graph


@pytest.fixture(scope="session")
def ontology_graph(sources: Sources) -> Graph:
    return union(sources.ontology, sources.imports)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, paths: ProjectPaths) -> tuple[ProjectPaths, BuildResult]:
    """A real build of the checkout into a temporary dist folder."""
    dist = tmp_path_factory.mktemp("release") / "dist"
    target = ProjectPaths(paths.root, dist)
    return target, build(target)


def cli(*args: str, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``bytedance-kg ARGS`` in a process of its own, as a user runs it: its output and exit code."""
    return subprocess.run(
        [sys.executable, "-m", "bytedance_kg", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def quads_in_graph(nquads: Path, graph: str) -> int:
    """How many quads of an N-Quads file are in ``graph`` (parsed: an IRI inside a literal is no quad)."""
    import pyoxigraph as ox

    return sum(
        1
        for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == graph
    )


def copy_sources(destination: Path) -> ProjectPaths:
    """A scratch copy of the project's sources, for tests that break them on purpose."""
    for folder in ("ontology", "data", "checks", "queries"):
        shutil.copytree(ROOT / folder, destination / folder)
    return ProjectPaths(destination)


def edit_data(paths: ProjectPaths, old: str, new: str) -> None:
    """Replace the first ``old`` in the data file with ``new`` (which must be there)."""
    text = paths.data.read_text(encoding="utf-8")
    assert old in text, old
    paths.data.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="session")
def server(built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`bytedance-kg serve` over the built release, with the default limits."""
    from tests.servers import our_server

    with our_server(built[0].dist, tmp_path_factory.mktemp("server")) as url:
        yield url


# The browser tests' fixtures (Debian's Chromium driven by Playwright), shared by every
# tests/test_browser*.py module: each page fails its test on any console error.
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        if in_ci():
            pytest.fail("chromium is not installed; `make test` installs Debian's chromium")
        pytest.skip("chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture()
def page(browser, request) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert page.errors == [], page.errors
