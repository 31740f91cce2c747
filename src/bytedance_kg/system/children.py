"""Child interpreters that run this package's code (the build's helpers, pyLODE's process)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
"""The folder that holds the ``bytedance_kg`` package this process runs."""
_PR_SET_PDEATHSIG = 1
OWN_GROUP = 0
"""``process_group`` for a child: a group of its own, so that a terminal's Ctrl-C, which goes to
the whole foreground group, reaches the build alone. The build stops its children itself; a child
interrupted on its own printed its ``KeyboardInterrupt`` traceback above "error: interrupted"."""


def child_command(*arguments: str) -> list[str]:
    """This interpreter with ``-P`` (Python 3.11: the working directory or a script's folder is not
    put first on ``sys.path``), then ``arguments``: a ``bytedance_kg`` folder wherever the build is
    run from cannot stand in for the package."""
    return [sys.executable, "-P", *arguments]


def child_environment(**extra: str) -> dict[str, str]:
    """This process's environment, with ``extra`` added and the folder of this very package first
    on ``PYTHONPATH``: a child then imports the same code as its parent, installed or not."""
    path = os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    return {**os.environ, **extra, "PYTHONPATH": path}


def die_with_parent() -> None:
    """Have Linux kill this process when the thread that started it ends (a build killed outright
    leaves no helper writing into its abandoned folder); elsewhere, nothing: the helper then ends
    when its input closes."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before the request was made
            os._exit(1)
