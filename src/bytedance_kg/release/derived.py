"""The syntaxes derived from a canonical file once it is written: Turtle and JSON-LD from sorted
N-Triples, TriG a named graph at a time from that graph's sorted N-Quads, the blocks then joined
(:func:`join_trig`).

Each is a pure function of the bytes of one file in the release folder, so it can be made by
another process while the build goes on with the next variant: at a million triples these
serialisations were half of the write stage, and the build otherwise keeps one core busy. A
derivation streams its source back from the folder and its target to disk, hashing it as it goes
and keeping little of either in the page cache (:mod:`bytedance_kg.system.files`), so a helper
process never holds the release's terms; it returns the target's SHA-256 and the helper's peak
memory, which the build reports beside its own.

:class:`Derivations` hands derivations to helper processes (one fewer than the usable cores, at
most three; none on a single core, where they run in the build's own process); the build makes
those no helper has taken yet itself once it has written everything else (:meth:`Derivations.help`).
The costliest derivation waiting is taken first, whoever takes it (:class:`_Pending`). The
result is byte for byte the same either way.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Literal, cast

import pyoxigraph as ox

from bytedance_kg.project.errors import WriteError
from bytedance_kg.project.namespaces import ALL_PREFIXES
from bytedance_kg.rdf.jsonld import encoded_nodes, jsonld_head
from bytedance_kg.system.background import spare_processors
from bytedance_kg.system.children import OWN_GROUP, child_command, child_environment, die_with_parent
from bytedance_kg.system.files import DurableFile, read_once
from bytedance_kg.system.memory import peak_resident_bytes

PREFIXES = dict(sorted(ALL_PREFIXES.items()))

Syntax = Literal["turtle", "trig", "jsonld"]


@dataclass(frozen=True)
class Derivation:
    """One file of the release made from another of the same folder."""

    source: str
    """A sorted N-Triples file (for ``turtle`` and ``jsonld``) or sorted N-Quads file (``trig``)."""
    target: str
    syntax: Syntax


@dataclass(frozen=True)
class Derived:
    """What a derivation reports back: the target's SHA-256, and the peak resident memory of the
    process that made it (bytes) with that process's id, so that each helper is counted once."""

    sha256: str
    peak: int
    pid: int


def _parsed(path: Path, syntax: ox.RdfFormat) -> Iterator[ox.Quad]:
    """The quads of a sorted file, streamed from disk in order for a serialiser that takes terms:
    neither the file nor its terms are ever held whole (at a million triples, hundreds of MB).
    The file is one the build has just written into its own new folder, from terms pyoxigraph
    checked as it made them, so it is read without checking each IRI and language tag again
    (``lenient``: half the time of reading it back)."""
    with read_once(path) as source:
        # pyoxigraph needs only ``read`` of a file object
        yield from ox.parse(cast(IO[bytes], source), format=syntax, lenient=True)


def derive(folder: str, job: Derivation, context: dict) -> Derived:
    """Write ``job.target`` from ``job.source`` in ``folder`` (``context`` is the JSON-LD context).
    TriG is written from N-Quads whose lines come graph by graph (one graph's, in the release), so
    that each graph gets one block."""
    source = Path(folder) / job.source
    out = DurableFile(Path(folder) / job.target)
    try:
        if job.syntax == "jsonld":
            out.write(jsonld_head(context).encode("utf-8"))
            with read_once(source) as lines:  # its lines as they are: the writer reads their tokens
                nodes = encoded_nodes(lines, context)
                first = True
                # a thousand nodes a write: a write a node was a tenth of the time at a million triples
                while batch := list(islice(nodes, 1000)):
                    text = ",\n    ".join(batch)
                    out.write((("[\n    " if first else ",\n    ") + text).encode("utf-8"))
                    first = False
            out.write(b"[]\n}\n" if first else b"\n  ]\n}\n")
        else:  # pyoxigraph needs only ``write`` and ``flush`` of a file object
            syntax, rdf_format = (
                (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
                if job.syntax == "trig"
                else (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE)
            )
            ox.serialize(_parsed(source, syntax), cast(IO[bytes], out), format=rdf_format, prefixes=PREFIXES)
    finally:
        digest = out.close()
    return Derived(digest, peak_resident_bytes(), os.getpid())


def join_trig(folder: Path, blocks: list[str], target: str) -> str:
    """Write ``target`` in ``folder``, the TriG of several named graphs, from the TriG files of each
    graph alone (``blocks``, in graph order, derived by :func:`derive`), and return its SHA-256.

    pyoxigraph's TriG serialiser writes the prefixes first, then a block a graph, each block the
    same whichever graphs come before it; so a graph held by several variants of the release with
    the same lines is serialised once, and a variant's file is the prefixes and its graphs' blocks
    (at a million triples, half of TriG's work, and no regrouping of the N-Quads by graph). The
    blocks' prefixes must be the same (they are: :data:`PREFIXES`); an empty block is a graph
    without triples, which TriG leaves out."""
    heads: set[bytes] = set()  # the one written first, and any that differs
    with DurableFile(folder / target) as out:
        for name in blocks:
            with read_once(folder / name) as block:
                head = b""
                while (line := block.readline()).startswith(b"@prefix "):
                    head += line
                if not line:  # an empty graph: no prefixes and no block
                    continue
                if not heads:
                    out.write(head)
                heads.add(head)
                if len(heads) > 1:
                    raise ValueError(f"{name}: its prefixes differ from those of the blocks before it")
                out.write(line)
                while chunk := block.read(1 << 20):
                    out.write(chunk)
        return out.close()


def _why(error: Exception) -> str:
    """What went wrong, in words: the system's for a file that could not be written or read (a full
    disk says "No space left on device"), else the error's kind and message."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}"


def _failed(job: Derivation, why: str) -> DerivationFailed:
    return DerivationFailed(f"{job.target}: could not be made from {job.source}: {why}", why)


def helper_count() -> int:
    """Helper processes for the derivations: one fewer than the cores this process may use (the
    build keeps one), at most three (a release has three variants with three derivations each)."""
    return min(3, spare_processors())


class DerivationFailed(WriteError):
    """A derived file could not be made (in a helper or in this process): the message names it;
    ``why`` is the reason alone, for a file joined from several derivations to name itself."""

    def __init__(self, message: str, why: str = "") -> None:
        super().__init__(message)
        self.why = why or message


_COST_PER_BYTE: dict[Syntax, int] = {"jsonld": 4, "trig": 1, "turtle": 1}
"""A derivation's cost, roughly, per byte of its source: at a million triples, JSON-LD took 4.2 s
and Turtle 1.1 s from the same triples; a graph's TriG about as much as Turtle from its N-Quads."""


class _Pending:
    """The derivations not taken yet, the costliest first (source size by :data:`_COST_PER_BYTE`).

    Taken in the order they were submitted, the last variant's JSON-LD, the slowest file, was left
    for whoever came last, and at a million triples one core then worked alone for seconds at the
    end of the build while the other had nothing left to take."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Derivation, Future[Derived]]] = []
        self._serial = itertools.count()  # equal costs in the order submitted (never compares jobs)
        self._changed = threading.Condition()
        self._closed = False

    def put(self, job: Derivation, future: Future[Derived], cost: int) -> None:
        with self._changed:
            heapq.heappush(self._heap, (-cost, next(self._serial), job, future))
            self._changed.notify()

    def take(self, wait: bool) -> tuple[Derivation, Future[Derived]] | None:
        """The costliest derivation left; ``None`` once none is left and (``wait``) after :meth:`close`,
        or at once when none is left (not ``wait``)."""
        with self._changed:
            while wait and not self._heap and not self._closed:
                self._changed.wait()
            if not self._heap:
                return None
            _, _, job, future = heapq.heappop(self._heap)
            return job, future

    def close(self) -> None:
        """No more derivations: a helper that finds none left stops."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


class Derivations:
    """Derivations run by helper processes, or in this process when there are none.

    A helper is a fresh interpreter running this module (``python -P -m``: the package comes from
    where the build's does, never from the working directory), fed one derivation a line on its
    standard input and answering one a line: not a fork (the build has threads and gigabytes of
    terms), and not :mod:`multiprocessing`, whose fresh interpreters import the caller's main
    module again (a script calling :func:`~bytedance_kg.build.build` without a ``__main__`` guard
    would build again in each of them). The helpers are started here, on the calling thread, so
    that one that cannot start is an error at once; a thread per helper then hands it the next
    derivation and resolves its future."""

    def __init__(self, folder: Path, context: dict, helpers: int | None = None) -> None:
        self._folder = str(folder)
        self._context = context
        self._jobs = _Pending()
        self._processes: list[subprocess.Popen[str]] = []
        self._futures: list[Future[Derived]] = []
        try:
            for _ in range(helper_count() if helpers is None else helpers):
                self._processes.append(
                    subprocess.Popen(
                        child_command("-m", __name__),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        text=True,
                        env=child_environment(),
                        process_group=OWN_GROUP,
                    )
                )
        except OSError as error:
            for process in self._processes:
                process.kill()
            raise DerivationFailed(f"cannot start a helper process: {error}") from error
        self._threads = [
            threading.Thread(target=self._serve, args=(p,), daemon=True) for p in self._processes
        ]
        for thread in self._threads:
            thread.start()
        self.helper_peaks: dict[int, int] = {}
        """Each helper's peak resident memory (bytes), by process id, from the derivations done."""

    def submit(self, job: Derivation) -> Future[Derived]:
        future: Future[Derived] = Future()
        self._futures.append(future)
        if self._threads:
            self._jobs.put(job, future, self._cost(job))
        else:
            self._derive_here(job, future)
        return future

    def _cost(self, job: Derivation) -> int:
        """What ``job`` will take, roughly (a source that is missing fails in the derivation itself)."""
        try:
            return (Path(self._folder) / job.source).stat().st_size * _COST_PER_BYTE[job.syntax]
        except OSError:
            return 0

    def help(self) -> None:
        """Make the derivations no helper has taken yet in this process, until none is left: the
        build calls it when it has written everything else, so that its own core is not idle
        while the helpers finish (the same bytes either way)."""
        while (item := self._jobs.take(wait=False)) is not None:
            job, future = item
            if future.set_running_or_notify_cancel():
                self._derive_here(job, future)

    def _derive_here(self, job: Derivation, future: Future[Derived]) -> None:
        try:
            future.set_result(derive(self._folder, job, self._context))
        except Exception as error:
            future.set_exception(_failed(job, _why(error)))

    def _serve(self, process: subprocess.Popen[str]) -> None:
        """Hand ``process`` derivations until :meth:`close`; if it dies, the derivations it is
        given fail, each naming its files."""
        assert process.stdin is not None and process.stdout is not None
        while (item := self._jobs.take(wait=True)) is not None:
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                process.stdin.write(json.dumps([self._folder, asdict(job), self._context]) + "\n")
                process.stdin.flush()
                reply = json.loads(process.stdout.readline() or "null")
            except (OSError, ValueError) as error:
                reply = {"error": str(error)}
            if reply is None or "error" in reply:
                why = "the helper process stopped" if reply is None else reply["error"]
                future.set_exception(_failed(job, why))
            else:
                future.set_result(Derived(**reply))
        with suppress(OSError):  # a helper that died has closed its end already
            process.stdin.close()
        process.wait()

    def result(self, future: Future[Derived]) -> str:
        """The target's SHA-256, once it is written (raises what the derivation raised)."""
        derived = future.result()
        if derived.pid != os.getpid():
            self.helper_peaks[derived.pid] = max(derived.peak, self.helper_peaks.get(derived.pid, 0))
        return derived.sha256

    def close(self) -> None:
        """Stop the helpers. After a failure, derivations not yet started are cancelled and a
        helper still at work is killed: nothing waits for files that will not be published."""
        unfinished = [future for future in self._futures if not future.done()]
        for future in unfinished:
            future.cancel()
        if any(future.running() for future in unfinished):
            for process in self._processes:
                process.kill()
        self._jobs.close()
        for thread in self._threads:
            thread.join()


def _serve_standard_input() -> None:
    """A helper's loop: a derivation per line in, its :class:`Derived` (or an error) per line out.
    Ctrl-C is the build's to report (it stops its helpers), and a helper ends with its build."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    for line in sys.stdin:
        folder, job, context = json.loads(line)
        try:
            reply: dict[str, object] = asdict(derive(folder, Derivation(**job), context))
        except Exception as error:  # reported to the build, which fails with it
            reply = {"error": _why(error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve_standard_input()
