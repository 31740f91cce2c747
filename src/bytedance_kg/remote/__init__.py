"""Layer 7: remote SPARQL stores: the protocol client and the Graph Store upload."""
