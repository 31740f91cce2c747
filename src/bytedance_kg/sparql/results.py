"""SPARQL query results written one solution at a time (JSON, XML, CSV, TSV).

The endpoint must stop at a row limit *and* a byte limit without ever holding more than that, and
a cut document must still be valid: so each format is a writer with a head, one piece of text per
solution and a tail, and whoever drives it decides after each solution whether to go on. The
command line and the expected-results files use the same writers on whole results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from bytedance_kg.rdf.formats import results_format
from bytedance_kg.rdf.lexical import XSD, XSD_STRING

NOT_IN_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"
"""The characters (a regular expression's class) no XML 1.0 document can hold, not even escaped (its
``Char`` production: the control characters but tab, line feed and carriage return, and U+FFFE
and U+FFFF; a surrogate cannot be in a Python string read from UTF-8); a literal may hold them, so
an answer that has one is refused in XML, on the endpoint and on the command line, rather than
written as a document no XML parser reads."""
_NOT_IN_XML = re.compile(f"[{NOT_IN_XML}]")
_XML_TEXT = {"\r": "&#13;"}
"""What XML text escapes beyond ``&``, ``<`` and ``>``: a raw carriage return is read back as a line
feed."""
_XML_SPACE = " \t\n\r"


def _xml_text(value: str) -> str:
    """``value`` as XML text, its leading and trailing white space as character references, as the
    engine writes it: pyoxigraph's reader trims white space written plainly at either end of a
    value (``" 2888 "`` came back as ``"2888"``), and takes a reference for what it says."""
    body = value.strip(_XML_SPACE)
    if len(body) == len(value):
        return escape(value, _XML_TEXT)
    lead = len(value) - len(value.lstrip(_XML_SPACE))
    trail = len(value) - lead - len(body)
    refs = [f"&#{ord(c)};" for c in value]
    return "".join(refs[:lead]) + escape(body, _XML_TEXT) + "".join(refs[len(value) - trail :])


XML_CANNOT_CARRY = "a character (a control character, U+FFFE or U+FFFF) that XML 1.0 cannot carry"
"""What an answer that :func:`xml_can_carry` refuses holds, in the words of both refusals."""


def xml_can_carry(text: str) -> bool:
    """Whether ``text`` holds no character XML 1.0 refuses (:data:`NOT_IN_XML`)."""
    return _NOT_IN_XML.search(text) is None


Term = ox.NamedNode | ox.Literal | ox.BlankNode
Solution = dict[str, Term]
"""A solution's bindings. A value may also be a triple term (RDF 1.2: ``BIND(<<( s p o )>> AS ?t)``),
which each writer writes as the engine does."""


def json_binding(term: Term) -> dict[str, object]:
    """A term as a SPARQL 1.1 JSON results binding; a triple term as SPARQL 1.2's ``"triple"``."""
    if isinstance(term, ox.Triple):
        subject, predicate, obj = (json_binding(cast(Term, part)) for part in term)
        return {"type": "triple", "value": {"subject": subject, "predicate": predicate, "object": obj}}
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out: dict[str, object] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def json_term(binding: dict[str, str]) -> Term:
    """A SPARQL 1.1 JSON results binding as a term (:func:`json_binding` the other way round)."""
    kind = binding["type"]
    if kind == "uri":
        return ox.NamedNode(binding["value"])
    if kind == "bnode":  # a label is the document's own: an empty one (some stores write it) is a node too
        return ox.BlankNode(binding["value"] or None)
    # "typed-literal" is the 2007 draft's name for a literal with a datatype; Virtuoso still sends it.
    if kind not in ("literal", "typed-literal"):
        raise ValueError(f"not an RDF 1.1 term: a binding of type {kind!r}")
    if "xml:lang" in binding:
        return ox.Literal(binding["value"], language=binding["xml:lang"])
    datatype = binding.get("datatype")
    return ox.Literal(binding["value"], datatype=ox.NamedNode(datatype) if datatype else None)


def solutions_at_once(solutions: ox.QuerySolutions) -> list[Solution]:
    """Every solution of a SELECT query (its bound variables), serialised by pyoxigraph in one call
    and read back. For a thread that runs beside Python work: pyoxigraph lets go of the
    interpreter lock for each solution it is asked for, and each time the thread then waits its
    turn for the lock (at a million triples, a focus-node query of 300,000 rows took seconds
    instead of a fraction of one). Read back from TSV, where an IRI or a blank node (nearly every
    value such a query gives) is its own cell: a tenth of the time of JSON's document of dicts.
    The store must hold RDF 1.1 terms only."""
    data = solutions.serialize(format=ox.QueryResultsFormat.TSV)
    assert data is not None  # without an output file, serialize returns the bytes
    head, *rows = data.decode("utf-8").split("\n")[:-1]  # every row ends with a newline
    names = [name.removeprefix("?") for name in head.split("\t")] if head else []
    return [
        {name: _tsv_term(cell) for name, cell in zip(names, row.split("\t"), strict=True) if cell}
        for row in rows
    ]


def _tsv_term(cell: str) -> Term:
    """A term as pyoxigraph writes it in a TSV cell: N-Triples for an IRI and a blank node, Turtle
    for a literal (a number or a boolean bare), so a literal is read by the Turtle parser."""
    if cell[0] == "<":
        return ox.NamedNode(cell[1:-1])
    if cell[0] == "_":
        return ox.BlankNode(cell[2:])
    (quad,) = ox.parse(f"<urn:s> <urn:p> {cell} .", format=ox.RdfFormat.TURTLE)
    return cast(Term, quad.object)


class SolutionWriter:
    """Head, one piece per solution, tail; ``boolean`` for ASK. Subclasses are the formats."""

    media_type = ""

    def __init__(self, variables: list[str]) -> None:
        self.variables = variables
        self.count = 0

    def head(self) -> str:
        raise NotImplementedError

    def row(self, solution: Solution) -> str:
        text = self._row(solution)
        self.count += 1
        return text

    def _row(self, solution: Solution) -> str:
        raise NotImplementedError

    def tail(self) -> str:
        return ""

    @staticmethod
    def boolean(value: bool) -> str:
        raise NotImplementedError(f"this format has no boolean form: {value}")

    def whole(self, solutions: Iterable[Solution]) -> str:
        return self.head() + "".join(self.row(s) for s in solutions) + self.tail()


class JsonWriter(SolutionWriter):
    """SPARQL 1.1 Query Results JSON, indented as ``json.dumps(..., indent=2)`` would write it."""

    media_type = results_format("json").media_type

    def head(self) -> str:
        vars_ = json.dumps({"vars": self.variables}, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        return '{\n  "head": ' + vars_ + ',\n  "results": {\n    "bindings": ['

    def _row(self, solution: Solution) -> str:
        binding = {v: json_binding(t) for v, t in solution.items()}
        text = json.dumps(binding, indent=2, ensure_ascii=False).replace("\n", "\n      ")
        return (",\n      " if self.count else "\n      ") + text

    def tail(self) -> str:
        return ("\n    " if self.count else "") + "]\n  }\n}\n"

    @staticmethod
    def boolean(value: bool) -> str:
        return json.dumps({"head": {}, "boolean": value}, indent=2) + "\n"


class XmlWriter(SolutionWriter):
    """SPARQL Query Results XML Format."""

    media_type = results_format("xml").media_type
    _OPEN = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>\n'

    def head(self) -> str:
        return (
            self._OPEN
            + "".join(f"<variable name={quoteattr(v)}/>\n" for v in self.variables)
            + "</head>\n<results>\n"
        )

    def _row(self, solution: Solution) -> str:
        parts = ["<result>\n"]
        for variable, term in solution.items():
            parts.append(f"<binding name={quoteattr(variable)}>{_xml_term(term)}</binding>\n")
        parts.append("</result>\n")
        return "".join(parts)

    def tail(self) -> str:
        return "</results>\n</sparql>\n"

    @staticmethod
    def boolean(value: bool) -> str:
        return (
            XmlWriter._OPEN + "</head>\n" + f"<boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n"
        )


def _xml_term(term: Term) -> str:
    """A term as the results XML format writes it; a triple term as SPARQL 1.2's ``<triple>``."""
    if isinstance(term, ox.Triple):
        subject, predicate, obj = (_xml_term(cast(Term, part)) for part in term)
        parts = f"<subject>{subject}</subject><predicate>{predicate}</predicate><object>{obj}</object>"
        return f"<triple>{parts}</triple>"
    text = _xml_text(term.value)
    if isinstance(term, ox.NamedNode):
        return f"<uri>{text}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{text}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{text}</literal>"
    if term.datatype.value == XSD_STRING:  # a simple literal, written as the engine and JSON write it
        return f"<literal>{text}</literal>"
    return f"<literal datatype={quoteattr(term.datatype.value)}>{text}</literal>"


def _csv_value(term: Term) -> str:
    """A term's plain value in CSV; a triple term's three values apart, as the engine writes it."""
    if isinstance(term, ox.Triple):
        return " ".join(_csv_value(cast(Term, part)) for part in term)
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _csv_cell(term: Term | None) -> str:
    if term is None:
        return ""
    value = _csv_value(term)
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


_TURTLE_SHORT_FORMS = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}
"""The literals Turtle writes bare (``1.5``, ``true``): a lexical form its grammar reads back as
that datatype."""


def _tsv_cell(term: Term) -> str:
    """A term in Turtle syntax for TSV, a number or a boolean bare where Turtle reads it back so; a
    triple term as ``<<( s p o )>>``: as the engine writes them."""
    if isinstance(term, ox.Triple):
        return f"<<( {term} )>>"
    if isinstance(term, ox.Literal) and term.datatype is not None:
        short = _TURTLE_SHORT_FORMS.get(term.datatype.value)
        if short is not None and short.fullmatch(term.value):
            return term.value
    return str(term)


class CsvWriter(SolutionWriter):
    """SPARQL 1.1 Query Results CSV: plain values, CRLF line ends."""

    media_type = results_format("csv").media_type

    def head(self) -> str:
        return ",".join(self.variables) + "\r\n"

    def _row(self, solution: Solution) -> str:
        return ",".join(_csv_cell(solution.get(v)) for v in self.variables) + "\r\n"


class TsvWriter(SolutionWriter):
    """SPARQL 1.1 Query Results TSV: terms in Turtle syntax, ``?`` before each variable."""

    media_type = results_format("tsv").media_type

    def head(self) -> str:
        return "\t".join("?" + v for v in self.variables) + "\n"

    def _row(self, solution: Solution) -> str:
        return "\t".join(_tsv_cell(solution[v]) if v in solution else "" for v in self.variables) + "\n"


WRITERS: dict[str, type[SolutionWriter]] = {
    w.media_type: w for w in (JsonWriter, XmlWriter, CsvWriter, TsvWriter)
}
"""Solution formats by media type, in the server's order of preference."""
BOOLEAN_MEDIA_TYPES = [JsonWriter.media_type, XmlWriter.media_type]
"""The formats that have a boolean form (ASK)."""


@dataclass
class Cut:
    """A document written under limits, and whether (and why) it was cut."""

    text: str
    truncated: str | None = None
    """``None``, ``"rows"`` or ``"bytes"``."""


def write_limited(
    writer: SolutionWriter, solutions: Iterable[Solution], max_rows: int, max_bytes: int
) -> Cut:
    """Write solutions until the next one would pass ``max_rows`` or ``max_bytes`` (UTF-8); the
    solutions are read one at a time, so a huge result costs no more than the limits."""
    parts = [writer.head()]
    size = len(parts[0].encode("utf-8")) + len(writer.tail().encode("utf-8")) + 8
    for solution in solutions:
        if writer.count == max_rows:
            return Cut("".join(parts) + writer.tail(), "rows")
        piece = writer.row(solution)
        size += len(piece.encode("utf-8"))
        if size > max_bytes:
            writer.count -= 1
            return Cut("".join(parts) + writer.tail(), "bytes")
        parts.append(piece)
    return Cut("".join(parts) + writer.tail())
