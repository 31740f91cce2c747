"""Reading Turtle files with errors that name the file, line and column.

pyoxigraph's Turtle parser is strict, reports the exact position of a syntax error (rdflib's only
the line) and is about ten times faster than rdflib's, so it parses every file; the rdflib graph
the checks work on is made from its terms. Literals rdflib marks ill-typed (``"2023-13"^^xsd:gYearMonth``)
and malformed language tags are errors too, located by searching the file for the value.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import stat
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple, cast

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.namespace import XSD

from bytedance_kg.project.errors import InputError
from bytedance_kg.rdf.lexical import ECHAR, INTEGER_TYPES
from bytedance_kg.rdf.terms import from_ox
from bytedance_kg.rdf.triples import Triples

# rdflib checks most XSD datatypes (``Literal.ill_typed``) but not all the Gregorian partial dates
# (and owlrl's replacement converters, which the reference engine's reasoner confines to its own run, rejected
# valid ones such as "---28"^^xsd:gDay): all five are checked here, by the lexical spaces of XML
# Schema 1.1 Part 2, section 3.3.
_TIMEZONE = r"(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?"
_GREGORIAN = {
    XSD.gYear: re.compile(r"^-?([1-9]\d{3,}|\d{4})" + _TIMEZONE + "$"),
    XSD.gYearMonth: re.compile(r"^-?([1-9]\d{3,}|\d{4})-(0[1-9]|1[0-2])" + _TIMEZONE + "$"),
    XSD.gMonth: re.compile(r"^--(0[1-9]|1[0-2])" + _TIMEZONE + "$"),
    XSD.gDay: re.compile(r"^---(0[1-9]|[12]\d|3[01])" + _TIMEZONE + "$"),
    XSD.gMonthDay: re.compile(r"^--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])" + _TIMEZONE + "$"),
}


# rdflib reads numbers with Python's int, Decimal and float, which take forms XSD does not ("1_000",
# other scripts' digits, "1e3" as a decimal, "inf", "Infinity", " 7 "): the lexical spaces of XML
# Schema 1.1 Part 2 (sections 3.3.2-3.3.6, 3.4.13), in ASCII. They hold no whitespace: XSD's
# whiteSpace facet collapses it in a document before the form is read, but an RDF literal's form is
# the string as it is (RDF 1.1 Concepts, 3.3), and rdflib would publish " 7 " as "7".
_DIGITS = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_NUMERIC = {
    XSD.decimal: re.compile(_DIGITS),
    XSD.double: re.compile(rf"(?:{_DIGITS}(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN)"),
    XSD.boolean: re.compile(r"(?:true|false|1|0)"),
}
_NUMERIC[XSD.float] = _NUMERIC[XSD.double]
_INTEGER = re.compile(r"[+-]?[0-9]+")
# rdflib reads every integer type as a Python int, but checks the range of only some of them.
_RANGES = {
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
}
_NOT_A_NUMBER = {"nan": "NaN", "inf": "INF", "-inf": "-INF"}
"""rdflib's normal forms of a double's or a float's special values (Python's), and XSD's: the
release writes XSD's (``1e400``, past a double's range, is ``INF``)."""


def ill_typed(literal: Literal, written: str | None = None) -> bool:
    """True when the literal's lexical form is not valid for its datatype: ``written``, the form
    as written if rdflib's reading of it (``literal``) may have normalised it, else its own."""
    lexical = str(literal) if written is None else written
    pattern = _GREGORIAN.get(literal.datatype) if literal.datatype is not None else None
    if pattern is not None:
        return not pattern.fullmatch(lexical)  # not match: "$" also matches before a final line feed
    if literal.datatype in _NUMERIC and not _NUMERIC[literal.datatype].fullmatch(lexical):
        return True
    if str(literal.datatype) in INTEGER_TYPES and not _INTEGER.fullmatch(lexical):
        return True
    bounds = _RANGES.get(literal.datatype) if literal.datatype is not None else None
    if bounds is not None and isinstance(literal.value, int):
        return not bounds[0] <= literal.value <= bounds[1]
    return bool(getattr(literal, "ill_typed", False))


def _normal_form(literal: Literal) -> str:
    """The lexical form the pipeline takes for a valid typed literal: rdflib's normal form, but
    XSD's for a double's or a float's special values (rdflib's ``nan`` and ``inf`` are not)."""
    text = str(literal)
    return _NOT_A_NUMBER.get(text, text) if literal.datatype in (XSD.double, XSD.float) else text


def _strings_at(text: str, values: set[str]) -> dict[str, tuple[int, int, str]]:
    """Where each of ``values`` is first written as a Turtle string (not in a comment or an IRI, in
    any of the four quotings, its escapes read): the line and column of its opening quote, and its
    text between the quotes as written."""
    found: dict[str, tuple[int, int, str]] = {}
    for match in _RDF12_SYNTAX.finditer(text):
        token = match["skip"]
        if not token or token[0] not in "\"'":
            continue
        quotes = 3 if token[:3] in ('"""', "'''") else 1
        written = token[quotes:-quotes]
        inner = _unescaped(written)
        if inner in values and inner not in found:
            found[inner] = (*_place(text, match.start()), written)
            if len(found) == len(values):
                break
    return found


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)


def _escaped(value: str) -> str:
    """A value for a one-line message: its control characters, quotes and backslashes escaped."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _unescaped(inner: str) -> str:
    """A Turtle string's text as the parser reads it: its ``\\u``/``\\U`` and character escapes
    undone (an escape Turtle does not have is kept: the parser refused the file before this)."""
    if "\\" not in inner:
        return inner

    def one(escape: re.Match[str]) -> str:
        code = escape[1] or escape[2]
        if code:
            return chr(int(code, 16)) if int(code, 16) <= 0x10FFFF else escape[0]
        return ECHAR.get(escape[3], escape[0])

    return _ESCAPE.sub(one, inner)


def _place(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


_RDF12_SYNTAX = re.compile(
    r"""(?P<skip>"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"""
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|\#[^\n]*|\\.)"""
    r"""|(?P<rdf12><<|\{\||~|@[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*--(?:ltr|rtl)\b)"""
)
"""Turtle's strings, IRIs, comments and escaped characters of local names (``person:zhu\\~jun``),
passed over, or an RDF 1.2 form: a triple term or reified triple ``<<``, an annotation ``{|``, a
reifier ``~``, a base direction ``@en--ltr``."""


_LANGUAGE_TAG = re.compile(rb"@[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def _may_be_rdf12(data: bytes) -> bool:
    """Whether ``data`` holds the characters without which a file holds no RDF 1.2 form: ``<<``,
    ``{|`` (``|`` is looked for), ``~``, or a language tag followed by ``--`` (anywhere: in a string
    or a comment they are found too, and the file is then looked at term by term). Each is looked
    for by a search of the bytes; a regular expression over the whole file took as long as reading
    the objects."""
    if b"~" in data or b"|" in data or b"<<" in data:  # one character at a time is the quickest search
        return True
    # "--" is common (a gMonth is "--01"): is one right after a language tag? A tag holds no "--",
    # so its "@" comes after the "--" found before: each stretch of the file is looked at once
    after, at = 0, data.find(b"--")
    while at != -1:
        sign = data.rfind(b"@", after, at)
        if sign != -1 and _LANGUAGE_TAG.fullmatch(data, sign, at):
            return True
        after, at = at + 2, data.find(b"--", at + 2)
    return False


def _locate_rdf12(text: str) -> tuple[int | None, int | None]:
    """Line and column of the first RDF 1.2 form outside strings, IRIs and comments (where the
    same characters mean nothing: ``<http://example.org/~me>``, ``"a << b"``)."""
    for match in _RDF12_SYNTAX.finditer(text):
        if match.group("rdf12"):
            return _place(text, match.start())
    return None, None


def syntax_error(path: Path, error: SyntaxError, what: str = "") -> InputError:
    """pyoxigraph's syntax ``error`` in ``path`` as an input error at its line and column, without
    the parser's own "Parser error at ...:" prefix (the place is given once); ``what`` (such as
    "not valid N-Triples: ") goes before the parser's words."""
    message = str(error.msg if hasattr(error, "msg") else error)
    message = re.sub(r"^Parser error (at|between) [^:]*: ", "", message)
    return InputError(path, what + message, error.lineno, error.offset)


def parse_strict(path: Path, data: bytes) -> tuple[list[ox.Triple], dict[str, str]]:
    """The file's triples and declared prefixes by pyoxigraph's strict Turtle parser, or an
    :class:`InputError` at the first syntax error, with its line and column. ``data`` is the file's
    UTF-8 (checked by :func:`check_utf8`); each file's blank nodes get labels of their own, so that
    two files' ``_:b0`` stay apart when their triples are put together. Each quad the parser gives
    is let go as soon as its triple is taken: the memory of one is the next one's (holding them
    all first was some 400 MB of fresh memory at a million triples)."""
    parser = ox.parse(data, format=ox.RdfFormat.TURTLE, path=None, rename_blank_nodes=True)
    try:
        triples = [quad.triple for quad in parser]
    except SyntaxError as error:
        raise syntax_error(path, error) from None
    except MemoryError as error:  # pyoxigraph caps one token (a literal, an IRI) at 16 MiB
        raise InputError(path, f"a single literal or IRI is too long to parse ({error})") from None
    refuse_rdf12(path, data, triples)
    return triples, dict(parser.prefixes)


def refuse_rdf12(path: Path, data: bytes, triples: list[ox.Triple]) -> None:
    """The sources are RDF 1.1: pyoxigraph also reads RDF 1.2 (triple terms, reifiers, annotations,
    literals with a base direction), which the RDF 1.1 release and rdflib (the reference engine,
    the Python API) cannot hold; such a term is an input error at its place in the file, not a
    crash later or a silently dropped direction.

    Turtle's grammar allows a triple term only as an object (``<<( ... )>>`` as a subject is a
    syntax error), so the objects' kinds are what is looked at: gathered in one pass, with each
    term's attributes read only for the literals (a call per quad was 1.5 s at a million).

    Every RDF 1.2 form is written with characters that a file without them cannot hold in any
    token (:func:`_may_be_rdf12`); for such a file, which the sources are, not even the objects
    are read (making a million of them took over a second of the parse stage)."""
    if not _may_be_rdf12(data):
        return
    objects = [triple.object for triple in triples]
    kinds = set(map(type, objects))
    if ox.Triple in kinds:
        line, column = _locate_rdf12(data.decode("utf-8"))
        raise InputError(
            path,
            "RDF 1.2 triple terms, reifiers and annotations are not accepted in the sources",
            line,
            column,
        )
    if ox.Literal in kinds:
        directed = next((o for o in objects if type(o) is ox.Literal and o.direction), None)
        if directed is not None:
            line, column = _locate_rdf12(data.decode("utf-8"))
            message = f"a literal with a base direction ({directed}) is not accepted in the sources"
            raise InputError(path, message, line, column)


_PLAIN = (
    ox.NamedNode(str(XSD.string)),
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"),
)


def checked_literals(path: Path, data: bytes, triples: Iterable[ox.Triple]) -> dict[ox.Literal, ox.Literal]:
    """Reject ill-typed literals, naming the value and its place; return the typed literals whose
    lexical form rdflib normalises (``"01"^^xsd:integer`` is ``"1"``), each with its normal form.

    The build has always published rdflib's normal forms (the sources used to be read into rdflib
    graphs), and the reference engine still sees the data through rdflib: so the pipeline takes
    the same forms, and both engines judge the same terms. (Malformed language tags never get
    here: pyoxigraph's parser refuses them, at their line and column.)"""
    typed = {
        t.object for t in triples if isinstance(t.object, ox.Literal) and t.object.datatype not in _PLAIN
    }
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.CRITICAL)  # rdflib warns of each ill-typed literal; reported below, once
    try:
        with warnings.catch_warnings():  # and of a boolean it reads as false ("yes"), as a warning
            warnings.simplefilter("ignore")
            converted = {literal: cast(Literal, from_ox(literal)) for literal in typed}
        # the value as written is named, and found in the file: rdflib's reading of it may differ
        bad = [literal for literal, read in converted.items() if ill_typed(read, literal.value)]
    finally:
        term_log.setLevel(level)
    if bad:
        places = _strings_at(data.decode("utf-8"), {literal.value for literal in bad})
        # the first in the file; any it cannot find after those it can, and of those the first by
        # its text, so that the message does not depend on hash order
        obj = min(bad, key=lambda lit: (lit.value not in places, places.get(lit.value, (0, 0)), str(lit)))
        line, column, written = places.get(obj.value, (None, None, _escaped(obj.value)))
        raise InputError(
            path, f'invalid lexical form "{written}" for datatype <{obj.datatype.value}>', line, column
        )
    normal = {literal: _normal_form(read) for literal, read in converted.items()}
    return {
        literal: ox.Literal(text, datatype=literal.datatype)
        for literal, text in normal.items()
        if text != literal.value
    }


MAX_INPUT_BYTES = 256 * 1024 * 1024
"""The largest file the tools read (the article's data is 90 KB; a million synthetic triples ~60 MB)."""


def read_text(path: Path) -> str:
    """The file's text as UTF-8, or an :class:`InputError` that says why it cannot be read
    (:func:`read_bytes`, :func:`decoded`)."""
    return decoded(path, read_bytes(path))


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an :class:`InputError` that says why it cannot be read.

    Only regular files are read, and only up to :data:`MAX_INPUT_BYTES`, both checked on the open
    file before any byte is read: ``/dev/zero`` or a FIFO is refused at once, not read until memory
    runs out or waited on forever.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as error:
        raise InputError(path, error.strerror or str(error)) from None
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_INPUT_BYTES:
        os.close(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise InputError(path, "a folder, not a file")
        if not stat.S_ISREG(status.st_mode):
            raise InputError(path, "not a regular file: only regular files are read")
        raise InputError(path, f"{status.st_size} bytes: larger than the limit of {MAX_INPUT_BYTES} bytes")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as error:
            raise InputError(path, error.strerror or str(error)) from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(path, f"larger than the limit of {MAX_INPUT_BYTES} bytes")
    return data


def decoded(path: Path, data: bytes) -> str:
    """``data`` (the bytes of ``path``) as text, or an :class:`InputError` where it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise not_utf8(path, data, error.start) from None


def not_utf8(path: Path, data: bytes, offset: int) -> InputError:
    """The error for ``data`` (the bytes of ``path``) whose first byte that is not UTF-8 is at
    ``offset``: at its line and column (in characters, which the bytes before it are), as a parse
    error is, and the byte offset, which a hex editor goes to."""
    start = data.rfind(b"\n", 0, offset) + 1
    line, column = data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode("utf-8")) + 1
    return InputError(path, f"not valid UTF-8 at byte {offset}", line, column)


_UTF8_AT_ONCE = 1 << 24


def check_utf8(path: Path, data: bytes) -> None:
    """An :class:`InputError` where ``data`` (the bytes of ``path``) is not UTF-8, as
    :func:`decoded` says it; the text is made some MB at a time and let go, never whole (at a
    million triples, some hundreds of MB of fresh memory for a check)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), _UTF8_AT_ONCE):
        try:
            decoder.decode(view[start : start + _UTF8_AT_ONCE], final=start + _UTF8_AT_ONCE >= len(data))
        except UnicodeDecodeError as error:
            # the decoder may hold the first bytes of a character from the chunk before
            held = len(decoder.getstate()[0])
            raise not_utf8(path, data, start - held + error.start) from None


class ParsedFile(NamedTuple):
    """One Turtle file, strictly parsed (:func:`parse_bytes`)."""

    triples: Triples
    prefixes: dict[str, str]
    as_written: bool
    """Whether no literal was put in its normal form (:func:`checked_literals`): a store that
    pyoxigraph bulk-loads from the same bytes then holds these very triples, up to blank nodes,
    which each parse labels anew."""


def parse_bytes(path: Path, data: bytes) -> ParsedFile:
    """One Turtle file's triples, strictly parsed and checked (UTF-8, syntax, RDF 1.1 terms,
    well-typed literals), and its declared prefixes; ``data`` are its bytes (:func:`read_bytes`),
    its blank nodes are its own (:func:`parse_strict`). pyoxigraph parses the bytes as read: the
    text is made only to be sure that every byte is UTF-8 (the parser does not look inside
    comments), and only again to locate an error."""
    check_utf8(path, data)
    items, prefixes = parse_strict(path, data)
    triples = Triples(items)
    del items
    normal = checked_literals(path, data, triples)
    if normal:
        triples = Triples(
            ox.Triple(t.subject, t.predicate, normal[t.object]) if t.object in normal else t  # type: ignore[index]
            for t in triples
        )
    return ParsedFile(triples, prefixes, not normal)


def parse_file(path: Path) -> tuple[Triples, dict[str, str]]:
    """One Turtle file's triples and declared prefixes (:func:`parse_bytes`)."""
    parsed = parse_bytes(path, read_bytes(path))
    return parsed.triples, parsed.prefixes


def load_triples(paths: Iterable[Path]) -> Triples:
    """Several Turtle files' triples together (:func:`parse_file`); one file's as they are."""
    files = [parse_file(path)[0] for path in paths]
    return files[0] if len(files) == 1 else Triples(triple for triples in files for triple in triples)


def load_turtle(path: Path) -> Graph:
    """Parse one Turtle file strictly (:func:`parse_file`) into an rdflib graph, with the file's
    prefixes bound as rdflib's own parser binds them."""
    triples, prefixes = parse_file(path)
    graph = triples.graph()
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    return graph
