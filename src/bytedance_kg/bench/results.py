"""The saved figures: ``bench-results.json`` and the generated tables of ``BENCHMARKS.md``, kept in
step.

Every table that ``BENCHMARKS.md`` generates is made by one renderer from one part of the JSON
(:data:`PARTS`), so a reader can recompute any figure of the document from the file, and
:func:`stale_tables` (run by the tests) finds a table that no longer matches its part, whether it
was edited by hand or left behind by a run that saved another part.

The parts come from two commands: ``bytedance-kg bench --save`` (the build and, unless
``--endpoint-seconds 0``, the endpoints; the file's ``recorded`` says when and from which commit)
and ``bytedance-kg loadtest --save`` (its part carries a ``recorded`` of its own). Saving one part
leaves the others as they were; a part a run was asked to leave out (the endpoints) is removed,
with its table, rather than left to look as if that run had made it.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bytedance_kg.bench import build, endpoints, loadtest
from bytedance_kg.maintainer.docs import replace_section
from bytedance_kg.rdf.canonical import write_atomically

RESULTS, DOCUMENT = "bench-results.json", "BENCHMARKS.md"
PARTS: dict[str, Callable[[Any], str]] = {
    "build": build.render,
    "endpoints": endpoints.render,
    "loadtest": loadtest.render,
}
"""Each part of the JSON, and what renders its table (the generated section of the same name)."""
NOT_MEASURED = "Not measured in the run saved last: see `{results}`, which has no `{part}`."


def recorded(root: Path) -> dict[str, object]:
    """When the figures were saved and from which commit of ``root`` (``None`` outside a git
    checkout), and whether its tracked files were as committed: a reader of
    ``bench-results.json`` can then tell which code made them."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    changed = git("status", "--porcelain", "--untracked-files=no")
    return {
        "saved": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD"),
        "tracked_files_as_committed": None if changed is None else not changed,
    }


def table(part: str, results: Mapping[str, object]) -> str:
    """The generated section ``part`` of ``BENCHMARKS.md`` for ``results`` (the JSON's content)."""
    if part not in results:
        return NOT_MEASURED.format(results=RESULTS, part=part)
    return PARTS[part](results[part]).rstrip()


def save(root: Path, parts: Mapping[str, object | None], whole: bool = True) -> None:
    """Write ``parts`` into ``bench-results.json`` under ``root`` (``None`` removes a part), then
    every generated table of ``BENCHMARKS.md`` from the file's new content. ``whole``: the run
    dates the file's ``recorded`` (``bench``); else each part it saves (a table of figures) gets a
    ``recorded`` of its own (``loadtest``)."""
    target = root / RESULTS
    results: dict[str, object] = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    if whole:
        results["recorded"] = recorded(root)
    for part, value in parts.items():
        if part not in PARTS:
            raise ValueError(f"no table renders a part named {part!r}")
        if value is None:
            results.pop(part, None)
        else:
            results[part] = (
                value if whole or not isinstance(value, dict) else {"recorded": recorded(root), **value}
            )
    ordered = {key: results[key] for key in ("recorded", *PARTS) if key in results}
    document = root / DOCUMENT
    text = document.read_text(encoding="utf-8")
    for part in PARTS:
        text = replace_section(text, part, table(part, ordered))
    write_atomically(target, json.dumps(ordered, indent=2) + "\n")
    write_atomically(document, text)


def stale_tables(root: Path) -> list[str]:
    """The generated sections of ``BENCHMARKS.md`` that differ from what their part of
    ``bench-results.json`` renders (each named), or that the document lacks."""
    results = json.loads((root / RESULTS).read_text(encoding="utf-8"))
    text = (root / DOCUMENT).read_text(encoding="utf-8")
    stale = []
    for part in PARTS:
        found = re.search(
            rf"<!-- BEGIN generated: {part} -->\n(.*?)\n<!-- END generated: {part} -->", text, re.S
        )
        if found is None:
            stale.append(f"{DOCUMENT} has no generated section '{part}'")
        elif found.group(1) != table(part, results):
            stale.append(f"{DOCUMENT}'s '{part}' table is not what {RESULTS}'s '{part}' renders")
    return stale
