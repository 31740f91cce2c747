"""HTTP content negotiation: pick the representation an ``Accept`` header prefers (RFC 9110).

Quality values are honoured, more specific ranges win over wildcards, ``q=0`` excludes, and a
malformed header is read as far as it makes sense rather than failing the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request


@dataclass(frozen=True)
class Range:
    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[Range]:
    """The media ranges of an Accept header; an absent or empty header accepts anything."""
    if not header or not header.strip():
        return [Range("*", "*", 1.0)]
    ranges = []
    for part in header.split(",")[:64]:  # a bounded number of ranges, whatever a client sends
        pieces = [p.strip() for p in part.split(";")]
        main, slash, sub = pieces[0].lower().partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0) if q == q else 0.0  # NaN (q != q) counts as "not acceptable"
        ranges.append(Range(main, sub, q))
    return ranges


def _quality(ranges: list[Range], media_type: str) -> float | None:
    """The quality the most specific range matching ``media_type`` gives it, ``None`` if none does."""
    matching = [r for r in ranges if r.matches(media_type)]
    return max(matching, key=lambda r: r.specificity).q if matching else None


def ranked(header: str | None, offered: list[str]) -> list[str]:
    """The offered media types the header accepts, best first: by quality, ties in the server's
    order. A type's quality is that of the most specific range that matches it; ``q=0`` excludes."""
    ranges = parse_accept(header)
    scored = []
    for position, media_type in enumerate(offered):
        q = _quality(ranges, media_type)
        if q is not None and q > 0:
            scored.append((-q, position, media_type))
    return [media_type for *_, media_type in sorted(scored)]


def choose(header: str | None, offered: list[str]) -> str | None:
    """The offered media type with the highest quality (ties: the server's order), or None."""
    best = ranked(header, offered)
    return best[0] if best else None


def excluded(header: str | None, media_type: str) -> bool:
    """Whether the header names ``media_type``, or a range of it, with ``q=0``."""
    return _quality(parse_accept(header), media_type) == 0


def accept_header(request: Request) -> str | None:
    """The request's ``Accept`` ranges: several ``Accept`` lines are one list (RFC 9110, 5.3)."""
    lines = request.headers.getlist("accept")
    return ", ".join(lines) if lines else None
