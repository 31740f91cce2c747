"""Real triple stores for the cross-engine tests, started on 127.0.0.1 and free ports."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bytedance_kg.bench.endpoints import free_port  # one helper for the tests and the benchmark

HERE = Path(__file__).resolve().parent


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """The base of a test's own small HTTP server: HTTP/1.1 (connections kept alive, as a client's
    are), and no line logged for each request."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def http_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded server of ``handler`` on 127.0.0.1 and a free port while the block runs: its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def wait_for_http(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers, if only with an error: it is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {seconds} s")


@contextmanager
def running(command: list[str], url: str, cwd: Path, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_http(url, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def our_server(dist: Path, folder: Path, *options: str, environment: Sequence[str] = ()) -> Iterator[str]:
    """`bytedance-kg serve` over the release in ``dist`` on 127.0.0.1 and a free port; yields its URL.
    ``environment`` (``NAME=value`` items) is set for the server process alone."""
    port = free_port()
    command = [
        *(["env", *environment] if environment else []),
        sys.executable,
        "-m",
        "bytedance_kg",
        "--dist",
        str(dist),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *options,
    ]
    base = f"http://127.0.0.1:{port}"
    with running(command, base + "/sparql", HERE.parent, folder / "server.log"):
        yield base


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[str]:
    """A read-write Oxigraph server; yields its base URL (``/store`` and ``/query`` below it)."""
    port = free_port()
    binary = Path(sys.executable).with_name("oxigraph")
    base = f"http://127.0.0.1:{port}"
    command = [str(binary), "serve", "--location", str(folder / "oxigraph"), "--bind", f"127.0.0.1:{port}"]
    with running(command, base + "/", folder, folder / "oxigraph.log"):
        yield base


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


@contextmanager
def virtuoso_server(folder: Path) -> Iterator[str]:
    """A Virtuoso server from Debian's virtuoso-opensource; yields its HTTP base URL."""
    binary = virtuoso_binary()
    assert binary is not None
    http_port, sql_port = free_port(), free_port()
    folder.mkdir(parents=True, exist_ok=True)
    config = (HERE / "stores" / "virtuoso.ini").read_text(encoding="utf-8")
    ini = folder / "virtuoso.ini"
    ini.write_text(config.format(folder=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    base = f"http://127.0.0.1:{http_port}"
    with running([binary, "-f", "-c", str(ini)], base + "/sparql", folder, folder / "virtuoso.out"):
        yield base


def in_ci() -> bool:
    """In CI a missing Debian package (Virtuoso, Chromium) is a failure, since `make test` installs
    them; elsewhere the tests that need one are skipped."""
    return os.environ.get("CI", "").lower() == "true"
