"""Layer 2: SPARQL: the query guard, the saved-query catalogue, parameters and running, result
writers, expected results."""
