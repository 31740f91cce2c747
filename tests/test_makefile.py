"""The Makefile: `make run` installs only what running needs and rebuilds only when a source changed.

Read with ``make -n`` (print, do not run), so nothing is installed or built: in the checkout with
``-B`` (every target out of date: the whole chain of commands each target can run), and in a scratch
folder holding the Makefile and stand-ins for the files its stamps depend on, to see which commands
run when the stamps are fresh or stale.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(target: str, cwd: Path = ROOT, *flags: str) -> str:
    """The commands ``make TARGET`` would run, without running them."""
    result = subprocess.run(
        ["make", "-n", *flags, target], cwd=cwd, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout


def test_run_installs_the_package_and_the_editor_but_no_extras() -> None:
    commands = planned("run", ROOT, "-B")
    assert "pip install --quiet -e .\n" in commands and "npm ci --omit=dev " in commands
    assert commands.count("npm ci") == 1  # the editor alone, not the test's SHACL engines
    assert ".[test" not in commands and ".[bench" not in commands
    assert "bytedance-kg build" in commands and "bytedance-kg serve" in commands


def test_test_installs_the_test_and_bench_extras_and_bench_its_own() -> None:
    """The tests smoke-test the benchmark and type-check its modules, so they need its tools; the
    benchmark needs none of the test tools."""
    test = planned("test", ROOT, "-B")
    assert "pip install --quiet -e '.[test,bench]'" in test
    assert "npm ci --include=dev " in test  # the conformance tests' engines, whatever NODE_ENV says
    bench = planned("bench", ROOT, "-B")
    assert "pip install --quiet -e '.[bench]'" in bench and ".[test" not in bench


def test_the_bench_extra_holds_the_servers_the_endpoint_benchmark_starts() -> None:
    """`make bench` installs the bench extra only (above), and the endpoint benchmark starts
    Oxigraph's server from the environment's ``bin``: a fresh clone's `make bench` failed there,
    after twenty minutes of build runs, when only the test extra named it."""
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bench = {requirement.split("==")[0] for requirement in extras["optional-dependencies"]["bench"]}
    source = (ROOT / "src" / "bytedance_kg" / "bench" / "endpoints.py").read_text(encoding="utf-8")
    assert 'with_name("oxigraph")' in source and "oxigraph" in bench
    assert "rdflib_endpoint" in source
    assert "rdflib-endpoint" in bench


SOURCES = (
    "data/bytedance.ttl",
    "data/sources/article.txt",
    "ontology/bytedance.ttl",
    "queries/q.rq",
    "checks/gate.rq",
    "src/bytedance_kg/cli.py",
)


def _age(path: Path, seconds_ago: float) -> None:
    """Set the file's modification time ``seconds_ago`` before now."""
    when = time.time() - seconds_ago
    os.utime(path, (when, when))


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A folder with the Makefile, old sources, an installed .venv and a newer release."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    old = [*SOURCES, "pyproject.toml", "web/package-lock.json"]
    for name in old:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n", encoding="utf-8")
        _age(tmp_path / name, 3600)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv/.installed").touch()
    _age(tmp_path / ".venv/.installed", 1800)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist/SHA256SUMS").touch()
    return tmp_path


def test_run_does_not_rebuild_when_nothing_changed(scratch: Path) -> None:
    commands = planned("run", scratch)
    assert "bytedance-kg build" not in commands and "pip install" not in commands
    assert "bytedance-kg serve --host 127.0.0.1 --port 8000" in commands


@pytest.mark.parametrize("source", SOURCES)
def test_run_rebuilds_when_a_source_changed(scratch: Path, source: str) -> None:
    (scratch / source).touch()
    _age(scratch / "dist/SHA256SUMS", 60)
    assert "bytedance-kg build" in planned("run", scratch)


def test_run_builds_when_there_is_no_release(scratch: Path) -> None:
    (scratch / "dist/SHA256SUMS").unlink()
    assert "bytedance-kg build" in planned("run", scratch)


def test_run_passes_host_and_port(scratch: Path) -> None:
    commands = planned("run", scratch, "PORT=8123", "HOST=127.0.0.2")
    assert "serve --host 127.0.0.2 --port 8123" in commands
