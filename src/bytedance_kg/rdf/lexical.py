"""XSD literals' canonical lexical forms (XML Schema 1.1 Part 2), and the XSD IRIs the package
names, in one place.

Two engines, two files or an engine and a file can write the same value differently (``1e3``,
``1000.0``, ``1.0E3``); a comparison of answers must compare values, so both sides are put in
the one canonical form first (:func:`canonical_term`).
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
_Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", "\\": "\\", '"': '"', "'": "'"}
"""The character escapes of a string (``\\t`` ... ``\\'``), the same in Turtle and in SPARQL (the
grammars' ``ECHAR``), each with the character it stands for."""

INTEGER_TYPES = frozenset(  # xsd:integer and the types XSD derives from it
    XSD + name
    for name in (
        "integer",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
_TIME_TYPES = frozenset(
    XSD + name
    for name in (
        "dateTime",
        "dateTimeStamp",
        "time",
        "date",
        "gYear",
        "gYearMonth",
        "gMonth",
        "gDay",
        "gMonthDay",
    )
)
_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}
_INTEGER = re.compile(r"([+-]?)(\d+)", re.ASCII)
_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?", re.ASCII)
_FLOATING = re.compile(r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF|inf)|NaN|nan", re.ASCII)
"""A double's or a float's lexical form, or rdflib's spelling of infinity and NaN (``inf``, ``nan``)."""
_SECONDS_FRACTION = re.compile(r"(:\d\d)\.(\d*?)0*(?=Z|[+-]\d\d:\d\d|\Z)", re.ASCII)
_ZERO_ZONE = re.compile(r"[+-]00:00\Z", re.ASCII)


def canonical_lexical(value: str, datatype: str) -> str:
    """The canonical lexical form (XML Schema 1.1 Part 2) of a literal's value, for the datatypes
    whose forms the engines write differently; any other literal's (and an ill-typed number's) as it is.

    rdflib writes ``"1e3"^^xsd:double`` as ``1000.0`` and keeps ``"10.50"^^xsd:decimal``; pyoxigraph's
    store writes them ``1000`` and ``10.5``: the same values, told apart only by the serialiser. So
    results compare by this form on both sides: integers without sign or leading zeros, decimals
    without superfluous zeros, doubles and floats as ``1.0E3`` (a float rounded to 32 bits first),
    booleans as ``true``/``false``, dates and times with ``Z`` for a zero time zone and no trailing
    zeros in the seconds."""
    if datatype in INTEGER_TYPES:
        match = _INTEGER.fullmatch(value)
        if match:
            digits = match[2].lstrip("0") or "0"
            return ("-" if match[1] == "-" and digits != "0" else "") + digits
    elif datatype == XSD + "decimal":
        match = _DECIMAL.fullmatch(value)
        if match and (match[2] or match[3]):
            whole, fraction = match[2].lstrip("0") or "0", (match[3] or "").rstrip("0")
            sign = "-" if match[1] == "-" and (whole != "0" or fraction) else ""
            return sign + whole + ("." + fraction if fraction else "")
    elif datatype in (XSD + "double", XSD + "float"):
        if _FLOATING.fullmatch(value):
            return _canonical_floating(float(value), single=datatype == XSD + "float")
    elif datatype == XSD + "boolean":
        return _BOOLEANS.get(value, value)
    elif datatype in _TIME_TYPES:
        value = _SECONDS_FRACTION.sub(lambda m: m[1] + ("." + m[2] if m[2] else ""), value)
        return _ZERO_ZONE.sub("Z", value)
    return value


def _canonical_floating(number: float, single: bool) -> str:
    """XML Schema 1.1's canonical form of a double (or of a float: ``single``): ``1.5E2``, ``0.0E0``,
    ``-INF``, ``NaN``."""
    if single:
        try:
            number = struct.unpack("f", struct.pack("f", number))[0]
        except OverflowError:  # beyond a float's range: rounds to infinity
            number = math.copysign(math.inf, number)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "INF" if number > 0 else "-INF"
    if number == 0:
        return "-0.0E0" if math.copysign(1, number) < 0 else "0.0E0"
    text = repr(number)  # the fewest digits that give the double back
    if single:  # the fewest that give the float back (nine always do)
        for places in range(9):
            text = f"{number:.{places}e}"
            if struct.unpack("f", struct.pack("f", float(text)))[0] == number:
                break
    sign, digits, exponent = Decimal(text).as_tuple()
    shown = "".join(map(str, digits)).rstrip("0")
    assert isinstance(exponent, int)  # a finite number's
    power = exponent + len(digits) - 1
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"


def canonical_term(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple,
) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
    """``term`` with its value in :func:`canonical_lexical` form and its language tag in lower case
    (RDF 1.1: tags are compared so; pyoxigraph writes them so, rdflib as given): the one form in
    which expected and actual results are compared, whichever engine or file each comes from."""
    return canonical_literal(term) if isinstance(term, ox.Literal) else term


def canonical_literal(literal: ox.Literal) -> ox.Literal:
    """A literal in :func:`canonical_term`'s form."""
    if literal.language:
        return ox.Literal(literal.value, language=literal.language.lower())
    value = canonical_lexical(literal.value, literal.datatype.value if literal.datatype else XSD_STRING)
    return literal if value == literal.value else ox.Literal(value, datatype=literal.datatype)
