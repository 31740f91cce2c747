"""Layer 3: the build's checks: the sources, stated and implied evidence, the article and its quotes,
the engines that reason and validate, the quality gates."""
