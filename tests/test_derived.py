"""The derived syntaxes (Turtle, TriG, JSON-LD) made by helper processes: the same bytes as in the
build's own process, errors that name the file, no helper left behind, and memory figures that
belong to the helper itself."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from bytedance_kg.build import BuildResult
from bytedance_kg.cli import main
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.project.releasefiles import ASSERTED, FULL, IMPLIED, REIFIED
from bytedance_kg.release import derived
from bytedance_kg.release.derived import Derivation, DerivationFailed, Derivations
from bytedance_kg.release.writer import GRAPH_BLOCKS, ReleaseFolder
from tests.conftest import ROOT, copy_sources

JOBS = [
    Derivation(f"{FULL}.nt", f"{FULL}.ttl", "turtle"),
    Derivation(f"{ASSERTED}.nt", f"{ASSERTED}.ttl", "turtle"),
    Derivation(f"{ASSERTED}.nt", f"{ASSERTED}.jsonld", "jsonld"),
    Derivation(f"{IMPLIED}.nq", f"{IMPLIED}.trig", "trig"),  # one graph: one block, the whole file
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


def test_the_build_process_makes_what_no_helper_has_taken_yet(
    built: tuple[ProjectPaths, BuildResult], tmp_path: Path
) -> None:
    """``help`` (the build calls it once it has nothing else to write) makes the derivations still
    queued in the build's own process, the same bytes, and returns when none is left."""
    dist = built[0].dist
    folder = _sources(dist, tmp_path / "shared")
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    derivations = Derivations(folder, context, helpers=1)
    try:
        futures = [derivations.submit(job) for job in JOBS]
        derivations.help()
        assert all(future.done() or future.running() for future in futures)  # none left queued
        makers = [future.result().pid for future in futures]
    finally:
        derivations.close()
    assert os.getpid() in makers  # one helper cannot have taken five jobs before help() was called
    for job in JOBS:
        assert (folder / job.target).read_bytes() == (dist / job.target).read_bytes()


def test_the_costliest_derivation_waiting_is_taken_first(
    built: tuple[ProjectPaths, BuildResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever takes the next derivation (a helper, or the build in ``help``) takes the costliest
    left (source size by syntax), not the first submitted: the slowest file is not left to the end."""
    folder = _sources(built[0].dist, tmp_path / "release")
    made_here: list[Derivation] = []
    derive = derived.derive

    def recorded(where: str, job: Derivation, context: dict) -> derived.Derived:
        made_here.append(job)
        return derive(where, job, context)

    monkeypatch.setattr(derived, "derive", recorded)  # the build's own process; not the helper's
    derivations = Derivations(folder, {}, helpers=1)
    try:
        for job in JOBS:
            derivations.submit(job)
        derivations.help()
    finally:
        derivations.close()
    costs = [derivations._cost(job) for job in made_here]
    assert len(made_here) >= 2 and costs == sorted(costs, reverse=True), made_here


@pytest.mark.parametrize("helpers", [1, 0], ids=["helper", "in-process"])
def test_a_failed_derivation_names_its_files(tmp_path: Path, helpers: int) -> None:
    (tmp_path / "broken.nt").write_text("<urn:a> <urn:b> .\n")  # no object
    derivations = Derivations(tmp_path, {}, helpers=helpers)
    try:
        future = derivations.submit(Derivation("broken.nt", "broken.ttl", "turtle"))
        with pytest.raises(
            DerivationFailed, match=r"broken\.ttl: could not be made from broken\.nt: SyntaxError"
        ):
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


def test_a_package_in_the_working_directory_does_not_stand_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -m`` would put the working directory first on ``sys.path``: a ``bytedance_kg``
    folder there (another checkout's ``src``) would be imported by the helpers instead."""
    impostor = tmp_path / "bytedance_kg"
    (impostor / "release").mkdir(parents=True)
    (impostor / "__init__.py").write_text("raise ImportError('the wrong package')\n")
    (impostor / "release" / "__init__.py").write_text("")
    (tmp_path / "one.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    monkeypatch.chdir(tmp_path)
    derivations = Derivations(tmp_path, {}, helpers=1)
    try:
        future = derivations.submit(Derivation("one.nt", "one.ttl", "turtle"))
        assert derivations.result(future) == hashlib.sha256((tmp_path / "one.ttl").read_bytes()).hexdigest()
    finally:
        derivations.close()


def test_a_helper_that_cannot_start_is_an_error_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(derived.subprocess, "Popen", refuse)
    with pytest.raises(DerivationFailed, match="cannot start a helper process: .*Too many open files"):
        Derivations(tmp_path, {}, helpers=1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_helpers_end_with_a_build_killed_outright(tmp_path: Path) -> None:
    """Even one in the middle of a derivation, which would otherwise go on writing into a folder
    nobody will publish."""
    script = textwrap.dedent(
        f"""
        import os, signal, time
        from pathlib import Path
        from bytedance_kg.release.derived import Derivation, Derivations
        folder = Path({str(tmp_path)!r})
        os.mkfifo(folder / "stuck.nt")  # nobody writes to it: a helper reading it waits forever
        derivations = Derivations(folder, {{}}, helpers=2)
        derivations.submit(Derivation("stuck.nt", "stuck.ttl", "turtle"))
        print(" ".join(str(p.pid) for p in derivations._processes), flush=True)
        time.sleep(1)  # one helper is now at work, the other idle
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pids = [int(pid) for pid in run.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)


def test_a_release_that_cannot_be_written_is_exit_code_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = copy_sources(tmp_path)

    def full_disk(folder: str, job: Derivation, context: dict) -> None:
        raise OSError(28, "No space left on device", str(Path(folder) / job.target))

    monkeypatch.setattr(derived, "helper_count", lambda: 0)
    monkeypatch.setattr(derived, "derive", full_disk)
    code = main(["--quiet", "--root", str(paths.root), "build"])
    err = capsys.readouterr().err
    assert code == 5
    assert err.count("\n") == 1 and "Traceback" not in err
    assert ".trig: could not be made from bytedance-kg" in err and "No space left on device" in err
    assert not paths.dist.exists()  # nothing published
    assert not [p for p in (paths.dist.parent / ".releases").iterdir() if p.name.startswith("dist-")]


def test_helpers_are_in_a_process_group_of_their_own(tmp_path: Path) -> None:
    """A terminal's Ctrl-C goes to its whole foreground group: the helpers, in that group, printed
    their own KeyboardInterrupt tracebacks above the build's "error: interrupted". In a group of
    their own they hear only the build, which stops them."""
    derivations = Derivations(tmp_path, {}, helpers=2)
    try:
        groups = {os.getpgid(p.pid) for p in derivations._processes}
        assert os.getpgrp() not in groups
        assert groups == {p.pid for p in derivations._processes}
    finally:
        derivations.close()


@pytest.mark.parametrize("stem", [ASSERTED, FULL, IMPLIED])
def test_a_joined_trig_file_is_pyoxigraphs_trig_of_its_nquads(
    built: tuple[ProjectPaths, BuildResult], stem: str
) -> None:
    """The release's TriG, joined from blocks made a graph at a time (shared between variants,
    the vocabularies' with blank nodes made per variant), is byte for byte what pyoxigraph writes
    for the variant's N-Quads taken graph by graph in one go: no prefixes repeated, no graph lost
    or out of order, the blank nodes' canonical labels those of the N-Quads."""
    dist = built[0].dist
    quads = list(ox.parse(path=str(dist / f"{stem}.nq"), format=ox.RdfFormat.N_QUADS))
    quads.sort(key=lambda quad: str(quad.graph_name))  # stable: each graph keeps its lines' order
    expected = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=derived.PREFIXES)
    assert len({quad.graph_name for quad in quads}) >= (1 if stem == IMPLIED else 5)
    assert (dist / f"{stem}.trig").read_bytes() == expected


def _nquads(graph: str, count: int) -> list[bytes]:
    return [f"<urn:s{i}> <urn:p> <urn:o{i}> <{graph}> .\n".encode() for i in range(count)]


def test_a_graph_held_by_several_trig_files_is_serialised_once(tmp_path: Path) -> None:
    """Two TriG files sharing a graph (by key) derive its block once; each file is its graphs'
    blocks under one set of prefixes, a graph without triples left out; the blocks' scratch folder
    is gone once the files are made, and only the two files are listed as written."""
    derivations = Derivations(tmp_path, {}, helpers=0)
    made: list[str] = []
    derive = derived.derive

    def counted(where: str, job: Derivation, context: dict) -> derived.Derived:
        made.append(job.source)
        return derive(where, job, context)

    a, b, c = _nquads("urn:g:a", 3), _nquads("urn:g:b", 2), _nquads("urn:g:c", 4)
    folder = ReleaseFolder(tmp_path, derivations)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(derived, "derive", counted)
            folder.write_trig("one.trig", "one.nq", [("a", a), ("b", b), ("empty", [])])
            folder.write_trig("two.trig", "two.nq", [("a", a), ("c", c)])
            folder.wait()
    finally:
        derivations.close()
    assert sorted(made) == sorted(f"{GRAPH_BLOCKS}/{key}.nq" for key in ("a", "b", "c", "empty"))
    for name, lines in (("one.trig", a + b), ("two.trig", a + c)):
        expected = ox.serialize(
            ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS),
            format=ox.RdfFormat.TRIG,
            prefixes=derived.PREFIXES,
        )
        written = (tmp_path / name).read_bytes()
        assert written == expected and written.count(b"@prefix rdf:") == 1
        assert folder.digests[name] == hashlib.sha256(written).hexdigest()
    assert not (tmp_path / GRAPH_BLOCKS).exists()
    assert [p.name for p in folder.written] == ["one.trig", "two.trig"]


def test_blocks_with_other_prefixes_are_not_joined(tmp_path: Path) -> None:
    (tmp_path / "x.trig").write_bytes(b"@prefix a: <urn:a:> .\n<urn:g> {\n\ta:s a:p a:o .\n}\n")
    (tmp_path / "y.trig").write_bytes(b"@prefix b: <urn:b:> .\n<urn:h> {\n\tb:s b:p b:o .\n}\n")
    with pytest.raises(ValueError, match=r"y\.trig: its prefixes differ"):
        derived.join_trig(tmp_path, ["x.trig", "y.trig"], "xy.trig")
