"""Layer 1: RDF plumbing: strict parsing, rdflib/pyoxigraph term conversion, canonical forms, the
JSON-LD writer."""
