"""How the site words the graph's terms for a person: a property's label as words, a link named
from the side of the thing it points to, a date's own brackets taken out of a sentence's. The
things' pages (:mod:`.summary`) and the charts' captions (:mod:`.charts`) say things the same way."""

from __future__ import annotations

import re

import pyoxigraph as ox

from bytedance_kg.sparql.querying import compact

VERB = re.compile(r"^(has|is|was|were|had)\b|\b(to|of|by|from|in|at|on|with|about|for)$")
"""A property label that reads as a verb phrase between its subject and object (``reports to``)."""


_ORG = "http://www.w3.org/ns/org#"
_SCHEMA = "https://schema.org/"
_KG = "https://w3id.org/bytedance-kg/ontology#"
FROM_THE_OBJECTS_SIDE = {
    _ORG + "organization": "has membership",
    _ORG + "member": "has membership",
    _ORG + "role": "role in",
    _ORG + "headOf": "headed by",
    _ORG + "reportsTo": "reported to by",
    _ORG + "memberOf": "has member",
    _ORG + "hasMember": "member of",
    _ORG + "subOrganizationOf": "has unit",
    _ORG + "transitiveSubOrganizationOf": "has unit (at any depth)",
    _ORG + "hasSubOrganization": "unit of",
    _ORG + "memberDuring": "period of",
    _SCHEMA + "subOrganization": "unit of",
    _SCHEMA + "parentOrganization": "parent organization of",
    _SCHEMA + "performer": "presented at",
    _SCHEMA + "author": "author of",
    _SCHEMA + "founder": "founder of",
    _SCHEMA + "organizer": "organizer of",
    _SCHEMA + "attendee": "attended",
    _SCHEMA + "about": "subject of",
    _SCHEMA + "mentions": "mentioned in",
    _SCHEMA + "observationAbout": "observed in",
    _SCHEMA + "variableMeasured": "measured in",
    _SCHEMA + "recordedAt": "recorded here",
    "http://www.w3.org/ns/prov#wasAttributedTo": "author of",
    "http://www.w3.org/ns/prov#wasInfluencedBy": "influenced",
    "http://www.w3.org/2006/time#hasTime": "time of",
    "http://www.w3.org/2006/time#inDateTime": "time of",
    "http://www.w3.org/2006/time#hasBeginning": "beginning of",
    "http://www.w3.org/2006/time#hasEnd": "end of",
    "http://www.w3.org/2006/time#inside": "within",
    "http://www.w3.org/2004/02/skos/core#related": "related to",
    _KG + "establishedUnit": "established in",
    _KG + "namedUnit": "named in",
    _KG + "promotedPerson": "promoted in",
    _KG + "ledByUnit": "leads",
    _KG + "outranks": "outranked by",
    _KG + "rebuts": "rebutted by",
    _KG + "resultOf": "has result",
    _KG + "relativeTo": "reference point of",
    _KG + "drawnFrom": "source of",
    _KG + "validDuring": "period of",
}
"""What a property says read from its object's side (``Liang Rubo`` *presented at* the all-staff
meeting whose ``schema:performer`` he is): the inverse's name where the vocabulary has one
(``org:hasMembership`` for ``org:member``), else words that a person would use."""


def from_the_objects_side(label: str, iri: str) -> str:
    """The name of a link seen from the thing it points to (:data:`FROM_THE_OBJECTS_SIDE`); for a
    property not listed, its label with "of" (``performer of``)."""
    return FROM_THE_OBJECTS_SIDE.get(iri) or f"{label} of"


def readable(label: str, iri: str) -> str:
    """A property's label as words: ``unit Of`` and ``wasAttributedTo`` (a camel-cased label or
    local name) become ``unit of`` and ``was attributed to``; a prefixed name that stood in for a
    missing label becomes its local name in words."""
    if label == compact(ox.NamedNode(iri)) or not label:
        label = re.split(r"[#/:]", iri)[-1]
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", label)
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in spaced.split())


def unbracketed(label: str) -> str:
    """An instant's label without its own brackets, for words that go inside the page's:
    ``April (2024, read from context)`` is ``April 2024, the year read from context``."""
    return re.sub(r" \((\d{4}), read from context\)", r" \1, the year read from context", label)
