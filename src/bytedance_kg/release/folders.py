"""Release folders shared between builds and servers: the build lock, leases, and following ``dist``.

``build`` writes each release into a fresh folder under ``.releases/`` and publishes it by
pointing the ``dist`` symlink at it. Two things must never happen: two builds publishing and
cleaning up at the same time (one deletes the folder the other is writing), and a build deleting
a folder a running server still serves. So:

* a build holds an exclusive ``flock`` on ``.releases/.build.lock`` for its whole run; a second
  build waits for it, saying so (the lock dies with its process, so a killed build never leaves
  it held);
* a server holds a shared ``flock`` on ``<folder>.lease`` for every release it uses, and a build
  deletes an old folder only if it can take that lease exclusively;
* a server follows ``dist`` (:class:`ReleaseTracker`): when a new, complete release is published,
  it leases it, moves to it, and lets the one before go.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bytedance_kg.project.errors import said_as_write_error

CHECKSUMS = "SHA256SUMS"
"""Written last into a release folder: its presence means the folder is complete."""


def releases_dir(dist: Path) -> Path:
    """The folder that holds the release folders ``dist`` points into."""
    return dist.parent / ".releases"


@contextmanager
def build_lock(dist: Path, progress: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the build lock of ``dist`` for the duration; wait (and say so) while another build has it."""
    folder = releases_dir(dist)
    with said_as_write_error():  # a read-only project: one line, not a traceback
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".build.lock", "a+", encoding="utf-8")  # noqa: SIM115 (closed below)
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            progress(f"waiting for the build running in {holder} to finish ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lease_path(folder: Path) -> Path:
    return folder.with_name(folder.name + ".lease")


class Lease:
    """A shared hold on a release folder: while any is held, no build deletes the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.handle = open(_lease_path(folder), "a+", encoding="utf-8")  # noqa: SIM115 (held open on purpose)
        fcntl.flock(self.handle, fcntl.LOCK_SH)

    def release(self) -> None:
        if not self.handle.closed:
            self.handle.close()


def remove_unused(dist: Path, keep: set[Path]) -> list[Path]:
    """Delete the release folders that are not in ``keep`` and that no process holds a lease on,
    with their lease files; return what was deleted."""
    removed: list[Path] = []
    folder = releases_dir(dist)
    if not folder.is_dir():
        return removed
    for candidate in sorted(folder.glob("dist-*")):
        if candidate.name.endswith(".lease"):
            if not (candidate.with_name(candidate.name.removesuffix(".lease"))).exists():
                _remove_if_unleased(candidate, None)
            continue
        if candidate.resolve() in keep:
            continue
        if _remove_if_unleased(_lease_path(candidate), candidate):
            removed.append(candidate)
    return removed


def _remove_if_unleased(lease: Path, folder: Path | None) -> bool:
    try:
        with open(lease, "a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # a server uses it
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            lease.unlink(missing_ok=True)
            return True
    except OSError:
        return False


class ReleaseTracker:
    """The release folder a server uses, following the ``dist`` link across rebuilds.

    ``dist`` may also be a plain folder (then it never changes). The tracker holds a lease on the
    current release and on the one before it (requests that started on it may still be reading).
    """

    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self.current: Path | None = None
        self._leases: list[Lease] = []
        if not self.refresh():
            raise FileNotFoundError(f"{dist}: no complete release (run `bytedance-kg build`)")

    def refresh(self) -> bool:
        """Move to the release ``dist`` points at now, if it is new and complete; True if it moved."""
        try:
            target = self.dist.resolve(strict=True)
        except (FileNotFoundError, RuntimeError):
            return False
        if target == self.current or not (target / CHECKSUMS).is_file():
            return False
        lease = Lease(target) if self.dist.is_symlink() else None
        if not (target / CHECKSUMS).is_file():  # deleted between the look and the lease
            if lease:
                lease.release()
            return False
        if lease:
            self._leases.append(lease)
            for old in self._leases[:-2]:
                old.release()
            self._leases = self._leases[-2:]
        self.current = target
        return True

    def close(self) -> None:
        for lease in self._leases:
            lease.release()
        self._leases = []
