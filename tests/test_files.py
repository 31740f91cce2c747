"""Large files written to disk as they are made and read back once without filling the page cache
(:mod:`bytedance_kg.system.files`): the same bytes and hash as a plain write, a sync every few MB,
and every byte's cached pages let go by the time the file is closed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from bytedance_kg.system import files
from bytedance_kg.system.files import DurableFile, read_once

pytestmark = pytest.mark.fast


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int]]:
    """Every sync (``("sync", size at the time, 0)``) and every range let go (``("forget", start,
    end)``), with a sync every 1000 bytes and reads of 300; the real calls still run."""
    seen: list[tuple[str, int, int]] = []
    sync, forget = files._sync, files._forget

    def recording_sync(fd: int) -> None:
        seen.append(("sync", Path(f"/proc/self/fd/{fd}").stat().st_size, 0))
        sync(fd)

    def recording_forget(fd: int, start: int, end: int) -> None:
        seen.append(("forget", start, end))
        forget(fd, start, end)

    monkeypatch.setattr(files, "SYNC_EVERY", 1000)
    monkeypatch.setattr(files, "_READ_AT_ONCE", 300)
    monkeypatch.setattr(files, "_sync", recording_sync)
    monkeypatch.setattr(files, "_forget", recording_forget)
    return seen


def _forgotten(calls: list[tuple[str, int, int]]) -> list[tuple[int, int]]:
    return [(start, end) for kind, start, end in calls if kind == "forget" and end > start]


def test_a_durable_file_is_on_disk_every_few_mb_and_whole_when_closed(
    tmp_path: Path, calls: list[tuple[str, int, int]]
) -> None:
    data = bytes(range(256)) * 14  # 3584 bytes, written 512 at a time
    path = tmp_path / "out.nt"
    with DurableFile(path) as out:
        for start in range(0, len(data), 512):
            out.write(data[start : start + 512])
        digest = out.close()
    assert path.read_bytes() == data
    assert digest == hashlib.sha256(data).hexdigest()
    # on disk (its size then) after each 1000 bytes or more, and all of it at the close
    assert [size for kind, size, _ in calls if kind == "sync"] == [1024, 2048, 3072, 3584]
    assert _forgotten(calls) == [(0, 1024), (1024, 2048), (2048, 3072), (3072, 3584)]


def test_a_durable_file_left_by_an_error_is_closed_without_a_sync(
    tmp_path: Path, calls: list[tuple[str, int, int]]
) -> None:
    path = tmp_path / "out.nt"
    with pytest.raises(RuntimeError), DurableFile(path) as out:
        out.write(b"x" * 10)
        raise RuntimeError("the writer failed")
    assert calls == []
    assert path.read_bytes() == b"x" * 10  # closed (flushed), not left open


def test_a_file_read_once_gives_its_bytes_and_lets_all_of_them_go(
    tmp_path: Path, calls: list[tuple[str, int, int]]
) -> None:
    lines = [f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n'.encode() for i in range(200)]
    path = tmp_path / "in.nt"
    path.write_bytes(b"".join(lines))
    with read_once(path) as source:
        parsed = list(ox.parse(source, format=ox.RdfFormat.N_TRIPLES))
    assert parsed == list(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
    dropped = _forgotten(calls)
    assert dropped[0][0] == 0 and dropped[-1][1] == path.stat().st_size
    assert all(a[1] == b[0] for a, b in zip(dropped, dropped[1:]))  # one range after the other
    assert len(dropped) > 1  # behind the reading, not only at the end

    calls.clear()
    with read_once(path) as source:
        read: list[bytes] = []
        while batch := source.readlines(700):
            read += batch
    assert read == lines
    assert _forgotten(calls)[-1][1] == path.stat().st_size and len(_forgotten(calls)) > 1
