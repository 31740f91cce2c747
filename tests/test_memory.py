"""The allocator setting of the building commands (:func:`bytedance_kg.system.memory.keep_freed_memory`):
memory a build frees stays in its process for its next allocations, and only the command line's
building commands ask for it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")

_FREED = """
import sys
from bytedance_kg.system.memory import keep_freed_memory

def resident() -> int:
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")) >> 10

if sys.argv[1] == "keep":
    assert keep_freed_memory()
before = resident()
block = b"x" * (200 << 20)  # every page written
del block
print(resident() - before)
"""


def _kept_mib(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _FREED, mode], capture_output=True, text=True, check=True, timeout=60
    )
    return int(done.stdout)


@pytest.mark.fast
def test_a_block_freed_is_kept_for_the_next_allocations_only_when_asked() -> None:
    assert _kept_mib("default") < 50  # glibc hands a large freed block back to the system at once
    assert _kept_mib("keep") > 150  # kept: the next allocation reuses its pages, no fresh ones


@pytest.mark.parametrize(("command", "asked"), [("validate", True), ("queries", False)])
def test_only_the_building_commands_keep_freed_memory(command: str, asked: bool) -> None:
    probe = textwrap.dedent(
        f"""
        import sys
        import bytedance_kg.cli as cli
        cli.keep_freed_memory = lambda: print("kept") or True
        sys.exit(cli.main(["--root", {str(ROOT)!r}, "-q", {command!r}], confine=True))
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert ("kept" in done.stdout.splitlines()) is asked
