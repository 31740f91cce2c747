"""A build that is stopped or cannot write says which of the two things happened, in one line: the
previous release is still in place (and nothing of the new one is left), or the new one is."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import bytedance_kg.build as building
from bytedance_kg.cli import main
from bytedance_kg.project.errors import EXIT_OK, EXIT_WRITE
from bytedance_kg.project.paths import ProjectPaths
from bytedance_kg.release import derived
from bytedance_kg.system import files, interrupts
from tests.conftest import copy_sources


def _built_once(tmp_path: Path) -> tuple[ProjectPaths, Path]:
    """A scratch project with one release published, and the folder ``dist`` points at."""
    paths = copy_sources(tmp_path)
    assert main(["-q", "--root", str(paths.root), "build"]) == EXIT_OK
    return paths, paths.dist.resolve()


def _rebuild(paths: ProjectPaths, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["-q", "--root", str(paths.root), "build"])
    return code, capsys.readouterr().err


def _releases(paths: ProjectPaths) -> list[str]:
    return sorted(p.name for p in (paths.root / ".releases").glob("dist-*") if p.is_dir())


def _signalling(work: Callable[..., object], *signums: int) -> Callable[..., object]:
    """``work`` that, once it has run, has this process sent ``signums``."""

    def signalled(*args: object, **kwargs: object) -> object:
        result = work(*args, **kwargs)
        for signum in signums:
            os.kill(os.getpid(), signum)
        return result

    return signalled


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_build_stopped_before_it_publishes_keeps_the_previous_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], signum: int
) -> None:
    """Stopped once the new release is written but not yet published: the previous one stays, the
    staging folder goes (Python's own SIGTERM would kill the process and leave it), and the exit
    code is the shell's 128 + the signal."""
    paths, before = _built_once(tmp_path)
    monkeypatch.setattr(building, "write_release", _signalling(building.write_release, signum))
    code, err = _rebuild(paths, capsys)
    assert (code, err.strip()) == (128 + signum, "error: interrupted")
    assert paths.dist.resolve() == before and _releases(paths) == [before.name]


class _Counted(interrupts.Interrupted):
    """:class:`~bytedance_kg.system.interrupts.Interrupted` that counts how often it is raised."""

    raised = 0

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        type(self).raised += 1


class _SignalledOnCollection:
    """An object whose finaliser has this process sent a signal: Python runs the handler inside the
    finaliser, and the exception it raises is printed ("Exception ignored") and lost, as a build's
    was when the signal landed while a finished ``Popen`` was collected."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        for _ in range(1000):  # the handler runs at the next check of the interpreter's loop
            pass


def test_a_stop_signal_lost_in_a_finaliser_still_stops_the_build_before_it_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The signal's exception never reaches the build, yet the build does not publish: it stops
    at its commit point, keeps the previous release and says it was interrupted."""
    paths, before = _built_once(tmp_path)
    write_release = building.write_release

    def written_then_signalled(*args: object, **kwargs: object) -> object:
        result = write_release(*args, **kwargs)
        _SignalledOnCollection(signal.SIGTERM)  # collected at once: the signal's exception is lost
        return result

    lost: list[BaseException | None] = []
    monkeypatch.setattr(building, "write_release", written_then_signalled)
    monkeypatch.setattr(sys, "unraisablehook", lambda u: lost.append(u.exc_value))
    monkeypatch.setattr(interrupts, "Interrupted", _Counted)
    code, err = _rebuild(paths, capsys)
    assert _Counted.raised >= 2 and lost == []  # raised in the finaliser, lost there, raised again
    assert (code, err.strip()) == (128 + signal.SIGTERM, "error: interrupted")
    assert paths.dist.resolve() == before and _releases(paths) == [before.name]
    assert not list(paths.root.glob(".dist-link-*"))


def test_a_stop_signal_after_the_publish_does_not_report_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once ``dist`` points at the new release, the build has succeeded: a stop signal then (while
    old releases are cleaned up) is said, but the exit code is success, and the release stays."""
    paths, before = _built_once(tmp_path)
    cleanup = _signalling(building.remove_unused, signal.SIGTERM, signal.SIGINT)
    monkeypatch.setattr(building, "remove_unused", cleanup)
    code, err = _rebuild(paths, capsys)
    assert code == EXIT_OK and "after the new release was published" in err, err
    after = paths.dist.resolve()
    assert after != before and (after / "SHA256SUMS").is_file() and after.name in _releases(paths)
    # and the handlers are the previous ones again once the command is done
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) == signal.default_int_handler


def test_a_read_only_releases_folder_is_a_write_error_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project on a read-only file system (root would not be stopped by permissions, so the
    system's refusal is simulated where the build first writes: the lock's folder)."""
    paths = copy_sources(tmp_path)
    mkdir = Path.mkdir

    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        if self.name == ".releases":
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", read_only)
    code, err = _rebuild(paths, capsys)
    assert code == EXIT_WRITE, err
    assert err == f"error: {paths.root / '.releases'}: could not be written: Read-only file system\n"
    assert not paths.dist.exists()


def test_a_publish_the_system_refuses_is_a_write_error_and_keeps_the_previous_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths, before = _built_once(tmp_path)

    def refused(self: Path, target: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))

    monkeypatch.setattr(Path, "symlink_to", refused)
    code, err = _rebuild(paths, capsys)
    assert code == EXIT_WRITE, err
    # whichever step of the publish failed (here the link made beside dist), dist was not switched
    assert err == f"error: {paths.dist}: could not be written: Read-only file system\n"
    assert paths.dist.resolve() == before and _releases(paths) == [before.name]


def test_the_new_release_is_on_disk_before_dist_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash of the machine just after the switch still finds the new release whole: every file's
    data and the release folder's entries are synced before ``dist`` is switched, the switch after."""
    paths, _ = _built_once(tmp_path)
    monkeypatch.setattr(derived, "helper_count", lambda: 0)  # all files made here, where syncs are seen
    events: list[tuple[str, Path]] = []
    sync_data, sync_folder, replace = files._sync, building.sync_folder, os.replace

    def recording_data(fd: int) -> None:
        events.append(("data", Path(os.readlink(f"/proc/self/fd/{fd}"))))
        sync_data(fd)

    def recording_folder(path: Path) -> None:
        events.append(("folder", path.resolve()))
        sync_folder(path)

    def recording_replace(source: str | Path, target: str | Path) -> None:
        replace(source, target)
        if Path(target) == paths.dist:
            events.append(("switch", paths.dist.resolve()))

    monkeypatch.setattr(files, "_sync", recording_data)
    monkeypatch.setattr(building, "sync_folder", recording_folder)
    monkeypatch.setattr(os, "replace", recording_replace)
    assert main(["-q", "--root", str(paths.root), "build"]) == EXIT_OK
    switch = next(i for i, (kind, _) in enumerate(events) if kind == "switch")
    release = events[switch][1]
    assert set(release.iterdir()) <= {path for kind, path in events[:switch] if kind == "data"}
    assert {("folder", release), ("folder", release.parent)} <= set(events[:switch])
    assert ("folder", paths.dist.parent.resolve()) in events[switch:]


_CHILD = """
import os, signal, sys, time
from bytedance_kg.system.interrupts import committing, stop_signals

class Late:
    def __del__(self):  # run as the interpreter tears its modules down, when it is ending
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.3)

late = Late()
{before}
with stop_signals(restore=False) as stopped:
    {body}
print("arrived", stopped.arrived, "committed", stopped.committed)
"""


def _child(before: str, body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CHILD.format(before=before, body=body)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_on_the_command_line_a_stop_signal_after_the_command_does_not_kill_the_process() -> None:
    """On the command line, a SIGTERM after a committed command (while the interpreter shuts down,
    which at a million triples takes a while) is ignored, not a death by signal that would say the
    published build failed."""
    done = _child("", "with committing():\n        pass")
    assert done.returncode == 0, done.stderr
    assert "committed True" in done.stdout


def test_a_stop_signal_the_process_ignores_stays_ignored() -> None:
    """A background job of a shell starts with SIGINT ignored; the build does not take it back."""
    done = _child(
        "signal.signal(signal.SIGINT, signal.SIG_IGN)", "os.kill(os.getpid(), signal.SIGINT); time.sleep(0.2)"
    )
    assert done.returncode == 0, done.stderr
    assert "arrived []" in done.stdout  # neither the SIGINT nor the SIGTERM after the command


def test_a_write_error_names_the_file_being_written() -> None:
    """Of a link or a rename, the system names the target first and the file written second."""
    from bytedance_kg.project.errors import WriteError, said_as_write_error

    with pytest.raises(WriteError, match=r"^/p/dist: could not be written: Operation not permitted$"):
        with said_as_write_error():
            raise OSError(errno.EPERM, os.strerror(errno.EPERM), ".releases/dist-x", None, "/p/dist")


def _catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has a handler of its own for ``signum`` (its ``SigCgt`` mask)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signum - 1) & 1)


_SLOW_START = """
import sys, time
from importlib.abc import MetaPathFinder

class SlowImport(MetaPathFinder):  # the command line's imports, as slow as on a busy machine
    def find_spec(self, name, path, target=None):
        if name == "bytedance_kg.cli":
            time.sleep(5)
        return None

sys.meta_path.insert(0, SlowImport())
from bytedance_kg.launch import entry
sys.argv = ["bytedance-kg", "--version"]
sys.exit(entry())
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_while_the_command_starts_is_an_interruption(signum: int) -> None:
    """The command takes about a second to import: a stop signal then is an interruption like any
    other before the publish (128 + the signal, one line), not a death by signal or an import's
    traceback."""
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_START], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    # Python catches SIGINT from before its own start-up imports; SIGTERM is caught once the
    # entry point has set its handlers (and then sleeps in the import)
    deadline = time.monotonic() + 30
    while not _catches(process.pid, signal.SIGTERM) and time.monotonic() < deadline:
        time.sleep(0.001)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert (process.returncode, err.strip()) == (128 + signum, "error: interrupted"), err
