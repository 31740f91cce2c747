"""Large files written to disk as they are made, and read once, without filling the page cache.

A million-triple release is 1.8 GB of files. Written the usual way, every byte first lands in a
fresh page of the operating system's cache, and the data reaches the disk only later. Two costs
follow. The publish promises that ``dist`` is the previous release or the new one whatever kills
the build, and after a crash or a power cut that holds only if the files were on disk before
``dist`` was switched. And a fresh page is not free: on this project's virtual machines the kernel
took 14 s of system time to write 1.8 GB that way, against under a second when the same bytes went
through a few MB of cache used again and again (the host backs a guest's memory lazily, so each
page the guest has not touched lately costs a fault on the host as well).

So :class:`DurableFile` puts what it has written on disk every :data:`SYNC_EVERY` bytes and then
tells the kernel it will not read those bytes again (``POSIX_FADV_DONTNEED``): the next bytes
reuse the pages just freed, and the file is on disk once it is closed. :func:`read_once` does the
same for a file read from start to end once (a release file the build derives another from).
Where the system has no ``posix_fadvise`` (macOS) the files are only synced.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer as Buffer

SYNC_EVERY = 32 << 20
"""Bytes written between two syncs, and read between two drops: some MB, so that a sync is a
large write to the disk and the cache a file takes stays small."""

_READ_AT_ONCE = 1 << 20
"""Bytes a file read once is read from the system at a time."""

_sync = getattr(os, "fdatasync", os.fsync)
"""The file's data (and the size needed to read it) on disk; macOS has only ``fsync``."""


def _forget(fd: int, start: int, end: int) -> None:
    """Let the kernel drop the cached pages of bytes ``start`` to ``end`` of the file ``fd``."""
    if hasattr(os, "posix_fadvise") and end > start:
        os.posix_fadvise(fd, start, end - start, os.POSIX_FADV_DONTNEED)


class DurableFile:
    """A new file, hashed (SHA-256) as it is written, and put on disk some MB at a time
    (:data:`SYNC_EVERY`); :meth:`close` puts the rest on disk and returns the hash. It has the
    ``write`` and ``flush`` that pyoxigraph's serialisers need of an output."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb")
        self._hash = hashlib.sha256()
        self._written = 0
        self._synced = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        count = self._file.write(data)
        self._written += count
        if self._written - self._synced >= SYNC_EVERY:
            self._put_on_disk()
        return count

    def flush(self) -> None:
        self._file.flush()

    def _put_on_disk(self) -> None:
        self._file.flush()
        fd = self._file.fileno()
        _sync(fd)
        _forget(fd, self._synced, self._written)
        self._synced = self._written

    def close(self) -> str:
        """Close the file once all of it is on disk; the SHA-256 of its bytes (hex)."""
        if self._file.closed:
            return self._hash.hexdigest()
        try:
            self._put_on_disk()
        finally:
            self._file.close()
        return self._hash.hexdigest()

    def __enter__(self) -> DurableFile:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is None:
            self.close()
        else:  # what was written is not worth a sync
            self._file.close()


class _ForgettingFile(io.FileIO):
    """A file opened for reading that lets the kernel drop its cached pages behind the reading,
    some MB at a time (:data:`SYNC_EVERY`); under a buffered reader it is read a buffer at a time,
    so this costs a Python call per MB, not per read a parser makes."""

    _dropped = 0

    def readinto(self, buffer: Buffer) -> int | None:
        count = super().readinto(buffer)
        at = self.tell()
        if at - self._dropped >= SYNC_EVERY:
            _forget(self.fileno(), self._dropped, at)
            self._dropped = at
        return count

    def close(self) -> None:
        if not self.closed:
            _forget(self.fileno(), self._dropped, self.tell())
        super().close()


def read_once(path: Path) -> io.BufferedReader:
    """A file read from start to end once: a buffered reader (what pyoxigraph's parsers and a line
    reader need) whose cached pages are dropped behind the reading, so that reading a large file
    back reuses a few MB of cache."""
    return io.BufferedReader(_ForgettingFile(path, "rb"), buffer_size=_READ_AT_ONCE)


def sync_folder(path: Path) -> None:
    """Put a folder's entries (the names of the files made or renamed in it) on disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
