"""Running SPARQL on the release: parameters, the store, result formats, and result comparison.

Queries run on an embedded pyoxigraph store (fast to load, strict, and the same engine the server
uses). Parameters are bound by appending a SPARQL ``VALUES`` clause built from parsed, validated
RDF terms, never by pasting text into the query, so the same query text runs on any engine.
Results compare as multisets of rows with datatypes and language tags kept; that is how the
expected results in ``queries/expected/`` are checked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox
import rdflib
from rdflib.query import ResultRow

from bytedance_kg.project.errors import InputError, UsageError
from bytedance_kg.project.namespaces import ALL_PREFIXES, SPARQL_SERVICE
from bytedance_kg.rdf.lexical import XSD_INTEGER, XSD_STRING, canonical_literal
from bytedance_kg.rdf.terms import to_ox, to_ox_predicate, to_ox_subject
from bytedance_kg.sparql.catalogue import SavedQuery
from bytedance_kg.sparql.guard import CheckedQuery, QueryRefused, check_query, offset_at
from bytedance_kg.sparql.results import WRITERS, JsonWriter, Term
from bytedance_kg.system.stack import with_engine_stack

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')

Row = frozenset[tuple[str, tuple[str, str, str, str]]]
"""One solution: (variable, (kind, value, datatype, language)) pairs, unbound variables left out."""


def expand_iri(text: str) -> str:
    """A full IRI from ``<...>``, a bare absolute IRI or a project prefixed name (``unit:flow``)."""
    value = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    prefix, colon, local = value.partition(":")
    if colon and prefix in ALL_PREFIXES and not local.startswith("//"):
        value = ALL_PREFIXES[prefix] + local
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) or _IRI_FORBIDDEN.search(value):
        raise UsageError(f"not an IRI: {text!r} (give <https://...>, or a prefixed name such as unit:flow)")
    return value


def parse_param_term(query: SavedQuery, name: str, text: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for ``--param name=text``, checked against the parameter's declared type."""
    param = query.param(name)
    if param.type == "IRI":
        return ox.NamedNode(expand_iri(text))
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise UsageError(f"parameter '{name}' needs an integer, not {text!r}")
        return ox.Literal(text, datatype=ox.NamedNode(XSD_INTEGER))
    return ox.Literal(text)


_OUTER_GROUP = re.compile(r"\b(WHERE|ASK)\s*\{", re.IGNORECASE)


def bind(query: SavedQuery, assignments: list[str]) -> str:
    """The query text with an inline ``VALUES`` block for each ``name=value`` assignment.

    The block opens the query's outermost group (``WHERE {`` or ``ASK {``), so the binding is
    joined before any FILTER runs, on every engine: a trailing VALUES clause would join only after
    the pattern and its filters, and Virtuoso rejects it outside SELECT.
    """
    terms: dict[str, ox.NamedNode | ox.Literal] = {}
    for assignment in assignments:
        name, eq, value = assignment.partition("=")
        if not eq or not name:
            raise UsageError(f"--param takes name=value, not {assignment!r}")
        if name in terms:
            raise UsageError(f"--param {name} is given twice")
        terms[name] = parse_param_term(query, name, value)
    missing = [p.name for p in query.params if p.required and p.name not in terms]
    if missing:
        raise UsageError(
            f"query '{query.name}' needs --param {missing[0]}=... ({query.param(missing[0]).doc})"
        )
    if not terms:
        return query.text
    body_start = _prologue_end(query.text)
    match = _OUTER_GROUP.search(query.text, body_start)
    if match is None:
        raise UsageError(f"query '{query.name}' has no WHERE group to bind parameters in")
    values = "".join(f"\n  VALUES ?{name} {{ {term} }}" for name, term in sorted(terms.items()))
    return query.text[: match.end()] + values + query.text[match.end() :]


def _prologue_end(text: str) -> int:
    """Offset of the first line that is not a comment, a PREFIX/BASE declaration or blank."""
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith(("#", "PREFIX", "BASE")):
            break
        offset += len(line)
    return offset


@dataclass
class QueryOutcome:
    """What a query returned: solutions, a boolean, or triples."""

    variables: list[str]
    rows: list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]] | None = None
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None


NOT_SPARQL = {"LATERAL", "SERVICE"}
"""Names pyoxigraph's parser lists among what it expected that a person cannot write here: an
extension of the engine's to SPARQL 1.1, and ``SERVICE``, which the guard refuses (its internal
rules, such as ``[_]``, are bracketed like character classes and left out with them)."""

BUILT_IN_CALLS = frozenset(
    """STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT SUBSTR
    STRLEN REPLACE UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR
    MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512
    COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX COUNT
    SUM MIN MAX AVG SAMPLE GROUP_CONCAT TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LANGDIR HASLANG
    HASLANGDIR STRLANGDIR NOT ADJUST""".split()
)
"""SPARQL's built-in functions and aggregates (SPARQL 1.1 Query, 17.4 and 18.5, and RDF 1.2's),
the words that begin an expression, and Oxigraph's own function ``ADJUST``.
When pyoxigraph's parser expects only some of these, the list is the last alternatives it tried of
a function call, wherever the mistake is (``STRDT("x")``, one argument short, gave "expected
ENCODE_FOR_URI" at the alias after it): no hint is better than that one."""

LAST_ALTERNATIVES = frozenset(
    {"BIND", "OPTIONAL", "FILTER", "MINUS", "GRAPH", "VALUES", "DISTINCT", "REDUCED"}
)
"""Keywords the parser names alone where it tried them last of several, wherever the mistake is
(``{ ?s ?p ?o ?x }`` gave "expected BIND", ``GRAPH { ... }`` "expected OPTIONAL", ``SELECT (1)``
"expected DISTINCT"): alone, they are left out of the hint."""


def engine_error(
    error: SyntaxError, checked: CheckedQuery | None = None, base_iri: str | None = None
) -> tuple[str, int | None, int | None]:
    """A one-line message and the (original) line and column of a pyoxigraph syntax error.

    pyoxigraph lists every character class it would have accepted (``['A' ..= 'Z' | ...]``), which
    is noise to a person; the list is cut to the names of what was expected. A text whose ``LIMIT``
    the guard lowered (the endpoint's, :attr:`CheckedQuery.row_limit`) is parsed again as written,
    so that the endpoint and the command line name the same error at the same place.
    """
    if checked is not None and checked.row_limit is not None:
        as_written = check_query(checked.source)
        try:
            ox.Store().query(as_written.text, base_iri=base_iri)
        except SyntaxError as unbounded:
            error, checked = unbounded, as_written
        except (OSError, RuntimeError, ValueError):  # parsed (the error was the LIMIT's): keep it
            pass
    message = str(error.msg if hasattr(error, "msg") else error)
    place = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
    line, column = (int(place[1]), int(place[2])) if place else (error.lineno, error.offset)
    if place:
        message = place[3]
    message = " ".join(message.split())
    if checked is not None and line is not None:
        line, column = checked.place(line, column or 1)
    ended = _ended_after(checked.source, line, column) if checked else None
    message = ended or _readable_expectation(
        message, _found(checked.source, line, column) if checked else None
    )
    if len(message) > 200:
        message = message[:199] + "…"
    return message, line, column


ENDS_AFTER = {
    "SELECT": 'a variable, "(", "*", DISTINCT or REDUCED',
    "DISTINCT": 'a variable, "(" or "*"',
    "REDUCED": 'a variable, "(" or "*"',
    "CONSTRUCT": '"{" or WHERE',
    "ASK": '"{" or WHERE',
    "DESCRIBE": 'an IRI, a variable or "*"',
    "WHERE": '"{"',
    "FROM": "an IRI or NAMED",
    "NAMED": "an IRI",
    "ORDER": "BY",
    "GROUP": "BY",
    "BY": "an expression",
    "ASC": '"("',
    "DESC": '"("',
    "HAVING": "an expression",
    "VALUES": 'a variable or "("',
    "OPTIONAL": '"{"',
    "MINUS": '"{"',
    "UNION": '"{"',
    "GRAPH": "an IRI or a variable",
    "FILTER": "an expression",
    "BIND": '"("',
}
"""What each keyword needs after it, said when a query ends right after it: there the parser names
the keyword's own alternatives instead (``ORDER`` at the end: "expected one of GROUP, LIMIT")."""


def _ended_after(text: str, line: int | None, column: int | None) -> str | None:
    """ "the query ends after 'ORDER' (expected BY)" when the error's place is a keyword of
    :data:`ENDS_AFTER` followed by nothing but white space and comments; else None."""
    if line is None or column is None:
        return None
    offset = offset_at(text, line, column)
    if offset is None:
        return None
    word = re.compile(r"[A-Za-z]+").match(text, offset)
    if word is None or word[0].upper() not in ENDS_AFTER:
        return None
    if not re.fullmatch(r"(?:\s|#[^\r\n]*)*", text[word.end() :]):
        return None
    return f"the query ends after {word[0]!r} (expected {ENDS_AFTER[word[0].upper()]})"


def _found(text: str, line: int | None, column: int | None) -> str | None:
    """What stands at a 1-based line and column of ``text``: a word, a variable, an IRI or one
    character (quoted), or "end of the query"."""
    if line is None or column is None:
        return None
    offset = offset_at(text, line, column)
    rest = "" if offset is None else text[offset:].lstrip()
    if not rest:
        return "end of the query"
    token = re.match(r"[?$]?\w[\w-]*|<[^>\s]{0,60}>?|\S", rest)
    assert token is not None  # rest starts with a non-space character, which \S matches
    return repr(token[0][:60])


_EXPECTED_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\'"]|\'(?:[^\'\\]|\\.)*\')*\]|[^,]+')
"""One item of pyoxigraph's "expected one of" list: a quoted token, a character class, or a name."""


def _readable_expectation(message: str, found: str | None) -> str:
    """pyoxigraph's "expected one of A, B, ..." as "unexpected X (expected ...)", and what stands at
    the place named first. The engine's list names the alternatives of the rules it tried last, so
    it is a hint, not the grammar, and often a misleading one; what is kept of it:

    - a sentence in the list (a check after the parse: "The SELECT contains a variable that is
      unbound", "Duplicated variable name in SELECT") is the message itself;
    - tokens (``"{"``), keywords, "a digit" for a class of digits and "a valid IRI";
    - function names (:data:`BUILT_IN_CALLS`), several of them said as "an expression", one alone
      left out, as is a lone keyword of :data:`LAST_ALTERNATIVES`;
    - not character classes, what no one can write (:data:`NOT_SPARQL`), or repeats."""
    expected = re.fullmatch(r"expected (?:one of )?(.*)", message, re.S)
    if expected is None:
        return message
    names: list[str] = []
    functions = 0
    for match in _EXPECTED_ITEM.finditer(expected[1]):
        item = match[0].strip()
        if item == "IRI parsing failed":
            item = "a valid IRI"
        elif " " in item and not item.startswith(('"', "[")):  # a sentence: the error itself
            return item  # its place is where the parser noticed, not what it names: none is added
        elif re.fullmatch(r"\[\s*'0'\s*\.\.=\s*'9'\s*\]", item):
            item = "a digit"
        elif item.upper() in BUILT_IN_CALLS:
            functions += 1
            continue
        if not item or item.startswith("[") or item in NOT_SPARQL:
            continue
        if item not in names:
            names.append(item)
    if functions > 1 or (functions and names):
        names.append("an expression")
    if len(names) == 1 and names[0] in LAST_ALTERNATIVES:
        names = []
    shown = ", ".join(names[:15]) + (", …" if len(names) > 15 else "")
    hint = ("expected " + ("one of " if len(names) > 1 else "") + shown) if names else ""
    if found is None:
        return hint or "syntax error"
    return f"unexpected {found}" + (f" ({hint})" if hint else "")


def run_query(
    store: ox.Store,
    text: str,
    origin: str = "query",
    default_graphs: list[str] | None = None,
    checked: CheckedQuery | None = None,
    base_iri: str | None = None,
) -> QueryOutcome:
    """Run ``text`` on ``store`` (over ``default_graphs`` if given); a syntax error becomes an error
    naming its position (in the client's text, when ``checked`` maps it back). Only the project's
    own query texts come here directly; a user's goes through :func:`run_user_query`."""
    try:
        result = store.query(
            text,
            default_graph=[ox.NamedNode(g) for g in default_graphs] if default_graphs else None,
            base_iri=base_iri,
        )
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome([], boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            # a solution is read as the sequence of its values (in the variables' order): asked by
            # name, each value cost a look-up, twice (at a million triples, 2 s for 90k rows)
            rows = [
                {v: value for v, value in zip(variables, solution, strict=True) if value is not None}
                for solution in result
            ]
            return QueryOutcome(variables, rows=rows)
        return QueryOutcome([], triples=list(result))
    except SyntaxError as error:
        message, line, column = engine_error(error, checked, base_iri)
        raise InputError(origin, f"SPARQL syntax error: {message}", line, column) from None
    except (OSError, RuntimeError, ValueError) as error:  # evaluation errors (a bad regex, a custom function)
        raise InputError(origin, f"the query failed: {' '.join(str(error).split())[:300]}") from None


def guard(text: str, origin: str, prefixes: Collection[str] = ()) -> CheckedQuery:
    """The guard's verdict on a user's query text, as an input error naming the place (``prefixes``:
    those declared outside the text, see :func:`check_query`)."""
    try:
        return check_query(text, prefixes=prefixes)
    except QueryRefused as refused:
        raise InputError(origin, refused.message, refused.line, refused.column) from None


def run_user_query(
    store: ox.Store, text: str, origin: str = "query", default_graphs: list[str] | None = None
) -> QueryOutcome:
    """Run a query a user wrote: through the guard (only its canonical text reaches the engine),
    on a thread with the engine's large stack. ``default_graphs`` is the service's default graph,
    as on ``/sparql``: a query that names its own dataset (``FROM``, ``FROM NAMED``) gets exactly
    that instead. The caller confines the process first where it can
    (:func:`bytedance_kg.system.sandbox.forbid_network`)."""
    return run_checked(store, guard(text, origin), origin, default_graphs)


def run_checked(
    store: ox.Store, checked: CheckedQuery, origin: str, default_graphs: list[str] | None = None
) -> QueryOutcome:
    """:func:`run_user_query` for a text the guard has passed (``checked``). A relative IRI is
    resolved against the endpoint's IRI, as ``/sparql`` resolves it: the same text, the same answer."""
    graphs = None if checked.has_dataset else default_graphs
    return with_engine_stack(lambda: run_query(store, checked.text, origin, graphs, checked, SPARQL_SERVICE))


def run_rdflib(graph: rdflib.Graph, text: str, origin: str = "query") -> QueryOutcome:
    """Run ``text`` with rdflib's engine, with the same outcome shape as :func:`run_query`."""
    checked = guard(text, origin)
    if checked.has_dataset:  # rdflib would load what FROM names (files, URLs): never from a query text
        raise InputError(
            origin, "FROM and FROM NAMED are not accepted with rdflib's engine: it would load what they name"
        )
    try:
        result = graph.query(checked.text)
    except Exception as error:  # pyparsing's ParseException and rdflib's own errors
        raise InputError(origin, f"SPARQL error: {error}") from None
    if result.type == "ASK":
        return QueryOutcome([], boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None  # rdflib's answer to a graph query (what iterating it reads)
        return QueryOutcome(
            [],
            triples=[ox.Triple(to_ox_subject(s), to_ox_predicate(p), to_ox(o)) for s, p, o in result.graph],
        )
    variables = [str(v) for v in result.vars or []]
    # rdflib types a result's rows as those of every query form; a SELECT's are ResultRows
    rows = [
        {v: to_ox(row[v]) for v in variables if row[v] is not None}
        for row in cast(Iterable[ResultRow], result)
    ]
    return QueryOutcome(variables, rows=rows)


def term_key(term: Term) -> tuple[str, str, str, str]:
    """A comparable form of a term (:func:`~bytedance_kg.rdf.lexical.canonical_term`): kind, value,
    datatype (xsd:string if none), language."""
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", "", "", "")  # labels are arbitrary; compare blank nodes by position only
    literal = canonical_literal(term)
    language = literal.language or ""
    datatype = "" if language else (literal.datatype.value if literal.datatype else XSD_STRING)
    return ("literal", literal.value, datatype, language)


def outcome_rows(outcome: QueryOutcome) -> Counter[Row]:
    assert outcome.rows is not None
    return Counter(frozenset((v, term_key(t)) for v, t in row.items()) for row in outcome.rows)


def serialise(outcome: QueryOutcome, media_type: str) -> str:
    """A whole solutions or boolean outcome in one of the SPARQL results formats (:mod:`results`)."""
    writer = WRITERS[media_type]
    if outcome.boolean is not None:
        return writer.boolean(outcome.boolean)
    assert outcome.rows is not None
    return writer(outcome.variables).whole(outcome.rows)


def to_sparql_json(outcome: QueryOutcome) -> str:
    """SPARQL 1.1 Query Results JSON, in row order, indented (the expected files' form)."""
    return serialise(outcome, JsonWriter.media_type)


def to_ntriples(triples: list[ox.Triple]) -> str:
    """Sorted N-Triples, one triple a line: the engine-neutral form of a graph result."""
    return "".join(sorted(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples))


def compact(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    """A short, readable form of a term for tables: prefixed names and plain literal values; a
    triple term's three parts so, between ``<<(`` and ``)>>``."""
    if isinstance(term, ox.Triple):
        return "<<( " + " ".join(compact(part) for part in term) + " )>>"
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in sorted(ALL_PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace) :]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)
