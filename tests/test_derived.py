"""The derived syntaxes (Turtle, TriG, JSON-LD) made by helper processes: the same bytes as in the
build's own process, errors that name the file, no helper left behind, and memory figures that
belong to the helper itself."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bytedance_kg.build import BuildResult
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.project.releasefiles import ASSERTED, FULL, IMPLIED, REIFIED
from bytedance_kg.release.derived import Derivation, Derivations, HelperFailed
from tests.conftest import ROOT

JOBS = [
    Derivation(f"{FULL}.nq", f"{FULL}.trig", "trig"),
    Derivation(f"{ASSERTED}.nt", f"{ASSERTED}.ttl", "turtle"),
    Derivation(f"{ASSERTED}.nt", f"{ASSERTED}.jsonld", "jsonld"),
    Derivation(f"{IMPLIED}.nq", f"{IMPLIED}.trig", "trig"),
    Derivation(f"{REIFIED}.nt", f"{REIFIED}.ttl", "turtle"),
]


def _sources(dist: Path, folder: Path) -> Path:
    """A folder holding the canonical files the jobs derive from, copied from a built release."""
    folder.mkdir()
    for name in {job.source for job in JOBS}:
        shutil.copy(dist / name, folder / name)
    return folder


def _derive_all(folder: Path, helpers: int) -> dict[str, str]:
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    derivations = Derivations(folder, context, helpers=helpers)
    try:
        futures = {job.target: derivations.submit(job) for job in JOBS}
        return {name: derivations.result(future) for name, future in futures.items()}
    finally:
        derivations.close()


def test_helpers_write_what_the_build_process_writes(
    built: tuple[ProjectPaths, BuildResult], tmp_path: Path
) -> None:
    dist = built[0].dist
    by_helpers = _sources(dist, tmp_path / "helpers")
    inline = _sources(dist, tmp_path / "inline")
    digests = _derive_all(by_helpers, helpers=2)
    assert _derive_all(inline, helpers=0) == digests
    for job in JOBS:
        written = (by_helpers / job.target).read_bytes()
        assert written == (inline / job.target).read_bytes() == (dist / job.target).read_bytes()
        assert digests[job.target] == hashlib.sha256(written).hexdigest()
    assert sorted(p.name for p in by_helpers.iterdir()) == sorted(  # no scratch folder is left
        {job.source for job in JOBS} | {job.target for job in JOBS}
    )


def test_a_failed_derivation_names_its_files(tmp_path: Path) -> None:
    (tmp_path / "broken.nt").write_text("<urn:a> <urn:b> .\n")  # no object
    derivations = Derivations(tmp_path, {}, helpers=1)
    try:
        future = derivations.submit(Derivation("broken.nt", "broken.ttl", "turtle"))
        with pytest.raises(HelperFailed, match=r"deriving broken\.ttl from broken\.nt: SyntaxError"):
            derivations.result(future)
        # the helper is still there for the next derivation
        (tmp_path / "good.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
        good = derivations.submit(Derivation("good.nt", "good.ttl", "turtle"))
        assert derivations.result(good) == hashlib.sha256((tmp_path / "good.ttl").read_bytes()).hexdigest()
    finally:
        derivations.close()


def test_closing_after_a_failure_leaves_no_helper(
    built: tuple[ProjectPaths, BuildResult], tmp_path: Path
) -> None:
    folder = _sources(built[0].dist, tmp_path / "release")
    derivations = Derivations(folder, {}, helpers=1)
    futures = [derivations.submit(job) for job in JOBS if job.syntax != "jsonld"] * 3
    derivations.close()  # as after a failed stage: nothing waited for
    processes = derivations._processes
    assert processes and all(process.poll() is not None for process in processes)
    assert all(future.done() for future in futures)
    assert any(future.cancelled() for future in futures)


def test_a_script_without_a_main_guard_builds_once(tmp_path: Path) -> None:
    """The helpers are not :mod:`multiprocessing` children, which would import the calling script
    again and, without an ``if __name__ == "__main__"`` guard, run it again in every helper."""
    (tmp_path / "one.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path
            from bytedance_kg.release.derived import Derivation, Derivations
            print("started", flush=True)
            derivations = Derivations(Path({str(tmp_path)!r}), {{}}, helpers=1)
            future = derivations.submit(Derivation("one.nt", "one.ttl", "turtle"))
            print(derivations.result(future), flush=True)
            derivations.close()
            """
        )
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines == ["started", hashlib.sha256((tmp_path / "one.ttl").read_bytes()).hexdigest()]


def test_a_helper_reports_its_own_peak_memory() -> None:
    """A child of a large process: ``ru_maxrss`` inherits the parent's figure across ``vfork`` and
    ``exec`` on Linux; :func:`peak_resident_bytes` does not."""
    parent = textwrap.dedent(
        """
        import resource, subprocess, sys
        ballast = bytearray(600 * 2**20)
        for i in range(0, len(ballast), 4096):
            ballast[i] = 1
        child = (
            "import resource; from bytedance_kg.system.memory import peak_resident_bytes; "
            "print(peak_resident_bytes(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)"
        )
        run = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
        print(run.stdout)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", parent], capture_output=True, text=True, timeout=120, check=True
    )
    ours, inherited = map(int, run.stdout.split())
    assert ours < 200 * 2**20
    assert inherited >= 600 * 2**20 or sys.platform != "linux"


def test_the_build_reports_its_helpers_memory(built: tuple[ProjectPaths, BuildResult]) -> None:
    result = built[1]
    assert 10 * 2**20 < result.helper_peak < 2**30  # pyLODE's process and the derivations' helpers
