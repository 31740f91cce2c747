"""Layer 0: the project's vocabulary and layout: namespaces, paths, release file names, graph IRIs,
error types. Imports nothing from the rest of the package."""
