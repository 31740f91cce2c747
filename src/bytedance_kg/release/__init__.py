"""Layer 4: the release: the writers of every distribution, VoID, the RDF 1.2 variant, and the
release folders that builds and servers share."""
