"""Issue 13's targets, judged from the saved figures: what ``bytedance-kg bench`` prints last and
the table ``BENCHMARKS.md`` generates under "Where this stands".

Each target is read from the parts of ``bench-results.json`` its figure comes from, the way the
issue states it; a verdict is "met", "missed", "not settled" (a lower bound below the target) or
"not measured" when the run lacks the figures (no endpoints, fewer than two synthetic sizes).
Written out here, a verdict cannot drift from its figures, as a verdict written by hand beside
them did (a rounded figure judged instead of the measured one). Not judged here: that the row
limit bounds a cross product's memory, which is a test (``tests/test_security.py``), not a
benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bytedance_kg.bench.build import (
    describe_size,
    growth_exponents,
    naive_over_ours,
    synthetic_rows,
    too_quick,
)

BUILD_OVER_PARSE = 10.0
"""At the largest size, ``build`` (without the saved queries) at most this many bare parses."""
PEAK_BYTES = 4 * 10**9
"""At the largest size, the build's peak resident memory below this (4 GB)."""
OVER_NAIVE = 20.0
"""At every synthetic size below the largest, ours at least this many times faster than naive."""
OVER_OXIGRAPH = 0.9
"""The endpoint's throughput, at every client count, at least this share of raw Oxigraph's."""
OVER_RDFLIB = 20.0
"""The endpoint's throughput at 1 client at least this many times the rdflib-backed endpoint's."""
OURS = ("ours", "ours-uncached")
"""Our server as served (with its recent answers) and with them off: each is judged."""


@dataclass(frozen=True)
class Verdict:
    target: str
    figure: str
    met: bool | None
    """``None``: the run did not measure it, or its figure cannot settle it (a lower bound below the
    target)."""

    @property
    def word(self) -> str:
        if self.met is None:
            return "not settled" if self.figure else "not measured"
        return "met" if self.met else "**missed**"


def n_log_n(small: int, big: int) -> float:
    """The exponent k of n^k that n log n grows at from ``small`` to ``big`` triples."""
    return math.log((big * math.log(big)) / (small * math.log(small))) / math.log(big / small)


def shown(value: float, bound: float, digits: int) -> str:
    """``value`` to ``digits`` decimals, or as many more as it takes for the figure not to read as
    the bound, or as on the bound's other side, when it is not."""
    while digits < 15 and value != bound:
        text = f"{value:,.{digits}f}"
        rounded = float(text.replace(",", ""))
        if text != f"{bound:,.{digits}f}" and (rounded > bound) == (value > bound):
            break
        digits += 1
    return f"{value:,.{digits}f}"


def build_verdicts(rows: list[dict]) -> list[Verdict]:
    """The build's targets: against the bare parse and in memory at the largest synthetic size
    measured, the growth of every stage (the saved queries' on a line of their own) between the two
    largest, and against the naive pipeline at every synthetic size below the largest."""
    sizes = sorted({(r["triples"], r["articles"]) for r in rows if r["articles"]})
    over_parse = f"`build` ≤ {BUILD_OVER_PARSE:g}× pyoxigraph's bare parse"
    peak_target = f"peak RSS < 4 GB ({PEAK_BYTES / 2**20:,.1f} MiB)"
    no_naive = Verdict(
        f"≥ {OVER_NAIVE:g}× faster than naive at the synthetic sizes below the largest", "", None
    )
    if not sizes:
        return [Verdict(over_parse, "", None), Verdict(peak_target, "", None), *_growth(rows, None), no_naive]
    triples, articles = sizes[-1]
    at = {r["pipeline"]: r for r in rows if r["articles"] == articles}
    ours, parse = at.get("ours"), at.get("parse")
    largest = f"{triples:,} triples"
    failed = None
    if ours is None or not ours["completed"] or ours.get("timed_out"):
        failed = "not timed" if ours is None else "did not finish"
    verdicts = []
    if failed is not None:  # not judged at a smaller size instead
        verdicts += [
            Verdict(f"{largest}: {over_parse}", _short(ours), False),
            Verdict(f"{largest}: {peak_target}", _short(ours), False),
        ]
    else:
        assert ours is not None
        build = ours.get("build", ours["total"])
        if parse is None or not parse["completed"]:
            verdicts.append(Verdict(f"{largest}: {over_parse}", "", None))
        else:
            ratio = build / parse["total"]
            figure = f"{build:.2f} s / {parse['total']:.2f} s = {shown(ratio, BUILD_OVER_PARSE, 2)}×"
            verdicts.append(Verdict(f"{largest}: {over_parse}", figure, ratio <= BUILD_OVER_PARSE))
        peak = f"{shown(ours['peak_rss'] / 2**20, PEAK_BYTES / 2**20, 0)} MiB"
        verdicts.append(Verdict(f"{largest}: {peak_target}", peak, ours["peak_rss"] < PEAK_BYTES))
    verdicts += _growth(rows, None if failed is None else f"ours {failed} at {largest}")
    smaller = [_over_naive(rows, row) for row in synthetic_rows(rows, "ours") if row["articles"] != articles]
    return verdicts + (smaller or [no_naive])


def _short(ours: dict | None) -> str:
    """Why the largest size has no build figures, in the table's words."""
    return "ours not timed" if ours is None else f"ours did not finish within {ours['timeout']:g} s"


QUERIES = "queries"
"""The ``ours`` row's stage that is not ``build``'s: the saved queries, timed after it."""


def _growth(rows: list[dict], failed: str | None) -> list[Verdict]:
    """No stage of ``build`` above n log n between the two largest synthetic sizes, and the saved
    queries (timed after the build, on pyoxigraph) judged the same way on their own line; a stage
    under 5 ms at the smaller size is left out, as the growth table leaves it out, and named.
    ``failed``: why ours has no figures at the largest size, which misses both."""
    exponents = growth_exponents(rows)
    pairs = sorted({(small, big) for ks in exponents.values() for small, big, _ in ks})
    targets = (
        "no stage of `build` grows faster than n log n",
        "the saved queries (after the build, on pyoxigraph) grow at most n log n",
    )
    if failed is not None:  # not judged at a smaller size instead
        return [Verdict(target, failed, False) for target in targets]
    if not pairs:
        return [Verdict(target, "", None) for target in targets]
    small, big = pairs[-1]
    limit = n_log_n(small, big)
    stages = list(next(r for r in synthetic_rows(rows, "ours") if r["triples"] == small)["stages"])
    measured = {
        stage: k for stage in stages for a, b, k in exponents.get(stage, []) if (a, b) == (small, big)
    }
    quick = {stage for stage, at in too_quick(rows, exponents).items() if (small, big) in at}
    figures = {stage: shown(k, limit, 3) for stage, k in measured.items()}
    places = max((len(text.split(".")[1]) for text in figures.values()), default=3)
    span = f", {small:,} → {big:,} triples (n log n: {limit:.{places}f})"  # as many decimals as any figure
    verdicts = []
    for target, chosen in zip(targets, ([s for s in stages if s != QUERIES], [QUERIES]), strict=True):
        timed = {stage: measured[stage] for stage in chosen if stage in measured}
        if not timed:
            verdicts.append(Verdict(target + span, "", None))
            continue
        figure = ", ".join(
            f"**{stage} {figures[stage]}**" if k > limit else f"{stage} {figures[stage]}"
            for stage, k in timed.items()
        )
        left_out = [stage for stage in chosen if stage in quick]
        if left_out:
            figure += f" (under 5 ms at {small:,}, left out: {', '.join(left_out)})"
        verdicts.append(Verdict(target + span, figure, all(k <= limit for k in timed.values())))
    return verdicts


def _over_naive(rows: list[dict], ours: dict) -> Verdict:
    """Ours against naive at one size; a naive run that did not finish gives a lower bound, which
    settles the target only when it reaches it."""
    size = f"{describe_size(ours['articles'])} ({ours['triples']:,} triples)"
    target = f"{size}: ≥ {OVER_NAIVE:g}× faster than naive"
    against = naive_over_ours(rows, ours["articles"])
    if against is None:
        return Verdict(target, "", None)
    ratio, timeout = against
    if timeout is None:
        return Verdict(target, f"{shown(ratio, OVER_NAIVE, 1)}×", ratio >= OVER_NAIVE)
    figure = f"> {shown(ratio, OVER_NAIVE, 1)}× (naive did not finish within {timeout:g} s)"
    return Verdict(target, figure, True if ratio >= OVER_NAIVE else None)


def endpoint_verdicts(result: Mapping[str, Any] | None) -> list[Verdict]:
    """Ours as served and uncached against raw Oxigraph at every client count measured (1 and 8
    by default), and against rdflib at 1 client."""
    runs = (result or {}).get("runs", [])
    by = {(r["server"], r["clients"]): r["throughput"] for r in runs}
    counts = sorted({r["clients"] for r in runs} | {1, 8})
    wanted = [(OVER_OXIGRAPH, "oxigraph", clients) for clients in counts] + [(OVER_RDFLIB, "rdflib", 1)]
    verdicts = []
    for least, other, clients in wanted:
        name = "raw Oxigraph" if other == "oxigraph" else "the rdflib-backed endpoint"
        for mine in OURS:
            target = f"endpoint ({mine}) ≥ {least:g}× {name}, {clients} client{'s' if clients > 1 else ''}"
            if not by.get((other, clients)) or (mine, clients) not in by:
                verdicts.append(Verdict(target, "", None))
                continue
            ratio = by[(mine, clients)] / by[(other, clients)]
            verdicts.append(Verdict(target, f"{shown(ratio, least, 2)}×", ratio >= least))
    return verdicts


def verdicts(results: Mapping[str, Any]) -> list[Verdict]:
    return build_verdicts(results.get("build", [])) + endpoint_verdicts(results.get("endpoints"))


def render(results: Mapping[str, Any]) -> str:
    """The verdicts as a table, with how many were met."""
    judged = verdicts(results)
    met = sum(1 for v in judged if v.met)
    lines = ["| target | figure | |", "|---|---|---|"]
    lines += [f"| {v.target} | {v.figure} | {v.word} |" for v in judged]
    settled = sum(1 for v in judged if v.met is not None)
    lines += ["", f"{met} of the {settled} targets measured and settled are met."]
    return "\n".join(lines) + "\n"
