"""Layer 0: what the process asks of the operating system: no network (seccomp, namespaces) and a
large stack for the query engine."""
