"""The linked-data server: SPARQL endpoint, dereferenceable IRIs and HTML pages."""
