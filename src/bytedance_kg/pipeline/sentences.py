"""Sentence spans of the article, for coverage statistics and for showing a quote in context.

The scraped text runs many sentences together without a space ("efficiencyHe"), so a full stop
is not enough. A boundary is also placed where a lower-case letter meets an upper-case one, if the
word on the left is all lower case ("efficiency|He") or the word on the right is a common sentence
opener ("TikTok|Their"); names written in camel case ("DeepSeek", "ByteDance") are left whole.
Lines that are page furniture ("Advertisements", "Share:") are not sentences of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPENERS = frozenset({"He", "She", "This", "Their", "The", "In", "It", "According", "By", "As", "Later"})
FURNITURE = frozenset({"Advertisements", "Share:", "Leave a comments"})
_END = re.compile(r"[.!?][\"”’]?(?=\s|$)")


@dataclass(frozen=True)
class Sentence:
    """A sentence as a span of code points: ``text[start:end]``."""

    start: int
    end: int
    text: str

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and end > self.start


def _run_together_boundaries(line: str) -> list[int]:
    cuts = []
    for i in range(1, len(line)):
        if line[i - 1].islower() and line[i].isupper():
            left = re.search(r"[A-Za-z]+$", line[:i])
            right = re.match(r"[A-Za-z]+", line[i:])
            if (left and left.group().islower()) or (right and right.group() in OPENERS):
                cuts.append(i)
    return cuts


def split_sentences(text: str) -> list[Sentence]:
    """The article's sentences, in order, with their offsets."""
    sentences: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and stripped not in FURNITURE:
            cuts = sorted(
                {0, len(line), *(m.end() for m in _END.finditer(line)), *_run_together_boundaries(line)}
            )
            for a, b in zip(cuts, cuts[1:]):
                piece = line[a:b]
                lead = len(piece) - len(piece.lstrip())
                piece = piece.strip()
                if piece:
                    sentences.append(Sentence(offset + a + lead, offset + a + lead + len(piece), piece))
        offset += len(line) + 1
    return sentences


def sentence_around(sentences: list[Sentence], start: int, end: int) -> list[Sentence]:
    """The sentences a quote at ``start:end`` touches."""
    return [s for s in sentences if s.overlaps(start, end)]


def cut(start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int, list[int]]]:
    """``start:end`` cut at every edge of ``spans`` that falls inside it, each piece with the indexes
    of the spans that cover it: how a text with overlapping quotes is marked (a quote inside a wider
    one stays a piece of its own)."""
    edges = sorted({start, end} | {edge for span in spans for edge in span if start < edge < end})
    return [
        (a, b, [i for i, (s, e) in enumerate(spans) if s <= a and b <= e])
        for a, b in zip(edges, edges[1:], strict=False)
    ]
