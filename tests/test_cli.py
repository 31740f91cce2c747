"""The command line: exit codes and messages for good input, bad syntax and non-conforming data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, copy_sources, edit_data


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bytedance_kg", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_help_lists_commands_and_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    for word in ("build", "validate", "fmt", "anchor", "exit codes"):
        assert word in result.stdout


def test_build_help_has_examples() -> None:
    result = run("build", "--help")
    assert result.returncode == 0 and "examples:" in result.stdout


def test_build_succeeds_and_summarises(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    result = run("--root", str(scratch.root), "build")
    assert result.returncode == 0, result.stderr
    assert "wrote dist/bytedance-kg-full.ttl" in result.stdout
    assert re.search(r"reason\s+\d+\.\d\d s", result.stdout)


def test_malformed_turtle_exits_2_with_file_line_column(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    edit_data(scratch, 'schema:name "Flow" ;', 'schema:name "Flow" ; ex:oops')
    result = run("--root", str(scratch.root), "validate")
    assert result.returncode == 2
    assert re.search(re.escape(str(scratch.data)) + r":\d+:\d+: ", result.stderr), result.stderr


def test_shape_violation_exits_1_with_report(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    edit_data(scratch, "kg:evidence kg:stated ;", "")
    result = run("--root", str(scratch.root), "validate")
    assert result.returncode == 1
    assert "shape " in result.stdout and "kg:evidence" in result.stdout


def test_unknown_command_exits_2() -> None:
    assert run("nonsense").returncode == 2


def test_format_check_passes_on_the_checkout() -> None:
    assert run("fmt", "--check").returncode == 0
