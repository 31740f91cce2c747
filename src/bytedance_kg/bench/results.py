"""The saved figures: ``bench-results.json`` and the generated tables of ``BENCHMARKS.md``, kept in
step.

Every table that ``BENCHMARKS.md`` generates is rendered from ``bench-results.json`` alone
(:data:`SECTIONS`): the build's, the endpoints' and the load test's each from its part of the file,
and issue 13's targets from the parts their figures come from (:mod:`bytedance_kg.bench.targets`).
So a reader can recompute any figure of the document from the file, and :func:`stale_tables`
(``bytedance-kg docs --check``, and the tests) finds a table that no longer matches, whether it
was edited by hand or left behind by a run that saved another part.

The parts come from two commands: ``bytedance-kg bench --save`` (the build and, unless
``--endpoint-seconds 0``, the endpoints; the file's ``recorded`` says when and from which commit)
and ``bytedance-kg loadtest --save`` (its part carries a ``recorded`` of its own). Saving one part
leaves the others as they were; a part a run was asked to leave out (the endpoints) is removed,
and its table says so, rather than look as if that run had made it.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bytedance_kg.bench import build, endpoints, loadtest, targets
from bytedance_kg.maintainer.docs import replace_section
from bytedance_kg.project.errors import InputError
from bytedance_kg.rdf.canonical import write_atomically

RESULTS, DOCUMENT = "bench-results.json", "BENCHMARKS.md"
PARTS: dict[str, Callable[[Any], str]] = {
    "build": build.render,
    "endpoints": endpoints.render,
    "loadtest": loadtest.render,
}
"""Each part of the JSON, and what renders its table (the generated section of the same name)."""
NOT_MEASURED = "Not measured in the run saved last: see `{results}`, which has no `{part}`."


def _section(part: str) -> Callable[[Mapping[str, Any]], str]:
    def rendered(results: Mapping[str, Any]) -> str:
        if part not in results:
            return NOT_MEASURED.format(results=RESULTS, part=part)
        return PARTS[part](results[part])

    return rendered


SECTIONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{part: _section(part) for part in PARTS},
    "targets": targets.render,
}
"""Each generated section of ``BENCHMARKS.md``, and how it is rendered from the whole file."""


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


def read(root: Path) -> dict[str, Any]:
    """The content of ``bench-results.json`` under ``root`` (empty if there is none yet); a file
    that is not a JSON object is an input error naming it."""
    target = root / RESULTS
    if not target.exists():
        return {}
    try:
        results = json.loads(target.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(str(target), "not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise InputError(str(target), f"not JSON: {error.msg}", error.lineno, error.colno) from None
    if not isinstance(results, dict):
        raise InputError(str(target), "not a JSON object")
    return results


def document(root: Path, results: Mapping[str, Any]) -> str:
    """``BENCHMARKS.md`` under ``root`` with every generated section rendered from ``results``."""
    text = (root / DOCUMENT).read_text(encoding="utf-8")
    for section, render in SECTIONS.items():
        try:
            text = replace_section(text, section, render(results).rstrip())
        except ValueError:
            raise InputError(
                str(root / DOCUMENT),
                f"no generated section '{section}' (<!-- BEGIN generated: {section} --> ... "
                f"<!-- END generated: {section} -->)",
            ) from None
    return text


def save(root: Path, parts: Mapping[str, object | None], whole: bool = True) -> None:
    """Write ``parts`` into ``bench-results.json`` under ``root`` (``None`` removes a part), then
    every generated table of ``BENCHMARKS.md`` from the file's new content. ``whole``: the run
    dates the file's ``recorded`` (``bench``); else each part it saves (a table of figures) gets a
    ``recorded`` of its own (``loadtest``)."""
    results = read(root)
    if whole:
        results["recorded"] = recorded(root)
    for part, value in parts.items():
        if part not in PARTS:
            raise ValueError(f"no table renders a part named {part!r}")
        if value is None:
            results.pop(part, None)
        elif whole or not isinstance(value, dict):
            results[part] = value
        else:
            results[part] = {"recorded": recorded(root), **value}
    ordered = {key: results[key] for key in ("recorded", *PARTS) if key in results}
    text = document(root, ordered)
    write_atomically(root / RESULTS, json.dumps(ordered, indent=2) + "\n")
    write_atomically(root / DOCUMENT, text)


def stale_tables(root: Path) -> list[str]:
    """The generated sections of ``BENCHMARKS.md`` that differ from what ``bench-results.json``
    renders (each named), or that the document lacks."""
    results = read(root)
    text = (root / DOCUMENT).read_text(encoding="utf-8")
    stale = []
    for section, render in SECTIONS.items():
        found = re.search(
            rf"<!-- BEGIN generated: {section} -->\n(.*?)<!-- END generated: {section} -->", text, re.S
        )
        if found is None:
            stale.append(f"{root / DOCUMENT}: no generated section '{section}'")
        elif found.group(1) != render(results).rstrip() + "\n":  # as :func:`replace_section` writes it
            stale.append(f"{root / DOCUMENT}: the '{section}' table is not what {RESULTS} gives")
    return stale
