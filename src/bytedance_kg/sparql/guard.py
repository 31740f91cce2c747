"""The query guard: every user query is tokenised here, checked, and re-written before any engine sees it.

A guard that parses with one grammar while the engine runs another can be bypassed wherever the
two disagree (a ``#`` comment ended by ``\\r``, a keyword glued to a literal as in ``trueSERVICE``,
an escape one side decodes and the other does not). So the guard does not hand the engine the
client's text at all: it hands it the guard's own **canonical re-serialisation** of the tokens it
read (comments dropped, ``\\u`` escapes decoded, every string written in one plain form, white space
between tokens one space). Escapes are read as SPARQL 1.2 reads them, and the engine with it:
only inside strings and IRIs, in one pass with the string escapes (``"C:\\\\u0041"`` is a
backslash then ``u0041``); SPARQL 1.1 decoded them everywhere before parsing. Whatever the engine
makes of that text, it is made of the tokens the guard checked, and the checks are chosen so that
they hold whichever way a token is read:

* ``SERVICE`` can only be written as those seven letters in a non-string token (an escape is
  read only inside a string or an IRI, and backslashes, quotes and apostrophes are refused outside
  them, so no token can open or close a string the guard did not see). So any non-string token that contains
  them, in any letter case, is refused: ``trueSERVICE`` and ``ex:service`` too. Strings may
  contain the word, and so may full IRIs (``<http://www.w3.org/ns/sparql-service-description#>``,
  the vocabulary of the dataset's own description): an IRI token holds no white space, ``<`` or
  ``{``, so even an engine that read its ``<`` as an operator could not find in it a SERVICE
  clause, which needs a target and then ``{``; nor does it once its escapes are decoded (an IRI
  that an escape gives a character IRIs cannot hold is refused). A prefixed name is not exempt:
  ``sd:SERVICE`` could be read as ``sd:`` followed by the keyword.
* Nesting deeper than :data:`MAX_DEPTH` (brackets, braces, parentheses, ``!`` runs), more
  than :data:`MAX_OPERATORS` operators in one chain at one level (an expression's, a path's ``/``
  and ``|``, ``UNION``) and more than :data:`MAX_OPERATORS_IN_ALL` in the query are refused:
  pyoxigraph recurses over them and overflows its stack (a segfault at about 8,000 terms). Other
  chains the engine nests (``MINUS``, ``OPTIONAL``, ``BIND``, ``FILTER``, a projection's
  expressions, a group's groups and triple patterns) are bounded by the text's size, which the
  engine's stack holds, and their time by the caller's time limit.
* The text is bounded (:data:`MAX_QUERY_BYTES`) and tokenised in one linear pass (possessive
  quantifiers, no backtracking), so the guard's own work is bounded before anything else runs.

What the guard learns on the way (the query form, whether it names its own dataset) is what the
endpoint needs for content negotiation and dataset selection, so nothing else parses the text.
The network sandbox (:mod:`bytedance_kg.system.sandbox`) stays underneath as the second wall.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from bytedance_kg.project.namespaces import ALL_PREFIXES
from bytedance_kg.rdf.lexical import ECHAR

MAX_QUERY_BYTES = 64 * 1024
"""The largest query text accepted (UTF-8 bytes), the same as the endpoint's request limit."""
MAX_DEPTH = 64
"""Deepest nesting of ``( { [ <<`` and of ``!`` runs."""
MAX_OPERATORS = 1000
"""Most binary operators in one chain (``1+1+...``, ``a|a|...``, ``{} UNION {} ...``) at one level."""
MAX_OPERATORS_IN_ALL = 4000
"""Most of them in the whole query: chains wrapped in one another (``((a|a...)|a...)|a...``) are one
chain to the engine, which the per-level count alone would let grow to 64 times its limit."""

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE + "_"
_CHARS = _U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PREFIX = f"[{_BASE}](?:\\.*+[{_CHARS}])*+"
PREFIX_NAME = re.compile(_PREFIX)
"""A SPARQL prefix name (PN_PREFIX), for checking prefixes declared outside a query text."""
_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:\\.*+(?:[{_CHARS}:]|{_PLX}))*+"
_VARNAME = f"[{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+"
_EXPONENT = r"[eE][+-]?[0-9]++"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_STRING_ESCAPE = f"\\\\[tbnrf\\\\\"']|{_UCHAR}"
_IRI_PART = re.compile(f'(?:[^<>"{{}}|^`\\\\\x00-\x20]|{_UCHAR})*+')
"""As much of an IRI's body as it may hold: where it stops is the first fault, if no ``>`` is there."""

_TOKENS = re.compile(
    "|".join(
        f"(?P<{name}>{pattern})"
        for name, pattern in [
            ("ws", r"[ \t\r\n]++"),
            ("comment", r"\#[^\r\n]*+"),
            ("iri", f"<{_IRI_PART.pattern}>"),
            ("long2", f'"""(?:[^"\\\\]|{_STRING_ESCAPE}|"(?!""))*+"""'),
            ("long1", f"'''(?:[^'\\\\]|{_STRING_ESCAPE}|'(?!''))*+'''"),
            ("string2", f'"(?:[^"\\\\\\n\\r]|{_STRING_ESCAPE})*+"'),
            ("string1", f"'(?:[^'\\\\\\n\\r]|{_STRING_ESCAPE})*+'"),
            ("var", f"[?$]{_VARNAME}"),
            ("bnode", f"_:[{_U}0-9](?:\\.*+[{_CHARS}])*+"),
            ("pname", f"(?:{_PREFIX})?:(?:{_LOCAL})?"),
            ("langtag", r"@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+(?:--[a-zA-Z]++)?"),  # RDF 1.2: a direction
            (
                "number",
                f"[+-]?(?:[0-9]++\\.[0-9]*+{_EXPONENT}|\\.[0-9]++{_EXPONENT}|[0-9]++{_EXPONENT}"
                r"|[0-9]*+\.[0-9]++|[0-9]++)",
            ),
            # a keyword ends where its letters do (``LIMIT1`` is ``LIMIT 1`` to the engine); only
            # these function names hold digits
            ("word", r"(?i:SHA(?:1|256|384|512)|MD5)(?![A-Za-z0-9_])|[A-Za-z_]++"),
            ("op", r"<<\(|\)>>|<<|>>|\{\||\|\}|\^\^|\|\||&&|!=|<=|>=|[{}()\[\],;.*/|^!=<>+\-?~]"),
        ]
    )
)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
"""An escape inside a string or an IRI: a code point (``\\u``, ``\\U``) or a string escape."""
_NOT_IN_IRIS = re.compile(r'[<>"{}|^`\\\x00-\x20]')
"""What an IRI may not hold (SPARQL's IRIREF), written or escaped."""
_OPERAND_KINDS = {"var", "number", "string", "iri", "pname", "bnode", "langtag"}
_OPERAND_CLOSERS = {")", "]", ")>>", ">>", "}"}
"""What ends an operand but its last token: in an expression, a brace closes ``EXISTS { ... }``."""
_OPENERS = {"(": ")", "{": "}", "[": "]", "<<": ">>", "<<(": ")>>", "{|": "|}"}
_CLOSERS = {close: open_ for open_, close in _OPENERS.items()}
_BINARY = {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|"}
"""The operator tokens counted towards :data:`MAX_OPERATORS`: an expression's and a property path's
(``/`` and ``|``; a path's ``*`` and ``+`` too, which only over-counts). The keyword ``UNION`` and a
signed number that adds (``1 -2``) are counted too (:func:`_counted`): the engine nests each of
them one level per use (a chain of 16,000 ``|`` or 7,000 ``UNION`` overflowed a thread's default
8 MiB stack)."""
_CHAIN_ENDS = {".", ";", ","}
"""What ends a chain of operators at its level: a triple, a predicate's objects, an argument."""
FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


class QueryRefused(ValueError):
    """The query is malformed or outside the guard's limits; ``line`` and ``column`` (1-based) locate it."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column

    def __str__(self) -> str:
        return f"{self.message} (line {self.line}, column {self.column})" if self.line else self.message


class FederatedQueryRefused(QueryRefused):
    """The query names SERVICE: running it would make the engine fetch from the network."""


class UpdateRefused(QueryRefused):
    """The text is a SPARQL Update, not a query."""


class Token(NamedTuple):  # a tuple: a query has up to 30,000 of them to make
    kind: str
    text: str
    """The token as the engine receives it (strings in canonical form)."""
    offset: int
    """Where it starts in the client's text."""
    spaced: bool = True
    """Whether white space or a comment came before it in the original (adjacency is kept: some
    parsers want a path's ``*`` right after its step, as it was written)."""
    counted: bool = False
    """Whether the engine reads it as an operator the limits count (:func:`_counted`)."""


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guard: the text to run, and what the endpoint needs to know."""

    text: str
    """The canonical re-serialisation: the only text any engine is given."""
    form: str
    """SELECT, CONSTRUCT, DESCRIBE or ASK."""
    has_dataset: bool
    """Whether the query names its own dataset (FROM or FROM NAMED)."""
    offsets: tuple[tuple[int, int], ...]
    """(offset in ``text``, offset in ``source``) for every token, in order."""
    source: str
    """The client's text (without a byte order mark), where the positions are said."""
    row_limit: int | None = None
    """The top-level ``LIMIT`` of ``text`` when the guard was asked to bound a SELECT query's rows
    (:func:`check_query`'s ``row_limit``): the engine returns at most this many solutions. ``None``
    if it was not asked, or the query is not a SELECT."""
    volatile: bool = False
    """Whether ``text`` may call one of :data:`VOLATILE_FUNCTIONS`, read on the tokens the engine
    gets (comments gone; a name in a string or an IRI is not a call): its answer
    may differ from run to run, so none is kept for reuse."""

    def place(self, line: int, column: int) -> tuple[int, int]:
        """The original line and column of a 1-based position the engine reported in ``text``."""
        lines = self.text.split("\n")
        offset = sum(len(line_) + 1 for line_ in lines[: max(line - 1, 0)]) + max(column - 1, 0)
        original = 0
        for canonical, source in self.offsets:
            if canonical > offset:
                break
            original = source
        return _line_column(self.source, original)


VOLATILE_FUNCTIONS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})
"""SPARQL's built-in functions whose value is new on every run: the time, a random number, a fresh
IRI, string or blank node."""
_CALL_IN_AN_IRI = re.compile(r"(?i)(?:NOW|RAND|UUID|BNODE)\(")
"""One of them called inside what the guard read as an IRI (``<2&&RAND()>``): were the engine to
read its ``<`` as an operator where the guard did not foresee it, the call would be made. No IRI in
this project's data holds one; a query that names such an IRI is only answered afresh."""


_LINE_BREAK = re.compile(r"\r\n?|\n")
"""Where a line ends, for the places errors give: a line feed, a carriage return, or both (SPARQL's
comments end at either)."""


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of ``offset`` in ``text``."""
    line, start = 1, 0
    for end in _LINE_BREAK.finditer(text, 0, offset):
        line, start = line + 1, end.end()
    return line, offset - start + 1


def offset_at(text: str, line: int, column: int) -> int | None:
    """The offset of a 1-based line and column of ``text`` (:func:`_line_column` the other way
    round); None past its last line."""
    start = 0
    if line > 1:
        for number, end in enumerate(_LINE_BREAK.finditer(text), start=2):
            if number == line:
                start = end.end()
                break
        else:
            return None
    return start + column - 1


def _unescaped(body: str, at: int, text: str) -> str:
    """The characters a string's or an IRI's ``body`` (at offset ``at`` of ``text``) stands for, its
    escapes decoded in one pass, as the engine reads them (``\\u005Cn`` is a backslash and ``n``). An
    escape of a surrogate or past U+10FFFF is refused, as the engine refuses it."""

    def decode(match: re.Match[str]) -> str:
        if match[3] is not None:
            return ECHAR[match[3]]
        code = int(match[1] or match[2], 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryRefused(
                f"invalid code point escape {match[0]}", *_line_column(text, at + match.start())
            )
        return chr(code)

    return _ESCAPE.sub(decode, body) if "\\" in body else body


def _canonical_string(token: str, kind: str, at: int, text: str) -> str:
    """A string literal in the one plain form every SPARQL parser reads alike: double quotes, with
    only ``\\\\``, ``\\"``, ``\\n`` and ``\\r`` escaped, and the ``u`` or ``U`` after a backslash
    written ``\\u0075`` or ``\\u0055``. A SPARQL 1.1 store (``serve --store``) decodes ``\\u``
    everywhere before it parses, even after a backslash; so no escape it could decode is left,
    but those, which it reads as the letter they stand for."""
    quote = 3 if kind.startswith("long") else 1
    body = _unescaped(token[quote:-quote], at + quote, text)
    escaped = body.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if "\\u" in body or "\\U" in body:
        escaped = escaped.replace("\\\\u", "\\\\\\u0075").replace("\\\\U", "\\\\\\u0055")
    return f'"{escaped}"'


def _canonical_iri(token: str, at: int, text: str) -> str:
    """An IRI with its escapes decoded; refused if they give it a character no IRI may hold (the
    engine refuses it too, and written plainly it would end the token or open a group)."""
    iri = _unescaped(token[1:-1], at + 1, text)
    wrong = _NOT_IN_IRIS.search(iri)
    if wrong:
        # placed at the escape that gives it (decoded one by one, as in one pass: left to right)
        escape = next(
            (
                e
                for e in _ESCAPE.finditer(token)
                if _NOT_IN_IRIS.match(_unescaped(e[0], at + e.start(), text))
            ),
            None,
        )
        raise QueryRefused(
            f"an IRI may not hold {_shown(wrong[0])}, even escaped: {_shown(token[:60])}",
            *_line_column(text, at + (escape.start() if escape else 0)),
        )
    return f"<{iri}>"


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, comments and white space dropped, as the engine reads them: a ``<``
    in an expression, after an operand, is the operator even where an IRI could follow
    (:class:`_Brackets`)."""
    tokens: list[Token] = []
    brackets = _Brackets()
    position = 0
    gap = True
    while position < len(text):
        match = _TOKENS.match(text, position)
        if match is None or match.end() == position:
            break
        kind = match.lastgroup or ""
        if kind in ("ws", "comment"):
            gap = True
            position = match.end()
            continue
        value, end = match[0], match.end()
        if value[0] == "<" and value != "<=" and brackets.in_expression() and _ends_operand(tokens):
            # ``?x <2&&RAND()>0`` and ``?x<<http://a>``: after an operand, the less-than
            kind, value = "op", "<=" if value.startswith("<=") else "<"
            end = position + len(value)
        elif kind == "op" and value == "<":  # no operator here: an IRI that does not close
            message, at = _iri_fault(text, position) or ("an IRI is not closed", position)
            raise QueryRefused(message, *_line_column(text, at))
        elif kind in ("long1", "long2", "string1", "string2"):
            value, kind = _canonical_string(value, kind, position, text), "string"
        elif kind == "iri" and "\\" in value:
            value = _canonical_iri(value, position, text)
        brackets.read(kind, value, tokens)
        tokens.append(Token(kind, value, position, gap, _counted(kind, value, brackets, tokens)))
        gap = False
        position = end
    if position < len(text):
        if text[position] in "\"'":
            raise QueryRefused("a string is not closed, or is malformed", *_line_column(text, position))
        if text[position] == "\\":
            message, at = _misplaced_escape(text, position)
            raise QueryRefused(message, *_line_column(text, at))
        raise QueryRefused(f"unexpected {text[position]!r}", *_line_column(text, position))
    return tokens


def _misplaced_escape(text: str, at: int) -> tuple[str, int]:
    """Why a backslash at ``at`` (outside any string or IRI token) is refused, and where the fault
    is: in what reads as an IRI up to it, the first thing no IRI may hold (a malformed escape, or,
    after well-formed escapes, a character such as a space); else an escape outside strings and
    IRIs."""
    start = text.rfind("<", 0, at)
    if start >= 0 and not re.search(r'[\s<>"\']', text[start + 1 : at]):
        fault = _iri_fault(text, start)
        if fault:
            return fault
    return f"an escape is read only inside a string or an IRI: {_shown(text[at : at + 10])}", at


def _iri_fault(text: str, start: int) -> tuple[str, int] | None:
    """What stops the IRI that opens at ``start`` from closing, and where: the first thing no IRI
    may hold (a backslash that starts no ``\\u`` or ``\\U`` escape, a space, a brace ...); None if
    nothing does, or the text ends first."""
    part = _IRI_PART.match(text, start + 1)  # it matches, if only the empty string
    fault = part.end() if part else start + 1
    if fault >= len(text) or text[fault] == ">":
        return None
    end = text.find(">", fault)
    shown = _shown(text[start : end + 1] if 0 <= end - start < 80 else text[start : fault + 6])
    if text[fault] == "\\":
        return f"an IRI holds a backslash that is no \\u or \\U escape: {shown}", fault
    return f"an IRI may not hold {_shown(text[fault])}: {shown}", fault


def _shown(text: str) -> str:
    """``text`` quoted for a message, as written (``repr`` would double its backslashes)."""
    return "'" + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + "'"


def _counted(kind: str, text: str, brackets: _Brackets, before: list[Token]) -> bool:
    """Whether a token is an operator that :data:`MAX_OPERATORS` counts, read where the tokenizer
    knows its context (``before``: the tokens so far): one of :data:`_BINARY` but a ``*`` that
    means "all" (``SELECT *``, ``COUNT(*)``, ``DESCRIBE *``; a path's ``*`` counts, as a product
    would), ``UNION``, or a signed number the engine reads as an addition or a subtraction (``?x -2``
    in an expression, after an operand; not ``VALUES ?x { -1 -2 }``)."""
    if kind == "op":
        all_of = not before or before[-1].text.upper() in ("(", "SELECT", "DISTINCT", "REDUCED", "DESCRIBE")
        return text in _BINARY and not (text == "*" and all_of)
    if kind == "number":
        return text[0] in "+-" and brackets.in_expression() and _ends_operand(before)
    return kind == "word" and text.upper() == "UNION"


def _ends_operand(tokens: list[Token]) -> bool:
    """Whether the last token read ends an operand (``?x``, ``2``, ``"a"@en``, ``)``, ``true``), so
    that a ``<`` after it, in an expression, can only be the operator."""
    if not tokens:
        return False
    last = tokens[-1]
    return (
        last.kind in _OPERAND_KINDS
        or last.text in _OPERAND_CLOSERS
        or (last.kind == "word" and last.text.upper() in ("TRUE", "FALSE"))
    )


class _Brackets:
    """Which kind of bracket the tokenizer is in, to tell whether an operator may come next: a
    ``<`` after an operand is a comparison in an expression (``FILTER(?x <2&&RAND()>0)``) and an
    IRI in a triple pattern (``?s <p> ?o``). Only parentheses hold operators, and not all of them:

    - ``(`` inside an expression's parenthesis, or after a keyword or a function's name
      (``FILTER(``, ``BIND(``, ``STR(``, ``IN(``, ``BY(``), or after an IRI or prefixed name that
      ``FILTER`` calls, opens an expression (the engine reads a keyword run into a name, too:
      ``FILTERxsd:boolean(`` is ``FILTER xsd:boolean(`` to it, wherever the guard's prefixed name
      could not be a triple's);
    - so does any ``(`` outside every brace, or in a brace whose query is a subquery's
      (``SELECT ?x (COUNT(*) AS ?n)``, ``GROUP BY ?x (...)``), but ``VALUES (``;
    - in a graph pattern a ``(`` is a collection, a path's group or a ``VALUES`` row, and
      ``{``, ``[``, ``<<``, ``<<(`` and ``{|`` hold terms.

    Where it cannot be sure, it reads an expression: reading a ``<`` as the operator where the
    engine reads an IRI only makes the guard check what the engine treats as an opaque name."""

    def __init__(self) -> None:
        self.open: list[str] = []
        """``expression``, ``pattern`` or ``query`` (a brace holding a subquery's SELECT)."""

    def in_expression(self) -> bool:
        return bool(self.open) and self.open[-1] == "expression"

    def read(self, kind: str, text: str, before: list[Token]) -> None:
        """Follow one token (``before``: those read so far)."""
        if text == "(" and kind == "op":
            self.open.append(self._parenthesis(before))
        elif text in _OPENERS and kind == "op":
            self.open.append("pattern")
        elif text in _CLOSERS and kind == "op":
            if self.open:
                self.open.pop()
        elif kind == "word" and text.upper() == "SELECT" and self.open and self.open[-1] == "pattern":
            self.open[-1] = "query"

    def _parenthesis(self, before: list[Token]) -> str:
        inner = self.open[-1] if self.open else "query"
        previous = before[-1] if before else None
        if inner == "expression":
            return "expression"
        if previous is not None and previous.kind == "word":
            return "pattern" if previous.text.upper() == "VALUES" or previous.text == "a" else "expression"
        if (
            previous is not None
            and previous.kind in ("iri", "pname")
            and (
                (len(before) > 1 and before[-2].kind == "word") or previous.text.upper().startswith("FILTER")
            )
        ):  # FILTER calling a function, its keyword apart or run into the name (``FILTERxsd:boolean(``)
            return "expression"
        return "expression" if inner == "query" else "pattern"


def _refuse_outside_strings(tokens: list[Token], original: str) -> None:
    outside = "\x00".join([token.text for token in tokens if token.kind != "string"])
    if not (
        "service" in outside.casefold() or "SERVICE" in outside.upper() or any(c in outside for c in "\\'\"")
    ):
        return  # case mappings go code point by code point: no token has what the whole lacks
    for token in tokens:
        if token.kind == "string":
            continue
        if token.kind != "iri" and ("service" in token.text.casefold() or "SERVICE" in token.text.upper()):
            raise FederatedQueryRefused(
                "federated queries (SERVICE) are refused: the engine would fetch from the network",
                *_line_column(original, token.offset),
            )
        if any(c in token.text for c in "\\'\""):
            message = (  # only an apostrophe is left in an IRI: the others are refused as it is read
                "the guard does not accept an apostrophe in an IRI, even escaped (write it %27): "
                f"{token.text!r}"
                if token.kind == "iri"
                else f"escapes and quotes are not accepted outside strings: {token.text!r}"
            )
            raise QueryRefused(message, *_line_column(original, token.offset))


_MOST_SOLUTIONS = 2**64 - 1
"""The largest ``LIMIT`` or ``OFFSET`` the engine counts to (it refuses a larger one)."""


def _check_counts(tokens: list[Token], original: str) -> None:
    """``LIMIT`` and ``OFFSET`` are followed by a whole number, written in digits alone (SPARQL's
    ``INTEGER``), wherever they are: the engine's own message for ``LIMIT -1`` or a ``LIMIT`` at the
    end names alternatives that cannot stand there (``HAVING, OFFSET, OPTIONAL, VALUES``)."""
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.text.upper() not in ("LIMIT", "OFFSET"):
            continue
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if after is not None and after.kind == "number" and after.text.isascii() and after.text.isdigit():
            digits = after.text.lstrip("0")
            if len(digits) < 20 or (len(digits) == 20 and int(digits) <= _MOST_SOLUTIONS):
                continue
            raise QueryRefused(
                f"{token.text.upper()} takes a whole number up to {_MOST_SOLUTIONS}, not {after.text[:40]}",
                *_line_column(original, after.offset),
            )
        needs = f"{token.text.upper()} takes a whole number (0 or more)"
        if after is None:
            raise QueryRefused(f"{needs}: the query ends after it", *_line_column(original, token.offset))
        raise QueryRefused(f"{needs}, not {after.text[:40]!r}", *_line_column(original, after.offset))


def _check_shape(tokens: list[Token], original: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, a chain of more than MAX_OPERATORS operators at one
    level (two paths or two arguments are two chains) and more than MAX_OPERATORS_IN_ALL in the
    query. An IRI's own parentheses count too: were the engine to read its ``<`` as an operator
    where the guard did not foresee it, they would nest (no IRI needs 64 of them)."""
    stack: list[tuple[str, int]] = []
    operators = [0]
    in_all = 0
    negations = 0
    for token in tokens:
        text = token.text
        if token.kind == "iri" and "(" in text and len(stack) + _depth(text) > MAX_DEPTH:
            raise QueryRefused(
                f"nesting deeper than {MAX_DEPTH} levels is not accepted",
                *_line_column(original, token.offset),
            )
        negations = negations + 1 if text == "!" else 0
        if text in _OPENERS:
            stack.append((text, token.offset))
            operators.append(0)
        elif text in _CLOSERS:
            if not stack or stack[-1][0] != _CLOSERS[text]:
                raise QueryRefused(f"unbalanced {text!r}", *_line_column(original, token.offset))
            stack.pop()
            operators.pop()
        elif token.counted:
            operators[-1] += 1
            in_all += 1
            if operators[-1] > MAX_OPERATORS or in_all > MAX_OPERATORS_IN_ALL:
                most, where = (
                    (MAX_OPERATORS, "in one chain")
                    if operators[-1] > MAX_OPERATORS
                    else (MAX_OPERATORS_IN_ALL, "in all")
                )
                raise QueryRefused(
                    f"more than {most} operators {where} are not accepted"
                    " (those of expressions, paths' / and |, and UNION)",
                    *_line_column(original, token.offset),
                )
        elif text in _CHAIN_ENDS and token.kind == "op":
            operators[-1] = 0
        if len(stack) + negations > MAX_DEPTH:
            raise QueryRefused(
                f"nesting deeper than {MAX_DEPTH} levels is not accepted",
                *_line_column(original, token.offset),
            )
    if stack:
        raise QueryRefused(f"unclosed {stack[-1][0]!r}", *_line_column(original, stack[-1][1]))


def _depth(text: str) -> int:
    """How deep the parentheses in ``text`` nest."""
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(depth - 1, 0)
    return deepest


def _prologue(tokens: list[Token]) -> tuple[int, set[str]]:
    """Where the query proper starts (the first token after the BASE and PREFIX declarations), and
    the prefix names the prologue declares (``rdfs`` for ``PREFIX rdfs: <...>``)."""
    index = 0
    declared: set[str] = set()
    while index < len(tokens) and tokens[index].text.upper() in ("BASE", "PREFIX"):
        if tokens[index].text.upper() == "PREFIX":
            if index + 1 < len(tokens) and tokens[index + 1].kind == "pname":
                declared.add(tokens[index + 1].text.partition(":")[0])
            index += 3
        else:
            index += 2
    return index, declared


def _form(tokens: list[Token], original: str, start: int) -> str:
    """The query form: the first keyword after the prologue (which ends at ``start``)."""
    index = start
    if index >= len(tokens):
        raise QueryRefused("no query after the prologue", *_line_column(original, len(original)))
    keyword = tokens[index].text.upper()
    if keyword in FORMS:
        return keyword
    where = _line_column(original, tokens[index].offset)
    if keyword in _UPDATES:
        raise UpdateRefused(
            "this is a SPARQL Update; the endpoint is read-only and runs queries only", *where
        )
    raise QueryRefused(f"expected SELECT, CONSTRUCT, DESCRIBE or ASK, not {tokens[index].text!r}", *where)


def _refuse_undeclared_prefixes(
    tokens: list[Token], original: str, start: int, declared: Collection[str]
) -> None:
    """A prefixed name whose prefix nothing declares, refused in one line that names it (the engine's
    own message for it lists every character class it would have accepted, over several lines). The
    project's prefixes are only suggested, never assumed: the text that runs is the one checked."""
    for token in tokens[start:]:
        if token.kind != "pname":
            continue
        prefix = token.text.partition(":")[0]
        if prefix in declared:
            continue
        known = ALL_PREFIXES.get(prefix)
        hint = f"; declare it: PREFIX {prefix}: <{known}>" if known else ""
        raise QueryRefused(
            f"undeclared prefix '{prefix}:' in {token.text}{hint}", *_line_column(original, token.offset)
        )


def check_query(text: str, row_limit: int | None = None, prefixes: Collection[str] = ()) -> CheckedQuery:
    """Tokenise, check and canonicalise a query; raise :class:`QueryRefused` (or a subclass) if it
    is malformed at the token level, an update, federated, too large or too deep, or uses a prefix
    it does not declare (``prefixes`` names those declared outside the text, as a SHACL shape's
    ``sh:declare`` does for its SPARQL), or follows ``LIMIT`` or ``OFFSET`` with anything but a
    whole number. Syntax the
    tokens cannot show (a misplaced keyword) is left to the engine, which gets only the checked
    canonical text. With ``row_limit``, a SELECT query's top-level ``LIMIT`` is lowered to it, or
    one added (:func:`_limit_rows`), so that the engine itself stops after that many solutions."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_QUERY_BYTES:
        raise QueryRefused(f"the query is {size} bytes; at most {MAX_QUERY_BYTES} are accepted")
    original = text.removeprefix("\ufeff")
    tokens = tokenize(original)
    if not tokens:
        raise QueryRefused("the query is empty")
    _refuse_outside_strings(tokens, original)
    _check_shape(tokens, original)
    _check_counts(tokens, original)
    start, declared = _prologue(tokens)
    form = _form(tokens, original, start)
    _refuse_undeclared_prefixes(tokens, original, start, declared | set(prefixes))
    limit = None
    if row_limit is not None and form == "SELECT":
        tokens, limit = _limit_rows(tokens, row_limit, len(original))
    text, offsets = _serialise(tokens)
    # the engine reads keywords run together (``ORDER BYRAND()``, ``FROMNAMED``): looked for inside words
    words = {t.text.upper() for t in tokens if t.kind == "word"}
    return CheckedQuery(
        text,
        form,
        any("FROM" in word for word in words),
        offsets,
        original,
        limit,
        volatile=any(name in word for word in words for name in VOLATILE_FUNCTIONS)
        or any(_CALL_IN_AN_IRI.search(t.text) for t in tokens if t.kind == "iri"),
    )


def _limit_rows(tokens: list[Token], rows: int, end: int) -> tuple[list[Token], int]:
    """The tokens of a checked SELECT query with its top-level ``LIMIT`` at most ``rows``, and that
    limit.

    Only the top level is touched: a word at nesting depth 0 after the prologue can only be a
    keyword of the query itself (subqueries, expressions and ``VALUES`` blocks are all inside
    brackets), so a ``LIMIT`` there is the query's own, and a ``VALUES`` there is its trailing
    values clause, which the solution modifiers precede. A top-level ``LIMIT`` applies last (after
    ``ORDER BY``, ``DISTINCT``, ``OFFSET``), so the first ``min(n, rows)`` solutions are exactly the
    first ones of the query as written. The only tokens added are the keyword ``LIMIT`` and a
    decimal integer, which no check of the guard could refuse."""
    depth = 0
    limit_at = values_at = None
    for index, token in enumerate(tokens):
        if token.text in _OPENERS:
            depth += 1
        elif token.text in _CLOSERS:
            depth -= 1
        elif depth == 0 and token.kind == "word":
            keyword = token.text.upper()
            if keyword == "LIMIT" and limit_at is None:
                limit_at = index
            elif keyword == "VALUES" and values_at is None:
                values_at = index
    if limit_at is not None:
        after = limit_at + 1  # a whole number: :func:`_check_counts`
        # at most 20 digits but for leading zeros, of which Python's int() reads at most 4,300
        limit = min(int(tokens[after].text.lstrip("0") or "0"), rows)
        return [*tokens[:after], tokens[after]._replace(text=str(limit)), *tokens[after + 1 :]], limit
    at = values_at if values_at is not None else len(tokens)
    offset = tokens[at].offset if at < len(tokens) else end
    added = [Token("word", "LIMIT", offset), Token("number", str(rows), offset)]
    return [*tokens[:at], *added, *tokens[at:]], rows


def _serialise(tokens: list[Token]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The tokens, one space where the original had white space or a comment between them and
    none where it had none, except that a ``(`` follows a keyword directly: pyoxigraph's grammar
    refuses ``COALESCE (``, ``CONCAT (`` and ``BNODE (`` with a space. (Gluing is safe: no token
    can absorb a quote, and every string is written in the one plain form.)"""
    pieces: list[str] = []
    offsets: list[tuple[int, int]] = []
    length = 0
    previous = ""
    for token in tokens:
        if pieces and token.spaced and not (token.text == "(" and previous == "word"):
            pieces.append(" ")
            length += 1
        offsets.append((length, token.offset))
        pieces.append(token.text)
        length += len(token.text)
        previous = token.kind
    return "".join(pieces), tuple(offsets)
