"""Layer 8: the linked-data server: SPARQL endpoint, dereferenceable IRIs and HTML pages."""
