"""The ``bytedance-kg`` command line.

Exit codes: 0 success (or the data conforms), 1 the data does not conform, 2 usage or input error
(a bad argument, a missing file, a syntax error: the message names file:line:column).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bytedance_kg import __version__
from bytedance_kg.anchor import anchor_quotes
from bytedance_kg.article import load_articles
from bytedance_kg.build import build, check_sources, format_report
from bytedance_kg.canonical import canonical_turtle, format_file, is_canonical
from bytedance_kg.errors import EXIT_NONCONFORMANT, EXIT_OK, KGError
from bytedance_kg.loading import load_turtle
from bytedance_kg.paths import ProjectPaths, default_paths

EPILOG_BUILD = """examples:
  bytedance-kg build            parse, check and write dist/
  bytedance-kg build --quiet    the same, printing only errors
"""
EPILOG_FMT = """examples:
  bytedance-kg fmt              rewrite every source Turtle file in canonical form
  bytedance-kg fmt --check      exit 1 and list the files that are not canonical
"""
EPILOG_ANCHOR = """examples:
  bytedance-kg anchor           fill in every quote's offsets, prefix and suffix in data/bytedance.ttl
"""


class Reporter:
    """Prints progress to stderr, in colour only on a terminal, and timing of slow stages."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.colour = sys.stderr.isatty()

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def progress(self, message: str) -> None:
        if not self.quiet:
            print(self.paint(message, "2"), file=sys.stderr, flush=True)

    def error(self, message: str) -> None:
        print(self.paint("error: ", "31;1") + message, file=sys.stderr)


def cmd_build(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    started = time.perf_counter()
    result = build(paths, out.progress)
    print(f"built {paths.dist} in {time.perf_counter() - started:.1f} s")
    for stage, seconds in result.timings.items():
        print(f"  {stage:<10} {seconds:6.2f} s")
    for name, count in result.counts.items():
        print(f"  {name:<18} {count}")
    for output in result.outputs:
        print(f"  wrote {output.relative_to(paths.root)}")
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    files = [Path(f) for f in args.files] or paths.canonical_files()
    if args.check:
        drifted = [f for f in files if not is_canonical(f)]
        for f in drifted:
            out.error(f"{f}: not in canonical form (run: bytedance-kg fmt)")
        return EXIT_NONCONFORMANT if drifted else EXIT_OK
    for f in files:
        if format_file(f):
            print(f"formatted {f}")
    return EXIT_OK


def cmd_anchor(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    path = Path(args.file) if args.file else paths.data
    graph = load_turtle(path)
    articles = load_articles(graph, paths.root)
    count = 0
    for article in articles.values():
        count += anchor_quotes(graph, article)
    path.write_text(canonical_turtle(graph), encoding="utf-8")
    print(f"anchored {count} quotes in {path}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, paths: ProjectPaths, out: Reporter) -> int:
    _, report, _ = check_sources(paths, out.progress)
    if report.conforms:
        print("conforms: shapes, gates, quotes and reasoning all pass")
        return EXIT_OK
    print(format_report(report))
    return EXIT_NONCONFORMANT


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="bytedance-kg",
        description="Build, check and explore the knowledge graph of 'ByteDance on DeepSeek's Impact'.",
        epilog="exit codes: 0 success, 1 data does not conform, 2 usage or input error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    top.add_argument("--root", help="repository root (default: this checkout)")
    top.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, helptext: str, epilog: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=helptext, description=helptext, epilog=epilog,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    p = command("build", "parse, verify quotes, reason, validate, run the gates and write dist/", EPILOG_BUILD)
    p.set_defaults(run=cmd_build)
    p = command("validate", "check the sources (shapes, gates, quotes, reasoning) without writing", "")
    p.set_defaults(run=cmd_validate)
    p = command("fmt", "rewrite Turtle sources in canonical (longturtle) form", EPILOG_FMT)
    p.add_argument("files", nargs="*", help="files (default: ontology, shapes, imports, data)")
    p.add_argument("--check", action="store_true", help="only report files not in canonical form")
    p.set_defaults(run=cmd_fmt)
    p = command("anchor", "compute quote offsets from their exact text (maintainers)", EPILOG_ANCHOR)
    p.add_argument("file", nargs="?", help="data file (default: data/bytedance.ttl)")
    p.set_defaults(run=cmd_anchor)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out = Reporter(args.quiet)
    paths = ProjectPaths(Path(args.root).resolve()) if args.root else default_paths()
    try:
        return int(args.run(args, paths, out))
    except KGError as error:
        out.error(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        out.error("interrupted")
        return 130
