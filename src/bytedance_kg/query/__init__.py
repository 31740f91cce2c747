"""Layer 6: querying the release: the store a query runs on, describing one thing, statistics."""
