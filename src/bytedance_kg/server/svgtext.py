"""Text set in SVG before any browser measures it: an estimate of a string's width, line breaks
computed from it, and the ``<text>`` element that draws the lines.

SVG text does not wrap, and the charts are drawn on the server, so a box can only hold its label if
the server knows how wide the label will be. The charts name their font (:data:`FONT_FAMILY`: DejaVu
Sans, or Verdana, which has nearly the same metrics); the per-character widths below are DejaVu Sans'
advance widths rounded *up* into a few classes, so a label drawn in that font is not wider than
estimated (nor, in practice, in Verdana or a narrower fallback: the browser tests measure it).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape

FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif"
"""The charts' font: the one the width classes below were measured on (Verdana is its near twin)."""

_NARROW = frozenset(".,:;'’!|()[]/\\-ijlrtfI")
_WIDE = frozenset("mwMW@%…#+<=>~&^")
_EM = {"space": 0.33, "narrow": 0.44, "wide": 1.0, "upper": 0.8, "other": 0.64}
"""Advance width, in em, of each class: at least that of every character of it in DejaVu Sans Book
(space 0.32, r 0.41, n 0.63, D 0.77, m 0.97) and, times :data:`_BOLD`, in Bold (r 0.49). A wide
(East Asian) character, drawn from some fallback font, is given a full em."""
_BOLD = 1.13
"""How much wider DejaVu Sans Bold sets the same text (n 0.71 against 0.63)."""
_ASCENT = 1.0
"""From a line's top to its baseline, in em: DejaVu's ascent is 0.93 em, Verdana's 1.0."""


def _em(char: str) -> float:
    if char == " ":
        return _EM["space"]
    if char in _NARROW:
        return _EM["narrow"]
    if char in _WIDE or unicodedata.east_asian_width(char) in ("W", "F"):
        return _EM["wide"]
    if char.isupper():
        return _EM["upper"]
    return _EM["other"]


@dataclass(frozen=True)
class Font:
    """A size and weight of :data:`FONT_FAMILY`, with what the layouts need to know of it."""

    size: int
    bold: bool = False

    @property
    def line(self) -> float:
        """The height of one line: room for the ascent and descent (1.17 em) and some leading."""
        return round(self.size * 1.3, 1)

    @property
    def css(self) -> str:
        """The CSS ``font`` shorthand for this font, for a chart's stylesheet."""
        return f"{'bold ' if self.bold else ''}{self.size}px {FONT_FAMILY}"

    def width(self, text: str) -> float:
        """The estimated width of ``text`` in pixels (not less than the real one)."""
        return sum(_em(c) for c in text) * self.size * (_BOLD if self.bold else 1.0)

    def wrap(self, text: str, width: float) -> list[str]:
        """``text`` broken into lines no wider than ``width``: between words where it can, and inside
        a word only when the word alone is wider than a line. Nothing is dropped or cut short: the
        lines hold every character of ``text`` but its runs of white space, in order."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if self.width(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            pieces = self._split_word(word, width)
            lines.extend(pieces[:-1])
            current = pieces[-1]
        if current or not lines:
            lines.append(current)
        return lines

    def _split_word(self, word: str, width: float) -> list[str]:
        """A word too long for one line, cut into pieces that each fit (at least one character each)."""
        pieces = [""]
        for char in word:
            if pieces[-1] and self.width(pieces[-1] + char) > width:
                pieces.append("")
            pieces[-1] += char
        return pieces


@dataclass(frozen=True)
class Line:
    """One line of a text block: its words, its font, the CSS class that sets that font, and how far
    it is indented (a wrapped item's later lines hang under its first)."""

    text: str
    font: Font
    css_class: str
    indent: float = 0.0


def block_height(lines: list[Line]) -> float:
    """The height the lines take, stacked."""
    return sum(line.font.line for line in lines)


def text_block(lines: list[Line], x: float, top: float, anchor: str = "start") -> str:
    """One ``<text>`` element drawing ``lines`` one under the other from ``top``, each starting (or,
    with ``anchor="end"``, ending) at ``x`` plus its indent."""
    spans = []
    y = top
    for line in lines:
        baseline = y + line.font.size * _ASCENT
        spans.append(
            f'<tspan x="{x + line.indent:.1f}" y="{baseline:.1f}" class="{line.css_class}">'
            f"{escape(line.text)}</tspan>"
        )
        y += line.font.line
    anchor_attribute = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return f"<text{anchor_attribute}>{''.join(spans)}</text>"
