"""Answers shown on a terminal: the command line's table, and a graph's default (Turtle) view.

A literal may hold any character, and a terminal acts on some rather than show them: a bell rings,
an escape sequence moves the cursor or retitles the window (U+009B begins one), a bidirectional
control reorders the rest of the row. Others show nothing at all (a zero-width space, a soft hyphen,
a tag character, a Hangul filler), so two values that differ look alike. All of these are written
``\\uXXXX`` (or ``\\UXXXXXXXX``), which Turtle reads back as the character in a literal or an IRI
alike; a table shows the C0 controls as their pictures (␇, ␛, ↵) instead.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from bytedance_kg.sparql.querying import QueryOutcome, compact

_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
"""Control and format characters, and the line and paragraph separators."""
_BLANK_LETTERS = (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0)
"""Characters that are marks or letters by category and show nothing: the combining grapheme
joiner, the Khmer inherent vowels and the Hangul fillers."""
_PICTURES = {
    **{code: chr(0x2400 + code) for code in range(0x20)},  # the control pictures: ␀, ␇, ␉, ...
    0x0A: "↵",
    0x7F: "\u2421",
}
"""How a table shows the C0 controls and DEL."""


@functools.cache
def _hidden() -> re.Pattern[str]:
    """One character a terminal acts on or shows as nothing, from DEL on (the C0 controls are the
    serialiser's and :data:`_PICTURES`'). Made on first use from Python's Unicode tables: the planes
    that hold such characters are 0, 1 and 14 (its tags), and the non-characters end every plane."""
    codes = {
        code
        for block in (range(0x7F, 0x20000), range(0xE0000, 0xE1000))
        for code in block
        if unicodedata.category(chr(code)) in _HIDDEN_CATEGORIES
    }
    codes |= {*_BLANK_LETTERS, *range(0xFDD0, 0xFDF0)}
    codes |= {plane + last for plane in range(0, 0x110000, 0x10000) for last in (0xFFFE, 0xFFFF)}
    codes -= set(range(0xD800, 0xE000))  # surrogates: no Python text read from UTF-8 holds one
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(codes)) + "]")


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def for_terminals(turtle: str) -> str:
    """Turtle (or N-Triples) text to show on a terminal, with the characters a terminal acts on or
    shows as nothing escaped (the C0 controls the serialiser escapes itself)."""
    return _hidden().sub(lambda match: _escaped(match[0]), turtle)


def _shown(value: str) -> str:
    """``value`` as a table shows it: C0 controls as pictures, the hidden characters escaped."""
    return _hidden().sub(lambda match: _escaped(match[0]), value.translate(_PICTURES))


def _cell(value: str, width: int) -> str:
    """``value`` shown (:func:`_shown`), cut to ``width`` between two of its characters: a
    ``\\u0085`` is never cut to ``\\u00``, which would read as another value."""
    shown = _shown(value)
    if len(shown) <= width:
        return shown
    pieces, used = [], 0
    for char in value:
        piece = _shown(char)
        if used + len(piece) > width - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces) + "…"


def to_table(outcome: QueryOutcome, width: int = 60) -> str:
    """A plain-text table of the solutions, each cell shown (:func:`_shown`) and cut to ``width``
    characters."""
    if outcome.boolean is not None:
        return ("yes" if outcome.boolean else "no") + "\n"
    assert outcome.rows is not None
    cells = [
        [_cell(compact(row[v]), width) if v in row else "" for v in outcome.variables] for row in outcome.rows
    ]
    widths = [max([len(v)] + [len(line[i]) for line in cells]) for i, v in enumerate(outcome.variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(outcome.variables, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"
