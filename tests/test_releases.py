"""Releases and servers that survive each other: a server follows rebuilds and never loses the
release it serves; builds take a lock, so two at once never crash."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, cli, copy_sources, edit_data
from tests.servers import our_server


def build(root: Path) -> subprocess.CompletedProcess[str]:
    return cli("--root", str(root), "--quiet", "build")


def wait_for_release(url: str, dist: Path, seconds: float = 20) -> None:
    """Until the server serves the release ``dist`` points at now (its SHA256SUMS)."""
    expected = (dist / "SHA256SUMS").read_bytes()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if httpx.get(url + "/dist/SHA256SUMS", timeout=10).content == expected:
            return
        time.sleep(0.3)
    raise AssertionError("the server did not move to the new release")


def everything_answers_from(url: str, dist: Path, marker: str) -> None:
    """Every page, download and query answers, and from the release in ``dist``."""
    with httpx.Client(base_url=url, timeout=30) as client:
        for line in (dist / "SHA256SUMS").read_text().splitlines():
            digest, name = line.split("  ", 1)
            response = client.get(f"/dist/{name}")
            assert response.status_code == 200, name
            assert hashlib.sha256(response.content).hexdigest() == digest, name
        for path in (
            "/",
            "/query",
            "/.well-known/void",
            "/ontology.html",
            "/ontology.ttl",
            "/context.jsonld",
            "/charts/org-chart.svg",
            "/doc/person/liang-rubo.html",
        ):
            assert client.get(path).status_code == 200, path
        assert marker in client.get("/doc/person/zhu-jun.ttl").text
        query = f'ASK {{ ?s <http://www.w3.org/2000/01/rdf-schema#comment> "{marker}"@en }}'
        for _ in range(8):  # every worker, each of which moves to the new release with its next query
            assert client.get("/sparql", params={"query": query}).json()["boolean"] is True


def test_a_server_follows_two_rebuilds(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    assert build(scratch.root).returncode == 0
    first = scratch.dist.resolve()
    (tmp_path / "log").mkdir()
    with our_server(scratch.dist, tmp_path / "log", "--client-queries", "4") as url:
        edits = [
            ('rdfs:label "Zhu Jun"@en ;', 'rdfs:label "Zhu Jun"@en ; rdfs:comment "rebuilt 1"@en ;'),
            ('rdfs:comment "rebuilt 1"@en', 'rdfs:comment "rebuilt 2"@en'),
        ]
        for round_, (old, new) in enumerate(edits, 1):
            edit_data(scratch, old, new)
            assert build(scratch.root).returncode == 0
            wait_for_release(url, scratch.dist)
            everything_answers_from(url, scratch.dist, f"rebuilt {round_}")
    assert first != scratch.dist.resolve()
    releases = [p for p in (tmp_path / ".releases").glob("dist-*") if p.is_dir()]
    assert len(releases) <= 3, releases  # the current, the previous, and at most one the server still held


def test_two_builds_at_once_never_crash(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    command = [sys.executable, "-m", "bytedance_kg", "--root", str(scratch.root), "build"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    assert any("waiting for the build" in err for _, err in results), results
    assert all("Traceback" not in err for _, err in results)
    sums = scratch.dist / "SHA256SUMS"
    for line in sums.read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((scratch.dist / name).read_bytes()).hexdigest() == digest
    assert os.path.islink(scratch.dist)


def test_code_changed_under_a_running_server_is_said_not_garbled(built, tmp_path: Path) -> None:
    """After the package's code changes on disk (a pull, an upgrade), a worker that has to be
    replaced would run other code than the server: it refuses to start, and queries get a 503 that
    says to restart the server, not a confusing error."""
    import shutil

    from tests.servers import our_server

    code = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "bytedance_kg", code / "bytedance_kg", ignore=shutil.ignore_patterns("__pycache__")
    )
    environment = [f"PYTHONPATH={code}", f"BYTEDANCE_KG_ROOT={ROOT}"]
    with our_server(
        built[0].dist, tmp_path, "--workers", "1", "--timeout", "1", environment=environment
    ) as url:
        assert httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
        guard = code / "bytedance_kg" / "sparql" / "guard.py"
        assert guard.is_file()  # a real module of the code the server runs, not a new file
        with open(guard, "a", encoding="utf-8") as changed:
            changed.write("\n# changed while the server runs\n")
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        assert httpx.get(url + "/sparql", params={"query": slow}, timeout=30).status_code == 504
        time.sleep(2)
        response = httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30)
        assert response.status_code == 503 and "restart the server" in response.text, response.text
        assert httpx.get(url + "/", timeout=30).status_code == 200  # the pages go on
