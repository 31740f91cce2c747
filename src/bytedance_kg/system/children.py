"""Child interpreters that run this package's code (the build's helpers, pyLODE's process)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
"""The folder that holds the ``bytedance_kg`` package this process runs."""


def child_environment(**extra: str) -> dict[str, str]:
    """This process's environment, with ``extra`` added and the folder of this very package first
    on ``PYTHONPATH``: a child then imports the same code as its parent, installed or not."""
    path = os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    return {**os.environ, **extra, "PYTHONPATH": path}
